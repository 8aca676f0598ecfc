// Aggregate view: mean or max over the heads of each layer, or attention rollout through the layers;
// a strip of every layer and the selected layer large.
import { aggregateHeads, attentionRollout } from '../analysis.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';

// ---- layout ----
const STRIP_WIDTH = 140;
const STRIP_GAP = 170; // the strip plus the gap before the large map

export const AGGREGATE_HINTS = {
  mean: 'Mean of the heads of the selected layer: where the layer as a whole looks.',
  max: 'Max over the heads of the selected layer: a cell is dark if any head attends there.',
  rollout: 'Attention rollout: each layer\'s head mean plus the residual (0.5 A + 0.5 I), multiplied from layer 0 up to the selected layer: how much each input token flows into each position.',
};

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

  /** frame = { state, config, attention, tokens, T } */
  render({ state: s, config, attention, tokens, T }) {
    const mode = s.aggregate;
    const perLayer = Array.from({ length: config.nLayer }, (_, l) => (mode === 'rollout'
      ? attentionRollout(attention, config, T, l) : aggregateHeads(attention, config, T, l, mode)));
    const values = (this.values = perLayer[s.layer]);
    for (const b of this.modes.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.agg === mode));
    this.hint.textContent = AGGREGATE_HINTS[mode];
    this.strip.render({
      nLayer: config.nLayer, nHead: 1, T, kind: 'weight', range: 1, sqrt: s.scale === 'sqrt', headColor: () => '#667085', headers: false,
      get: (l) => perLayer[l], selected: { layer: s.layer, head: 0 }, describeHead: (l) => `layer ${l} (${mode})`,
    });
    this.large.render({ values, T, tokens, kind: 'weight', range: 1, sqrt: s.scale === 'sqrt', cell: null, describe: describeCell(tokens, values, T, (i, j) => `${mode} ${values[i * T + j].toFixed(4)}`) });
  }
}
