// Every field the page holds, declared here and nowhere else (both objects are sealed: assigning a field
// that is not declared here throws):
//   defaultState()  the URL state: what a view shows follows from it plus the model's outputs, so a URL
//                   reproduces a view (text, compare text, model, view, layer, visible heads, locked token,
//                   opened head, explained cell, ablated heads, aggregate mode, colour scale, tokens or words);
//   createApp()     what the page computed or loaded: the model, its runs, labels and timings.
//
//   ?model=../models/x/&text=...  or a Hub model: ?hub=owner/name&rev=<revision>&hubUrl=<a Hub's address>&text=...
//   ?model=../models/x/&text=...&view=heads&layer=2&head=5&hide=0,3&lock=q4&cell=7,2&ablate=1.3,2.0&agg=rollout&scale=sqrt&units=words&special=hide&lang=bn&b=...

import { LANGUAGES } from './i18n.js';

import { DEFAULT_HUB_URL, isHubId } from '../dist/hub.js';

export const AGGREGATES = ['mean', 'max', 'rollout'];

export const SEED_SENTENCE = "The animal didn't cross the street because it was tired";
export const SEED_SENTENCE_BN = 'জন্তুটি রাস্তাটি পার হয়নি, কারণ সেটি খুব ক্লান্ত ছিল।';
export const COMPARE_PAIR_BN = [SEED_SENTENCE_BN, 'জন্তুটি রাস্তাটি পার হয়নি, কারণ সেটি খুব চওড়া ছিল।'];
// label, title: i18n keys (the text itself is the title when there is none: token text is never translated)
export const PRESETS = [
  { label: 'preset.seed', text: SEED_SENTENCE },
  { label: 'preset.wide', text: "The animal didn't cross the street because it was wide" },
  // open: after the run, show the head with the highest score of that name on the text (model view)
  {
    label: 'preset.repeated',
    open: 'induction',
    text:
      'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ' +
      'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
  },
  { label: 'preset.random', open: 'induction', random: { length: 50, seed: 15 }, title: 'preset.randomTitle' },
  {
    label: 'preset.dialogue',
    text: '"My dear Mr. Bennet," said his lady to him one day, "have you heard that Netherfield Park is let at last?"',
  },
  // Bengali: the seed pair (সেটি is as open as "it": the animal or the street), and Bengali mixed with English
  { label: 'preset.bnSeed', text: COMPARE_PAIR_BN[0] },
  { label: 'preset.bnWide', text: COMPARE_PAIR_BN[1] },
  { label: 'preset.bnMixed', text: 'আমি আজ সকালে Python দিয়ে ছোট্ট একটা program লিখেছি, আর সেটা ঠিকঠাক চলছে।' },
];
export const COMPARE_PAIR = [SEED_SENTENCE, "The animal didn't cross the street because it was wide"];
/** state.modelUrl of a model read from local files: a link cannot carry the files, only this marker. */
export const FILES_MODEL = 'files';
/** state.modelUrl of a model from the Hub (state.hub names it). */
export const HUB_MODEL = 'hub';
export { DEFAULT_HUB_URL, isHubId };

/** A fresh state with defaults (model: the caller's default). */
export function defaultState(modelUrl) {
  return Object.seal({
    modelUrl, // the model folder (relative to the page), FILES_MODEL, or HUB_MODEL
    hub: null, // with HUB_MODEL: { id: 'owner/name', revision } of the Hub model
    hubUrl: DEFAULT_HUB_URL, // the Hub the page loads ids from (a mirror, or the tests' fake Hub)
    text: SEED_SENTENCE,
    textB: COMPARE_PAIR[1],
    view: 'heads',
    layer: 0,
    hiddenHeads: new Set(), // heads not drawn in the head view
    lock: null, // { side: 'q' | 'k', index } — the locked token of the head view
    head: 0, // the head opened large in the model view / explained
    cell: null, // { i, j } — the explained cell of (layer, head)
    ablated: new Set(), // 'layer.head' keys whose output is zeroed before W_O
    aggregate: 'mean',
    scale: 'linear', // heatmap colour scale: 'linear' or 'sqrt'
    units: 'tokens', // rows and columns: 'tokens' (sub-word pieces) or 'words' (pieces merged, analysis.mergeWords)
    special: 'show', // an encoder's [CLS]/[SEP]: 'show' (marked) or 'hide' (rows and columns dropped, rows renormalised)
    lang: 'en', // the page's language: 'en' or 'bn' (i18n.js)
  });
}

/** The page's computed and loaded state (one object per page), every field declared here. */
export function createApp() {
  return Object.seal({
    state: null, // the URL state (defaultState), set once the model list is known
    views: new Map(), // view id -> the view instance (views/registry.js)
    ablationGrid: null, // the side panel's AblationGrid (views/predictions.js), made on the first render
    card: { width: 0, windowWidth: 0, observer: null }, // the views' content width and the window's (controller)
    worker: null, // the ModelClient of the model worker (model-client.js), which holds the model itself
    model: null, // what the worker says of the model in use: { config (page-model.js pageConfig), memoryBytes }
    loaded: null, // { source, meta } of the model in use (controller.useModel), to load it again after a failure
    progress: new Map(), // file -> the loader's last onProgress event, while a model loads
    encoder: false, // the model is a bidirectional encoder (EncoderModel): no causal mask, [CLS]/[SEP]
    modelName: '',
    modelList: [], // the entries of models.json
    defaultModelUrl: '',
    threads: { build: 'single', threads: 1, maxThreads: 1, reason: '' }, // threadCount() of the package
    run: null, // { ids, tokens, attention, logits, timeMs } of the text (with ablation applied); an encoder's also
    //            special (per token: 1 = [CLS]/[SEP]) and pieces (the vocabulary entries; tokens are readable: "##" -> "·")
    shown: null, // what the views draw of A: { tokens, attention, T, flags (special per row), removed } (controller.shownOf)
    compareShown: null, // the same for A and B in the compare view, { a, b } (tokens, not words)
    predictionKind: null, // the side panel's predictions: 'next' (GPT-2), 'masked' (an encoder's MLM head), or null
    measured: null, // the models.json entry's measured table (e.g. all-MiniLM-L6-v2.it-attention.json), or null
    context: { kept: 0, total: 0 }, // tokens kept of the text (its last nPositions) and its token count
    baselineProbabilities: null, // the top-5 tokens' probabilities without ablation
    predictions: [], // top-5 next tokens after the text: [{ id, token, probability }]
    runB: null, // the run of text B (compare view)
    difference: null, // analysis.attentionDifference of A and B
    words: null, // with state.units 'words': A's run merged into words, { groups, tokens, attention } (else null)
    predictionsB: [],
    labels: null, // analysis.headLabels of the run
    delimiters: [], // per token of the run: a delimiter?
    patterns: null, // the model's offline head_patterns.json (model-store.loadHeadPatterns)
    focusScore: null, // the score the last preset looked for (named in the model view's heading)
    openOn: null, // after the next run, open the head chosen by this: 'informative' or a score key
    explainCache: new Map(), // layer -> { q, k, v } of the run (the worker's explain), { pending } or { error }
    embeddingCache: new Map(), // ids (joined) -> { rows, dim } of the model's token embeddings, null, or { pending }
    generation: null, // the generation in progress: { id, prompt, text, count, max, steps, queue, flush } (controller)
    generated: null, // the last generation's { ids, newIds, text, stopReason, steps }
    explained: null, // the explained cell's numbers (for the test hook)
    timings: { forwardMs: 0, computeMs: 0, renderMs: 0, updateMs: 0, lastRenderMs: 0, tokens: 0 },
    roundTrip: { requestedAt: 0, receivedAt: 0 }, // performance.now() when the last run went to the worker, and came
    updates: 0, // model runs so far
    pending: null, // the debounce timer of the next run
    urlPending: null, // the timer of the next address-bar write
    error: null, // the last error message
    loading: false, // while a model loads, the id of the worker's load request (model-client.js send)
    notice: '', // the i18n key of a message about the model that outlives one run (e.g. a link that named local files)
  });
}

function parseIntList(text) {
  return (text ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map(Number)
    .filter(Number.isInteger);
}

/** Reads a state from a URL's query (unknown or malformed fields keep the defaults); views: the view ids. */
export function stateFromUrl(search, fallbackModelUrl, views) {
  const p = new URLSearchParams(search);
  const s = defaultState(p.get('model') || fallbackModelUrl);
  if (isHubId(p.get('hub'))) {
    s.modelUrl = HUB_MODEL;
    s.hub = { id: p.get('hub'), revision: p.get('rev') || 'main' };
  }
  if (p.has('hubUrl') && /^https?:\/\//.test(p.get('hubUrl'))) s.hubUrl = p.get('hubUrl');
  if (p.has('text')) s.text = p.get('text');
  if (p.has('b')) s.textB = p.get('b');
  if (views.includes(p.get('view'))) s.view = p.get('view');
  if (AGGREGATES.includes(p.get('agg'))) s.aggregate = p.get('agg');
  if (p.get('scale') === 'sqrt') s.scale = 'sqrt';
  if (p.get('units') === 'words') s.units = 'words';
  if (p.get('special') === 'hide') s.special = 'hide';
  if (LANGUAGES.includes(p.get('lang'))) s.lang = p.get('lang');
  const layer = Number(p.get('layer'));
  if (Number.isInteger(layer) && layer >= 0) s.layer = layer;
  const head = Number(p.get('head'));
  if (Number.isInteger(head) && head >= 0) s.head = head;
  if (p.has('hide')) s.hiddenHeads = new Set(parseIntList(p.get('hide')));
  const lock = /^([qk])(\d+)$/.exec(p.get('lock') ?? '');
  if (lock) s.lock = { side: lock[1], index: Number(lock[2]) };
  const cell = parseIntList(p.get('cell'));
  if (cell.length === 2) s.cell = { i: cell[0], j: cell[1] };
  if (p.has('ablate')) s.ablated = new Set((p.get('ablate') ?? '').split(',').filter((k) => /^\d+\.\d+$/.test(k)));
  return s;
}

/** The query string of a state ('' fields and defaults left out, so URLs stay short). */
export function stateToUrl(s, defaultModelUrl) {
  const p = new URLSearchParams();
  if (s.modelUrl === HUB_MODEL && s.hub) {
    p.set('hub', s.hub.id);
    if (s.hub.revision !== 'main') p.set('rev', s.hub.revision);
  } else if (s.modelUrl && s.modelUrl !== defaultModelUrl) p.set('model', s.modelUrl);
  if (s.hubUrl !== DEFAULT_HUB_URL) p.set('hubUrl', s.hubUrl);
  p.set('text', s.text);
  p.set('view', s.view);
  p.set('layer', String(s.layer));
  p.set('head', String(s.head));
  if (s.hiddenHeads.size) p.set('hide', [...s.hiddenHeads].sort((a, b) => a - b).join(','));
  if (s.lock) p.set('lock', `${s.lock.side}${s.lock.index}`);
  if (s.cell) p.set('cell', `${s.cell.i},${s.cell.j}`);
  if (s.ablated.size) p.set('ablate', [...s.ablated].sort().join(','));
  if (s.view === 'aggregate' || s.aggregate !== 'mean') p.set('agg', s.aggregate);
  if (s.scale === 'sqrt') p.set('scale', 'sqrt');
  if (s.units === 'words') p.set('units', 'words');
  if (s.special === 'hide') p.set('special', 'hide');
  if (s.lang !== 'en') p.set('lang', s.lang);
  if (s.view === 'compare' || s.textB !== COMPARE_PAIR[1]) p.set('b', s.textB);
  return `?${p.toString()}`;
}

/** Clamps indices that the current model / token count make invalid. */
export function clampState(s, { nLayer, nHead }, T) {
  s.layer = Math.min(Math.max(0, s.layer), nLayer - 1);
  s.head = Math.min(Math.max(0, s.head), nHead - 1);
  for (const h of s.hiddenHeads) if (h >= nHead) s.hiddenHeads.delete(h);
  for (const key of s.ablated) {
    const [l, h] = key.split('.').map(Number);
    if (l >= nLayer || h >= nHead) s.ablated.delete(key);
  }
  if (s.lock && s.lock.index >= T) s.lock = null;
  if (s.cell && (s.cell.i >= T || s.cell.j >= T)) s.cell = null;
}
