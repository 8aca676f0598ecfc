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
  softmax,
  topTokens,
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
import { EncoderModel, threadCount } from '../dist/index.js';

const DEBOUNCE_MS = 120;
const TOP_K = 5;

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
 * Token ids of a text, at most the model's context. GPT-2: the last nPositions tokens (a sliding window), so
 * "Next token" predicts what follows the end of the text. An encoder: [CLS] text [SEP], cut by its tokenizer
 * to the first nPositions tokens. total: the text's token count; special: per kept token, 1 = [CLS]/[SEP].
 */
export function idsOf(text) {
  const limit = app.model.config.nPositions;
  if (app.encoder) {
    const { ids, special, untruncatedLength } = app.model.tokenize(text);
    return { ids, special, total: untruncatedLength };
  }
  const ids = app.model.tokenizer.encode(text); // run() returns the readable tokens
  const kept = ids.length > limit ? ids.slice(ids.length - limit) : ids;
  return { ids: kept, special: new Uint8Array(kept.length), total: ids.length };
}

/** A WordPiece entry as the page shows it: a "##" continuation as "·" + the rest ("##ing" -> "·ing"). */
export const readablePiece = (piece) => (piece.startsWith('##') ? `·${piece.slice(2)}` : piece);

/** Per token: a delimiter (analysis.isDelimiterText; an encoder's [SEP] counts, its [CLS] does not)? */
function delimiterFlags(ids, special) {
  const cache = app.delimiterCache;
  const text = (id) => (app.encoder ? app.model.tokenizer.token(id) : app.model.tokenizer.decode([id]));
  return Array.from(ids, (id, n) => {
    if (special[n]) return n > 0;
    if (!cache.has(id)) cache.set(id, isDelimiterText(text(id)));
    return cache.get(id);
  });
}

/** Runs the model for the current text (and B in compare), then renders; a failure is shown, not thrown. */
export function update() {
  try {
    runAndRender();
  } catch (error) {
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

function runAndRender() {
  if (!app.model) return;
  const start = performance.now();
  const { ids, special, total } = idsOf(app.state.text);
  if (!ids.length) return showMessage(t('run.empty'), 'notice');
  app.context = { kept: ids.length, total };
  showMessage(contextMessage(), app.context.total > app.context.kept || app.notice ? 'notice' : '');
  const forwardMs = runText(ids, special);
  app.words = app.state.units === 'words' ? mergeRunWords(app.run) : null;
  app.shown = shownOf(app.words ?? app.run);
  computeCompare();
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
  const tokens = app.run.ids.length;
  Object.assign(app.timings, {
    forwardMs,
    computeMs: computed - start,
    renderMs: end - computed,
    updateMs: end - start,
    tokens,
  });
  renderTiming();
  app.updates += 1;
}

/**
 * Runs the model on ids: GptModel.run, or EncoderModel.run with the tokenizer's special flags kept and the
 * pieces made readable (run.pieces keeps the vocabulary entries).
 */
function runIds(ids, special, options) {
  const run = app.model.run(ids, options);
  if (!app.encoder) return Object.assign(run, { special });
  return { ...run, special, pieces: run.tokens, tokens: run.tokens.map(readablePiece) };
}

/** The position of the first [MASK] of an encoder's run, or -1 (also without an MLM head). */
function maskPosition(run) {
  const maskId = app.encoder && app.model.config.hasMlmHead ? app.model.tokenizer.maskId : undefined;
  return maskId === undefined ? -1 : run.ids.indexOf(maskId);
}

/**
 * The side panel's top tokens for a run: GPT-2's next token; an encoder's guesses for its first [MASK]
 * ([] without one). probabilitiesOf(logits): the same tokens' probabilities in other logits (the baseline).
 */
function predictionsOf(run) {
  if (!app.encoder) return app.model.topK(run.logits, TOP_K);
  const at = maskPosition(run);
  if (at < 0 || !run.logits) return [];
  const { vocabSize } = app.model.config;
  return topTokens(run.logits.subarray(at * vocabSize, (at + 1) * vocabSize), TOP_K).map((p) => ({
    ...p,
    token: readablePiece(app.model.tokenizer.token(p.id)),
  }));
}

/** Runs text A (with the ablation, and without it for the baseline); returns the forward time in ms. */
function runText(ids, special) {
  const mask = headMask();
  let forwardMs = 0;
  app.baselineLogits = null;
  app.predictionKind = !app.encoder ? 'next' : app.model.config.hasMlmHead ? 'masked' : null;
  if (mask && app.predictionKind) {
    const base = app.model.run(ids, { attention: false });
    app.baselineLogits = base.logits;
    forwardMs += base.timeMs;
  }
  const run = runIds(ids, special, { headMask: mask });
  forwardMs += run.timeMs;
  Object.assign(app, { run, lastRun: 'A', explained: null });
  app.explainCache.clear();
  app.delimiters = delimiterFlags(run.ids, special);
  const T = run.ids.length;
  app.labels = headLabels(run.attention, app.model.config, T, run.ids, app.delimiters, !app.encoder);
  if (app.openOn) openChosenHead();
  app.predictions = app.predictionKind ? predictionsOf(run) : [];
  let baseline = null;
  if (app.baselineLogits && app.predictions.length) {
    const { vocabSize } = app.model.config,
      at = app.encoder ? maskPosition(run) : 0;
    const row = app.encoder ? app.baselineLogits.subarray(at * vocabSize, (at + 1) * vocabSize) : app.baselineLogits;
    baseline = softmax(row).weights;
  }
  app.baselineProbabilities = baseline ? app.predictions.map((p) => baseline[p.id]) : null;
  return forwardMs;
}

function computeCompare() {
  app.runB = null;
  app.difference = null;
  app.predictionsB = [];
  app.compareShown = { a: shownOf(app.run), b: null };
  if (!viewById(app.state.view)?.needsTextB) return;
  const { ids, special } = idsOf(app.state.textB);
  if (!ids.length) return;
  app.runB = runIds(ids, special, { headMask: headMask() });
  app.lastRun = 'B';
  const { a } = app.compareShown,
    b = shownOf(app.runB);
  app.compareShown.b = b;
  const { ops, pairs } = alignTokens(a.tokens, b.tokens); // rows and columns by token text, not position
  const difference = alignedDifference(a.attention, a.T, b.attention, b.T, pairs, app.model.config, !app.encoder);
  app.difference = { ...difference, ops };
  app.predictionsB = app.predictionKind ? predictionsOf(app.runB) : [];
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

/** q, k, v of a layer for the current text (re-running it if the last run was another text). */
function layerInternals(layer) {
  if (!app.explainCache.has(layer)) {
    if (app.lastRun !== 'A') {
      app.model.run(app.run.ids, { headMask: headMask(), attention: false });
      app.lastRun = 'A';
    }
    app.explainCache.set(layer, app.model.explain(layer));
  }
  return app.explainCache.get(layer);
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
    internals: layerInternals, // (layer) -> { q, k, v } of text A's run (model.explain), for the walkthrough
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
  const info = explainCell(layerInternals(s.layer), T, config.headDim, s.head, i, j, causal);
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

// ---- model loading -----------------------------------------------------------------------------

function showProgress(fraction, name) {
  const bar = $('load-progress');
  bar.hidden = fraction === null;
  if (fraction === null) return;
  bar.value = fraction;
  $('model-info').textContent = t('model.loadingPercent', { name, percent: Math.round(100 * fraction) });
}

/**
 * Loads a model with `load(onFraction)` and makes it the page's model; on failure the old model stays and
 * the error is rethrown. modelUrl: what state.modelUrl becomes (a folder, or state.FILES_MODEL).
 */
export async function useModel(load, { name, modelUrl, patternsFile, measuredFile }) {
  app.loading = true;
  const info = $('model-info');
  info.textContent = t('model.loading', { name });
  showProgress(0, name);
  try {
    const model = await load((fraction) => showProgress(fraction, name));
    app.model?.dispose();
    Object.assign(app, {
      model,
      modelName: name,
      encoder: model instanceof EncoderModel,
      threads: await threadCount(),
      delimiterCache: new Map(),
      patterns: null,
      measured: null,
    });
    app.state.modelUrl = modelUrl;
    if (patternsFile) app.patterns = await loadHeadPatterns(modelUrl, patternsFile).catch(() => null);
    if (measuredFile) app.measured = await loadMeasured(measuredFile).catch(() => null);
    describeModel();
    app.error = null;
  } catch (error) {
    app.error = error.message;
    info.textContent = app.model ? t('model.kept', { name: app.modelName }) : t('model.none');
    throw error;
  } finally {
    app.loading = false;
    showProgress(null);
  }
}

/** The model line under the picker: name, shape, and for an encoder its kind. */
function describeModel() {
  const c = app.model.config;
  const head = t(c.hasMlmHead ? 'model.mlmHead' : 'model.noLmHead');
  const kind = app.encoder ? t('model.encoderKind', { type: c.modelType, head }) : '';
  const shape = { layers: c.nLayer, heads: c.nHead, dModel: c.nEmbd, dK: c.headDim, context: c.nPositions };
  $('model-info').textContent = t('model.info', { name: app.modelName, ...shape, vocab: c.vocabSize }) + kind;
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
