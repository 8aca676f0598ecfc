// Compare view: text A (the main input) and text B side by side, the difference A - B of every head
// on a diverging scale, the selected head large, and both next-token predictions. The default export
// is the view (views/registry.js).
import { headSlice } from '../analysis.js';
import { headColor } from '../colors.js';
import { escapeHtml, setHtml, setText } from '../dom.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';
import { differenceLegend } from './legend.js';
import { percent } from './predictions.js';
import { t } from '../i18n.js';

const LARGEST_LISTED = 3;
// The diverging scale spans at least ±DIFF_SCALE_MIN: float rounding (two runs of different lengths differ
// by ~1e-7 where the tokens agree) must not be stretched to full colour.
const DIFF_SCALE_MIN = 0.01;

const MARKUP = `
  <div class="compare-inputs">
    <div><label data-i18n="compare.a"></label><div id="compare-tokens-a" class="tokens small"></div></div>
    <div><label for="text-b" data-i18n="compare.b"></label><textarea id="text-b" rows="2" spellcheck="false"></textarea>
      <div id="compare-tokens-b" class="tokens small"></div></div>
  </div>
  <p class="hint" id="compare-hint"></p>
  <div class="split">
    <div class="canvas-scroll"><canvas id="compare-grid" tabindex="0" data-i18n-aria="compare.grid"></canvas></div>
    <div class="large">
      <h3 id="compare-title"></h3>
      <div class="canvas-scroll"><canvas id="compare-canvas" tabindex="0" data-i18n-aria="compare.canvas"></canvas></div>
      <div id="compare-predictions" class="compare-predictions"></div>
    </div>
  </div>`;

/** The half-width of the diverging colour scale for a difference. */
const diffScale = (d) => Math.max(d.range, DIFF_SCALE_MIN);

/** Token chips; those differing from `other` at the same position marked, and special tokens ([CLS], [SEP]). */
function tokenChips(tokens, other, special) {
  const classes = (t, n) => [other && other[n] !== t ? 'focus' : '', special?.[n] ? 'special' : ''].join(' ').trim();
  return tokens.map((t, n) => `<span class="${classes(t, n)}" data-raw>${escapeHtml(t)}</span>`).join('');
}

/**
 * The largest changes on cells whose query and key tokens both texts share (an encoder's rows change
 * there too): per head its largest |A − B| on such a cell, the `count` heads with the largest, as
 * [{ layer, head, i, j, query, key, a, b, change }] (a, b: the two weights, change = a − b).
 */
export function sharedChanges({ tokensA, tokensB, a, b, difference: d, nHead }, count = LARGEST_LISTED) {
  const T = d.T,
    TA = tokensA.length,
    TB = tokensB.length;
  const shared = Array.from({ length: T }, (_, n) => tokensA[n] === tokensB[n]);
  const best = [];
  for (let m = 0; m < d.maxAbs.length; ++m) {
    let top = null;
    for (let i = 0; i < T; ++i) {
      if (!shared[i]) continue;
      for (let j = 0; j < T; ++j) {
        const change = d.diff[(m * T + i) * T + j];
        if (shared[j] && (!top || Math.abs(change) > Math.abs(top.change))) top = { i, j, change };
      }
    }
    if (!top) continue;
    const offsetA = (m * TA + top.i) * TA + top.j,
      offsetB = (m * TB + top.i) * TB + top.j;
    best.push({
      layer: Math.floor(m / nHead),
      head: m % nHead,
      ...top,
      query: tokensA[top.i],
      key: tokensA[top.j],
      a: a[offsetA],
      b: b[offsetB],
    });
  }
  return best.sort((x, y) => Math.abs(y.change) - Math.abs(x.change)).slice(0, count);
}

/**
 * The hint under the inputs: what differs, and where the largest per-head changes are (none listed when all
 * are 0). causal: false for an encoder, whose rows of shared tokens change too (named from `shared`, the
 * sharedChanges list).
 */
export function compareHint({ tokensA, tokensB, difference: d, nHead, causal = true, shared = [] }) {
  const TA = tokensA.length,
    TB = tokensB.length;
  const sizes = TA !== TB ? t('compare.sizes', { a: TA, b: TB }) : '';
  const first = tokensB.findIndex((t, n) => n < d.T && tokensA[n] !== t);
  if (first < 0) {
    if (TA === TB) return t('compare.same');
    const [longer, shorter] = TA > TB ? ['A', 'B'] : ['B', 'A'];
    const range = causal ? d.range.toExponential(1) : d.range.toFixed(2);
    return t(causal ? 'compare.extendsCausal' : 'compare.extendsEncoder', { longer, shorter, n: d.T, sizes, range });
  }
  const largest = [...d.maxAbs.keys()]
    .sort((a, b) => d.maxAbs[b] - d.maxAbs[a])
    .slice(0, LARGEST_LISTED)
    .map((k) => `L${Math.floor(k / nHead)}H${k % nHead} (${d.maxAbs[k].toFixed(2)})`);
  if (!causal) {
    const named = shared.map(
      (c) =>
        `L${c.layer}H${c.head} ${JSON.stringify(c.query)} → ${JSON.stringify(c.key)} ` +
        `${c.a.toFixed(2)} → ${c.b.toFixed(2)}`,
    );
    return t('compare.encoder', { n: d.T, sizes, first, named: named.join('; '), largest: largest.join(', ') });
  }
  return t('compare.causal', { n: d.T, sizes, first, largest: largest.join(', ') });
}

function predictionList(title, items) {
  const item = (p) =>
    `<li><span class="token" data-raw>${escapeHtml(p.token)}</span><span class="bar"><span style="width:` +
    `${(100 * p.probability).toFixed(1)}%"></span></span><span class="prob">${percent(p.probability)}</span></li>`;
  return `<div><strong>${escapeHtml(title)}</strong><ol class="predictions">${items.map(item).join('')}</ol></div>`;
}

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

  /** No text B: nothing but A's tokens and a prompt; the pictures of an earlier B are removed. */
  renderEmpty(tokens, special) {
    this.shared = [];
    setHtml(this.tokensA, tokenChips(tokens, null, special));
    setHtml(this.tokensB, '');
    setText(this.hint, t('compare.typeB'));
    setText(this.title, '');
    setHtml(this.predictions, '');
    this.grid.clear();
    this.large.clear();
  }

  /** frame: controller.frame() (compare: A and B as drawn, without [CLS]/[SEP] when they are hidden) */
  render({ state: s, config, compare, difference: d, predictions, predictionsB, causal, predictionKind }) {
    const { tokens, T } = compare.a,
      { nLayer, nHead } = config;
    if (!compare.b || !d) return this.renderEmpty(tokens, compare.a.flags);
    const { tokens: tokensB, T: TB } = compare.b;
    setHtml(this.tokensA, tokenChips(tokens, null, compare.a.flags));
    setHtml(this.tokensB, tokenChips(tokensB, tokens, compare.b.flags));
    const shared = causal
      ? []
      : sharedChanges({
          tokensA: tokens,
          tokensB,
          a: compare.a.attention,
          b: compare.b.attention,
          difference: d,
          nHead,
        });
    this.shared = shared;
    setText(this.hint, compareHint({ tokensA: tokens, tokensB, difference: d, nHead, causal, shared }));
    const range = diffScale(d),
      dT = d.T,
      size = dT * dT;
    const slice = (l, h) => d.diff.subarray((l * nHead + h) * size, (l * nHead + h + 1) * size);
    this.grid.render({
      nLayer,
      nHead,
      T: dT,
      kind: 'diff',
      range,
      causal,
      headColor,
      get: slice,
      selected: { layer: s.layer, head: s.head },
      caption: (l, h) => `Δ ${d.maxAbs[l * nHead + h].toFixed(2)}`,
      describeHead: (l, h) => t('compare.headMax', { layer: l, head: h, max: d.maxAbs[l * nHead + h].toFixed(4) }),
    });
    const values = slice(s.layer, s.head);
    const a = headSlice(compare.a.attention, T, nHead, s.layer, s.head);
    const b = headSlice(compare.b.attention, TB, nHead, s.layer, s.head);
    setText(this.title, t('compare.title', { layer: s.layer, head: s.head }));
    const labels = tokens.slice(0, dT).map((t, n) => (t === tokensB[n] ? t : `${t}/${tokensB[n]}`));
    const cellText = (i, j) =>
      `A ${a[i * T + j].toFixed(4)}  B ${b[i * TB + j].toFixed(4)}\nA − B ${values[i * dT + j].toFixed(4)}`;
    const describe = describeCell(tokens, values, dT, cellText, causal);
    const special = compare.a.flags?.slice(0, dT);
    this.large.render({ values, T: dT, tokens: labels, kind: 'diff', range, cell: null, describe, causal, special });
    this.renderPredictions(predictionKind, predictions, predictionsB);
  }

  /** Both texts' predictions (GPT-2's next token, an encoder's [MASK] guesses), or nothing. */
  renderPredictions(predictionKind, predictions, predictionsB) {
    const [titleA, titleB] = (
      predictionKind === 'masked' ? ['compare.maskedA', 'compare.maskedB'] : ['compare.nextA', 'compare.nextB']
    ).map((key) => t(key));
    setHtml(
      this.predictions,
      predictionKind ? predictionList(titleA, predictions) + predictionList(titleB, predictionsB) : '',
    );
  }
}

export default {
  id: 'compare',
  label: 'compare.tab',
  markup: MARKUP,
  needsTextB: true,
  tokensOnly: true,
  create({ panel, tooltip, actions, widths }) {
    const $in = (id) => panel.querySelector(`#${id}`);
    const textB = $in('text-b');
    textB.addEventListener('input', () =>
      actions.setState({ textB: textB.value }, { recompute: true, debounce: true }),
    );
    const view = new CompareView(
      {
        grid: $in('compare-grid'),
        large: $in('compare-canvas'),
        title: $in('compare-title'),
        tokensA: $in('compare-tokens-a'),
        tokensB: $in('compare-tokens-b'),
        hint: $in('compare-hint'),
        predictions: $in('compare-predictions'),
      },
      { tooltip, onSelectHead: actions.selectHead, maxWidth: widths.split },
    );
    view.initialize();
    return {
      render(frame) {
        if (textB.value !== frame.state.textB) textB.value = frame.state.textB;
        view.render(frame);
      },
      inspect: () => ({ shared: view.shared ?? [], hint: view.hint.textContent }),
      shows: ({ state }) => t('compare.shows', { head: state.head, text: state.textB.slice(0, 60) }),
      legend: ({ difference, state, causal, special }) =>
        difference && state.textB ? differenceLegend(diffScale(difference), { causal, special }) : '',
    };
  },
};
