// The page's model worker (a module Web Worker, started by model-client.js): it loads the model and answers the
// main thread's requests, so that a forward pass, however long, never blocks typing or drawing.
//   in:  { id, type, args }   type: load | compute | explain | tokenIds | contextIds | presetText | generate |
//                                    embeddings | threads | setThreads | language (the page's, for the messages of
//                                    errors);  { type: 'abort', args: { id } } stops request id
//   out: { id, progress }     a load's onProgress event ({ status, file, loaded, total })
//        { id, token }        a generate step ({ id, text, token, index, attention [nLayer, nHead, index + 1] })
//        { id, done: true, result } or { id, done: true, error: { name, message } }
// Typed arrays in results and steps travel as transferred buffers (no copy). The previous model is disposed
// before the next one loads (one model's weights in the wasm heap at a time).
import { HUB_CACHE_NAME, loadModel, moduleInfo, setThreadCount } from '../dist/index.js';
import { embeddingRows, matrixOfSource } from './embeddings.js';
import { setLanguage, t } from './i18n.js';
import { loadModelFromFiles, loadModelFromUrl } from './model-store.js';
import { PageModel } from './page-model.js';

let current = null; // the PageModel in use
let embeddings = null; // { source, matrix: Promise of its token embedding matrix (or null) } of the model in use
let loads = Promise.resolve(); // the loads in order: each waits for the one before to end (or abort)
const running = new Map(); // request id -> its AbortController

/** Loads source { kind: 'folder', url } | { kind: 'files', files } | { kind: 'hub', id, revision, hubUrl }. */
function loadSource(source, onProgress, signal) {
  if (source.kind === 'files') return loadModelFromFiles(source.files, onProgress, signal);
  if (source.kind === 'folder') return loadModelFromUrl(source.url, onProgress, signal);
  const { id, revision, hubUrl } = source;
  return loadModel(id, { hub: true, revision, hubUrl, onProgress, signal });
}

/** Disposes the model in use, then loads the next: { config, memoryBytes, threads }. */
async function loadAfter({ source }, { id, signal }) {
  current?.dispose();
  current = null;
  embeddings = { source, matrix: null };
  signal.throwIfAborted();
  const model = await loadSource(source, (event) => postMessage({ id, progress: event }), signal);
  try {
    current = new PageModel(model);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { config: current.config, memoryBytes: current.memoryBytes, threads: await moduleInfo() };
}

/**
 * The token embeddings of ids in the model in use: { rows [ids.length, dim], dim }, or null when its
 * model.safetensors has none that can be read (the matrix is read on the first request, then kept).
 */
async function embeddingsOf(ids) {
  need();
  embeddings.matrix ??= matrixOfSource(embeddings.source, HUB_CACHE_NAME);
  const matrix = await embeddings.matrix;
  return matrix && { rows: embeddingRows(matrix, Array.from(ids)), dim: matrix.dim };
}

function need() {
  if (!current) throw new TypeError(t('model.noneLoaded'));
  return current;
}

const HANDLERS = {
  load(args, context) {
    const load = loads.then(() => loadAfter(args, context));
    loads = load.catch(() => {});
    return load;
  },
  compute: (args) => need().compute(args),
  explain: (args) => need().explain(args),
  tokenIds: ({ text }) => need().tokenIds(text),
  contextIds: ({ text }) => need().idsOf(text).ids,
  presetText: ({ kind, options }) => need().presetText(kind, options),
  embeddings: ({ ids }) => embeddingsOf(ids),
  generate: (args, { id, signal }) =>
    need().generate(args, (step) => postMessage({ id, token: step }, buffersOf(step)), signal),
  threads: () => moduleInfo(),
  setThreads: ({ count }) => setThreadCount(count),
  language: ({ lang }) => setLanguage(lang),
};

/** The distinct ArrayBuffers of the typed arrays in a result (three levels deep), to transfer. */
function buffersOf(value, found = new Set(), depth = 0) {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value && typeof value === 'object' && depth < 3) {
    for (const item of Object.values(value)) buffersOf(item, found, depth + 1);
  }
  return [...found];
}

self.onmessage = async ({ data: { id, type, args } }) => {
  if (type === 'abort') return running.get(args.id)?.abort(new DOMException('stopped', 'AbortError'));
  const controller = new AbortController();
  running.set(id, controller);
  try {
    if (!HANDLERS[type]) throw new TypeError(t('model.noRequest', { type }));
    const result = await HANDLERS[type](args ?? {}, { id, signal: controller.signal });
    postMessage({ id, done: true, result }, buffersOf(result));
  } catch (error) {
    postMessage({ id, done: true, error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } });
  } finally {
    running.delete(id);
  }
  return undefined;
};
