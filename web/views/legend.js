// Legend pieces shared by the views (each view's legend(frame) returns its legend's markup).
import { DIFF_LUT, lutGradient, WEIGHT_LUT } from '../colors.js';
import { t } from '../i18n.js';

/** The √-scale toggle button (the controller handles its clicks). */
export function scaleToggle({ scale }) {
  const sqrt = scale === 'sqrt';
  return (
    `<button type="button" id="scale-toggle" aria-pressed="${sqrt}" ` +
    `title="${t('legend.scaleTitle')}">${t('legend.scale')}</button>`
  );
}

const masked = () => `<span><span class="masked"></span> ${t('legend.masked')}</span>`;
const noMask = () => `<span>${t('legend.noMask')}</span>`;

/**
 * The special tokens' part of a legend: how they are marked, and with `hidden` (state.special 'hide') what
 * hiding did: their rows and columns are dropped and every other row renormalised; removed = the mean
 * share of a row that went to them.
 */
export function specialLegend({ special }) {
  if (!special) return '';
  const { shown, removed, count } = special;
  if (!count) return '';
  if (shown) return `<span><span class="special-mark">[CLS] [SEP]</span> ${t('legend.special')}</span>`;
  return (
    `<span><span class="special-mark">[CLS] [SEP] ${t('legend.specialHidden')}</span>` +
    `${t('legend.specialDropped', { percent: (100 * removed).toFixed(0) })}</span>`
  );
}

/** The mask's part of a legend: the hatched future for a causal model, a sentence for an encoder. */
const maskLegend = (causal) => (causal ? masked() : noMask());

/** The weight colour bar, the masked cell (causal models), special tokens and the √ toggle. frame: controller.frame(). */
export function weightLegend({ state, causal = true, special = null }) {
  const sqrt = state.scale === 'sqrt';
  const bar = `<span class="bar" style="background:${lutGradient(WEIGHT_LUT)}"></span>`;
  return (
    `<span>0 ${bar} 1 ${t('legend.weight')}${sqrt ? t('legend.sqrt') : ''}</span>${maskLegend(causal)}` +
    specialLegend({ special }) +
    scaleToggle(state)
  );
}

/** The diverging A − B bar over ±range and the masked cell (causal models). */
export function differenceLegend(range, { causal = true, special = null } = {}) {
  const bar = `<span class="bar" style="background:${lutGradient(DIFF_LUT)}"></span>`;
  const scale = t('legend.difference', { bar, range: range.toFixed(2) });
  return `<span>${scale}</span>${maskLegend(causal)}${specialLegend({ special })}`;
}
