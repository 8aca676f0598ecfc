// Compare view: text A (the main input) and text B side by side, the difference A - B of every head
// on a diverging scale, the selected head large, and both next-token predictions.
import { headSlice } from '../analysis.js';
import { headColor } from '../colors.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';
import { percent } from './predictions.js';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const LARGEST_LISTED = 3;

export class CompareView {
  constructor({ grid, large, title, tokensA, tokensB, hint, predictions }, { tooltip, onSelectHead, maxWidth }) {
    this.grid = new HeatmapGrid(grid, { onSelect: onSelectHead, maxWidth, tooltip });
    this.large = new LargeHeatmap(large, tooltip, { maxWidth });
    Object.assign(this, { title, tokensA, tokensB, hint, predictions });
  }

  initialize() {
    this.grid.initialize();
    this.large.initialize();
  }

  /** frame = { state, config, run, runB, difference, predictions, predictionsB } */
  render({ state: s, config, run, runB, difference: d, predictions, predictionsB }) {
    const tokens = run.tokens, T = run.ids.length, { nLayer, nHead } = config;
    this.tokensA.innerHTML = tokens.map((t) => `<span>${esc(t)}</span>`).join('');
    if (!runB || !d) {
      this.tokensB.innerHTML = '';
      this.hint.textContent = 'Type a second text B to compare.';
      return;
    }
    const tokensB = runB.tokens, TB = runB.ids.length;
    this.tokensB.innerHTML = tokensB.map((t, n) => `<span class="${tokens[n] !== t ? 'focus' : ''}">${esc(t)}</span>`).join('');
    const differing = tokensB.map((t, n) => (tokens[n] !== t ? n : -1)).filter((n) => n >= 0 && n < d.T);
    const largest = [...d.maxAbs.keys()].sort((a, b) => d.maxAbs[b] - d.maxAbs[a]).slice(0, LARGEST_LISTED)
      .map((k) => `L${Math.floor(k / nHead)}H${k % nHead} (${d.maxAbs[k].toFixed(2)})`);
    this.hint.textContent = `A − B per head over the first ${d.T} positions` +
      (T !== TB ? ` (A has ${T} tokens, B ${TB})` : '') +
      (differing.length ? `; tokens differ from position ${differing[0]} on, so every earlier row is identical (causal mask)` : '; same tokens') +
      `. Largest changes: ${largest.join(', ')}.`;
    const range = d.range || 1, dT = d.T, size = dT * dT;
    const slice = (l, h) => d.diff.subarray((l * nHead + h) * size, (l * nHead + h + 1) * size);
    this.grid.render({
      nLayer, nHead, T: dT, kind: 'diff', range, headColor,
      get: slice, selected: { layer: s.layer, head: s.head }, caption: (l, h) => `Δ ${d.maxAbs[l * nHead + h].toFixed(2)}`,
      describeHead: (l, h) => `layer ${l} head ${h}\nmax |A − B| ${d.maxAbs[l * nHead + h].toFixed(4)}`,
    });
    const values = slice(s.layer, s.head);
    const a = headSlice(run.attention, T, nHead, s.layer, s.head);
    const b = headSlice(runB.attention, TB, nHead, s.layer, s.head);
    this.title.textContent = `Layer ${s.layer}, head ${s.head}: A − B`;
    this.large.render({
      values, T: dT, tokens: tokens.slice(0, dT).map((t, n) => (t === tokensB[n] ? t : `${t}/${tokensB[n]}`)), kind: 'diff', range, cell: null,
      describe: describeCell(tokens, values, dT, (i, j) => `A ${a[i * T + j].toFixed(4)}  B ${b[i * TB + j].toFixed(4)}\nA − B ${values[i * dT + j].toFixed(4)}`),
    });
    const list = (title, items) => `<div><strong>${esc(title)}</strong><ol class="predictions">${items.map((p) =>
      `<li><span class="token">${esc(p.token)}</span><span class="bar"><span style="width:${(100 * p.probability).toFixed(1)}%"></span></span><span class="prob">${percent(p.probability)}</span></li>`).join('')}</ol></div>`;
    this.predictions.innerHTML = list('next token after A', predictions) + list('next token after B', predictionsB);
  }
}
