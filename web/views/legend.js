// Legend pieces shared by the views (each view's legend(frame) returns its legend's markup).
import { DIFF_LUT, lutGradient, WEIGHT_LUT } from '../colors.js';

/** The √-scale toggle button (the controller handles its clicks). */
export function scaleToggle({ scale }) {
  const sqrt = scale === 'sqrt';
  return (
    `<button type="button" id="scale-toggle" aria-pressed="${sqrt}" ` +
    'title="Colour by the square root of the weight: small weights become visible">√ scale</button>'
  );
}

const MASKED = '<span><span class="masked"></span> masked (future)</span>';
const NO_MASK = '<span>encoder: no mask, every token sees every token (the page pads nothing)</span>';

/**
 * The special tokens' part of a legend: how they are marked, and with `hidden` (state.special 'hide') what
 * hiding did: their rows and columns are dropped and every other row renormalised; removed = the mean
 * share of a row that went to them.
 */
export function specialLegend({ special }) {
  if (!special) return '';
  const { shown, removed, count } = special;
  if (!count) return '';
  if (shown)
    return '<span><span class="special-mark">[CLS] [SEP]</span> special tokens (“Hide [CLS]/[SEP]” drops them)</span>';
  return (
    '<span><span class="special-mark">[CLS] [SEP] hidden</span>: their rows and columns dropped, each row renormalised ' +
    `to sum to 1 over the text's tokens (on average ${(100 * removed).toFixed(0)}% of a row's weight went to them)</span>`
  );
}

/** The mask's part of a legend: the hatched future for a causal model, a sentence for an encoder. */
const maskLegend = (causal) => (causal ? MASKED : NO_MASK);

/** The weight colour bar, the masked cell (causal models), special tokens and the √ toggle. frame: controller.frame(). */
export function weightLegend({ state, causal = true, special = null }) {
  const sqrt = state.scale === 'sqrt';
  const bar = `<span class="bar" style="background:${lutGradient(WEIGHT_LUT)}"></span>`;
  return (
    `<span>0 ${bar} 1 attention weight${sqrt ? ' (colour ∝ √weight)' : ''}</span>${maskLegend(causal)}` +
    specialLegend({ special }) +
    scaleToggle(state)
  );
}

/** The diverging A − B bar over ±range and the masked cell (causal models). */
export function differenceLegend(range, { causal = true, special = null } = {}) {
  const bar = `<span class="bar" style="background:${lutGradient(DIFF_LUT)}"></span>`;
  return `<span>B more ${bar} A more (A − B, ±${range.toFixed(2)})</span>${maskLegend(causal)}${specialLegend({ special })}`;
}
