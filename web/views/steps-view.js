// Step by step: how one head computes the attention of one query token, on this run's numbers (q, k, v of
// model.explain): the token's vector, W_Q / W_K / W_V with this model's sizes, the scores and the scale, the
// mask, softmax, the weighted sum of values, the concatenation of heads and W_O. Hovering (or focusing) a step
// highlights where it appears on the page (token chip, explain panel, ablation grid); "show" opens the view
// that draws it. The default export is the view (views/registry.js).
import { attentionSteps } from '../analysis.js';
import { headColor } from '../colors.js';
import { escapeHtml, setHtml } from '../dom.js';
import { headName } from '../head-text.js';
import { t } from '../i18n.js';

const SHOWN_VALUES = 6; // of a vector: the first few values, then "…"
const LISTED_KEYS = 12; // keys in the table (the largest weights when there are more)

/** The steps in order: id, and the page elements a step highlights (selector of { i, layer }). */
export const STEPS = [
  { id: 'embed', target: ({ i }) => `#tokens [data-index="${i}"]` },
  { id: 'project', target: ({ i }) => `#tokens [data-index="${i}"]` },
  { id: 'scores', target: () => '#steps-table' },
  { id: 'scale', target: () => '#steps-table' },
  { id: 'mask', target: () => '#steps-table' },
  { id: 'softmax', target: () => '#steps-table' },
  { id: 'weighted', target: () => '#explain' },
  { id: 'concat', target: ({ layer }) => `#ablation-grid button[data-key^="${layer}."]` },
  { id: 'output', target: ({ layer }) => `#ablation-grid button[data-key^="${layer}."]` },
];

const MARKUP = `
  <p class="hint" data-i18n="steps.hint"></p>
  <div class="steps-pick">
    <label><span data-i18n="steps.query"></span> <select id="steps-query"></select></label>
    <label><span data-i18n="steps.head"></span> <select id="steps-head"></select></label>
  </div>
  <p id="steps-note" class="muted" hidden></p>
  <ol class="steps" id="steps-list"></ol>`;

const fmt = (x) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(4));
const vector = (values) =>
  `<code class="vector">[${Array.from(values.slice(0, SHOWN_VALUES), fmt).join(', ')}${
    values.length > SHOWN_VALUES ? ', …' : ''
  }]</code>`;
const token = (text) => `<code data-raw>${escapeHtml(text)}</code>`;

/** The query the walkthrough follows: the locked query token, else the explained cell's, else the last. */
export function stepQuery(state, T) {
  const i = state.lock?.side === 'q' ? state.lock.index : (state.cell?.i ?? T - 1);
  return Math.min(Math.max(0, i), T - 1);
}

/** The keys of the table: all of them, or the LISTED_KEYS largest weights in text order. */
function listedKeys(weights) {
  const all = Array.from(weights, (_, j) => j);
  if (all.length <= LISTED_KEYS) return all;
  return all
    .sort((a, b) => weights[b] - weights[a])
    .slice(0, LISTED_KEYS)
    .sort((a, b) => a - b);
}

function keyTable(steps, tokens) {
  const rows = listedKeys(steps.weights).map(
    (j) =>
      `<tr data-key="${j}"><td>${token(tokens[j])}</td><td>${fmt(steps.dots[j])}</td><td>${fmt(steps.scores[j])}</td>` +
      `<td><strong>${fmt(steps.weights[j])}</strong></td></tr>`,
  );
  const more =
    steps.keys > LISTED_KEYS ? `<caption>${t('steps.tableTop', { n: LISTED_KEYS, keys: steps.keys })}</caption>` : '';
  return (
    `<table class="steps-table" id="steps-table">${more}<thead><tr><th>${t('steps.colKey')}</th><th>q·k</th>` +
    `<th>÷√d<sub>k</sub></th><th>${t('steps.colWeight')}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function headBars(norms, head) {
  const top = Math.max(...norms, 1e-12);
  const bar = (x, h) =>
    `<span class="steps-bar${h === head ? ' selected' : ''}"><span class="track"><span style="width:` +
    `${((100 * x) / top).toFixed(1)}%;background:${headColor(h)}"></span></span>H${h} ${x.toFixed(2)}</span>`;
  return Array.from(norms, bar).join('');
}

/** The words and numbers of every step, { id: html }. */
function stepBodies({ steps, tokens, i, layer, head, config, causal, embedding }) {
  const { nEmbd: dModel, nHead, headDim: dK } = config;
  const p = { token: token(tokens[i]), i, layer, head, dModel, dK, nHead, concat: nHead * dK };
  const top = steps.weights.reduce((best, w, j) => (w > steps.weights[best] ? j : best), 0);
  const norm = Math.sqrt(steps.output.reduce((s, x) => s + x * x, 0));
  return {
    embed:
      t(causal ? 'steps.embed.causal' : 'steps.embed.encoder', p) +
      (embedding
        ? `<div class="steps-vectors">e = ${vector(embedding)} ${t('steps.embedRow', { n: embedding.length })}</div>`
        : ''),
    project:
      t('steps.project', p) +
      `<div class="steps-vectors">q<sub>${i}</sub> = ${vector(steps.q)}<br>k<sub>${i}</sub> = ${vector(steps.k)}` +
      `<br>v<sub>${i}</sub> = ${vector(steps.v)}</div>`,
    scores: t('steps.scores', { ...p, keys: steps.keys }) + keyTable(steps, tokens),
    scale: t('steps.scale', { ...p, sqrt: Math.sqrt(dK).toFixed(3) }),
    mask: !causal
      ? t('steps.mask.encoder', p)
      : steps.masked
        ? t('steps.mask.causal', { ...p, masked: steps.masked })
        : t('steps.mask.last', p),
    softmax: t('steps.softmax', {
      ...p,
      max: fmt(steps.rowMax),
      sum: fmt(steps.normaliser),
      top: token(tokens[top]),
      w: fmt(steps.weights[top]),
    }),
    weighted:
      t('steps.weighted', { ...p, norm: norm.toFixed(3) }) +
      `<div class="steps-vectors">z = ${vector(steps.output)}</div>`,
    concat: t('steps.concat', p) + `<div class="steps-bars">${headBars(steps.headNorms, head)}</div>`,
    output: t('steps.output', p),
  };
}

/** What "show" opens for a step: a state patch, or null (the step is on this page already). */
function showPatch(id, { i, steps }) {
  const top = steps.weights.reduce((best, w, j) => (w > steps.weights[best] ? j : best), 0);
  if (id === 'softmax') return { view: 'model', cell: { i, j: top } };
  if (id === 'weighted') return { cell: { i, j: top } };
  if (id === 'embed') return { view: 'heads', lock: { side: 'q', index: i } };
  return null;
}

class StepsView {
  constructor(panel, actions) {
    this.panel = panel;
    this.actions = actions;
    this.list = panel.querySelector('#steps-list');
    this.note = panel.querySelector('#steps-note');
    this.querySelect = panel.querySelector('#steps-query');
    this.headSelect = panel.querySelector('#steps-head');
    this.current = null; // { i, layer, head, steps } of the last render
  }

  initialize() {
    this.querySelect.addEventListener('change', () =>
      this.actions.setState({ lock: { side: 'q', index: Number(this.querySelect.value) }, cell: null }),
    );
    this.headSelect.addEventListener('change', () => this.actions.setState({ head: Number(this.headSelect.value) }));
    const highlight = (e, on) => {
      const step = STEPS.find((s) => s.id === e.target.closest('[data-step]')?.dataset.step);
      if (!step || !this.current) return;
      for (const element of document.querySelectorAll(step.target(this.current)))
        element.classList.toggle('step-highlight', on);
    };
    for (const [type, on] of [
      ['mouseover', true],
      ['mouseout', false],
      ['focusin', true],
      ['focusout', false],
    ])
      this.list.addEventListener(type, (e) => highlight(e, on));
    this.list.addEventListener('click', (e) => {
      const id = e.target.closest('button[data-show]')?.dataset.show;
      const patch = id && this.current && showPatch(id, this.current);
      if (patch) this.actions.setState(patch);
    });
  }

  /** frame: controller.frame() */
  render(frame) {
    const { state: s, config, run, causal } = frame;
    const T = run.ids.length;
    const internals = frame.internals(s.layer); // (q, k, v from the worker: pending until they come)
    const note =
      s.units === 'words'
        ? t('explain.words')
        : frame.T !== T
          ? t('explain.hidden')
          : internals.pending
            ? t('explain.computing')
            : escapeHtml(internals.error ?? '');
    setHtml(this.note, note);
    this.note.hidden = !note;
    this.renderPickers(run.tokens, s, config, T);
    if (note) {
      this.current = null;
      setHtml(this.list, '');
      return;
    }
    const i = stepQuery(s, T);
    const steps = attentionSteps(internals, T, config.nHead, config.headDim, s.head, i, causal);
    this.current = { i, layer: s.layer, head: s.head, steps, embedding: null };
    const embedded = frame.embeddings(run.ids); // the run's rows, shared with the kinds view
    const embedding = embedded ? embedded.rows.slice(i * embedded.dim, (i + 1) * embedded.dim) : null;
    const context = { steps, tokens: run.tokens, i, layer: s.layer, head: s.head, config, causal, embedding };
    const bodies = stepBodies(context);
    this.current.embedding = embedding;
    const items = STEPS.map(({ id }, n) => {
      const show = showPatch(id, this.current)
        ? `<button type="button" data-show="${id}">${t(`steps.show.${id}`)}</button>`
        : '';
      return (
        `<li data-step="${id}" tabindex="0"><h4>${n + 1}. ${t(`steps.title.${id}`)}</h4>` +
        `<div class="steps-body">${bodies[id]}</div>${show}</li>`
      );
    });
    setHtml(this.list, items.join(''));
  }

  renderPickers(tokens, s, config, T) {
    const i = stepQuery(s, T);
    const options = tokens.map((text, n) => `<option value="${n}">${n}: ${escapeHtml(text)}</option>`);
    setHtml(this.querySelect, options.join(''));
    if (this.querySelect.value !== String(i)) this.querySelect.value = String(i);
    const heads = Array.from(
      { length: config.nHead },
      (_, h) => `<option value="${h}">${headName(config, h)}</option>`,
    );
    setHtml(this.headSelect, heads.join(''));
    if (this.headSelect.value !== String(s.head)) this.headSelect.value = String(s.head);
  }
}

export default {
  id: 'steps',
  label: 'steps.tab',
  markup: MARKUP,
  tokensOnly: true,
  create({ panel, actions }) {
    const view = new StepsView(panel, actions);
    view.initialize();
    return {
      render: (frame) => view.render(frame),
      legend: () => `<span>${t('steps.legend')}</span>`,
      keyHeads: ({ state }) => [state.head],
      shows: ({ state }) => t('steps.shows', { head: state.head }),
      inspect: () => {
        const c = view.current;
        if (!c) return null;
        return {
          i: c.i,
          layer: c.layer,
          head: c.head,
          weights: Array.from(c.steps.weights),
          steps: STEPS.map((s) => s.id),
          embedding: c.embedding && Array.from(c.embedding), // the token's embedding row (null until read)
        };
      },
    };
  },
};
