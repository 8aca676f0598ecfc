// Model view: every layer x head as a small heatmap (one canvas), and the selected head large with
// token labels, a hover tooltip and click-to-explain.
import { headSlice } from '../analysis.js';
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

  /** frame = { state, config, attention, tokens, T, labels, labelText(l, h) } */
  render({ state: s, config: { nLayer, nHead }, attention, tokens, T, labels, labelText, patterns }) {
    const offline = (l, h) => {
      const p = patterns?.heads.get(`${l}.${h}`);
      return p ? `held-out text: ${p.label} (prev ${p.prev}, first ${p.first}, self ${p.self}, delim ${p.delim})` : '';
    };
    this.grid.render({
      nLayer, nHead, T, kind: 'weight', range: 1, sqrt: s.scale === 'sqrt', headColor,
      get: (l, h) => headSlice(attention, T, nHead, l, h), selected: { layer: s.layer, head: s.head },
      caption: labelText, ablated: (l, h) => s.ablated.has(`${l}.${h}`),
      describeHead: (l, h) => `layer ${l} head ${h}\nthis text: ${labels?.head(l, h).labels.map((x) => `${x.name} ${x.score.toFixed(3)}`).join(', ') ?? ''}\n${offline(l, h)}`.trim(),
    });
    const values = headSlice(attention, T, nHead, s.layer, s.head);
    const label = labels?.head(s.layer, s.head).labels[0];
    this.large.render({ values, T, tokens, kind: 'weight', range: 1, sqrt: s.scale === 'sqrt', cell: s.cell, describe: describeCell(tokens, values, T) });
    setHtml(this.title, `Layer ${s.layer}, head ${s.head} <span class="muted">${label ? `${esc(label.name)} (${label.score.toFixed(2)})` : ''}</span>` +
      (offline(s.layer, s.head) ? `<br><span class="muted small">${esc(offline(s.layer, s.head))}</span>` : ''));
  }
}
