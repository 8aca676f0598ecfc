// Next-token predictions (top 5 with probabilities, and how ablation moved them) and the ablation grid.
import { headColor } from '../colors.js';
import { escapeHtml, setAttribute, setHtml } from '../dom.js';
import { t } from '../i18n.js';

/** top: [{ token, probability }]; baseline: the same tokens' probabilities without ablation, or null. */
export function percent(p) {
  const x = 100 * p;
  return x >= 0.1 ? `${x.toFixed(1)}%` : `${x.toPrecision(2)}%`;
}

export function renderPredictions(list, top, baseline) {
  setHtml(
    list,
    top
      .map(({ token, probability }, n) => {
        const base = baseline?.[n];
        let delta = '';
        if (base !== undefined && base !== null) {
          const d = probability - base;
          delta = ` <span class="${d >= 0 ? 'up' : 'down'}" title="${t('predict.without', { p: percent(base) })}">${d >= 0 ? '▲' : '▼'}${Math.abs(100 * d) >= 0.1 ? Math.abs(100 * d).toFixed(1) : Math.abs(100 * d).toPrecision(1)}</span>`;
        }
        const baseMarker =
          base !== undefined && base !== null
            ? `<span class="base" style="width:${(100 * base).toFixed(2)}%"></span>`
            : '';
        return (
          `<li><span class="token" title="${escapeHtml(token)}" data-raw>${escapeHtml(token)}</span><span class="bar"><span style="width:${(100 * probability).toFixed(1)}%"></span>${baseMarker}</span>` +
          `<span class="prob">${percent(probability)}${delta}</span></li>`
        );
      })
      .join(''),
  );
}

export class AblationGrid {
  constructor(container, { onToggle }) {
    this.container = container;
    this.onToggle = onToggle;
  }

  initialize() {
    this.container.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-key]');
      if (button) this.onToggle(button.dataset.key);
    });
  }

  render({ nLayer, nHead }, ablated) {
    if (this.shape !== `${nLayer}x${nHead}`) {
      this.shape = `${nLayer}x${nHead}`;
      this.container.style.gridTemplateColumns = `22px repeat(${nHead}, minmax(0, 1fr))`;
      const cells = [];
      for (let l = 0; l < nLayer; ++l) {
        cells.push(`<span class="row-label">L${l}</span>`);
        for (let h = 0; h < nHead; ++h)
          cells.push(
            `<button type="button" data-key="${l}.${h}" aria-label="${t('side.ablationCell', { layer: l, head: h })}" style="border-bottom: 3px solid ${headColor(h)}">${h}</button>`,
          );
      }
      this.container.innerHTML = cells.join('');
      this.pressed = null;
    }
    const pressed = [...ablated].sort().join(',');
    if (pressed === this.pressed) return;
    this.pressed = pressed;
    for (const button of this.container.querySelectorAll('button[data-key]'))
      setAttribute(button, 'aria-pressed', String(ablated.has(button.dataset.key)));
  }
}
