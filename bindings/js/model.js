// GPT-2-style models on the wasm engine: the Hugging Face GPT-2 file set (config.json,
// model.safetensors, vocab.json, merges.txt), a byte-level BPE tokenizer identical to GPT-2's, and a
// forward pass that returns logits and every head's attention.
import {
  adopt,
  checkBoolean,
  checkOptions,
  checkPositiveInteger,
  describe,
  formatBytes,
  heapReader,
  live,
  loadModule,
  localFileSize,
  locationUrl,
  readLocalFile,
  throwEngineError,
  WasmObject,
  withHeap,
} from './runtime.js';
import { explainLayer, headMaskOf, toIds } from './model-base.js';
import { DecoderModel, idsOf, runDecoder } from './decoder.js';

export { toIds };

const MODEL_FILES = ['config', 'weights', 'vocab', 'merges'];
const FILE_NAMES = { config: 'config.json', weights: 'model.safetensors', vocab: 'vocab.json', merges: 'merges.txt' };
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3; // above any GPT-2 file in F16/F32 that wasm32 can hold

// ---- reading files: URL, path, bytes, Blob/File, with progress -----------------------------------

/**
 * Reads one source into bytes. Sources: ArrayBuffer, typed array, Blob/File, URL or URL string,
 * a file path in Node (file: URLs are read with node:fs), or for config.json a plain object.
 */
export async function readSource(source, name, { onProgress, maxBytes = DEFAULT_MAX_BYTES, baseUrl, signal } = {}) {
  signal?.throwIfAborted();
  // Progress of this file: 'initiate' (about to read), 'download' (size known, bytes start to arrive),
  // 'progress' (bytes so far), 'done' (all read); total is undefined where the size is not known.
  const report = (status, loaded, total) => onProgress?.({ status, file: name, loaded, total });
  report('initiate', 0, undefined);
  const bytes = await readBytes(source, name, { maxBytes, baseUrl, signal, report });
  signal?.throwIfAborted();
  report('done', bytes.length, bytes.length);
  return bytes;
}

/** The RangeError for a file of `size` bytes over options.maxBytes; `name` says which file. */
export function overLimitError(name, size, maxBytes) {
  let sizeText = formatBytes(size),
    limitText = formatBytes(maxBytes);
  if (sizeText === limitText) [sizeText, limitText] = [`${size} bytes`, `${maxBytes} bytes`];
  return new RangeError(`${name}: ${sizeText} is over the limit of ${limitText} (maxBytes)`);
}

async function readBytes(source, name, { maxBytes, baseUrl, signal, report }) {
  const refuse = (size) => {
    throw overLimitError(name, size, maxBytes);
  };
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes =
      source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    if (bytes.length > maxBytes) refuse(bytes.length);
    return bytes;
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    if (source.size > maxBytes) refuse(source.size);
    return readStream(source.stream(), source.size, { report, refuse, maxBytes, signal });
  }
  if (typeof source === 'string' || source instanceof URL) {
    const url = await locationUrl(source, name, baseUrl);
    if (url.protocol === 'file:') {
      const size = await localFileSize(url).catch((error) => {
        const cause =
          error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'a folder, not a file' : error.message;
        throw new TypeError(`${name}: cannot read ${url.href} (${cause})`, { cause: error });
      });
      if (size > maxBytes) refuse(size);
      report('download', 0, size);
      return readLocalFile(url);
    }
    let response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // Node's fetch says only "fetch failed"; the cause (refused, unknown host, bad port...) is one level down.
      const cause = error.cause?.message ?? error.cause?.code ?? error.message;
      throw new TypeError(`${name}: cannot fetch ${url.href} (${cause})`, { cause: error });
    }
    if (!response.ok) {
      const status = `${response.status}${response.statusText ? ' ' + response.statusText : ''}`;
      throw new TypeError(`${name}: fetching ${url.href} failed with HTTP ${status}`);
    }
    const total = Number(response.headers.get('content-length')) || undefined;
    if (total > maxBytes) refuse(total);
    return readStream(response.body, total, { report, refuse, maxBytes, signal });
  }
  if (name === 'config.json' && source !== null && typeof source === 'object')
    return new TextEncoder().encode(JSON.stringify(source));
  throw new TypeError(
    `${name}: expected a URL, a path string, an ArrayBuffer, a typed array or a Blob/File, got ${describe(source)}`,
  );
}

/**
 * Reads a byte stream whole: report('download', 0, total) first, then report('progress', loaded, total)
 * per chunk; refuse(loaded) throws once more than maxBytes arrived (a server may send no length, or a wrong
 * one); an abort cancels the stream and throws signal.reason.
 */
export async function readStream(stream, total, { report, refuse, maxBytes, signal }) {
  const chunks = [];
  let loaded = 0;
  report('download', 0, total);
  for (const reader = stream.getReader(); ;) {
    const { done, value } = await reader.read().catch((error) => {
      throw signal?.aborted ? signal.reason : error;
    });
    if (done) break;
    loaded += value.length;
    if (loaded > maxBytes || signal?.aborted) {
      reader.cancel();
      signal?.throwIfAborted();
      refuse(loaded);
    }
    chunks.push(value);
    report('progress', loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

const LOAD_OPTIONS = ['onProgress', 'maxBytes', 'signal'];

/**
 * The options every loader takes, checked: onProgress(event) with event = { status, file, loaded, total },
 * maxBytes (per file), signal (an AbortSignal: abort rejects the load with signal.reason). `extra` names
 * further options a loader accepts.
 */
export function checkLoadOptions(options, extra = []) {
  const checked = checkOptions(options, [...LOAD_OPTIONS, ...extra], 'options');
  const { onProgress, maxBytes, signal } = checked;
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new TypeError(`options.onProgress: expected a function, got ${describe(onProgress)}`);
  if (maxBytes !== undefined) checkPositiveInteger(maxBytes, 'options.maxBytes', 2 ** 32);
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal))
    throw new TypeError(`options.signal: expected an AbortSignal, got ${describe(signal)}`);
  return checked;
}

async function resolveSources(source) {
  if (typeof source === 'string' || source instanceof URL) {
    const text = String(source);
    const folder = await locationUrl(/[\\/]$/.test(text) ? text : `${text}/`, 'source');
    return Object.fromEntries(MODEL_FILES.map((key) => [key, new URL(FILE_NAMES[key], folder)]));
  }
  if (source === null || typeof source !== 'object')
    throw new TypeError(
      `source: expected a folder URL or path, or { config, weights, vocab, merges }, got ${describe(source)}`,
    );
  checkOptions(source, MODEL_FILES, 'source');
  for (const key of MODEL_FILES)
    if (source[key] === undefined)
      throw new TypeError(
        `source.${key}: expected the ${FILE_NAMES[key]} file (URL, path, bytes or File), got undefined`,
      );
  return source;
}

// Package-internal method of ByteBpeTokenizer (a symbol, so it stays out of the public API).
export const loadBytes = Symbol('loadBytes');

// ---- Tokenizer ------------------------------------------------------------------------------------

// What Tokenizer (GPT-2 vocab.json + merges.txt) and HfTokenizer (tokenizer.json) share: both are byte-level
// BPE on the engine with the same Embind surface (bindings/tokenizer_handle.hpp) except for load().
export class ByteBpeTokenizer extends WasmObject {
  #module;

  // kind: the Embind class (module[kind]), also the name in use-after-dispose errors.
  constructor(module, kind) {
    super();
    this.#module = module;
    this[adopt](new module[kind](), kind);
  }

  /** Loads files (byte arrays, on the heap for the call) with load(addresses, handle) -> error; disposes on failure. */
  [loadBytes](files, load) {
    let error = '';
    withHeap(this.#module, files, [], (addresses) => {
      error = load(addresses, this[live]('load'));
    });
    if (error) {
      this.dispose();
      throwEngineError(error);
    }
    return this;
  }

  get vocabSize() {
    return this[live]('vocabSize').vocabSize();
  }

  /** Token ids of a string (no BOS or other special token is added). */
  encode(text) {
    const handle = this[live]('encode');
    if (typeof text !== 'string') throw new TypeError(`text: expected a string, got ${describe(text)}`);
    throwEngineError(handle.encode(wellFormed(text)));
    return new Int32Array(handle.ids()); // copy out of the wasm heap
  }

  /** The text of token ids (invalid UTF-8 from cut characters becomes U+FFFD). */
  decode(ids) {
    const handle = this[live]('decode');
    const array = toIds(ids, 'ids');
    let error = '';
    withHeap(this.#module, [array], [], ([address]) => {
      error = handle.decode(address, array.length);
    });
    throwEngineError(error);
    // a copy: TextDecoder refuses views of shared memory (the threaded build's heap)
    return new TextDecoder().decode(handle.text().slice());
  }

  /** A readable one-line form of a token for UIs (␣ for spaces, ↵ for newlines, <0xHH> for odd bytes). */
  tokenDisplay(id) {
    if (!Number.isInteger(id)) throw new TypeError(`id: expected an integer token id, got ${describe(id)}`);
    const text = this[live]('tokenDisplay').display(id);
    if (text.startsWith('\x01')) throwEngineError(text.slice(1));
    return text;
  }

  /** The id of a vocab key such as "Ġthe" or of a special token such as "<|endoftext|>", or undefined. */
  tokenId(key) {
    if (typeof key !== 'string') throw new TypeError(`key: expected a string, got ${describe(key)}`);
    const id = this[live]('tokenId').tokenId(wellFormed(key));
    return id < 0 ? undefined : id;
  }
}

/** GPT-2's tokenizer (vocab.json + merges.txt): token ids exactly as GPT-2's encoder. */
export class Tokenizer extends ByteBpeTokenizer {
  /** Loads GPT-2-style vocab.json + merges.txt (URLs, bytes or Files). */
  static async load({ vocab, merges } = {}, options = {}) {
    const { onProgress, maxBytes, signal } = checkLoadOptions(options);
    const module = await loadModule();
    const [vocabBytes, mergesBytes] = await Promise.all([
      readSource(vocab, 'vocab.json', { onProgress, maxBytes, signal }),
      readSource(merges, 'merges.txt', { onProgress, maxBytes, signal }),
    ]);
    return Tokenizer.fromBytes(module, vocabBytes, mergesBytes);
  }

  static fromBytes(module, vocabBytes, mergesBytes) {
    return new Tokenizer(module)[loadBytes]([vocabBytes, mergesBytes], ([vocab, merges], handle) =>
      handle.load(vocab, vocabBytes.length, merges, mergesBytes.length),
    );
  }

  constructor(module) {
    if (!module?.Tokenizer) throw new TypeError('Tokenizer: use `await Tokenizer.load({ vocab, merges })`');
    super(module, 'Tokenizer');
  }
}

// The text as UTF-8 will carry it: each lone UTF-16 surrogate (a string cut inside an emoji, say) becomes
// U+FFFD, as TextEncoder does. Embind's std::string conversion would otherwise encode it as if it were
// paired with the next code unit, swallowing that character.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export function replaceLoneSurrogates(text) {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}
function wellFormed(text) {
  return typeof text.toWellFormed === 'function' ? text.toWellFormed() : replaceLoneSurrogates(text);
}

// ---- GptModel -------------------------------------------------------------------------------------

export class GptModel extends DecoderModel {
  /**
   * Loads a model from the Hugging Face GPT-2 file set: a folder (a URL, or in Node a path; containing
   * config.json, model.safetensors, vocab.json, merges.txt) or { config, weights, vocab, merges } as URLs,
   * paths, bytes or Files.
   * options.onProgress({ status, file, loaded, total }) reports each file ('initiate', 'download',
   * 'progress', 'done'); options.maxBytes caps each file; options.signal aborts the load.
   */
  static async load(source, options = {}) {
    const { onProgress, maxBytes, signal } = checkLoadOptions(options);
    const sources = await resolveSources(source);
    const module = await loadModule();
    const read = (key) => readSource(sources[key], FILE_NAMES[key], { onProgress, maxBytes, signal });
    const [config, weights, vocab, merges] = await Promise.all(MODEL_FILES.map(read));
    const tokenizer = Tokenizer.fromBytes(module, vocab, merges);
    try {
      return new GptModel(module, config, weights, tokenizer);
    } catch (error) {
      tokenizer.dispose();
      throw error;
    }
  }

  constructor(module, configBytes, weightBytes, tokenizer) {
    if (!(tokenizer instanceof Tokenizer)) throw new TypeError('GptModel: use `await GptModel.load(source)`');
    const handle = new module.GptModel();
    super(module, {
      handle,
      kind: 'GptModel',
      files: [configBytes], // the weights stay here, read a tensor at a time (heapReader)
      load: ([config]) => handle.load(config, configBytes.length, heapReader(module, weightBytes), weightBytes.length),
      // config: { nLayer, nHead, nEmbd, nPositions, vocabSize, headDim, layerNormEpsilon, eosTokenIds }
      readConfig: (h) => ({
        nLayer: h.nLayer(),
        nHead: h.nHead(),
        nEmbd: h.nEmbd(),
        nPositions: h.nPositions(),
        vocabSize: h.vocabSize(),
        headDim: h.nEmbd() / h.nHead(),
        layerNormEpsilon: Math.fround(h.layerNormEpsilon()),
        eosTokenIds: Object.freeze(h.eosTokenIds()),
      }),
      tokenizer,
      tokenizerFile: 'vocab.json',
      limitName: 'nPositions',
      runEngine: (h, r) => h.run(r.ids, r.count, r.attention, r.allLogits, r.mask, true),
    });
  }

  #displayAll(ids) {
    return Array.from(ids, (id) => this.tokenizer.tokenDisplay(id));
  }

  /** { ids, tokens }: the token ids of a text and their readable forms. */
  tokenize(text) {
    this[live]('tokenize');
    const ids = this.tokenizer.encode(text);
    return { ids, tokens: this.#displayAll(ids) };
  }

  /**
   * Runs the model on a text or token ids. Returns copies:
   *   logits     [vocabSize] for the last position, or [T, vocabSize] with allLogits
   *   attention  [nLayer, nHead, T, T] causal per-head weights (null with attention: false)
   *   ids, tokens (readable forms), timeMs (the wasm forward pass alone).
   * options.headMask [nLayer * nHead]: 0 zeroes that head's output before W_O (ablation).
   * Tokens that the previous run() already ran (the same ids up to there) come from the KV cache (decoder.js).
   */
  run(input, options) {
    this[live]('run');
    const o = checkOptions(options, ['attention', 'allLogits', 'headMask'], 'run options');
    const ids = this[idsOf](input, 'run');
    const { nLayer, nHead, vocabSize } = this.config;
    const attention = checkBoolean(o.attention, 'attention', true);
    const allLogits = checkBoolean(o.allLogits, 'allLogits', false);
    const headMask = this[headMaskOf](o.headMask);
    const r = this[runDecoder](ids, headMask, { attention, allLogits });
    const T = ids.length;
    return {
      ids,
      tokens: this.#displayAll(ids),
      logits: r.logits,
      logitsShape: allLogits ? [T, vocabSize] : [vocabSize],
      attention: r.attention,
      attentionShape: attention ? [nLayer, nHead, T, T] : null,
      timeMs: r.timeMs,
    };
  }

  /** The k most likely next tokens from last-position logits: [{ id, token, probability }]. */
  topK(logits, k = 5) {
    this[live]('topK');
    if (!(logits instanceof Float32Array) || logits.length < this.config.vocabSize)
      throw new TypeError(
        `logits: expected a Float32Array of at least vocabSize = ${this.config.vocabSize}, got ${describe(logits)}`,
      );
    checkPositiveInteger(k, 'k', this.config.vocabSize);
    const row = logits.subarray(logits.length - this.config.vocabSize);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const best = [];
    for (let id = 0; id < row.length; ++id) {
      if (best.length < k || row[id] > best[best.length - 1].logit) {
        best.push({ id, logit: row[id] });
        best.sort((a, b) => b.logit - a.logit);
        if (best.length > k) best.pop();
      }
    }
    return best.map(({ id, logit }) => ({
      id,
      token: this.tokenizer.tokenDisplay(id),
      probability: Math.exp(logit - max) / sum,
    }));
  }

  /**
   * Per-head internals of one layer for the tokens of the last run(): q, k, v each [nHead, T, headDim]
   * (q not yet scaled by 1/sqrt(headDim)).
   */
  explain(layer) {
    return this[explainLayer](layer);
  }
}
