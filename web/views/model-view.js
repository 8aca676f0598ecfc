// Model view: every layer x head as a small heatmap (one canvas), and the selected head large with
// token labels, a hover tooltip and click-to-explain.
import { headSlice, labelThreshold, SCORES } from '../analysis.js';
import { headColor } from '../colors.js';
import { setHtml } from '../dom.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class ModelView {
  /** elements: { grid, large, title } canvases / heading; callbacks: onSelectHead({layer, head}), onSelectCell({i, j}) */
  constructor({ grid, large, title }, { tooltip, onSelectHead, onSelectCell, maxWidth }) {
    this.grid = new HeatmapGrid(grid, { onSelect: onSelectHead, maxWidth, tooltip });
    this.large = new LargeHeatmap(large, tooltip, { onSelect: onSelectCell, maxWidth });
    this.title = title;
  }

  initialize() {
    this.grid.initialize();
    this.large.initialize();
  }

  /** frame = { state, config, attention, tokens, T, labels, labelText(l, h), describeScores(l, h), describeOffline(l, h), focus (a score key or null) } */
  render({ state: s, config: { nLayer, nHead }, attention, tokens, T, labels, labelText, describeScores, describeOffline, focus }) {
    this.grid.render({
      nLayer, nHead, T, kind: 'weight', range: 1, sqrt: s.scale === 'sqrt', headColor,
      get: (l, h) => headSlice(attention, T, nHead, l, h), selected: { layer: s.layer, head: s.head },
      caption: labelText, ablated: (l, h) => s.ablated.has(`${l}.${h}`),
      describeHead: (l, h) => `layer ${l} head ${h}, scores on this text:\n${describeScores(l, h)}\n${describeOffline(l, h)}`.trim(),
    });
    const values = headSlice(attention, T, nHead, s.layer, s.head);
    this.large.render({ values, T, tokens, kind: 'weight', range: 1, sqrt: s.scale === 'sqrt', cell: s.cell, describe: describeCell(tokens, values, T) });
    const live = labels?.head(s.layer, s.head);
    const caption = live ? headCaption(live, labels.chance, focus) : '';
    const offline = describeOffline(s.layer, s.head);
    setHtml(this.title, `Layer ${s.layer}, head ${s.head} <span class="muted">${esc(caption)}</span>` +
      (offline ? `<br><span class="muted small">${esc(offline)}</span>` : ''));
  }
}

/**
 * The heading's words for a head on this text: its labels with score and chance; the `focus` score (the one
 * a preset looked for) even below its threshold; without either, the score furthest above chance.
 */
function headCaption({ scores, labels }, chance, focus) {
  const unearned = (key, name) => `${name} ${scores[key].toFixed(2)} (chance ${chance[key].toFixed(2)}, label at ${labelThreshold(chance[key]).toFixed(2)})`;
  const parts = labels.map((x) => `${x.name} ${x.score.toFixed(2)} (chance ${x.chance.toFixed(2)})`);
  const focused = SCORES.find((x) => x.key === focus);
  if (focused && scores[focus] !== null && !labels.some((x) => x.key === focus)) parts.push(unearned(focus, focused.name));
  if (parts.length) return parts.join(', ');
  let best = null;
  for (const { key, name } of SCORES) {
    if (scores[key] === null || chance[key] >= 1) continue;
    const lift = (scores[key] - chance[key]) / (1 - chance[key]);
    if (!best || lift > best.lift) best = { key, name, lift };
  }
  return best ? `no label; nearest: ${unearned(best.key, best.name)}` : 'no label';
}
