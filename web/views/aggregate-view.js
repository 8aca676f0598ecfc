// Aggregate view: mean or max over the heads of each layer, or attention rollout through the layers;
// a strip of every layer and the selected layer large. The default export is the view (views/registry.js).
import { aggregateHeads, attentionRollout } from '../analysis.js';
import { UI } from '../colors.js';
import { setAttribute, setText } from '../dom.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';
import { weightLegend } from './legend.js';
import { t } from '../i18n.js';

// ---- layout ----
const STRIP_WIDTH = 140;
const STRIP_GAP = 170; // the strip plus the gap before the large map

const MARKUP = `
  <div class="segmented" role="group" data-i18n-aria="agg.group" id="aggregate-modes">
    <button type="button" data-agg="mean" data-i18n="agg.mean"></button>
    <button type="button" data-agg="max" data-i18n="agg.max"></button>
    <button type="button" data-agg="rollout" data-i18n="agg.rollout"></button>
  </div>
  <p class="hint" id="aggregate-hint"></p>
  <div class="split">
    <div class="canvas-scroll"><canvas id="aggregate-strip" data-i18n-aria="agg.strip"></canvas></div>
    <div class="large"><div class="canvas-scroll"><canvas id="aggregate-canvas" tabindex="0" data-i18n-aria="agg.canvas"></canvas></div></div>
  </div>`;

export class AggregateView {
  constructor({ strip, large, modes, hint }, { tooltip, onSelectLayer, onMode, maxWidth }) {
    this.strip = new HeatmapGrid(strip, { onSelect: ({ layer }) => onSelectLayer(layer), maxWidth: () => STRIP_WIDTH });
    this.large = new LargeHeatmap(large, tooltip, { maxWidth: () => maxWidth() - STRIP_GAP });
    this.modes = modes;
    this.hint = hint;
    this.onMode = onMode;
    this.values = null; // the selected layer's aggregate [T, T]
  }

  initialize() {
    this.strip.initialize();
    this.large.initialize();
    this.modes.addEventListener('click', (e) => {
      const mode = e.target.closest('button')?.dataset.agg;
      if (mode) this.onMode(mode);
    });
  }

  /** frame: controller.frame() */
  render({ state: s, config, attention, tokens, T, causal, special }) {
    const mode = s.aggregate,
      sqrt = s.scale === 'sqrt';
    const perLayer = Array.from({ length: config.nLayer }, (_, l) =>
      mode === 'rollout'
        ? attentionRollout(attention, config, T, l, causal)
        : aggregateHeads(attention, config, T, l, mode),
    );
    const values = (this.values = perLayer[s.layer]);
    for (const b of this.modes.querySelectorAll('button'))
      setAttribute(b, 'aria-pressed', String(b.dataset.agg === mode));
    setText(this.hint, t(`agg.hint.${mode}`));
    this.strip.render({
      nLayer: config.nLayer,
      nHead: 1,
      T,
      kind: 'weight',
      range: 1,
      sqrt,
      causal,
      headColor: () => UI.muted,
      headers: false,
      get: (l) => perLayer[l],
      selected: { layer: s.layer, head: 0 },
      describeHead: (l) => t('agg.layer', { layer: l, mode: t(`agg.modeName.${mode}`) }),
    });
    const modeName = t(`agg.modeName.${mode}`);
    const describe = describeCell(tokens, values, T, (i, j) => `${modeName} ${values[i * T + j].toFixed(4)}`, causal);
    const flags = special?.flags;
    this.large.render({
      values,
      T,
      tokens,
      kind: 'weight',
      range: 1,
      sqrt,
      cell: null,
      describe,
      causal,
      special: flags,
    });
  }
}

export default {
  id: 'aggregate',
  label: 'agg.tab',
  markup: MARKUP,
  create({ panel, tooltip, actions, widths }) {
    const $in = (id) => panel.querySelector(`#${id}`);
    const view = new AggregateView(
      {
        strip: $in('aggregate-strip'),
        large: $in('aggregate-canvas'),
        modes: $in('aggregate-modes'),
        hint: $in('aggregate-hint'),
      },
      {
        tooltip,
        maxWidth: widths.view,
        onSelectLayer: (layer) => actions.setState({ layer }),
        onMode: (aggregate) => actions.setState({ aggregate }),
      },
    );
    view.initialize();
    return {
      render: (frame) => view.render(frame),
      legend: (frame) => weightLegend(frame),
      keyHeads: () => [], // one map per layer: no head hues
      shows: ({ state }) =>
        state.aggregate === 'rollout'
          ? t('agg.shows.rollout')
          : t('agg.shows', { mode: t(`agg.modeName.${state.aggregate}`) }),
      inspect: () => ({ values: view.values }),
    };
  },
};
