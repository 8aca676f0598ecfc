// The page controller: owns the state, runs the model when the text, model or ablation change, and
// asks the active view to render. Views never run the model themselves.
// The page's numbers are published on window.mhaDemo for the end-to-end tests.
import { attentionDifference, explainCell, headLabels, isDelimiterText, mostInformativeHead, SCORES } from './analysis.js';
import { DIFF_LUT, headColor, lutGradient, WEIGHT_LUT } from './colors.js';
import { setAttribute, setHtml, setText } from './dom.js';
import { attentionJson, canvasesToPng, canvasesToSvg, download, exports } from './export.js';
import { loadHeadPatterns, loadModelFromFiles, loadModelFromUrl, loadModelList, MAX_FILE_BYTES } from './model-store.js';
import { clampState, COMPARE_PAIR, PRESETS, stateFromUrl, stateToUrl, VIEWS } from './state.js';
import { renderExplain, renderExplainEmpty } from './views/explain.js';
import { AggregateView } from './views/aggregate-view.js';
import { CompareView } from './views/compare-view.js';
import { HeadView } from './views/head-view.js';
import { ModelView } from './views/model-view.js';
import { AblationGrid, renderPredictions } from './views/predictions.js';
import { setThreadCount, threadCount } from '../dist/index.js';

const DEBOUNCE_MS = 120;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const app = {
  model: null, modelName: '', modelList: [], defaultModelUrl: '', state: null,
  threads: { build: 'single', threads: 1, maxThreads: 1, reason: '' }, // threadCount() of the package
  run: null, // { ids, tokens, attention, logits, timeMs } of the text (with ablation applied)
  baselineLogits: null, // logits without ablation when some head is ablated
  runB: null, difference: null, // compare
  labels: null, delimiters: [], patterns: null, // live head scores and labels; offline head_patterns.json
  focusScore: null, // the score the last preset looked for (named in the model view's heading)
  openOn: null, // after the next run, open the head chosen by this: 'informative' (the model's) or a score key (this text's)
  explainCache: new Map(), lastRun: null, explained: null,
  predictions: [], baselineProbabilities: null,
  timings: { forwardMs: 0, computeMs: 0, renderMs: 0, updateMs: 0 },
  updates: 0, pending: null, urlPending: null, error: null, loading: false,
};

// ---- views -------------------------------------------------------------------------------------

// The card's width is read once and then kept current by a ResizeObserver: reading clientWidth during
// an update would force a synchronous style and layout pass right after the DOM writes of that update.
const card = { width: 0, windowWidth: 0, observer: null };
function cardWidth() {
  if (!card.observer) {
    const element = $('view-heads').parentElement;
    card.observer = new ResizeObserver(() => {
      const width = element.clientWidth, windowWidth = window.innerWidth;
      if (width === card.width && windowWidth === card.windowWidth) return;
      Object.assign(card, { width, windowWidth });
      render();
    });
    card.observer.observe(element);
    Object.assign(card, { width: element.clientWidth, windowWidth: window.innerWidth });
  }
  return card.width;
}
const viewWidth = () => cardWidth() - 4;
const splitWidth = () => Math.max(260, cardWidth() * (card.windowWidth < 760 ? 1 : 0.5) - 20);
const tooltip = $('tooltip');
const headView = new HeadView($('head-canvas'), { onLock: (lock) => setState({ lock }), maxWidth: viewWidth });
const selectHead = ({ layer, head }) => setState({ layer, head });
const modelView = new ModelView({ grid: $('grid-canvas'), large: $('large-canvas'), title: $('large-title') },
  { tooltip, onSelectHead: selectHead, onSelectCell: (cell) => setState({ cell }), maxWidth: splitWidth });
const aggregateView = new AggregateView({ strip: $('aggregate-strip'), large: $('aggregate-canvas'), modes: $('aggregate-modes'), hint: $('aggregate-hint') },
  { tooltip, onSelectLayer: (layer) => setState({ layer }), onMode: (aggregate) => setState({ aggregate }), maxWidth: viewWidth });
const compareView = new CompareView({
  grid: $('compare-grid'), large: $('compare-canvas'), title: $('compare-title'), tokensA: $('compare-tokens-a'),
  tokensB: $('compare-tokens-b'), hint: $('compare-hint'), predictions: $('compare-predictions'),
}, { tooltip, onSelectHead: selectHead, maxWidth: splitWidth });
const ablation = new AblationGrid($('ablation-grid'), {
  onToggle: (key) => {
    const ablated = new Set(app.state.ablated);
    if (ablated.has(key)) ablated.delete(key); else ablated.add(key);
    setState({ ablated }, { recompute: true });
  },
});

// ---- state -------------------------------------------------------------------------------------

/** Applies a state change, writes the URL, and recomputes (model run) or just re-renders. */
function setState(patch, { recompute = false } = {}) {
  Object.assign(app.state, patch);
  if ('layer' in patch || 'head' in patch) app.explained = null;
  writeUrl();
  if (recompute) scheduleCompute(0);
  else render();
}

function writeUrl() {
  history.replaceState(null, '', stateToUrl(app.state, app.defaultModelUrl));
}

function scheduleCompute(delay = DEBOUNCE_MS) {
  clearTimeout(app.pending);
  app.pending = setTimeout(() => { app.pending = null; update(); }, delay);
}

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

/** Token ids of a text, cut to the model's context (with a notice). */
function idsOf(text) {
  const ids = app.model.tokenizer.encode(text); // run() returns the readable tokens
  const limit = app.model.config.nPositions;
  return ids.length > limit ? { ids: ids.slice(0, limit), cut: ids.length } : { ids, cut: 0 };
}

function delimiterFlags(ids) {
  const cache = (app.delimiterCache ??= new Map());
  return Array.from(ids, (id) => {
    if (!cache.has(id)) cache.set(id, isDelimiterText(app.model.tokenizer.decode([id])));
    return cache.get(id);
  });
}

function softmaxAt(logits, ids) {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return ids.map((id) => Math.exp(logits[id] - max) / sum);
}

/** Runs the model for the current text (and B in compare), then renders; a failure is shown, not thrown. */
function update() {
  try {
    runAndRender();
  } catch (error) {
    app.error = error.message;
    $('input-message').textContent = `Could not run the model on this text: ${error.message}`;
    $('input-message').classList.add('error');
  }
}

function runAndRender() {
  if (!app.model) return;
  const start = performance.now();
  const s = app.state;
  const message = $('input-message');
  setText(message, '');
  message.classList.remove('error');
  const { ids, cut } = idsOf(s.text);
  if (!ids.length) {
    message.textContent = 'Type some text: the model needs at least one token.';
    return;
  }
  if (cut) message.textContent = `Showing the first ${ids.length} of ${cut} tokens (the model's context is ${ids.length}).`;
  const mask = headMask();
  let forwardMs = 0;
  app.baselineLogits = null;
  if (mask) {
    const base = app.model.run(ids, { attention: false });
    app.baselineLogits = base.logits;
    forwardMs += base.timeMs;
  }
  const run = app.model.run(ids, { headMask: mask });
  forwardMs += run.timeMs;
  app.run = run;
  app.lastRun = 'A';
  app.explainCache.clear();
  app.explained = null;
  app.delimiters = delimiterFlags(run.ids);
  app.labels = headLabels(run.attention, app.model.config, run.ids.length, run.ids, app.delimiters);
  if (app.openOn) openChosenHead();
  app.predictions = app.model.topK(run.logits, 5);
  app.baselineProbabilities = app.baselineLogits ? softmaxAt(app.baselineLogits, app.predictions.map((p) => p.id)) : null;
  computeCompare();
  clampState(s, app.model.config, run.ids.length);
  // the address bar is updated after the frame (history.replaceState can take milliseconds)
  clearTimeout(app.urlPending);
  app.urlPending = setTimeout(() => { app.urlPending = null; writeUrl(); }, 0);
  const computed = performance.now();
  render();
  renderTokens();
  const end = performance.now();
  app.timings = { forwardMs, computeMs: computed - start, renderMs: end - computed, updateMs: end - start, tokens: run.ids.length };
  const threads = app.threads.threads;
  $('timing').textContent = `${run.ids.length} tokens · forward ${forwardMs.toFixed(1)} ms · update ${(end - start).toFixed(1)} ms` +
    ` · ${threads} thread${threads === 1 ? '' : 's'}`;
  const timingTitle = app.threads.reason ? `single-threaded: ${app.threads.reason}` : `${app.threads.build} build`;
  if ($('timing').title !== timingTitle) $('timing').title = timingTitle;
  app.updates += 1;
}

function computeCompare() {
  app.runB = null;
  app.difference = null;
  if (app.state.view !== 'compare') return;
  const { ids } = idsOf(app.state.textB);
  if (!ids.length) return;
  app.runB = app.model.run(ids, { headMask: headMask() });
  app.lastRun = 'B';
  app.difference = attentionDifference(app.run.attention, app.run.ids.length, app.runB.attention, ids.length, app.model.config);
  app.predictionsB = app.model.topK(app.runB.logits, 5);
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

// ---- rendering ---------------------------------------------------------------------------------

function renderTokens() {
  const tokens = app.run.tokens;
  setHtml($('tokens'), tokens.map((t, n) => `<span data-index="${n}" class="${app.delimiters[n] ? 'delim' : ''}" title="token ${n}, id ${app.run.ids[n]}">${esc(t)}</span>`).join(''));
}

/** The chip caption of a head: its first (most specific) label's score and chance on this text, or ''. */
function labelText(l, h) {
  const label = app.labels?.head(l, h).labels[0];
  return label ? `${label.short} ${label.score.toFixed(2)} (chance ${label.chance.toFixed(2)})` : '';
}

/** Every score of a head on this text against its chance, one line each, labels marked. */
function describeScores(l, h) {
  const live = app.labels?.head(l, h);
  if (!live) return '';
  const earned = new Set(live.labels.map((x) => x.key));
  return SCORES.filter(({ key }) => live.scores[key] !== null).map(({ key, name }) =>
    `${earned.has(key) ? '✓' : ' '} ${name} ${live.scores[key].toFixed(3)} (chance ${app.labels.chance[key].toFixed(3)})`).join('\n');
}

/** The offline scores of a head (head_patterns.json) in one line, or ''. */
function describeOffline(l, h) {
  const p = app.patterns?.heads.get(`${l}.${h}`);
  if (!p) return '';
  const labels = p.labels.map((x) => `${x.name} ${x.score.toFixed(3)} (chance ${x.chance.toFixed(3)})`).join(', ');
  return `on held-out text: ${labels || 'no label'}`;
}

function renderChips() {
  const { nHead } = app.model.config;
  const chips = $('head-chips');
  if (chips.childElementCount !== nHead) {
    chips.innerHTML = Array.from({ length: nHead }, (_, h) =>
      `<button type="button" class="chip" data-head="${h}"><span class="swatch" style="background:${headColor(h)};color:${headColor(h)}"></span>H${h} <span class="label"></span></button>`).join('');
  }
  for (const chip of chips.children) {
    const h = Number(chip.dataset.head);
    setAttribute(chip, 'aria-pressed', String(!app.state.hiddenHeads.has(h)));
    const off = app.state.ablated.has(`${app.state.layer}.${h}`);
    setText(chip.querySelector('.label'), labelText(app.state.layer, h) + (off ? ' · off' : ''));
    const offline = describeOffline(app.state.layer, h);
    const title = `head ${h}, scores on this text (✓ = label earned):\n${describeScores(app.state.layer, h)}` +
      (offline ? `\n${offline}` : '') + '\nclick toggles, double-click or S solos';
    if (chip.title !== title) chip.title = title;
  }
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
  const { nLayer, nHead } = app.model.config;
  let pick = null;
  if (want === 'informative') {
    const offline = app.patterns?.heads.size ? [...app.patterns.heads.values()] : null; // (an older file: no scores)
    const live = app.labels?.heads.flatMap((row, layer) => row.map((x, head) => ({ layer, head, labels: x.labels })));
    pick = mostInformativeHead(offline ?? live ?? []);
    if (!pick) return;
    const others = Array.from({ length: nHead }, (_, h) => h).filter((h) => h !== pick.head);
    Object.assign(app.state, { layer: pick.layer, head: pick.head, hiddenHeads: new Set(others) });
    return;
  }
  for (let layer = 0; layer < nLayer; ++layer)
    for (let head = 0; head < nHead; ++head) {
      const score = app.labels?.head(layer, head).scores[want];
      if (score !== null && score !== undefined && (!pick || score > pick.score)) pick = { layer, head, score };
    }
  if (pick) Object.assign(app.state, { layer: pick.layer, head: pick.head, view: 'model', cell: null });
}

function renderLayerPicker() {
  const { nLayer } = app.model.config;
  const picker = $('layer-picker');
  if (picker.dataset.n !== String(nLayer)) {
    picker.dataset.n = String(nLayer);
    picker.innerHTML = '<span class="muted">Layer</span>' + Array.from({ length: nLayer }, (_, l) => `<button type="button" data-layer="${l}">${l}</button>`).join('');
  }
  for (const b of picker.querySelectorAll('button')) setAttribute(b, 'aria-pressed', String(Number(b.dataset.layer) === app.state.layer));
}

function renderLegend() {
  const s = app.state;
  const sqrt = s.scale === 'sqrt';
  const weightBar = `<span>0 <span class="bar" style="background:${lutGradient(WEIGHT_LUT)}"></span> 1 attention weight${sqrt ? ' (colour ∝ √weight)' : ''}</span>` +
    '<span><span class="masked"></span> masked (future)</span>';
  let html = '';
  const toggle = `<button type="button" id="scale-toggle" aria-pressed="${sqrt}" title="Colour by the square root of the weight: small weights become visible">√ scale</button>`;
  if (s.view === 'heads') html = `<span>line opacity = ${sqrt ? '√weight' : 'weight'} (weights under 0.01 not drawn)</span><span>bars beside the other column: the focused token's weights per head</span>${toggle}`;
  else if (s.view === 'compare' && app.difference) {
    const r = app.difference.range || 1;
    html = `<span>B more <span class="bar" style="background:${lutGradient(DIFF_LUT)}"></span> A more (A − B, ±${r.toFixed(2)})</span><span><span class="masked"></span> masked (future)</span>`;
  } else html = weightBar + toggle;
  const refocus = document.activeElement?.id === 'scale-toggle';
  if (setHtml($('legend'), html) && refocus) $('scale-toggle')?.focus();
}

function render() {
  if (!app.run) return;
  const start = performance.now();
  const s = app.state, config = app.model.config;
  const { nHead } = config;
  const T = app.run.ids.length, tokens = app.run.tokens, attention = app.run.attention;
  // The active view's canvases first, the DOM after: a canvas resolves its font against the page's
  // style, so drawing text after DOM writes would force a style pass in the middle of the update.
  if (s.view === 'heads') {
    const visible = Array.from({ length: nHead }, (_, h) => h).filter((h) => !s.hiddenHeads.has(h));
    headView.render({ attention, T, nHead, layer: s.layer, tokens, visible, lock: s.lock, sqrt: s.scale === 'sqrt' });
    renderChips();
  } else if (s.view === 'model') {
    modelView.render({ state: s, config, attention, tokens, T, labels: app.labels, labelText, describeScores, describeOffline, focus: app.focusScore });
  } else if (s.view === 'aggregate') {
    aggregateView.render({ state: s, config, attention, tokens, T });
  } else if (s.view === 'compare') {
    compareView.render({ state: s, config, run: app.run, runB: app.runB, difference: app.difference, predictions: app.predictions, predictionsB: app.predictionsB });
  }
  for (const view of VIEWS) {
    const panel = $(`view-${view}`), tab = $(`tab-${view}`);
    if (panel.hidden !== (view !== s.view)) panel.hidden = view !== s.view;
    setAttribute(tab, 'aria-selected', String(view === s.view));
    if (tab.tabIndex !== (view === s.view ? 0 : -1)) tab.tabIndex = view === s.view ? 0 : -1;
  }
  renderLayerPicker();
  renderPredictions($('predictions'), app.predictions, app.baselineProbabilities);
  ablation.render(config, s.ablated);
  setText($('ablation-status'), s.ablated.size
    ? `${s.ablated.size} head${s.ablated.size > 1 ? 's' : ''} off: attention of later layers and the prediction are recomputed; ▲▼ = change vs. all heads on.`
    : 'All heads on. Click a head to switch it off.');
  renderExplainPanel();
  renderLegend();
  app.timings.lastRenderMs = performance.now() - start;
}

function renderExplainPanel() {
  const s = app.state, container = $('explain');
  if (!s.cell) { renderExplainEmpty(container); app.explained = null; return; }
  const T = app.run.ids.length, config = app.model.config;
  const { i, j } = s.cell;
  const info = explainCell(layerInternals(s.layer), T, config.headDim, s.head, i, j);
  const shown = app.run.attention[((s.layer * config.nHead + s.head) * T + i) * T + j];
  app.explained = { layer: s.layer, head: s.head, i, j, ...info, shown, qi: Array.from(info.qi), kj: Array.from(info.kj), product: undefined };
  renderExplain(container, { layer: s.layer, head: s.head, i, j, tokens: app.run.tokens, info, shown, config });
}

// ---- model loading -----------------------------------------------------------------------------

function showProgress(fraction, name) {
  const bar = $('load-progress');
  bar.hidden = fraction === null;
  if (fraction === null) return;
  bar.value = fraction;
  $('model-info').textContent = `loading ${name}… ${Math.round(100 * fraction)}%`;
}

async function useModel(load, name, url, patternsFile) {
  app.loading = true;
  const info = $('model-info');
  info.textContent = `loading ${name}…`;
  showProgress(0, name);
  try {
    const model = await load((fraction) => showProgress(fraction, name));
    app.model?.dispose();
    app.model = model;
    app.modelName = name;
    app.threads = await threadCount();
    app.delimiterCache = new Map();
    app.state.modelUrl = url;
    app.patterns = null;
    if (url && patternsFile) app.patterns = await loadHeadPatterns(url, patternsFile).catch(() => null);
    const c = model.config;
    info.textContent = `${name}: ${c.nLayer} layers × ${c.nHead} heads, d_model ${c.nEmbd}, d_k ${c.headDim}, context ${c.nPositions}, vocabulary ${c.vocabSize}`;
    app.error = null;
    return true;
  } catch (error) {
    app.error = error.message;
    info.textContent = app.model ? `${app.modelName} (kept: the new model did not load)` : 'no model loaded';
    throw error;
  } finally {
    app.loading = false;
    showProgress(null);
  }
}

async function loadFiles(files) {
  const message = $('load-message');
  message.classList.remove('error');
  message.textContent = 'Reading the files…';
  try {
    await useModel((progress) => loadModelFromFiles(files, progress), 'your model', null);
    app.openOn = 'informative';
    message.textContent = `Loaded: ${[...files].map((f) => f.name).join(', ')}.`;
    update();
  } catch (error) {
    message.classList.add('error');
    message.textContent = `Could not load this model: ${error.message.replace(/([^.])$/, '$1.')}${app.model ? ` The page keeps using ${app.modelName}.` : ''}`;
  }
}

// ---- wiring ------------------------------------------------------------------------------------

function wire() {
  for (const view of [headView, modelView, aggregateView, compareView, ablation]) view.initialize();
  const text = $('text-input');
  text.value = app.state.text;
  text.addEventListener('input', () => { app.state.text = text.value; scheduleCompute(); });
  const textB = $('text-b');
  textB.value = app.state.textB;
  textB.addEventListener('input', () => { app.state.textB = textB.value; scheduleCompute(); });
  $('presets').innerHTML = PRESETS.map((p, n) => `<button type="button" data-preset="${n}" title="${esc(p.title ?? p.text)}">${esc(p.label)}</button>`).join('') +
    '<button type="button" data-preset="pair" title="Compare the seed sentence with one word changed">Compare tired / wide</button>' +
    '<button type="button" data-preset="long" title="Fill the model\'s whole context">Full context</button>';
  $('presets').addEventListener('click', (e) => {
    const preset = e.target.closest('button')?.dataset.preset;
    if (preset === undefined) return;
    if (preset === 'pair') {
      text.value = COMPARE_PAIR[0];
      textB.value = COMPARE_PAIR[1];
      setState({ text: COMPARE_PAIR[0], textB: COMPARE_PAIR[1], view: 'compare' }, { recompute: true });
    } else if (preset === 'long') {
      text.value = fullContextText();
      setState({ text: text.value, lock: null, cell: null }, { recompute: true });
    } else {
      const chosen = PRESETS[Number(preset)];
      text.value = chosen.text ?? (chosen.random ? randomRepeatedText(chosen.random) : '');
      app.openOn = chosen.open ?? null;
      setState({ text: text.value, lock: null, cell: null }, { recompute: true });
    }
  });
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener('click', () => setState({ view: tab.dataset.view }, { recompute: tab.dataset.view === 'compare' && !app.runB }));
    tab.addEventListener('keydown', (e) => {
      const n = VIEWS.indexOf(tab.dataset.view), step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      const next = VIEWS[(n + step + VIEWS.length) % VIEWS.length];
      setState({ view: next }, { recompute: next === 'compare' && !app.runB });
      $(`tab-${next}`).focus();
    });
  }
  $('layer-picker').addEventListener('click', (e) => {
    const layer = e.target.closest('button')?.dataset.layer;
    if (layer !== undefined) setState({ layer: Number(layer) });
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('textarea, input, select') || !app.model) return;
    if (e.key === '[' || e.key === ']') setState({ layer: Math.max(0, Math.min(app.model.config.nLayer - 1, app.state.layer + (e.key === ']' ? 1 : -1))) });
  });
  const chips = $('head-chips');
  chips.addEventListener('click', (e) => {
    const h = Number(e.target.closest('.chip')?.dataset.head);
    if (!Number.isInteger(h)) return;
    const hidden = new Set(app.state.hiddenHeads);
    if (hidden.has(h)) hidden.delete(h); else hidden.add(h);
    setState({ hiddenHeads: hidden });
  });
  const solo = (h) => {
    const { nHead } = app.model.config;
    const others = Array.from({ length: nHead }, (_, n) => n).filter((n) => n !== h);
    const alreadySolo = app.state.hiddenHeads.size === nHead - 1 && !app.state.hiddenHeads.has(h);
    setState({ hiddenHeads: alreadySolo ? new Set() : new Set(others) });
  };
  chips.addEventListener('dblclick', (e) => {
    const h = Number(e.target.closest('.chip')?.dataset.head);
    if (Number.isInteger(h)) solo(h);
  });
  chips.addEventListener('keydown', (e) => {
    const h = Number(e.target.closest('.chip')?.dataset.head);
    if (Number.isInteger(h) && e.key.toLowerCase() === 's') { e.preventDefault(); solo(h); }
  });
  $('legend').addEventListener('click', (e) => {
    if (e.target.closest('#scale-toggle')) setState({ scale: app.state.scale === 'sqrt' ? 'linear' : 'sqrt' });
  });
  $('tokens').addEventListener('click', (e) => {
    const n = Number(e.target.closest('[data-index]')?.dataset.index);
    if (Number.isInteger(n)) setState({ view: 'heads', lock: { side: 'q', index: n } });
  });
  // model choice
  const select = $('model-select');
  select.innerHTML = app.modelList.map((m, n) => `<option value="${n}">${esc(m.name)}</option>`).join('') + '<option value="files" hidden>your model (files)</option>';
  select.addEventListener('change', async () => {
    if (select.value === 'files') return;
    const entry = app.modelList[Number(select.value)];
    try {
      app.openOn = 'informative';
      await useModel((p) => loadModelFromUrl(entry.url, p), entry.name, entry.url, entry.patterns);
      update();
    } catch (error) {
      $('input-message').textContent = `Could not load ${entry.name}: ${error.message}`;
      $('input-message').classList.add('error');
    }
  });
  const filesButton = $('model-files-button');
  filesButton.addEventListener('click', () => {
    const panel = $('model-files-panel');
    panel.hidden = !panel.hidden;
    filesButton.setAttribute('aria-expanded', String(!panel.hidden));
  });
  $('size-limit').textContent = `${Math.round(MAX_FILE_BYTES / 1024 / 1024)} MB`;
  $('model-files').addEventListener('change', (e) => {
    if (e.target.files.length) loadFiles(e.target.files).then(() => { select.value = app.state.modelUrl ? select.value : 'files'; });
  });
  const drop = $('drop-zone');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) loadFiles(e.dataTransfer.files);
  });
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('model-files').click(); } });
  // exports
  const baseName = () => `attention-${app.modelName.replace(/\W+/g, '-')}-${app.state.view}-L${app.state.layer}`;
  const viewCanvases = () => [...$(`view-${app.state.view}`).querySelectorAll('canvas')];
  $('export-png').addEventListener('click', async () => download(await canvasesToPng(viewCanvases()), `${baseName()}.png`));
  $('export-svg').addEventListener('click', () => {
    const caption = `${app.modelName} · ${app.state.view} view · layer ${app.state.layer} · "${app.state.text.slice(0, 80)}"`;
    const svg = app.state.view === 'heads' ? headView.toSvg() : canvasesToSvg(viewCanvases(), caption);
    download(new Blob([svg], { type: 'image/svg+xml' }), `${baseName()}.svg`, svg);
  });
  $('export-json').addEventListener('click', () => {
    const json = attentionJson({ modelName: app.modelName, config: app.model.config, text: app.state.text, tokens: app.run.tokens, ids: app.run.ids, attention: app.run.attention, ablated: app.state.ablated });
    download(new Blob([json], { type: 'application/json' }), `${baseName()}.json`, json);
  });
  $('copy-link').addEventListener('click', async () => {
    writeUrl();
    try { await navigator.clipboard.writeText(location.href); $('copy-link').textContent = 'Copied'; } catch { $('copy-link').textContent = 'See address bar'; }
    setTimeout(() => { $('copy-link').textContent = 'Link'; }, 1500);
  });
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { card.windowWidth = window.innerWidth; render(); }, 100);
  });
}

/**
 * A seeded random sequence of word tokens (a space and letters: each one encodes back to itself alone, so
 * the text's token ids are exactly the drawn ids), `length` distinct ones, then the same again: the
 * page's form of head_patterns.py's induction test sequence.
 */
function randomRepeatedText({ length, seed }) {
  if (!app.model) return '';
  const tokenizer = app.model.tokenizer, vocabSize = app.model.config.vocabSize;
  let state = seed >>> 0;
  const next = () => { // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const words = new Set();
  const limit = Math.min(length, Math.floor(app.model.config.nPositions / 2));
  for (let tries = 0; words.size < limit && tries < 50 * length; ++tries) {
    const id = 256 + Math.floor(next() * Math.max(1, vocabSize - 257));
    const word = tokenizer.decode([id]);
    if (!/^ [A-Za-z]+$/.test(word) || words.has(word)) continue;
    const back = tokenizer.encode(word);
    if (back.length === 1 && back[0] === id) words.add(word);
  }
  const once = [...words].join('');
  return `${once}${once}`;
}

/** A text long enough to fill the context (the seed sentence repeated into a small story). */
function fullContextText() {
  const sentences = [
    "The animal didn't cross the street because it was tired.",
    'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
    'She was the youngest of the two daughters of a most affectionate, indulgent father.',
  ];
  if (!app.model) return sentences[0];
  const limit = app.model.config.nPositions, count = (text) => app.model.tokenize(text).ids.length;
  let text = '';
  for (let n = 0; count(text) < limit; ++n) text += (n ? ' ' : '') + sentences[n % sentences.length];
  while (count(text) > limit) text = text.slice(0, text.lastIndexOf(' ')); // whole words, at most the context
  return text;
}

// ---- test hook -----------------------------------------------------------------------------------

window.mhaDemo = {
  get ready() { return Boolean(app.run) && !app.loading && app.pending === null && !app.urlPending; },
  get updates() { return app.updates; },
  get state() {
    const s = app.state;
    return { ...s, hiddenHeads: [...s.hiddenHeads], ablated: [...s.ablated].sort() };
  },
  get modelName() { return app.modelName; },
  get config() { return app.model?.config; },
  get tokens() { return app.run?.tokens; },
  get ids() { return app.run ? Array.from(app.run.ids) : null; },
  get attention() { return app.run?.attention; },
  get shape() { return app.run ? [app.model.config.nLayer, app.model.config.nHead, app.run.ids.length, app.run.ids.length] : null; },
  get visibleHeads() { return Array.from({ length: app.model?.config.nHead ?? 0 }, (_, h) => h).filter((h) => !app.state.hiddenHeads.has(h)); },
  get timings() { return { ...app.timings }; },
  get predictions() { return app.predictions.map((p) => ({ ...p })); },
  get baselineProbabilities() { return app.baselineProbabilities; },
  get labels() { return app.labels?.heads.map((row) => row.map((h) => ({ label: h.labels[0]?.key ?? null, short: h.labels[0]?.short ?? null, score: h.labels[0]?.score ?? null, chance: h.labels[0]?.chance ?? null, scores: h.scores }))); },
  get chance() { return app.labels?.chance ?? null; },
  get explained() { return app.explained; },
  get headView() { return { ...headView.stats, focus: headView.focus() }; },
  get compare() {
    const d = app.difference;
    if (!d) return null;
    // per query row: the largest |A - B| over every layer, head and key
    const rowMaxAbs = new Array(d.T).fill(0);
    for (let n = 0; n < d.diff.length; ++n) {
      const i = Math.floor(n / d.T) % d.T;
      rowMaxAbs[i] = Math.max(rowMaxAbs[i], Math.abs(d.diff[n]));
    }
    return { T: d.T, tokensB: app.runB.tokens, maxAbs: Array.from(d.maxAbs), range: d.range, rowMaxAbs };
  },
  get aggregate() { return aggregateView.values; },
  get lastExport() { return exports.last; },
  get error() { return app.error; },
  get patterns() { return app.patterns ? Object.fromEntries(app.patterns.heads) : null; },
  /** Geometry of the large heatmap and the head view (to click a given cell or token). */
  get geometry() {
    const rect = (canvas) => { const r = canvas.getBoundingClientRect(); return { canvasLeft: r.left, canvasTop: r.top }; };
    return {
      large: modelView.large.geometry && { ...modelView.large.geometry, ...rect(modelView.large.canvas) },
      headView: headView.geometry && { ...headView.geometry, ...rect(headView.canvas) },
    };
  },
  /** Number of tokens of a text under the current model. */
  tokenCount(text) { return app.model.tokenize(text).ids.length; },
  /** Runs an update now (no debounce) and returns the timings: for latency measurements. */
  updateNow() { clearTimeout(app.pending); app.pending = null; update(); return { ...app.timings }; },
  get threads() { return { ...app.threads }; },
  async setThreads(count) { app.threads = { ...app.threads, threads: await setThreadCount(count) }; return app.threads.threads; },
};

// ---- start ---------------------------------------------------------------------------------------

async function start() {
  try {
    app.modelList = await loadModelList();
  } catch (error) {
    $('model-info').textContent = `models.json: ${error.message}`;
    app.modelList = [];
  }
  app.defaultModelUrl = app.modelList[0]?.url ?? '';
  app.state = stateFromUrl(location.search, app.defaultModelUrl);
  // without a layer, head or hidden heads in the address, open on the model's most informative head
  const query = new URLSearchParams(location.search);
  if (!['layer', 'head', 'hide'].some((key) => query.has(key))) app.openOn = 'informative';
  wire();
  const entryIndex = app.modelList.findIndex((m) => m.url === app.state.modelUrl);
  $('model-select').value = entryIndex >= 0 ? String(entryIndex) : '0';
  const entry = entryIndex >= 0 ? app.modelList[entryIndex] : { name: app.state.modelUrl, url: app.state.modelUrl };
  try {
    await useModel((p) => loadModelFromUrl(entry.url, p), entry.name, entry.url, entry.patterns);
    update();
  } catch (error) {
    $('input-message').textContent = `Could not load the model at ${app.state.modelUrl}: ${error.message}. Pick one above or load your own files.`;
    $('input-message').classList.add('error');
  }
}

start();
