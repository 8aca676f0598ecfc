// The end-to-end tests' view of the page (tests/e2e/demo.test.mjs): window.mhaDemo, installed only when
// the address has ?test=1 (main.js). Read-only numbers, plus a few calls for latency measurements. The model
// lives in the worker: what needs its tokenizer (tokenCount, tokenIds, contextIds) returns a promise.
import { app, update } from './controller.js';
import { exports } from './export.js';

/** Per query row: the largest |A - B| over every layer, head and key. */
function rowMaxAbs({ diff, T }) {
  const rows = new Array(T).fill(0);
  for (let n = 0; n < diff.length; ++n) {
    const i = Math.floor(n / T) % T;
    rows[i] = Math.max(rows[i], Math.abs(diff[n]));
  }
  return rows;
}

const firstLabel = (h) => {
  const label = h.labels[0];
  return {
    label: label?.key ?? null,
    short: label?.short ?? null,
    score: label?.score ?? null,
    chance: label?.chance ?? null,
  };
};

const hook = {
  get ready() {
    const explaining = [...app.explainCache.values()].some((x) => x.pending);
    return (
      Boolean(app.run) &&
      !app.loading &&
      app.pending === null &&
      !app.urlPending &&
      !app.worker.busy('compute') &&
      !app.generation &&
      !explaining
    );
  },
  get updates() {
    return app.updates;
  },
  get state() {
    const s = app.state;
    return { ...s, hiddenHeads: [...s.hiddenHeads], ablated: [...s.ablated].sort() };
  },
  get modelName() {
    return app.modelName;
  },
  /** Bytes the model holds in the wasm heap, as the worker reported them (null: the package does not say). */
  get memoryBytes() {
    return app.model ? app.model.memoryBytes : undefined;
  },
  /** The last generation: { ids, newIds, text, stopReason, steps: [{ id, index, text, shownTokens }] }, or null. */
  get generated() {
    return app.generated;
  },
  get generating() {
    return Boolean(app.generation);
  },
  /** A compute request is in the worker or waiting for it. */
  get computing() {
    return app.worker.busy('compute');
  },
  get config() {
    return app.model?.config;
  },
  get tokens() {
    return app.run?.tokens;
  },
  /** An encoder's run: per token 1 = [CLS]/[SEP] (GPT-2: all 0). */
  get special() {
    return app.run?.special ? Array.from(app.run.special) : null;
  },
  /** What the views draw: { tokens, T, attention, removed } (without [CLS]/[SEP] when hidden), and causal. */
  get shown() {
    const shown = app.shown;
    return shown && { tokens: shown.tokens, T: shown.T, attention: shown.attention, removed: shown.removed };
  },
  get causal() {
    return !app.encoder;
  },
  get predictionKind() {
    return app.predictionKind;
  },
  get measured() {
    return app.measured;
  },
  get ids() {
    return app.run ? Array.from(app.run.ids) : null;
  },
  get attention() {
    return app.run?.attention;
  },
  get shape() {
    const c = app.model?.config,
      T = app.run?.ids.length;
    return app.run ? [c.nLayer, c.nHead, T, T] : null;
  },
  get visibleHeads() {
    return Array.from({ length: app.model?.config.nHead ?? 0 }, (_, h) => h).filter(
      (h) => !app.state.hiddenHeads.has(h),
    );
  },
  get timings() {
    return { ...app.timings };
  },
  /** performance.now() when the last run went to the worker and when its answer came. */
  get roundTrip() {
    return { ...app.roundTrip };
  },
  /** With state.units 'words': { tokens, groups, attention [nLayer, nHead, W, W] }; else null. */
  get words() {
    return app.words;
  },
  get context() {
    return { ...app.context };
  },
  get predictions() {
    return app.predictions.map((p) => ({ ...p }));
  },
  get baselineProbabilities() {
    return app.baselineProbabilities;
  },
  get labels() {
    return app.labels?.heads.map((row) => row.map((h) => ({ ...firstLabel(h), scores: h.scores })));
  },
  get chance() {
    return app.labels?.chance ?? null;
  },
  get explained() {
    return app.explained;
  },
  get headView() {
    const inspected = app.views.get('heads').inspect();
    delete inspected.geometry;
    return inspected;
  },
  get compare() {
    const d = app.difference;
    if (!d) return null;
    return {
      T: d.T,
      tokensB: app.runB.tokens,
      maxAbs: Array.from(d.maxAbs),
      range: d.range,
      rowMaxAbs: rowMaxAbs(d),
      pairs: d.pairs.map((p) => [p.a, p.b]), // aligned rows: [index in A, index in B]
      ops: d.ops,
      ...app.views.get('compare').inspect(),
    };
  },
  /** The walkthrough's numbers: { i, layer, head, weights (softmax of the query's row), steps (ids in order) }. */
  get steps() {
    return app.views.get('steps').inspect();
  },
  /** The head kinds' results: { syntax, pronoun, semantic } (views/kinds-view.js). */
  get kinds() {
    return app.views.get('kinds').inspect();
  },
  get aggregate() {
    return app.views.get('aggregate').inspect().values;
  },
  get lastExport() {
    return exports.last;
  },
  get error() {
    return app.error;
  },
  get patterns() {
    return app.patterns ? Object.fromEntries(app.patterns.heads) : null;
  },
  /** Geometry of the large heatmap and the head view (to click a given cell or token). */
  get geometry() {
    return { large: app.views.get('model').inspect().geometry, headView: app.views.get('heads').inspect().geometry };
  },
  /** Number of tokens of a text under the current model (a promise). */
  async tokenCount(text) {
    return (await app.worker.request('tokenIds', { text })).length;
  },
  /** Token ids of a text under the current model (all of them, not cut to the context; a promise). */
  async tokenIds(text) {
    return Array.from(await app.worker.request('tokenIds', { text }));
  },
  /** The ids the page runs for a text (its last nPositions tokens; a promise). */
  async contextIds(text) {
    return Array.from(await app.worker.request('contextIds', { text }));
  },
  /** Runs an update now (no debounce) and resolves to the timings: for latency measurements. */
  async updateNow() {
    clearTimeout(app.pending);
    app.pending = null;
    await update();
    return { ...app.timings };
  },
  get threads() {
    return { ...app.threads };
  },
  async setThreads(count) {
    app.threads = { ...app.threads, threads: await app.worker.request('setThreads', { count }) };
    return app.threads.threads;
  },
};

export function installTestHook() {
  window.mhaDemo = hook;
}
