// Aggregate view: mean or max over the heads of each layer, or attention rollout through the layers;
// a strip of every layer and the selected layer large. The default export is the view (views/registry.js).
import { aggregateHeads, attentionRollout } from '../analysis.js';
import { UI } from '../colors.js';
import { setAttribute, setText } from '../dom.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';
import { weightLegend } from './legend.js';

// ---- layout ----
const STRIP_WIDTH = 140;
const STRIP_GAP = 170; // the strip plus the gap before the large map

export const AGGREGATE_HINTS = {
  mean: 'Mean of the heads of the selected layer: where the layer as a whole looks.',
  max: 'Max over the heads of the selected layer: a cell is dark if any head attends there.',
  rollout:
    "Attention rollout: each layer's head mean plus the residual (0.5 A + 0.5 I), multiplied from layer 0 up to " +
    'the selected layer: how much each input token flows into each position.',
};

const MARKUP = `
  <div class="segmented" role="group" aria-label="Aggregate" id="aggregate-modes">
    <button type="button" data-agg="mean">Mean over heads</button>
    <button type="button" data-agg="max">Max over heads</button>
    <button type="button" data-agg="rollout">Rollout over layers</button>
  </div>
  <p class="hint" id="aggregate-hint"></p>
  <div class="split">
    <div class="canvas-scroll"><canvas id="aggregate-strip" aria-label="The aggregate of every layer"></canvas></div>
    <div class="large"><div class="canvas-scroll"><canvas id="aggregate-canvas" tabindex="0" aria-label="Aggregate heatmap"></canvas></div></div>
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
    setText(this.hint, AGGREGATE_HINTS[mode]);
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
      describeHead: (l) => `layer ${l} (${mode})`,
    });
    const describe = describeCell(tokens, values, T, (i, j) => `${mode} ${values[i * T + j].toFixed(4)}`, causal);
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
  label: 'Aggregate',
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
        state.aggregate === 'rollout' ? 'rollout from layer 0' : `${state.aggregate} over the heads`,
      inspect: () => ({ values: view.values }),
    };
  },
};
