// mha-wasm: the package's public JavaScript API over the Embind surface (bindings/embind.cpp).
//
// Contract (also in index.d.ts):
// - inputs and outputs are Float32Array / Uint8Array copies: nothing returned is a view into the wasm
//   heap, so heap growth can never detach what a caller holds;
// - every argument is checked here, and a bad one throws TypeError / RangeError naming the argument,
//   the expected and the actual value; after any error the module keeps working;
// - objects own wasm memory until dispose() (or `using`); a FinalizationRegistry frees forgotten ones.
import createMhaModule from './mha_wasm.mjs';

const WASM_URL = new URL('./mha_wasm.wasm', import.meta.url);
const MAX_HEAP_BYTES = 4 * 1024 ** 3; // -sMAXIMUM_MEMORY=4GB
const RESERVED_HEAP_BYTES = 64 * 1024 ** 2; // static data, stack, weights and allocator slack
const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/** Thrown when the engine reports a failure that argument checks could not predict. */
export class MhaError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MhaError';
  }
}

let modulePromise = null;

/**
 * Loads (once) and returns the wasm module. Node reads the .wasm file itself; browsers and bundlers
 * fetch it from next to this file. `options.wasmBinary` / `options.wasmUrl` override where it comes from.
 */
export function loadModule(options = {}) {
  if (!modulePromise || options.wasmBinary || options.wasmUrl) {
    const promise = instantiate(options);
    if (!options.wasmBinary && !options.wasmUrl) modulePromise = promise;
    promise.catch(() => { if (modulePromise === promise) modulePromise = null; });
    return promise;
  }
  return modulePromise;
}

async function instantiate({ wasmBinary, wasmUrl } = {}) {
  const url = wasmUrl ? new URL(wasmUrl, WASM_URL) : WASM_URL;
  if (!wasmBinary && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    wasmBinary = await readFile(url);
  }
  return createMhaModule({
    ...(wasmBinary ? { wasmBinary } : {}),
    locateFile: (path) => (path.endsWith('.wasm') ? url.href : path),
  });
}

// ---- argument checks ---------------------------------------------------------------------------

function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

export function checkPositiveInteger(value, name, max = 2 ** 24) {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected a positive integer, got ${describe(value)}`);
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  if (value > max) throw new RangeError(`${name}: expected at most ${max}, got ${value}`);
  return value;
}

export function checkFloat32Array(value, name, expectedLength, shapeText) {
  if (!(value instanceof Float32Array))
    throw new TypeError(`${name}: expected a Float32Array${shapeText ? ' ' + shapeText : ''}, got ${describe(value)}`);
  if (expectedLength !== undefined && value.length !== expectedLength)
    throw new RangeError(`${name}: expected ${expectedLength} floats${shapeText ? ' for ' + shapeText : ''}, got ${value.length}`);
  return value;
}

// Boolean masks: Uint8Array (nonzero = true), or an Array of booleans/0/1. Returns a Uint8Array copy.
function toBooleanMask(value, name, expectedLength, shapeText) {
  let bytes;
  if (value instanceof Uint8Array) bytes = value;
  else if (Array.isArray(value) && value.every((x) => typeof x === 'boolean' || x === 0 || x === 1))
    bytes = Uint8Array.from(value, (x) => (x ? 1 : 0));
  else throw new TypeError(`${name}: expected a Uint8Array or an Array of booleans ${shapeText}, got ${describe(value)}`);
  if (bytes.length !== expectedLength)
    throw new RangeError(`${name}: expected ${expectedLength} elements for ${shapeText}, got ${bytes.length}`);
  return bytes;
}

function checkOptions(options, allowed, name) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${name}: expected an options object, got ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!allowed.includes(key))
      throw new TypeError(`${name}: unknown option "${key}"; expected one of ${allowed.join(', ')}`);
  return options;
}

function checkBoolean(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, got ${describe(value)}`);
  return value;
}

// ---- wasm heap staging ---------------------------------------------------------------------------

/**
 * Copies typed arrays into one fresh heap block, runs `body(addresses)`, copies results out and frees
 * the block whatever happens. `inputs` are typed arrays (or null); `outputs` are element counts of
 * Float32 results (or 0). Refuses before allocating when the block cannot fit in wasm memory.
 */
export function withHeap(module, inputs, outputs, body, engineScratchBytes = 0) {
  const sizes = [...inputs.map((a) => (a ? a.byteLength : 0)), ...outputs.map((n) => n * 4)];
  const offsets = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += Math.ceil(size / 16) * 16;
  }
  if (total + engineScratchBytes > MAX_HEAP_BYTES - RESERVED_HEAP_BYTES) {
    throw new RangeError(
      `input: this call needs ${((total + engineScratchBytes) / 2 ** 20).toFixed(1)} MiB of wasm memory for its arguments, results and work buffers, ` +
        `more than the ${MAX_HEAP_BYTES / 2 ** 30} GiB a wasm32 module can address; split the batch or the sequence`);
  }
  const base = total ? module._malloc(total) : 0;
  if (total && !base)
    throw new RangeError(`input: cannot allocate ${(total / 2 ** 20).toFixed(1)} MiB in the wasm heap (out of memory)`);
  try {
    const addresses = sizes.map((size, n) => (size ? base + offsets[n] : 0));
    inputs.forEach((array, n) => {
      if (array) module.HEAPU8.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), addresses[n]);
    });
    body(addresses);
    // Copy results out through the current heap view (it may have been replaced by growth).
    return outputs.map((count, n) => {
      const address = addresses[inputs.length + n];
      return count ? module.HEAPF32.slice(address / 4, address / 4 + count) : null;
    });
  } finally {
    if (base) module._free(base);
  }
}

export function throwEngineError(message) {
  if (!message) return;
  if (message.startsWith('ArgumentError: ')) throw new RangeError(message.slice('ArgumentError: '.length));
  if (message.startsWith('OutOfMemory: ')) throw new RangeError(message.slice('OutOfMemory: '.length));
  throw new MhaError(message.replace(/^Error: /, ''));
}

// Frees the Embind object of a wrapper that was garbage-collected without dispose().
const finalizer = new FinalizationRegistry((handle) => {
  try { handle.delete(); } catch { /* already freed */ }
});

// ---- MultiHeadAttention -------------------------------------------------------------------------

const WEIGHT_NAMES = ['in_proj_weight', 'q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias',
  'out_proj.weight', 'out_proj.bias'];
const FORWARD_OPTIONS = ['key', 'value', 'batch', 'causal', 'keyPaddingMask', 'attnMask', 'needWeights',
  'averageWeights', 'headMask'];

export class MultiHeadAttention {
  #module;
  #handle;
  #config;
  #hasWeights = false;

  /**
   * Creates an attention layer. Sizes as in torch.nn.MultiheadAttention(embed_dim, num_heads, bias, kdim, vdim).
   * @param {{embedDim: number, numHeads: number, kdim?: number, vdim?: number, bias?: boolean}} options
   */
  static async create(options) {
    const config = MultiHeadAttention.#checkConfig(options);
    const module = await loadModule();
    return new MultiHeadAttention(module, config);
  }

  static #checkConfig(options) {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`options: expected an object like { embedDim, numHeads }, got ${describe(options)}`);
    checkOptions(options, ['embedDim', 'numHeads', 'kdim', 'vdim', 'bias'], 'options');
    const embedDim = checkPositiveInteger(options.embedDim, 'embedDim');
    const numHeads = checkPositiveInteger(options.numHeads, 'numHeads');
    if (embedDim % numHeads !== 0)
      throw new RangeError(`embedDim: expected a multiple of numHeads = ${numHeads}, got ${embedDim}`);
    const kdim = options.kdim === undefined ? embedDim : checkPositiveInteger(options.kdim, 'kdim');
    const vdim = options.vdim === undefined ? embedDim : checkPositiveInteger(options.vdim, 'vdim');
    const bias = checkBoolean(options.bias, 'bias', true);
    return Object.freeze({ embedDim, numHeads, kdim, vdim, bias, headDim: embedDim / numHeads });
  }

  constructor(module, config) {
    if (!module?.Attention) throw new TypeError('MultiHeadAttention: use `await MultiHeadAttention.create(options)`');
    this.#module = module;
    this.#config = config;
    this.#handle = new module.Attention();
    const error = this.#handle.configure(config.embedDim, config.numHeads, config.kdim, config.vdim, config.bias);
    if (error) {
      this.#handle.delete();
      throwEngineError(error);
    }
    finalizer.register(this, this.#handle, this);
  }

  /** The validated configuration: { embedDim, numHeads, kdim, vdim, bias, headDim }. */
  get config() { return this.#config; }
  get disposed() { return this.#handle === null; }
  get hasWeights() { return this.#hasWeights; }

  #live(method) {
    if (this.#handle === null) throw new TypeError(`${method}: this MultiHeadAttention was disposed`);
    return this.#handle;
  }

  /**
   * Loads weights named like PyTorch's state_dict: in_proj_weight [3E, E] (or q/k/v_proj_weight),
   * in_proj_bias [3E], out_proj.weight [E, E], out_proj.bias [E]. Accepts a plain object or a Map of
   * Float32Arrays. The arrays are copied; the caller may reuse them.
   */
  loadWeights(stateDict) {
    const handle = this.#live('loadWeights');
    const { embedDim: E, kdim, vdim, bias } = this.#config;
    const get = stateDict instanceof Map ? (k) => stateDict.get(k) : (k) => stateDict?.[k];
    if (stateDict === null || typeof stateDict !== 'object')
      throw new TypeError(`stateDict: expected an object or Map of Float32Arrays, got ${describe(stateDict)}`);
    const keys = stateDict instanceof Map ? [...stateDict.keys()] : Object.keys(stateDict);
    for (const key of keys)
      if (!WEIGHT_NAMES.includes(key) && !key.endsWith('_proj.weight') && key !== 'out_proj.bias')
        throw new TypeError(`stateDict: unknown weight "${key}"; expected names from ${WEIGHT_NAMES.join(', ')}`);
    const packed = get('in_proj_weight') !== undefined;
    const arrays = {};
    if (packed) {
      if (kdim !== E || vdim !== E)
        throw new RangeError(`in_proj_weight: only valid when kdim == vdim == embedDim (${kdim}, ${vdim}, ${E}); use q_proj_weight, k_proj_weight, v_proj_weight`);
      arrays.inProjWeight = checkFloat32Array(get('in_proj_weight'), 'in_proj_weight', 3 * E * E, `[3E, E] = [${3 * E}, ${E}]`);
    } else {
      if (get('q_proj_weight') === undefined)
        throw new TypeError('stateDict: expected in_proj_weight, or q_proj_weight + k_proj_weight + v_proj_weight, got neither');
      arrays.qProjWeight = checkFloat32Array(get('q_proj_weight'), 'q_proj_weight', E * E, `[E, E] = [${E}, ${E}]`);
      arrays.kProjWeight = checkFloat32Array(get('k_proj_weight'), 'k_proj_weight', E * kdim, `[E, kdim] = [${E}, ${kdim}]`);
      arrays.vProjWeight = checkFloat32Array(get('v_proj_weight'), 'v_proj_weight', E * vdim, `[E, vdim] = [${E}, ${vdim}]`);
    }
    arrays.outProjWeight = checkFloat32Array(get('out_proj.weight'), 'out_proj.weight', E * E, `[E, E] = [${E}, ${E}]`);
    if (bias) {
      arrays.inProjBias = checkFloat32Array(get('in_proj_bias'), 'in_proj_bias', 3 * E, `[3E] = [${3 * E}]`);
      arrays.outProjBias = checkFloat32Array(get('out_proj.bias'), 'out_proj.bias', E, `[E] = [${E}]`);
    } else if (get('in_proj_bias') !== undefined || get('out_proj.bias') !== undefined) {
      throw new TypeError('in_proj_bias: expected no biases because this layer was created with bias: false, got one');
    }
    const names = Object.keys(arrays);
    let error = '';
    withHeap(this.#module, names.map((n) => arrays[n]), [], (addresses) => {
      const buffers = {};
      for (const n of ['inProjWeight', 'qProjWeight', 'kProjWeight', 'vProjWeight', 'inProjBias', 'outProjWeight', 'outProjBias']) {
        const index = names.indexOf(n);
        buffers[n] = index >= 0 ? addresses[index] : 0;
        buffers[n + 'Size'] = index >= 0 ? arrays[n].length : 0;
      }
      error = handle.loadWeights(buffers);
    });
    throwEngineError(error);
    this.#hasWeights = true;
    return this;
  }

  /**
   * Runs the layer. `query` is [batch, Lq, embedDim]; key [batch, Lk, kdim] and value [batch, Lk, vdim]
   * default to query (self-attention). Returns copies: { output [B, Lq, E], weights or null, shapes }.
   */
  forward(query, options) {
    const handle = this.#live('forward');
    if (!this.#hasWeights) throw new TypeError('forward: expected loadWeights() first, no weights are loaded');
    const o = checkOptions(options, FORWARD_OPTIONS, 'forward options');
    const { embedDim: E, numHeads: H, kdim, vdim } = this.#config;
    const B = o.batch === undefined ? 1 : checkPositiveInteger(o.batch, 'batch');
    checkFloat32Array(query, 'query', undefined, '[batch, Lq, embedDim]');
    if (query.length === 0 || query.length % (B * E) !== 0)
      throw new RangeError(`query: expected a length that is a positive multiple of batch*embedDim = ${B}*${E} = ${B * E}, got ${query.length}`);
    const Lq = query.length / (B * E);
    if (o.key === undefined && kdim !== E)
      throw new TypeError(`key: expected a Float32Array [batch, Lk, kdim] because kdim (${kdim}) differs from embedDim (${E}), got undefined`);
    const key = o.key ?? query;
    checkFloat32Array(key, 'key', undefined, '[batch, Lk, kdim]');
    if (key.length === 0 || key.length % (B * kdim) !== 0)
      throw new RangeError(`key: expected a length that is a positive multiple of batch*kdim = ${B}*${kdim} = ${B * kdim}, got ${key.length}`);
    const Lk = key.length / (B * kdim);
    if (o.value === undefined && vdim !== kdim)
      throw new TypeError(`value: expected a Float32Array [batch, Lk, vdim] because vdim (${vdim}) differs from kdim (${kdim}), got undefined`);
    const value = o.value ?? key;
    checkFloat32Array(value, 'value', B * Lk * vdim, `[batch, Lk, vdim] = [${B}, ${Lk}, ${vdim}]`);
    checkPositiveInteger(Lq, 'query length');
    checkPositiveInteger(Lk, 'key length');

    const causal = checkBoolean(o.causal, 'causal', false);
    const needWeights = checkBoolean(o.needWeights, 'needWeights', true);
    const averageWeights = checkBoolean(o.averageWeights, 'averageWeights', true);
    const padding = o.keyPaddingMask === undefined || o.keyPaddingMask === null ? null
      : toBooleanMask(o.keyPaddingMask, 'keyPaddingMask', B * Lk, `[batch, Lk] = [${B}, ${Lk}]`);
    let mask = null, maskIsFloat = false, maskPerHead = false;
    if (o.attnMask !== undefined && o.attnMask !== null) {
      const shared = Lq * Lk, perHead = B * H * Lq * Lk;
      const length = o.attnMask?.length;
      if (length !== shared && length !== perHead)
        throw new RangeError(`attnMask: expected ${shared} elements for [Lq, Lk] = [${Lq}, ${Lk}] or ${perHead} for [batch*numHeads, Lq, Lk] = [${B * H}, ${Lq}, ${Lk}], got ${describe(o.attnMask)}`);
      maskPerHead = length !== shared;
      const shapeText = maskPerHead ? `[batch*numHeads, Lq, Lk] = [${B * H}, ${Lq}, ${Lk}]` : `[Lq, Lk] = [${Lq}, ${Lk}]`;
      if (o.attnMask instanceof Float32Array) {
        mask = o.attnMask;
        maskIsFloat = true;
      } else {
        mask = toBooleanMask(o.attnMask, 'attnMask', length, shapeText);
      }
    }
    const headMask = o.headMask === undefined || o.headMask === null ? null
      : toBooleanMask(o.headMask, 'headMask', H, `[numHeads] = [${H}] (1 = keep the head, 0 = zero its output)`);

    const weightsMode = needWeights ? (averageWeights ? 2 : 1) : 0;
    const weightsCount = weightsMode === 1 ? B * H * Lq * Lk : weightsMode === 2 ? B * Lq * Lk : 0;
    const outputCount = B * Lq * E;
    const sameKey = key === query, sameValue = value === key;
    const inputs = [query, sameKey ? null : key, sameValue ? null : value, padding, mask, headMask];
    let error = '';
    const [output, weights] = withHeap(this.#module, inputs, [outputCount, weightsCount], (a) => {
      const keyAddress = sameKey ? a[0] : a[1];
      error = handle.forward({
        query: a[0], querySize: query.length,
        key: keyAddress, keySize: key.length,
        value: sameValue ? keyAddress : a[2], valueSize: value.length,
        batch: B, queryLength: Lq, keyLength: Lk, isCausal: causal,
        keyPaddingMask: a[3], keyPaddingMaskSize: padding ? padding.length : 0,
        attnMask: a[4], attnMaskSize: mask ? mask.length : 0, attnMaskIsFloat: maskIsFloat, attnMaskPerHead: maskPerHead,
        headEnabled: a[5],
        output: a[6], outputSize: outputCount, weights: a[7], weightsSize: weightsCount, weightsMode,
      });
    }, 4 * (2 * B * Lq * E + 2 * B * Lk * E + 2 * Lq * Lk + 4 * Lk * (E / H)));
    throwEngineError(error);
    return {
      output,
      outputShape: [B, Lq, E],
      weights,
      weightsShape: weightsMode === 1 ? [B, H, Lq, Lk] : weightsMode === 2 ? [B, Lq, Lk] : null,
    };
  }

  /** Frees the wasm memory of this layer. Idempotent; any later call throws a TypeError. */
  dispose() {
    if (this.#handle === null) return;
    finalizer.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  [disposeSymbol]() { this.dispose(); }
}

/** Bytes currently reserved by the wasm heap (grows, never shrinks); for memory-leak checks. */
export async function wasmHeapBytes() {
  return (await loadModule()).HEAPU8.length;
}
