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

/** The weight colour bar, the masked cell and the √ toggle. */
export function weightLegend(state) {
  const sqrt = state.scale === 'sqrt';
  const bar = `<span class="bar" style="background:${lutGradient(WEIGHT_LUT)}"></span>`;
  return `<span>0 ${bar} 1 attention weight${sqrt ? ' (colour ∝ √weight)' : ''}</span>${MASKED}${scaleToggle(state)}`;
}

/** The diverging A − B bar over ±range and the masked cell. */
export function differenceLegend(range) {
  const bar = `<span class="bar" style="background:${lutGradient(DIFF_LUT)}"></span>`;
  return `<span>B more ${bar} A more (A − B, ±${range.toFixed(2)})</span>${MASKED}`;
}
