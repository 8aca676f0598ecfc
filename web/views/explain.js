// Explain a cell: how weight a_ij of one head comes out of q_i and k_j, with the real numbers of this
// run, next to the formulas with this model's dimensions.
import { headColor, UI } from '../colors.js';
import { escapeHtml, setHtml } from '../dom.js';
import { kvHeadText } from '../head-text.js';
import { t } from '../i18n.js';

// ---- layout of the bar strips ----
const STRIP_HEIGHT = 34;
const STRIP_COLOR_POSITIVE = UI.accent;
const STRIP_COLOR_NEGATIVE = UI.negative;

const fmt = (x, digits = 4) =>
  Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(digits);

/** Draws a vector as bars around a zero line (blue up = positive, vermillion down = negative). */
function drawStrip(canvas, values, range) {
  const width = canvas.clientWidth || 280;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(STRIP_HEIGHT * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const mid = STRIP_HEIGHT / 2,
    slot = width / values.length;
  ctx.fillStyle = UI.rule;
  ctx.fillRect(0, mid, width, 1);
  for (let d = 0; d < values.length; ++d) {
    const h = (values[d] / (range || 1)) * (mid - 1);
    ctx.fillStyle = values[d] >= 0 ? STRIP_COLOR_POSITIVE : STRIP_COLOR_NEGATIVE;
    ctx.fillRect(d * slot + 0.5, values[d] >= 0 ? mid - h : mid, Math.max(1, slot - 1), Math.abs(h));
  }
}

/**
 * The rows from the score to the weight. In a causal model a masked cell (key after the query) adds
 * M_ij = −∞ to its score, so its weight is e^−∞ / Σ = 0 and the row max and normaliser (over keys m ≤ i)
 * do not involve it. An encoder has no mask: every key counts (only padding would be masked, and the page
 * pads nothing).
 */
function softmaxRows(info, i, j, shown, causal) {
  const row = (key, value) => `<span class="k">${key}</span><span class="v">${value}</span>`;
  const over = causal ? t('explain.overCausal', { i, n: i + 1 }) : t('explain.overAll', { n: info.keys });
  const normaliser = `${fmt(info.normaliser)} <span class="muted">${t('explain.normaliser', { over })}</span>`;
  const sum = causal ? 'Σ<sub>m≤i</sub>' : 'Σ<sub>m</sub>';
  const mask = !causal
    ? `0 <span class="muted" data-mask>${t('explain.noMask')}</span>`
    : info.masked
      ? `−∞ <span class="muted">${t('explain.future', { i, j })}</span>`
      : `0 ${t('explain.allowed', { i, j })}`;
  const common = [row(t('explain.score'), fmt(info.score)), row(t('explain.mask'), mask)];
  if (info.masked) {
    return [
      ...common,
      row('s<sub>ij</sub> + M<sub>ij</sub>', '−∞'),
      row(`${sum} e<sup>s<sub>im</sub>−max</sup>`, normaliser),
      row(
        t('explain.weight'),
        `<strong data-weight>0</strong> <span class="muted" data-equation>` +
          `${t('explain.maskedWeight', { sum: fmt(info.normaliser, 3), shown: fmt(shown) })}</span>`,
      ),
    ].join('\n');
  }
  return [
    ...common,
    row(t('explain.rowMax'), fmt(info.rowMax)),
    row(`${sum} e<sup>s<sub>im</sub>−max</sup>`, normaliser),
    row(
      t('explain.weight'),
      `<strong data-weight>${fmt(info.weight)}</strong> <span class="muted" data-equation>= ` +
        `e<sup>${fmt(info.score - info.rowMax, 3)}</sup> / ${fmt(info.normaliser, 3)}; ` +
        `${t('explain.page', { shown: fmt(shown) })}</span>`,
    ),
  ].join('\n');
}

export function renderExplainEmpty(container) {
  setHtml(container, `<p class="muted">${t('explain.empty')}</p>`);
}

/**
 * data = { layer, head, i, j, tokens, info (analysis.explainCell), shown (the weight in the page's
 * attention array), config, causal (false: an encoder) }
 */
export function renderExplain(container, { layer, head, i, j, tokens, info, shown, config, causal = true }) {
  const { nLayer, nHead, nEmbd, headDim } = config;
  const qTok = escapeHtml(tokens[i]),
    kTok = escapeHtml(tokens[j]);
  const range = Math.max(...info.qi.map(Math.abs), ...info.kj.map(Math.abs));
  const productRange = Math.max(...info.product.map(Math.abs));
  setHtml(
    container,
    `
    <p><span class="swatch-inline" style="color:${headColor(head)}">●</span> ${t('explain.heading', {
      layer,
      head: `${head}${kvHeadText(config, head)}`,
      i,
      j,
      query: `<code data-raw>${qTok}</code>`,
      key: `<code data-raw>${kTok}</code>`,
    })}</p>
    <div class="explain-grid">
      <span class="k">q<sub>${i}</sub></span><canvas class="strip" data-strip="q" aria-label="${t('explain.qStrip', { n: headDim })}"></canvas>
      <span class="k">k<sub>${j}</sub></span><canvas class="strip" data-strip="k" aria-label="${t('explain.kStrip', { n: headDim })}"></canvas>
      <span class="k">q⊙k</span><canvas class="strip" data-strip="p" aria-label="${t('explain.product')}"></canvas>
      <span class="k">q<sub>i</sub>·k<sub>j</sub></span><span class="v">${fmt(info.dot)}</span>
      <span class="k">× 1/√d<sub>k</sub></span><span class="v">× ${fmt(info.scale)} <span class="muted">(d<sub>k</sub> = ${headDim})</span></span>
      ${softmaxRows(info, i, j, shown, causal)}
      <span class="k">|a<sub>ij</sub> v<sub>j</sub>|</span><span class="v">${fmt(info.contribution)} <span class="muted">= ${fmt(info.weight, 3)} × |v<sub>j</sub>| ${fmt(info.vNorm, 3)};
        ${t('explain.share', { percent: (100 * info.contributionShare).toFixed(1), norm: fmt(info.outputNorm, 3) })}</span></span>
    </div>
    <div class="formula">
      Attention(Q, K, V) = softmax(QK<sup>⊤</sup>/√d<sub>k</sub> + M) V<br>
      head<sub>i</sub> = Attention(QW<sub>i</sub><sup>Q</sup>, KW<sub>i</sub><sup>K</sup>, VW<sub>i</sub><sup>V</sup>)
      <span class="dim">W<sub>i</sub><sup>Q,K,V</sup> ∈ ℝ<sup>${nEmbd}×${headDim}</sup>, i = 1…${nHead}</span><br>
      MultiHead(Q, K, V) = Concat(head<sub>1</sub>, …, head<sub>${nHead}</sub>) W<sup>O</sup>
      <span class="dim">W<sup>O</sup> ∈ ℝ<sup>${nHead * headDim}×${nEmbd}</sup></span><br>
      <span class="dim">d<sub>model</sub> = ${nEmbd}, h = ${nHead}, d<sub>k</sub> = d<sub>v</sub> = ${headDim}, ${t('explain.layers', { n: nLayer })}; ${t(
        causal ? 'explain.selfCausal' : 'explain.selfEncoder',
      )}</span>
    </div>`,
  );
  drawStrip(container.querySelector('[data-strip="q"]'), info.qi, range);
  drawStrip(container.querySelector('[data-strip="k"]'), info.kj, range);
  drawStrip(container.querySelector('[data-strip="p"]'), info.product, productRange);
}
