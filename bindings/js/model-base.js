// What GptModel, EncoderModel and LlamaModel share on top of WasmObject's memory contract: loading the
// Embind handle from files on the heap, the frozen config and the tokenizer (disposed with the model),
// the run() plumbing (head mask, timing, copying views out of the heap) and explain()'s q/k/v copies.
// The model classes keep what differs: their files, config fields, run() options and result fields.
import {
  adopt,
  describe,
  live,
  ModelFormatError,
  throwEngineError,
  toBooleanMask,
  WasmObject,
  withHeap,
} from './runtime.js';

// Package-internal members of ModelBase (symbols, so they stay out of the public API).
export const engine = Symbol('engine'); // the wasm module, for withHeap() in subclasses
export const runHandle = Symbol('runHandle');
export const headMaskOf = Symbol('headMaskOf');
export const checkIdRange = Symbol('checkIdRange');
export const attentionOf = Symbol('attentionOf');
export const explainLayer = Symbol('explainLayer');

/** ids as an Int32Array (an Int32Array itself, or a copy of an array of integers); `name` for messages. */
export function toIds(ids, name) {
  if (ids instanceof Int32Array) return ids;
  if (Array.isArray(ids) || ArrayBuffer.isView(ids)) {
    for (let n = 0; n < ids.length; ++n)
      if (!Number.isInteger(ids[n]) || ids[n] < -(2 ** 31) || ids[n] >= 2 ** 31)
        throw new TypeError(`${name}[${n}]: expected an integer token id, got ${describe(ids[n])}`);
    return Int32Array.from(ids);
  }
  throw new TypeError(`${name}: expected an Int32Array or an array of token ids, got ${describe(ids)}`);
}

export class ModelBase extends WasmObject {
  #module;
  #config;
  #tokenizer;
  #lastLength = 0; // tokens of the last run(), the T of explain()'s shapes

  /**
   * module: the engine; handle: a new Embind model handle, owned from here on (freed on failure);
   * kind: the class name for use-after-dispose errors; files: byte arrays put on the heap for
   * load(addresses) -> error string; readConfig(handle) -> the config object (frozen here);
   * tokenizer: the model's tokenizer or null; tokenizerFile: its file name, to refuse a tokenizer with more
   * tokens than config.json's vocab_size (null: no check).
   */
  constructor(module, { handle, kind, files, load, readConfig, tokenizer = null, tokenizerFile = null }) {
    super();
    this.#module = module;
    let error = '';
    withHeap(module, files, [], (addresses) => {
      error = load(addresses);
    });
    if (error) {
      handle.delete();
      throwEngineError(error);
    }
    const config = Object.freeze(readConfig(handle));
    if (tokenizerFile && tokenizer.vocabSize > config.vocabSize) {
      handle.delete();
      throw new ModelFormatError(
        `${tokenizerFile}: ${tokenizer.vocabSize} tokens, more than config.json's vocab_size ${config.vocabSize}`,
      );
    }
    this.#config = config;
    this.#tokenizer = tokenizer;
    this[adopt](handle, kind);
  }

  get config() {
    return this.#config;
  }
  get tokenizer() {
    this[live]('tokenizer');
    return this.#tokenizer;
  }

  /**
   * Bytes this model holds in the wasm heap (counted by the engine): its weights (F16/BF16 stay 16-bit, F32
   * stay F32), caches and the work buffers of its last run.
   */
  get memoryBytes() {
    return this[live]('memoryBytes').memoryBytes();
  }

  /** The part of memoryBytes that is weights. */
  get weightBytes() {
    return this[live]('weightBytes').weightBytes();
  }

  get [engine]() {
    return this.#module;
  }

  /**
   * Throws a RangeError unless ids holds 1 to config[limitName] (the longest input) ids, each in [0, vocabSize).
   * name: the argument the ids came from, for the message.
   */
  [checkIdRange](ids, name, limitName) {
    const { vocabSize, [limitName]: limit } = this.#config;
    if (ids.length === 0) throw new RangeError(`${name}: expected at least 1 token, got 0`);
    if (ids.length > limit)
      throw new RangeError(`${name}: expected at most ${limitName} = ${limit} tokens, got ${ids.length}`);
    for (let n = 0; n < ids.length; ++n)
      if (ids[n] < 0 || ids[n] >= vocabSize)
        throw new RangeError(`ids[${n}]: expected an id in [0, ${vocabSize}), got ${ids[n]}`);
    return ids;
  }

  /** The mask [nLayer * nHead] of options.headMask (1 = keep, 0 = ablate), or null for none. */
  [headMaskOf](value) {
    if (value === undefined || value === null) return null;
    const count = this.#config.nLayer * this.#config.nHead;
    return toBooleanMask(value, 'headMask', count, `[nLayer * nHead] = [${count}] (1 = keep, 0 = ablate)`);
  }

  /**
   * Runs call(addresses) with inputs (typed arrays or null) on the heap, throws its error, and remembers the
   * sequence length (that of ids, or `length` when ids are the tokens after cached ones) for explain(). Returns
   * the milliseconds of the call alone.
   */
  [runHandle](ids, inputs, call, length = ids.length) {
    let error = '',
      timeMs = 0;
    withHeap(this.#module, [ids, ...inputs], [], (addresses) => {
      const start = performance.now();
      error = call(addresses);
      timeMs = performance.now() - start;
    });
    throwEngineError(error);
    this.#lastLength = length;
    return timeMs;
  }

  /** { attention, attentionShape }: a copy of the last run's weights [nLayer, nHead, T, T], or nulls. */
  [attentionOf](handle, wanted, T) {
    const { nLayer, nHead } = this.#config;
    return {
      attention: wanted ? new Float32Array(handle.attention()) : null,
      attentionShape: wanted ? [nLayer, nHead, T, T] : null,
    };
  }

  /** q, k, v of one layer for the last run's tokens, each [nHead, T, headDim] (q not yet scaled). */
  [explainLayer](layer) {
    const handle = this[live]('explain');
    const { nLayer, nHead, headDim } = this.#config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer)
      throw new RangeError(`layer: expected an integer in [0, ${nLayer}), got ${describe(layer)}`);
    if (!this.#lastLength) throw new TypeError('explain: expected run() first, nothing has run');
    throwEngineError(handle.explain(layer));
    return {
      q: new Float32Array(handle.q()),
      k: new Float32Array(handle.k()),
      v: new Float32Array(handle.v()),
      shape: [nHead, this.#lastLength, headDim],
    };
  }

  /** Frees the model and its tokenizer. */
  dispose() {
    if (this.disposed) return;
    super.dispose();
    this.#tokenizer?.dispose();
  }
}
