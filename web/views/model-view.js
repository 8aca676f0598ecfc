// Model view: every layer x head as a small heatmap (one canvas), and the selected head large with
// token labels, a hover tooltip and click-to-explain. The default export is the view (views/registry.js).
import { headSlice } from '../analysis.js';
import { headColor } from '../colors.js';
import { escapeHtml, setHtml } from '../dom.js';
import { chipText, describeOffline, describeScores, headCaption, headName, kvHeadText } from '../head-text.js';
import { describeCell, HeatmapGrid, LargeHeatmap } from './heatmap.js';
import { weightLegend } from './legend.js';
import { t } from '../i18n.js';

const MARKUP = `
  <p class="hint" data-i18n="model.hint"></p>
  <div class="split">
    <div class="canvas-scroll"><canvas id="grid-canvas" tabindex="0" data-i18n-aria="model.gridCanvas"></canvas></div>
    <div class="large">
      <h3 id="large-title"></h3>
      <div class="canvas-scroll"><canvas id="large-canvas" tabindex="0"
        data-i18n-aria="model.largeCanvas"></canvas></div>
    </div>
  </div>`;

export class ModelView {
  /** elements: { grid, large, title } canvases / heading; callbacks: onSelectHead({layer, head}), onSelectCell({i, j}) */
  constructor({ grid, large, title, hint }, { tooltip, onSelectHead, onSelectCell, maxWidth }) {
    this.grid = new HeatmapGrid(grid, { onSelect: onSelectHead, maxWidth, tooltip });
    this.large = new LargeHeatmap(large, tooltip, { onSelect: onSelectCell, maxWidth });
    this.title = title;
    this.hint = hint; // (its [data-causal-only] part is rewritten with the language: looked up on each render)
  }

  initialize() {
    this.grid.initialize();
    this.large.initialize();
  }

  /** frame: controller.frame() */
  render({ state: s, config, attention, tokens, T, labels, patterns, focusScore, causal, special }) {
    const { nLayer, nHead } = config;
    const sqrt = s.scale === 'sqrt';
    const maskHint = this.hint.querySelector('[data-causal-only]');
    if (maskHint && maskHint.hidden === causal) maskHint.hidden = !causal;
    this.grid.render({
      nLayer,
      nHead,
      T,
      kind: 'weight',
      range: 1,
      sqrt,
      causal,
      headColor,
      headName: (h) => headName(config, h),
      get: (l, h) => headSlice(attention, T, nHead, l, h),
      selected: { layer: s.layer, head: s.head },
      caption: (l, h) => chipText(labels, l, h),
      ablated: (l, h) => s.ablated.has(`${l}.${h}`),
      describeHead: (l, h) =>
        `${t('model.headScores', { layer: l, head: h })}\n${describeScores(labels, l, h)}\n${describeOffline(patterns, l, h)}`.trim(),
    });
    const values = headSlice(attention, T, nHead, s.layer, s.head);
    const describe = describeCell(tokens, values, T, undefined, causal);
    const flags = special?.flags;
    this.large.render({
      values,
      T,
      tokens,
      kind: 'weight',
      range: 1,
      sqrt,
      cell: s.cell,
      describe,
      causal,
      special: flags,
    });
    const live = labels?.head(s.layer, s.head);
    const caption = live ? headCaption(live, labels.chance, focusScore) : '';
    const offline = describeOffline(patterns, s.layer, s.head);
    setHtml(
      this.title,
      `${t('model.title', { layer: s.layer, head: s.head })}${kvHeadText(config, s.head)} <span class="muted">${escapeHtml(caption)}</span>` +
        (offline ? `<br><span class="muted small">${escapeHtml(offline)}</span>` : ''),
    );
  }
}

export default {
  id: 'model',
  label: 'model.tab',
  markup: MARKUP,
  create({ panel, tooltip, actions, widths }) {
    const view = new ModelView(
      {
        grid: panel.querySelector('#grid-canvas'),
        large: panel.querySelector('#large-canvas'),
        title: panel.querySelector('#large-title'),
        hint: panel.querySelector('.hint'),
      },
      {
        tooltip,
        onSelectHead: actions.selectHead,
        onSelectCell: (cell) => actions.setState({ cell }),
        maxWidth: widths.split,
      },
    );
    view.initialize();
    return {
      render: (frame) => view.render(frame),
      legend: (frame) => weightLegend(frame),
      shows: ({ state }) => t('model.shows', { head: state.head }),
      inspect: () => {
        const r = view.large.canvas.getBoundingClientRect();
        const geometry = view.large.geometry && { ...view.large.geometry, canvasLeft: r.left, canvasTop: r.top };
        return { geometry };
      },
    };
  },
};
