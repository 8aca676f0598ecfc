// The page controller: owns the app state (state.js), runs the model when the text, model or ablation
// change, and asks the open view (views/registry.js) to render. Views never run the model themselves;
// the controls (controls.js) only call the actions exported here.
import {
  alignedDifference,
  alignTokens,
  dropPositions,
  mergeAttentionWords,
  wordGroups,
  explainCell,
  headLabels,
  isDelimiterText,
  mostInformativeHead,
} from './analysis.js';
import { $, escapeHtml, setAttribute, setHtml, setText } from './dom.js';
import { setLanguage, t, translatePage } from './i18n.js';
import { loadHeadPatterns, loadMeasured } from './model-store.js';
import { clampState, createApp, stateToUrl } from './state.js';
import { renderExplain, renderExplainEmpty } from './views/explain.js';
import { renderMeasured } from './views/measured.js';
import { AblationGrid, renderPredictions } from './views/predictions.js';
import { VIEWS } from './views/registry.js';
import { renderPresets, staticParams, syncModelSelect } from './controls.js';
import { SUPERSEDED } from './model-client.js';
import { formatBytes } from '../dist/runtime.js';

const DEBOUNCE_MS = 120;

export const app = createApp();

// ---- layout --------------------------------------------------------------------------------------

// The view card's content width (app.card) is read once and then kept current by a ResizeObserver: reading
// it during an update would force a synchronous style and layout pass right after the DOM writes of that update.

function contentWidth(element) {
  const style = getComputedStyle(element);
  return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}

function cardWidth() {
  const card = app.card;
  if (!card.observer) {
    const element = $('views');
    card.observer = new ResizeObserver(() => {
      const width = contentWidth(element),
        windowWidth = window.innerWidth;
      if (width === card.width && windowWidth === card.windowWidth) return;
      Object.assign(card, { width, windowWidth });
      render();
    });
    card.observer.observe(element);
    Object.assign(card, { width: contentWidth(element), windowWidth: window.innerWidth });
  }
  return card.width;
}

const SPLIT_GAP = 14; // .split's column gap (style.css)
export const widths = {
  view: () => cardWidth(),
  split: () => {
    const width = cardWidth(); // (also starts the observer that keeps app.card.windowWidth)
    return app.card.windowWidth < 760 ? width : Math.max(260, (width - SPLIT_GAP) / 2);
  },
};

/** Called on window resize (debounced by the caller). */
export function relayout() {
  app.card.windowWidth = window.innerWidth;
  render();
}

// ---- state -------------------------------------------------------------------------------------

/**
 * Applies a state change, writes the URL, and recomputes (model run; debounced while typing) or just
 * re-renders.
 */
export function setState(patch, { recompute = false, debounce = false } = {}) {
  Object.assign(app.state, patch);
  if ('text' in patch && app.generation) stopGeneration();
  if ('lang' in patch) applyLanguage(); // (before the run it asks for: the worker's messages follow it too)
  if ('layer' in patch || 'head' in patch) app.explained = null;
  writeUrl();
  if (recompute) scheduleCompute(debounce ? DEBOUNCE_MS : 0);
  else render();
}

export const selectHead = ({ layer, head }) => setState({ layer, head });

export function writeUrl() {
  history.replaceState(null, '', stateToUrl(app.state, app.defaultModelUrl));
}

function scheduleCompute(delay) {
  clearTimeout(app.pending);
  app.pending = setTimeout(() => {
    app.pending = null;
    update();
  }, delay);
}

/** The view definition of an id (views/registry.js). */
export const viewById = (id) => VIEWS.find((view) => view.id === id);

// ---- model runs --------------------------------------------------------------------------------

function headMask() {
  const { nLayer, nHead } = app.model.config;
  if (!app.state.ablated.size) return undefined;
  const mask = new Uint8Array(nLayer * nHead).fill(1);
  for (const key of app.state.ablated) {
    const [l, h] = key.split('.').map(Number);
    mask[l * nHead + h] = 0;
  }
  return mask;
}

/**
 * Runs the model (in the worker) on the current text, and on B when the open view shows it, then renders. A run
 * that a newer one overtook is dropped (no stale picture); a failure is shown, not thrown. Resolves when done.
 */
export async function update() {
  if (!app.model || app.generation || app.loading) return;
  const start = performance.now();
  const model = app.model;
  const request = {
    text: app.state.text,
    textB: viewById(app.state.view)?.needsTextB ? app.state.textB : null,
    headMask: headMask(),
  };
  let result;
  try {
    result = await app.worker.latest('compute', request);
    if (result === SUPERSEDED || app.model !== model || app.generation) return;
    Object.assign(app.roundTrip, { requestedAt: start, receivedAt: performance.now() });
    acceptResult(result, start);
  } catch (error) {
    if (app.model !== model) return;
    app.error = error.message;
    showMessage(t('run.failed', { message: error.message }), 'error');
  }
}

/** The message under the input: kind '' (plain), 'notice' or 'error'. */
export function showMessage(text, kind = '') {
  const message = $('input-message');
  setText(message, text);
  message.classList.toggle('error', kind === 'error');
  message.classList.toggle('notice', kind === 'notice');
}

function contextMessage() {
  const { kept, total } = app.context;
  const notice = app.notice ? t(app.notice) : '';
  if (total <= kept) return notice;
  const params = { total, kept, left: total - kept };
  return t(app.encoder ? 'context.encoder' : 'context.decoder', params) + (notice ? ` ${notice}` : '');
}

/** Takes the worker's answer to a compute request (page-model.js compute) and renders it. */
function acceptResult({ a, b, predictionKind, forwardMs }, start) {
  if (!a) return showMessage(t('run.empty'), 'notice');
  app.context = { kept: a.run.ids.length, total: a.total };
  showMessage(contextMessage(), app.context.total > app.context.kept || app.notice ? 'notice' : '');
  Object.assign(app, {
    predictionKind,
    predictions: a.predictions,
    baselineProbabilities: a.baselineProbabilities,
    delimiters: a.delimiters,
  });
  acceptRun(a.run, b, start, forwardMs);
}

/** Makes `run` (and B's { run, predictions }, or null) the page's runs: labels, words, compare, then renders. */
function acceptRun(run, b, start, forwardMs) {
  Object.assign(app, { run, explained: null });
  app.explainCache.clear();
  const T = run.ids.length;
  app.labels = headLabels(run.attention, app.model.config, T, run.ids, app.delimiters, !app.encoder);
  if (app.openOn) openChosenHead();
  app.words = app.state.units === 'words' ? mergeRunWords(app.run) : null;
  app.shown = shownOf(app.words ?? app.run);
  computeCompare(b);
  clampState(app.state, app.model.config, app.shown.T);
  // the address bar is updated after the frame (history.replaceState can take milliseconds)
  clearTimeout(app.urlPending);
  app.urlPending = setTimeout(() => {
    app.urlPending = null;
    writeUrl();
  }, 0);
  const computed = performance.now();
  render();
  renderTokens();
  const end = performance.now();
  Object.assign(app.timings, {
    forwardMs,
    computeMs: computed - start,
    renderMs: end - computed,
    updateMs: end - start,
    tokens: T,
  });
  renderTiming();
  app.updates += 1;
}

/** B's run for the compare view (b: the worker's { run, predictions } of text B, or null). */
function computeCompare(b) {
  app.runB = null;
  app.difference = null;
  app.predictionsB = [];
  app.compareShown = { a: shownOf(app.run), b: null };
  if (!b || !viewById(app.state.view)?.needsTextB) return;
  app.runB = b.run;
  const { a } = app.compareShown,
    shownB = shownOf(app.runB);
  app.compareShown.b = shownB;
  const { ops, pairs } = alignTokens(a.tokens, shownB.tokens); // rows and columns by token text, not position
  const { config } = app.model;
  const difference = alignedDifference(a.attention, a.T, shownB.attention, shownB.T, pairs, config, !app.encoder);
  app.difference = { ...difference, ops };
  app.predictionsB = b.predictions;
}

/** A run merged into words (analysis.mergeWords): { groups, tokens, attention [nLayer, nHead, W, W], special }. */
function mergeRunWords(run) {
  const special = run.special;
  const joins = app.encoder ? run.pieces.map((piece) => piece.startsWith('##')) : null;
  const groups = wordGroups(run.tokens, { joins, special });
  const attention = mergeAttentionWords(run.attention, app.model.config, run.ids.length, groups, !app.encoder);
  const wordSpecial = Uint8Array.from(groups, (word) => special[word.start]);
  return { groups, tokens: groups.map((word) => word.text), attention, special: wordSpecial };
}

/**
 * What the views draw of a run (or of its words): { tokens, attention, T, flags (per row: [CLS]/[SEP]),
 * removed }. With state.special 'hide' (encoders) the special tokens' rows and columns are dropped and each
 * row renormalised over the rest (analysis.dropPositions; removed = the mean share they held).
 */
function shownOf({ tokens, attention, special }) {
  const T = tokens.length,
    flags = special ?? new Uint8Array(T);
  if (!app.encoder || app.state.special !== 'hide' || !flags.some(Boolean))
    return { tokens, attention, T, flags, removed: 0 };
  const dropped = dropPositions(attention, app.model.config, T, flags);
  const K = dropped.keep.length;
  return {
    tokens: dropped.keep.map((n) => tokens[n]),
    attention: dropped.attention,
    T: K,
    flags: new Uint8Array(K),
    removed: dropped.removed,
  };
}

/**
 * q, k, v of a layer for the current run, each [nHead, T, headDim] (kv heads repeated for each query head that
 * reads them): from the cache, or null while the worker computes them (the panel renders again when they come),
 * or { error }.
 */
function layerInternals(layer) {
  if (app.explainCache.has(layer)) return app.explainCache.get(layer);
  app.explainCache.set(layer, { pending: true });
  const run = app.run;
  const keep = (value) => {
    if (app.run !== run) return;
    app.explainCache.set(layer, value);
    render();
  };
  const args = { ids: Array.from(run.ids), headMask: headMask(), layer };
  app.worker.request('explain', args).then(
    (qkv) => keep(perQueryHead(qkv, app.model.config)),
    (error) => keep({ error: error.message }),
  );
  return app.explainCache.get(layer);
}

/**
 * The model's token embeddings of ids (the worker reads them from its model.safetensors): { rows [ids.length,
 * dim], dim }, null when the model has none that can be read, or undefined while the worker reads them (the
 * page renders again when they come).
 */
function tokenEmbeddings(ids) {
  const key = Array.from(ids).join(','),
    cache = app.embeddingCache;
  if (!cache.has(key)) {
    cache.set(key, { pending: true });
    const model = app.model;
    const keep = (value) => {
      if (app.model !== model || cache !== app.embeddingCache) return;
      cache.set(key, value);
      render();
    };
    app.worker.request('embeddings', { ids: Array.from(ids) }).then(keep, () => keep(null));
  }
  const value = cache.get(key);
  return value?.pending ? undefined : value;
}

/** explain()'s q, k, v with k and v repeated per query head when nKvHead < nHead (query head h reads h / group). */
function perQueryHead(qkv, { nHead, nKvHead = nHead }) {
  if (nKvHead === nHead || qkv.k.length === qkv.q.length) return qkv;
  const per = qkv.k.length / nKvHead,
    group = nHead / nKvHead;
  const repeat = (x) => {
    const out = new Float32Array(nHead * per);
    for (let h = 0; h < nHead; ++h)
      out.set(x.subarray(Math.floor(h / group) * per, (Math.floor(h / group) + 1) * per), h * per);
    return out;
  };
  return { ...qkv, k: repeat(qkv.k), v: repeat(qkv.v) };
}

/**
 * Opens the head app.openOn asks for, once per request: 'informative' = the model's most informative head
 * (from head_patterns.json when the model has one, else from this text), shown alone in the head view; a
 * score key = the head with the highest such score on this text, in the model view's heatmaps.
 */
function openChosenHead() {
  const want = app.openOn;
  app.openOn = null;
  app.focusScore = want === 'informative' ? null : want;
  if (want === 'informative') return openInformativeHead();
  const { nLayer, nHead } = app.model.config;
  let pick = null;
  for (let layer = 0; layer < nLayer; ++layer)
    for (let head = 0; head < nHead; ++head) {
      const score = app.labels?.head(layer, head).scores[want];
      if (score !== null && score !== undefined && (!pick || score > pick.score)) pick = { layer, head, score };
    }
  if (pick) Object.assign(app.state, { layer: pick.layer, head: pick.head, view: 'model', cell: null });
}

function openInformativeHead() {
  const offline = app.patterns?.heads.size ? [...app.patterns.heads.values()] : null; // (an older file: no scores)
  const live = app.labels?.heads.flatMap((row, layer) => row.map((x, head) => ({ layer, head, labels: x.labels })));
  const pick = mostInformativeHead(offline ?? live ?? []);
  if (!pick) return;
  const others = Array.from({ length: app.model.config.nHead }, (_, h) => h).filter((h) => h !== pick.head);
  Object.assign(app.state, { layer: pick.layer, head: pick.head, hiddenHeads: new Set(others) });
}

// ---- rendering ---------------------------------------------------------------------------------

/**
 * What every view renders from: the state and the model's outputs (views/registry.js). Rows and columns are
 * words (state.units) or the run's tokens, without [CLS]/[SEP] when state.special hides them. causal: false
 * for an encoder; special: null for GPT-2, else { flags (per row), count (in the run), shown, removed };
 * internals(layer): q, k, v of the run's tokens in that layer.
 */
export function frame() {
  const { state, run, labels, patterns, focusScore, runB, difference, predictions, predictionsB, shown } = app;
  const config = app.model.config;
  const special = app.encoder
    ? {
        flags: shown.flags,
        count: run.special.reduce((sum, x) => sum + x, 0),
        shown: state.special !== 'hide',
        removed: shown.removed,
      }
    : null;
  return {
    state,
    config,
    run,
    T: shown.T,
    tokens: shown.tokens,
    attention: shown.attention,
    causal: !app.encoder,
    special,
    labels,
    patterns,
    focusScore,
    runB,
    compare: app.compareShown,
    difference,
    predictions,
    predictionsB,
    predictionKind: app.predictionKind,
    internals: layerInternals, // (layer) -> { q, k, v } of text A's run (the worker's explain), { pending } or { error }
    embeddings: tokenEmbeddings, // (ids) -> { rows, dim } of the model's token embeddings, null, or undefined (reading)
    delimiters: app.delimiters, // per token of the run: a delimiter (analysis.isDelimiterText)?
  };
}

let appliedLanguage = null; // the language the page's markup is in (applyLanguage)
const wordsLegend = () => `<span>${t('legend.words')}</span>`;

/**
 * Writes the state's language into the page when it changed: the static markup (data-i18n), the tabs, the
 * presets, the model picker and the panels that are built once (layer picker, ablation grid).
 */
export function applyLanguage() {
  const lang = app.state.lang;
  if (lang === appliedLanguage) return;
  appliedLanguage = lang;
  setLanguage(lang);
  app.worker?.request('language', { lang }).catch(() => {}); // (the worker's messages: errors of loads and runs)
  translatePage(document, staticParams());
  for (const button of $('lang-toggle').querySelectorAll('button'))
    setAttribute(button, 'aria-pressed', String(button.dataset.lang === lang));
  for (const { id, label } of VIEWS) setText($(`tab-${id}`), t(label));
  renderPresets();
  syncModelSelect();
  $('layer-picker').dataset.n = '';
  if (app.ablationGrid) app.ablationGrid.shape = null;
  if (app.model) describeModel();
}

/** Draws the open view, then the panels around it. */
export function render() {
  if (!app.run) return;
  const start = performance.now();
  applyLanguage();
  const current = frame();
  // The open view's canvases first, the DOM after: a canvas resolves its font against the page's
  // style, so drawing text after DOM writes would force a style pass in the middle of the update.
  const view = app.views.get(app.state.view);
  view.render(current);
  renderTabs();
  renderLayerPicker();
  setAttribute($('units-toggle'), 'aria-pressed', String(app.state.units === 'words'));
  const specialToggle = $('special-toggle');
  if (specialToggle.hidden === app.encoder) specialToggle.hidden = !app.encoder;
  setAttribute(specialToggle, 'aria-pressed', String(app.state.special === 'hide'));
  renderSide(current);
  renderGeneration();
  const refocus = document.activeElement?.id === 'scale-toggle';
  const legend = view.legend(current) + (app.words && !viewById(app.state.view).tokensOnly ? wordsLegend() : '');
  if (setHtml($('legend'), legend) && refocus) $('scale-toggle')?.focus();
  app.timings.lastRenderMs = performance.now() - start;
}

function renderTabs() {
  for (const { id } of VIEWS) {
    const open = id === app.state.view,
      panel = $(`view-${id}`),
      tab = $(`tab-${id}`);
    if (panel.hidden === open) panel.hidden = !open;
    setAttribute(tab, 'aria-selected', String(open));
    if (tab.tabIndex !== (open ? 0 : -1)) tab.tabIndex = open ? 0 : -1;
  }
}

function renderLayerPicker() {
  const { nLayer } = app.model.config;
  const picker = $('layer-picker');
  if (picker.dataset.n !== String(nLayer)) {
    picker.dataset.n = String(nLayer);
    const buttons = Array.from({ length: nLayer }, (_, l) => `<button type="button" data-layer="${l}">${l}</button>`);
    picker.innerHTML = `<span class="muted">${t('toolbar.layer')}</span>${buttons.join('')}`;
  }
  for (const b of picker.querySelectorAll('button'))
    setAttribute(b, 'aria-pressed', String(Number(b.dataset.layer) === app.state.layer));
}

const PREDICTION_TITLES = { next: 'side.next', masked: 'side.masked', none: 'side.predictions' };

/** The words under the predictions' title: what the model offers when it is not next-token prediction. */
function predictionNote() {
  if (app.predictionKind === 'next') return '';
  if (app.predictionKind === 'masked')
    return app.predictions.length ? t('predict.maskedGuesses') : t('predict.typeMask');
  const cosine = app.runB ? embeddingCosine(app.run.embedding, app.runB.embedding) : null;
  return (
    t('predict.noHead', { size: app.run.embedding.length }) +
    (cosine === null ? t('predict.compareHint') : t('predict.cosine', { cosine: cosine.toFixed(3) }))
  );
}

/** The cosine of two L2-normalised embeddings (their dot product). */
function embeddingCosine(a, b) {
  let dot = 0;
  for (let n = 0; n < a.length; ++n) dot += a[n] * b[n];
  return dot;
}

/** The side panels: predictions, the ablation grid, the explained weight, the model's measured table. */
function renderSide({ state: s, config }) {
  setText($('predict-title'), t(PREDICTION_TITLES[app.predictionKind ?? 'none']));
  renderPredictions($('predictions'), app.predictions, app.baselineProbabilities);
  const note = predictionNote();
  const noteElement = $('predict-note');
  setText(noteElement, note);
  if (noteElement.hidden !== !note) noteElement.hidden = !note;
  app.ablationGrid ??= createAblationGrid();
  app.ablationGrid.render(config, s.ablated);
  const n = s.ablated.size;
  setText(
    $('ablation-status'),
    n ? t('ablation.off', { n, predicts: Boolean(app.predictionKind) }) : t('ablation.allOn'),
  );
  renderExplainPanel();
  renderMeasured($('about-model'), app.measured, { layer: s.layer, head: s.head }, $('about-card'));
}

function createAblationGrid() {
  const grid = new AblationGrid($('ablation-grid'), {
    onToggle: (key) => {
      const ablated = new Set(app.state.ablated);
      if (ablated.has(key)) ablated.delete(key);
      else ablated.add(key);
      setState({ ablated }, { recompute: true });
    },
  });
  grid.initialize();
  return grid;
}

function renderExplainPanel() {
  const s = app.state,
    container = $('explain');
  if (!s.cell) {
    renderExplainEmpty(container);
    app.explained = null;
    return;
  }
  if (app.words) {
    app.explained = null;
    setHtml(container, `<p class="muted">${t('explain.words')}</p>`);
    return;
  }
  if (app.shown.T !== app.run.ids.length) {
    app.explained = null;
    setHtml(container, `<p class="muted">${t('explain.hidden')}</p>`);
    return;
  }
  const T = app.run.ids.length,
    config = app.model.config,
    causal = !app.encoder;
  const { i, j } = s.cell;
  const internals = layerInternals(s.layer);
  if (internals.pending || internals.error) {
    app.explained = null;
    const text = internals.error ?? t('explain.computing');
    setHtml(container, `<p class="muted">${escapeHtml(text)}</p>`);
    return;
  }
  const info = explainCell(internals, T, config.headDim, s.head, i, j, causal);
  const shown = app.run.attention[((s.layer * config.nHead + s.head) * T + i) * T + j];
  const vectors = { qi: Array.from(info.qi), kj: Array.from(info.kj), product: undefined };
  app.explained = { layer: s.layer, head: s.head, i, j, ...info, shown, ...vectors };
  const tokens = app.run.tokens;
  renderExplain(container, { layer: s.layer, head: s.head, i, j, tokens, info, shown, config, causal });
}

function renderTokens() {
  const { tokens, ids, special, pieces } = app.run;
  const hidden = app.encoder && app.state.special === 'hide';
  let shownIndex = 0; // a chip's row in the views (hidden special tokens have none)
  const chip = (text, n) => {
    const isSpecial = Boolean(special?.[n]);
    const classes = [app.delimiters[n] && !isSpecial ? 'delim' : '', isSpecial ? 'special' : ''].join(' ').trim();
    const piece = pieces && pieces[n] !== text ? t('tokens.piece', { piece: pieces[n] }) : '';
    const what = isSpecial ? t(hidden ? 'tokens.specialHidden' : 'tokens.special') : '';
    const index = isSpecial && hidden ? '' : ` data-index="${shownIndex++}"`;
    const title = t('tokens.title', { n, id: ids[n] }) + piece + what;
    return `<span${index} class="${classes}" title="${escapeHtml(title)}" data-raw>${escapeHtml(text)}</span>`;
  };
  const cut = app.context.total - app.context.kept;
  const before =
    cut > 0
      ? `<span class="cut" title="${escapeHtml(t('tokens.cutTitle'))}">${t('tokens.cut', { n: cut })}</span>`
      : '';
  setHtml($('tokens'), before + tokens.map(chip).join(''));
}

function renderTiming() {
  const { tokens, forwardMs, updateMs } = app.timings,
    threads = app.threads.threads;
  const timing = $('timing');
  timing.textContent = t('timing.line', {
    tokens,
    forward: forwardMs.toFixed(1),
    update: updateMs.toFixed(1),
    threads,
  });
  const reason = app.threads.reason;
  const title = reason ? t('timing.single', { reason }) : t('timing.build', { build: app.threads.build });
  if (timing.title !== title) timing.title = title;
}

// ---- generation --------------------------------------------------------------------------------

/**
 * Generates after text A (decoders; greedy): each token is appended to the run as it comes, with its attention
 * row, and drawn with the head view locked on it; stopGeneration() aborts. When it ends, the text box holds the
 * text with what was generated, and the page runs that text as usual.
 */
export async function generate({ maxNewTokens }) {
  if (!app.model || app.encoder || app.generation || app.loading) return;
  clearTimeout(app.pending);
  app.pending = null;
  await update();
  if (!app.run || app.generation) return;
  const prompt = app.state.text;
  const generation = { id: null, prompt, text: '', count: 0, max: maxNewTokens, steps: [], queue: [], flush: null };
  app.generation = generation;
  renderGeneration();
  const { id, promise } = app.worker.send(
    'generate',
    { text: prompt, options: { maxNewTokens } },
    { onToken: (step) => appendToken(generation, step) },
  );
  generation.id = id;
  let message, text;
  try {
    const out = await promise;
    drawTokens(generation); // the last steps, before the page runs the whole text
    text = out.text;
    app.generated = { ids: Array.from(out.ids), newIds: Array.from(out.newIds), text, stopReason: out.stopReason };
    message = t('generate.done', { n: out.newIds.length, reason: out.stopReason });
  } catch (error) {
    const aborted = error.name === 'AbortError';
    text = generation.text;
    app.generated = {
      ids: null,
      newIds: generation.steps.map((x) => x.id),
      text,
      stopReason: aborted ? 'abort' : 'error',
    };
    message = aborted
      ? t('generate.stopped', { n: generation.count })
      : t('generate.failed', { message: error.message });
  } finally {
    app.generated.steps = generation.steps;
    app.generation = null;
  }
  setText($('generate-status'), message);
  renderGeneration();
  if (app.state.text !== prompt) return update(); // typed into meanwhile: the typing wins
  if (!text) return undefined;
  $('text-input').value = prompt + text;
  setState({ text: prompt + text, lock: null, cell: null }, { recompute: true });
  return undefined;
}

/** Stops the generation in progress, if any (its tokens so far stay in the text). */
export function stopGeneration() {
  if (app.generation?.id) app.worker.abort(app.generation.id);
}

/**
 * Takes a generated token (a generate step: id, text, token, index, attention [nLayer, nHead, index + 1]). Steps
 * are drawn in a task of their own, all that came since the last drawing at once, so that a fast generator
 * cannot keep the main thread busy drawing (Stop and typing stay reachable).
 */
function appendToken(generation, step) {
  if (app.generation !== generation) return;
  generation.count += 1;
  generation.text += step.text;
  generation.queue.push(step);
  generation.steps.push({ id: step.id, index: step.index, text: step.text, shownTokens: null });
  generation.flush ??= setTimeout(() => drawTokens(generation), 0);
}

/** Extends the page's run by the queued steps (their rows after the old ones) and draws it. */
function drawTokens(generation) {
  clearTimeout(generation.flush);
  generation.flush = null;
  const steps = generation.queue.splice(0);
  const previous = app.run;
  if (app.generation !== generation || !previous || !steps.length) return;
  const T = previous.ids.length,
    U = T + steps.length;
  if (steps[0].index !== T) return; // (the page's run is not the prompt the worker continues: nothing to extend)
  const heads = app.model.config.nLayer * app.model.config.nHead;
  const attention = new Float32Array(heads * U * U); // [nLayer, nHead, U, U]: the old rows, then the new ones
  for (let lh = 0; lh < heads; ++lh) {
    for (let i = 0; i < T; ++i)
      attention.set(previous.attention.subarray((lh * T + i) * T, (lh * T + i + 1) * T), (lh * U + i) * U);
    steps.forEach((step, n) => {
      const row = step.attention.subarray(lh * (T + n + 1), (lh + 1) * (T + n + 1));
      attention.set(row, (lh * U + T + n) * U);
    });
  }
  const ids = new Int32Array(U);
  ids.set(previous.ids);
  ids.set(
    steps.map((step) => step.id),
    T,
  );
  const tokens = [...previous.tokens, ...steps.map((step) => step.token)];
  const run = { ...previous, ids, tokens, attention, special: new Uint8Array(U) };
  for (const record of generation.steps.slice(-steps.length)) record.shownTokens = U;
  $('text-input').value = generation.prompt + generation.text;
  const delimiters = steps.map((step) => isDelimiterText(step.text));
  Object.assign(app, { delimiters: [...app.delimiters, ...delimiters], predictions: [], baselineProbabilities: null });
  app.context = { kept: U, total: app.context.total + steps.length };
  app.state.lock = { side: 'q', index: U - 1 };
  app.state.cell = null;
  acceptRun(run, null, performance.now(), 0);
}

/** The Generate and Stop buttons and the status beside them (decoders only). */
function renderGeneration() {
  const row = $('generate-row');
  const decoder = Boolean(app.model) && !app.encoder;
  if (row.hidden === decoder) row.hidden = !decoder;
  const busy = Boolean(app.generation);
  $('generate-button').disabled = busy;
  $('stop-button').hidden = !busy;
  if (busy) setText($('generate-status'), t('generate.running', { n: app.generation.count, max: app.generation.max }));
}

// ---- model loading -----------------------------------------------------------------------------

/** A file's load status in words (the loader's initiate | download | progress | done, else as it came). */
const fileStatus = (status) => (FILE_STATUSES.includes(status) ? t(`model.fileStatus.${status}`) : status);
const FILE_STATUSES = ['initiate', 'download', 'progress', 'done'];

/** Per file of the load, a bar with its status and bytes (the loader's onProgress events); null hides them. */
function showProgress(event, name) {
  const bar = $('load-progress'),
    list = $('load-files');
  if (event === null) {
    app.progress.clear();
    bar.hidden = list.hidden = true;
    return;
  }
  app.progress.set(event.file, event);
  let loaded = 0,
    total = 0;
  for (const file of app.progress.values()) {
    loaded += file.loaded;
    total += Math.max(file.total ?? 0, file.loaded);
  }
  const bytes = { loaded: formatBytes(loaded), total: total ? formatBytes(total) : 0 };
  const percent = total ? Math.round((100 * loaded) / total) : 0;
  $('model-info').textContent = t('model.loadingBytes', { name, percent, ...bytes });
  bar.hidden = list.hidden = false;
  bar.value = total ? loaded / total : 0;
  const rows = [...app.progress.values()].map(({ file, status, loaded: got, total: size }) => {
    const value = size ? ` value="${got / size}"` : status === 'done' ? ' value="1"' : '';
    return (
      `<li data-file="${escapeHtml(file)}"><span class="file" data-raw>${escapeHtml(file)}</span>` +
      `<progress max="1"${value}></progress><span class="status">${fileStatus(status)} · ` +
      `${t('model.fileBytes', { loaded: formatBytes(got), total: size ? formatBytes(size) : 0 })}</span></li>`
    );
  });
  setHtml(list, rows.join(''));
}

/** Makes the worker's loaded model (its { config, memoryBytes, threads }) the page's model. */
async function adoptModel(loaded, source, meta) {
  Object.assign(app, {
    model: { config: loaded.config, memoryBytes: loaded.memoryBytes },
    loaded: { source, meta },
    modelName: meta.name,
    encoder: loaded.config.family === 'encoder',
    threads: loaded.threads,
    patterns: null,
    measured: null,
    embeddingCache: new Map(),
  });
  app.state.modelUrl = meta.modelUrl;
  app.state.hub = meta.hub ?? null;
  if (meta.patternsFile) app.patterns = await loadHeadPatterns(meta.modelUrl, meta.patternsFile).catch(() => null);
  if (meta.measuredFile) app.measured = await loadMeasured(meta.measuredFile).catch(() => null);
  describeModel();
}

/**
 * Loads a model in the worker and makes it the page's model. source: what the worker loads ({ kind: 'folder',
 * url } with an absolute url, { kind: 'files', files }, { kind: 'hub', id, revision, hubUrl }); meta: { name,
 * modelUrl (what state.modelUrl becomes: a folder, state.FILES_MODEL or state.HUB_MODEL), hub ({ id, revision }
 * or null), patternsFile, measuredFile }. The worker disposes the model in use before it loads the next; when
 * the next fails, the previous one is loaded again and the error is rethrown. A newer call replaces a load in
 * progress (aborted): the older call resolves to false, an adopted model to true.
 */
export async function useModel(source, meta) {
  if (app.loading) app.worker.abort(app.loading); // a newer choice replaces a load in progress
  stopGeneration();
  const info = $('model-info');
  info.textContent = t('model.loading', { name: meta.name });
  showProgress(null);
  const previous = app.loaded;
  const current = () => app.loading === id;
  const onProgress = (event) => current() && showProgress(event, meta.name);
  const { id, promise } = app.worker.send('load', { source }, { onProgress });
  app.loading = id;
  try {
    const loaded = await promise;
    if (!current()) return false; // (the worker loads the newer choice next, disposing this one)
    await adoptModel(loaded, source, meta);
    app.error = null;
    return true;
  } catch (error) {
    if (!current()) return false;
    app.error = error.message;
    showProgress(null);
    if (previous) await restoreModel(previous);
    info.textContent = app.model ? t('model.kept', { name: app.modelName }) : t('model.none');
    throw error;
  } finally {
    if (current()) {
      app.loading = false;
      showProgress(null);
    }
  }
}

/** Loads the model that was in use again, after another failed to load (the worker had disposed it). */
async function restoreModel({ source, meta }) {
  $('model-info').textContent = t('model.restoring', { name: meta.name });
  try {
    await adoptModel(await app.worker.request('load', { source }), source, meta);
  } catch {
    Object.assign(app, { model: null, loaded: null, run: null });
  }
}

/**
 * The model line under the picker: name, shape (with its kv heads when fewer than its query heads), for an
 * encoder its kind, and the memory the model holds in the worker's engine.
 */
function describeModel() {
  const c = app.model.config,
    bytes = app.model.memoryBytes;
  const head = t(c.hasMlmHead ? 'model.mlmHead' : 'model.noLmHead');
  const kind = app.encoder ? t('model.encoderKind', { type: c.modelType, head }) : '';
  const kv = c.nKvHead < c.nHead ? t('model.kvHeads', { n: c.nKvHead }) : '';
  const shape = { layers: c.nLayer, heads: c.nHead, kv, dModel: c.nEmbd, dK: c.headDim, context: c.nPositions };
  const memory = t('model.memory', { bytes: bytes === null ? '—' : formatBytes(bytes) });
  const info = $('model-info');
  info.textContent = `${t('model.info', { name: app.modelName, ...shape, vocab: c.vocabSize })}${kind} · ${memory}`;
  info.title = t('model.memoryTitle');
}

/** Creates every view of the registry: its tab, its panel, and the view itself (once, at start). */
export function createViews() {
  const tabs = VIEWS.map(
    ({ id, label }) => `<button role="tab" data-view="${id}" id="tab-${id}">${escapeHtml(t(label))}</button>`,
  );
  $('tabs').innerHTML = tabs.join('');
  const context = { tooltip: $('tooltip'), actions: { setState, selectHead }, widths };
  for (const definition of VIEWS) {
    const panel = document.createElement('div');
    Object.assign(panel, { id: `view-${definition.id}`, className: 'view', hidden: true });
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', `tab-${definition.id}`);
    panel.innerHTML = definition.markup;
    $('views').append(panel);
    app.views.set(definition.id, definition.create({ ...context, panel }));
  }
}
