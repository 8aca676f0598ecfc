// Compare view: text A (the main input) and text B side by side, the difference A - B of every head
// on a diverging scale, the selected head large, and both next-token predictions. Rows and columns are
// the tokens the two texts share, aligned by their text (analysis.alignTokens), not by position: a token
// inserted in B or deleted from A is marked in the token chips and has no row, and everything after it
// stays aligned with its own. The default export is the view (views/registry.js).
import { alignTokens, headSlice } from '../analysis.js';
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

/** The legend's words on the alignment: matched rows and columns, and how the chips mark the rest. */
const ALIGNMENT_LEGEND = () =>
  `<span>${t('compare.matchedLegend')}</span><span><span class="chip-key deleted">A</span> ${t('compare.onlyA')}</span>` +
  `<span><span class="chip-key inserted">B</span> ${t('compare.onlyB')}</span>`;

/** The half-width of the diverging colour scale for a difference. */
const diffScale = (d) => Math.max(d.range, DIFF_SCALE_MIN);

/** The class and title of a token chip by its alignment op: only in A, only in B, or replaced. */
const CHIP_OP = {
  deleted: { className: 'focus deleted', title: 'compare.onlyA' },
  inserted: { className: 'focus inserted', title: 'compare.onlyB' },
  changed: { className: 'focus', title: null },
};

/** Token chips with their alignment op (ops of this side: per token 'same' | 'changed' | ...) and special marks. */
function tokenChips(tokens, ops, special) {
  return tokens
    .map((token, n) => {
      const kind = CHIP_OP[ops?.[n]];
      const classes = [kind?.className ?? '', special?.[n] ? 'special' : ''].join(' ').trim();
      const title = kind?.title ? ` title="${escapeHtml(t(kind.title))}"` : '';
      return `<span class="${classes}"${title} data-raw>${escapeHtml(token)}</span>`;
    })
    .join('');
}

/** Per token of each side, its op in the alignment: { a: [op], b: [op] }. */
function opsBySide(ops, TA, TB) {
  const a = new Array(TA).fill('same'),
    b = new Array(TB).fill('same');
  for (const x of ops) {
    if (x.a !== undefined) a[x.a] = x.op;
    if (x.b !== undefined) b[x.b] = x.op;
  }
  return { a, b };
}

/**
 * The largest changes on cells whose query and key tokens both texts share (an encoder's rows change
 * there too): per head its largest |A − B| on such a cell, the `count` heads with the largest, as
 * [{ layer, head, i, j, query, key, a, b, change }] (a, b: the two weights, change = a − b).
 */
export function sharedChanges({ tokensA, tokensB, a, b, difference: d, nHead }, count = LARGEST_LISTED) {
  const T = d.T,
    TA = tokensA.length,
    TB = tokensB.length,
    pairs = d.pairs;
  const shared = pairs.map((p) => tokensA[p.a] === tokensB[p.b]);
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
    const offsetA = (m * TA + pairs[top.i].a) * TA + pairs[top.j].a,
      offsetB = (m * TB + pairs[top.i].b) * TB + pairs[top.j].b;
    best.push({
      layer: Math.floor(m / nHead),
      head: m % nHead,
      ...top,
      query: tokensA[pairs[top.i].a],
      key: tokensA[pairs[top.j].a],
      a: a[offsetA],
      b: b[offsetB],
    });
  }
  return best.sort((x, y) => Math.abs(y.change) - Math.abs(x.change)).slice(0, count);
}

/** The edits of an alignment in words ("1 changed, 2 only in B (inserted)") and where in A the first is. */
export function describeEdits(ops) {
  const count = (op) => ops.filter((x) => x.op === op).length;
  const changed = count('changed'),
    deleted = count('deleted'),
    inserted = count('inserted');
  let first = -1,
    seenA = 0;
  for (const x of ops) {
    if (x.op !== 'same') {
      first = seenA;
      break;
    }
    seenA += 1;
  }
  return { first, changed, deleted, inserted, text: t('compare.edits', { changed, deleted, inserted }) };
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
  const { ops } = alignTokens(tokensA, tokensB);
  const edits = describeEdits(ops);
  if (edits.first < 0) return t('compare.same');
  if (!edits.changed && ops.slice(edits.first).every((x) => x.op !== 'same')) {
    // the shorter text is the longer one's beginning
    const [longer, shorter] = TA > TB ? ['A', 'B'] : ['B', 'A'];
    const range = causal ? d.range.toExponential(1) : d.range.toFixed(2);
    return t(causal ? 'compare.extendsCausal' : 'compare.extendsEncoder', { longer, shorter, n: d.T, sizes, range });
  }
  const largest = [...d.maxAbs.keys()]
    .sort((a, b) => d.maxAbs[b] - d.maxAbs[a])
    .slice(0, LARGEST_LISTED)
    .map((k) => `L${Math.floor(k / nHead)}H${k % nHead} (${d.maxAbs[k].toFixed(2)})`);
  const params = { n: d.T, sizes, first: edits.first, edits: edits.text, largest: largest.join(', ') };
  if (!causal) {
    const named = shared.map(
      (c) =>
        `L${c.layer}H${c.head} ${JSON.stringify(c.query)} → ${JSON.stringify(c.key)} ` +
        `${c.a.toFixed(2)} → ${c.b.toFixed(2)}`,
    );
    return t('compare.encoder', { ...params, named: named.join('; ') });
  }
  return t('compare.causal', params);
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
    this.renderTexts(compare, d, nHead, causal);
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
    const pairs = d.pairs;
    const labels = pairs.map((p) => (tokens[p.a] === tokensB[p.b] ? tokens[p.a] : `${tokens[p.a]}/${tokensB[p.b]}`));
    const cellText = (i, j) =>
      `A ${a[pairs[i].a * T + pairs[j].a].toFixed(4)}  B ${b[pairs[i].b * TB + pairs[j].b].toFixed(4)}\n` +
      `A − B ${values[i * dT + j].toFixed(4)}`;
    const describe = describeCell(labels, values, dT, cellText, causal);
    const special = Uint8Array.from(pairs, (p) => compare.a.flags?.[p.a] ?? 0);
    this.large.render({ values, T: dT, tokens: labels, kind: 'diff', range, cell: null, describe, causal, special });
    this.renderPredictions(predictionKind, predictions, predictionsB);
  }

  /** The token chips of A and B with their alignment marked, and the hint (with the shared changes of an encoder). */
  renderTexts(compare, d, nHead, causal) {
    const tokensA = compare.a.tokens,
      tokensB = compare.b.tokens;
    const ops = opsBySide(d.ops ?? [], tokensA.length, tokensB.length);
    setHtml(this.tokensA, tokenChips(tokensA, ops.a, compare.a.flags));
    setHtml(this.tokensB, tokenChips(tokensB, ops.b, compare.b.flags));
    const attention = { a: compare.a.attention, b: compare.b.attention };
    const shared = causal ? [] : sharedChanges({ tokensA, tokensB, ...attention, difference: d, nHead });
    this.shared = shared;
    setText(this.hint, compareHint({ tokensA, tokensB, difference: d, nHead, causal, shared }));
  }

  /** For the tests: the aligned pairs and the chips' marks. */
  alignment() {
    const marks = (element, name) => [...element.children].map((chip) => chip.classList.contains(name));
    return { deleted: marks(this.tokensA, 'deleted'), inserted: marks(this.tokensB, 'inserted') };
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
      inspect: () => ({ shared: view.shared ?? [], hint: view.hint.textContent, ...view.alignment() }),
      shows: ({ state }) => t('compare.shows', { head: state.head, text: state.textB.slice(0, 60) }),
      legend: ({ difference, state, causal, special }) =>
        difference && state.textB
          ? differenceLegend(diffScale(difference), { causal, special }) + ALIGNMENT_LEGEND()
          : '',
    };
  },
};
