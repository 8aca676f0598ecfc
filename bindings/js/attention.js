// MultiHeadAttention: one torch.nn.MultiheadAttention layer (batch_first) on the wasm engine.
import {
  adopt,
  checkBoolean,
  checkFinite,
  checkFloat32Array,
  checkOptions,
  checkPositiveInteger,
  copyToHeap,
  describe,
  heap,
  heapLayout,
  live,
  loadModule,
  MhaError,
  outOfMemory,
  throwEngineError,
  toBooleanMask,
  WasmObject,
  withHeap,
} from './runtime.js';

const WEIGHT_NAMES = [
  'in_proj_weight',
  'q_proj_weight',
  'k_proj_weight',
  'v_proj_weight',
  'in_proj_bias',
  'out_proj.weight',
  'out_proj.bias',
];
const FORWARD_OPTIONS = [
  'key',
  'value',
  'batch',
  'causal',
  'keyPaddingMask',
  'attnMask',
  'needWeights',
  'averageWeights',
  'headMask',
  'positionOffset',
];

// What this wrapper writes into the engine's forward record and reads back. The engine defines every value
// (bindings/embind_attention.cpp, forwardRecordLayout()); the wrapper only names them.
const LAYOUT_NAMES = {
  slots: [
    'query',
    'querySize',
    'key',
    'keySize',
    'value',
    'valueSize',
    'batch',
    'queryLength',
    'keyLength',
    'keyPaddingMask',
    'keyPaddingMaskSize',
    'attnMask',
    'attnMaskSize',
    'headEnabled',
    'output',
    'outputSize',
    'weights',
    'weightsSize',
    'weightsMode',
    'flags',
    'positionOffset',
  ],
  flags: ['causal', 'attnMaskIsFloat', 'attnMaskPerHead'],
  weightsModes: ['none', 'perHead', 'averaged'],
  status: ['ok', 'error', 'nonFinite'],
};
const layouts = new WeakMap(); // module -> its forward record layout

/**
 * The forward record layout the loaded engine publishes, checked once per module: every name this wrapper
 * uses must be there, and every slot the engine has must be one this wrapper writes.
 */
export function forwardRecordLayout(module) {
  let layout = layouts.get(module);
  if (layout) return layout;
  layout = module.forwardRecordLayout();
  for (const [group, names] of Object.entries(LAYOUT_NAMES))
    for (const name of names)
      if (!Number.isInteger(layout[group]?.[name]))
        throw new MhaError(
          `the engine's forward record has no ${group}.${name}: the .wasm does not match this wrapper`,
        );
  if (layout.slotCount !== LAYOUT_NAMES.slots.length)
    throw new MhaError(
      `the engine's forward record has ${layout.slotCount} slots, this wrapper writes ` +
        `${LAYOUT_NAMES.slots.length}: the .wasm does not match this wrapper`,
    );
  layout = Object.freeze(layout);
  layouts.set(module, layout);
  return layout;
}
// The staging block of inputs and outputs is kept for the next call up to this size; a larger call's
// block is released when the call returns, so that one huge call does not pin its memory.
const KEEP_STAGING_BYTES = 16 * 1024 ** 2;

/**
 * Package-internal, for bench/overhead.mjs (not exported by index.js): `layer[rerunLastCall]()` returns a
 * function that runs the engine again on the inputs the last forward() staged, without any JavaScript
 * around it, so that the cost of the core can be told apart from the cost of the call.
 */
export const rerunLastCall = Symbol('rerunLastCall');

export class MultiHeadAttention extends WasmObject {
  #module;
  #config;
  #hasWeights = false;
  #record = 0; // byte address of the engine's forward record (lives in the Embind object)
  #recordSlot = 0; // its index in a Uint32Array over the heap
  #layout; // the record's slots, flags, weights modes and status codes (forwardRecordLayout)
  #staging = 0; // address of the reused staging block (owned by the Embind object), 0 = none yet
  #stagingBytes = 0;

  /**
   * Creates an attention layer. Sizes as in torch.nn.MultiheadAttention(embed_dim, num_heads, bias, kdim, vdim),
   * plus the Llama family's grouped-query attention (numKvHeads) and rotary embeddings (rotary).
   * @param {{embedDim: number, numHeads: number, kdim?: number, vdim?: number, bias?: boolean,
   *   numKvHeads?: number, rotary?: {base?: number, dim?: number, interleaved?: boolean}}} options
   */
  static async create(options) {
    const config = MultiHeadAttention.#checkConfig(options);
    const module = await loadModule();
    return new MultiHeadAttention(module, config);
  }

  static #checkConfig(options) {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`options: expected an object like { embedDim, numHeads }, got ${describe(options)}`);
    checkOptions(options, ['embedDim', 'numHeads', 'kdim', 'vdim', 'bias', 'numKvHeads', 'rotary'], 'options');
    const embedDim = checkPositiveInteger(options.embedDim, 'embedDim');
    const numHeads = checkPositiveInteger(options.numHeads, 'numHeads');
    if (embedDim % numHeads !== 0)
      throw new RangeError(`embedDim: expected a multiple of numHeads = ${numHeads}, got ${embedDim}`);
    const kdim = options.kdim === undefined ? embedDim : checkPositiveInteger(options.kdim, 'kdim');
    const vdim = options.vdim === undefined ? embedDim : checkPositiveInteger(options.vdim, 'vdim');
    const bias = checkBoolean(options.bias, 'bias', true);
    const headDim = embedDim / numHeads;
    const numKvHeads =
      options.numKvHeads === undefined ? numHeads : checkPositiveInteger(options.numKvHeads, 'numKvHeads');
    if (numHeads % numKvHeads !== 0)
      throw new RangeError(`numKvHeads: expected a divisor of numHeads = ${numHeads}, got ${numKvHeads}`);
    if (numKvHeads !== numHeads && (kdim !== embedDim || vdim !== embedDim))
      throw new RangeError(
        `numKvHeads: grouped-query attention expects kdim == vdim == embedDim = ${embedDim}, got kdim ${kdim}, vdim ${vdim}`,
      );
    const rotary = MultiHeadAttention.#checkRotary(options.rotary, headDim);
    return Object.freeze({ embedDim, numHeads, kdim, vdim, bias, headDim, numKvHeads, rotary });
  }

  // rotary: undefined/null = none, else { base = 10000, dim = headDim (even, <= headDim), interleaved = false }.
  static #checkRotary(rotary, headDim) {
    if (rotary === undefined || rotary === null) return null;
    if (typeof rotary !== 'object')
      throw new TypeError(`rotary: expected an object like { base, dim, interleaved }, got ${describe(rotary)}`);
    checkOptions(rotary, ['base', 'dim', 'interleaved'], 'rotary');
    const base = rotary.base === undefined ? 10000 : rotary.base;
    if (typeof base !== 'number' || !Number.isFinite(base) || !(base > 1))
      throw new RangeError(`rotary.base: expected a finite number > 1, got ${describe(base)}`);
    const dim = rotary.dim === undefined ? headDim : checkPositiveInteger(rotary.dim, 'rotary.dim');
    if (dim % 2 !== 0 || dim > headDim)
      throw new RangeError(`rotary.dim: expected an even number of at most headDim = ${headDim}, got ${dim}`);
    const interleaved = checkBoolean(rotary.interleaved, 'rotary.interleaved', false);
    return Object.freeze({ base, dim, interleaved });
  }

  constructor(module, config) {
    if (!module?.MultiHeadAttention)
      throw new TypeError('MultiHeadAttention: use `await MultiHeadAttention.create(options)`');
    super();
    this.#module = module;
    this.#config = config;
    this.#layout = forwardRecordLayout(module);
    const handle = new module.MultiHeadAttention();
    const error = handle.configure({
      embedDim: config.embedDim,
      numHeads: config.numHeads,
      kdim: config.kdim,
      vdim: config.vdim,
      numKvHeads: config.numKvHeads,
      bias: config.bias,
      rotaryDim: config.rotary?.dim ?? 0,
      rotaryBase: config.rotary?.base ?? 10000,
      rotaryInterleaved: config.rotary?.interleaved ?? false,
    });
    if (error) {
      handle.delete();
      throwEngineError(error);
    }
    this[adopt](handle, 'MultiHeadAttention');
    this.#record = handle.recordAddress();
    this.#recordSlot = this.#record / 4;
  }

  /** The validated configuration: { embedDim, numHeads, kdim, vdim, bias, headDim, numKvHeads, rotary }. */
  get config() {
    return this.#config;
  }
  get hasWeights() {
    return this.#hasWeights;
  }

  /**
   * Loads weights named like PyTorch's state_dict: in_proj_weight [3E, E] (or q/k/v_proj_weight),
   * in_proj_bias [3E], out_proj.weight [E, E], out_proj.bias [E]. Accepts a plain object or a Map of
   * Float32Arrays. The arrays are copied; the caller may reuse them.
   */
  loadWeights(stateDict) {
    const handle = this[live]('loadWeights');
    const { embedDim: E, kdim, vdim, bias, numKvHeads, headDim } = this.#config;
    const kvWidth = numKvHeads * headDim; // E_kv: rows of k_proj_weight and v_proj_weight
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
      if (kvWidth !== E)
        throw new RangeError(
          `in_proj_weight: only valid without grouped-query attention (numKvHeads ${numKvHeads} < numHeads); use q_proj_weight, k_proj_weight, v_proj_weight`,
        );
      if (kdim !== E || vdim !== E)
        throw new RangeError(
          `in_proj_weight: only valid when kdim == vdim == embedDim (${kdim}, ${vdim}, ${E}); use q_proj_weight, k_proj_weight, v_proj_weight`,
        );
      arrays.inProjWeight = checkFloat32Array(
        get('in_proj_weight'),
        'in_proj_weight',
        3 * E * E,
        `[3E, E] = [${3 * E}, ${E}]`,
      );
    } else {
      if (get('q_proj_weight') === undefined)
        throw new TypeError(
          'stateDict: expected in_proj_weight, or q_proj_weight + k_proj_weight + v_proj_weight, got neither',
        );
      arrays.qProjWeight = checkFloat32Array(get('q_proj_weight'), 'q_proj_weight', E * E, `[E, E] = [${E}, ${E}]`);
      arrays.kProjWeight = checkFloat32Array(
        get('k_proj_weight'),
        'k_proj_weight',
        kvWidth * kdim,
        `[E_kv, kdim] = [${kvWidth}, ${kdim}]`,
      );
      arrays.vProjWeight = checkFloat32Array(
        get('v_proj_weight'),
        'v_proj_weight',
        kvWidth * vdim,
        `[E_kv, vdim] = [${kvWidth}, ${vdim}]`,
      );
    }
    arrays.outProjWeight = checkFloat32Array(get('out_proj.weight'), 'out_proj.weight', E * E, `[E, E] = [${E}, ${E}]`);
    if (bias) {
      arrays.inProjBias = checkFloat32Array(
        get('in_proj_bias'),
        'in_proj_bias',
        E + 2 * kvWidth,
        `[E + 2 E_kv] = [${E + 2 * kvWidth}]`,
      );
      arrays.outProjBias = checkFloat32Array(get('out_proj.bias'), 'out_proj.bias', E, `[E] = [${E}]`);
    } else if (get('in_proj_bias') !== undefined || get('out_proj.bias') !== undefined) {
      throw new TypeError('in_proj_bias: expected no biases because this layer was created with bias: false, got one');
    }
    const names = Object.keys(arrays);
    let error = '';
    withHeap(
      this.#module,
      names.map((n) => arrays[n]),
      [],
      (addresses) => {
        const buffers = {};
        for (const n of [
          'inProjWeight',
          'qProjWeight',
          'kProjWeight',
          'vProjWeight',
          'inProjBias',
          'outProjWeight',
          'outProjBias',
        ]) {
          const index = names.indexOf(n);
          buffers[n] = index >= 0 ? addresses[index] : 0;
          buffers[n + 'Size'] = index >= 0 ? arrays[n].length : 0;
        }
        error = handle.loadWeights(buffers);
      },
    );
    throwEngineError(error);
    this.#hasWeights = true;
    return this;
  }

  /**
   * Runs the layer. `query` is [batch, Lq, embedDim]; key [batch, Lk, kdim] and value [batch, Lk, vdim]
   * default to query (self-attention). Returns copies: { output [B, Lq, E], weights or null, shapes }.
   */
  forward(query, options) {
    const handle = this[live]('forward');
    if (!this.#hasWeights) throw new TypeError('forward: expected loadWeights() first, no weights are loaded');
    // Fast checks: everything except the finiteness of query, key and value, which the engine scans
    // (SIMD) after staging. Whenever anything is wrong, the full checks run again in their documented
    // order, so the error thrown is the one a full check finds first.
    let call;
    try {
      call = this.#checkCall(query, options, false);
    } catch (error) {
      this.#checkCall(query, options, true);
      throw error;
    }
    const module = this.#module;
    const { B, Lq, Lk, key, value, inputs, layout, outputCount, weightsCount, weightsMode } = call;
    const keep = layout.total <= KEEP_STAGING_BYTES;
    if (layout.total > this.#stagingBytes || !keep) {
      this.#stagingBytes = 0; // the engine may have released the old block when growth failed
      this.#staging = module._mha_attention_staging(this.#record, layout.total) >>> 0; // i32 -> address
      if (!this.#staging) throw outOfMemory(layout.total);
      this.#stagingBytes = layout.total;
    }
    let status,
      output = null,
      weights = null;
    try {
      const base = this.#staging,
        { offsets } = layout;
      for (let n = 0; n < inputs.length; ++n) if (inputs[n]) copyToHeap(module, inputs[n], base + offsets[n]);
      const addressOf = (n) => (layout.sizes[n] ? base + offsets[n] : 0);
      const queryAddress = base,
        keyAddress = call.sameKey ? queryAddress : addressOf(1);
      const slots = heap(module).u32,
        r = this.#recordSlot,
        SLOT = this.#layout.slots;
      slots[r + SLOT.query] = queryAddress;
      slots[r + SLOT.querySize] = query.length;
      slots[r + SLOT.key] = keyAddress;
      slots[r + SLOT.keySize] = key.length;
      slots[r + SLOT.value] = call.sameValue ? keyAddress : addressOf(2);
      slots[r + SLOT.valueSize] = value.length;
      slots[r + SLOT.batch] = B;
      slots[r + SLOT.queryLength] = Lq;
      slots[r + SLOT.keyLength] = Lk;
      slots[r + SLOT.keyPaddingMask] = addressOf(3);
      slots[r + SLOT.keyPaddingMaskSize] = inputs[3] ? inputs[3].length : 0;
      slots[r + SLOT.attnMask] = addressOf(4);
      slots[r + SLOT.attnMaskSize] = inputs[4] ? inputs[4].length : 0;
      slots[r + SLOT.headEnabled] = addressOf(5);
      slots[r + SLOT.output] = addressOf(6);
      slots[r + SLOT.outputSize] = outputCount;
      slots[r + SLOT.weights] = addressOf(7);
      slots[r + SLOT.weightsSize] = weightsCount;
      slots[r + SLOT.weightsMode] = weightsMode;
      slots[r + SLOT.flags] = call.flags;
      slots[r + SLOT.positionOffset] = call.positionOffset;
      status = module._mha_attention_forward(this.#record);
      if (status === this.#layout.status.ok) {
        // Copies through the current heap view (the engine's scratch may have grown the heap).
        const { f32: heapF32 } = heap(module),
          outputAt = addressOf(6) / 4,
          weightsAt = addressOf(7) / 4;
        output = heapF32.slice(outputAt, outputAt + outputCount);
        if (weightsCount) weights = heapF32.slice(weightsAt, weightsAt + weightsCount);
      }
    } finally {
      if (!keep) {
        module._mha_attention_staging(this.#record, 0);
        this.#staging = 0;
        this.#stagingBytes = 0;
      }
    }
    if (status === this.#layout.status.nonFinite) {
      this.#checkCall(query, options, true); // throws the RangeError naming the first non-finite value
      throw new MhaError('forward: the engine found a non-finite input that the argument checks did not');
    }
    if (status !== this.#layout.status.ok) throwEngineError(handle.lastError());
    const modes = this.#layout.weightsModes;
    return {
      output,
      outputShape: [B, Lq, this.#config.embedDim],
      weights,
      weightsShape:
        weightsMode === modes.perHead
          ? [B, this.#config.numHeads, Lq, Lk]
          : weightsMode === modes.averaged
            ? [B, Lq, Lk]
            : null,
    };
  }

  /**
   * Incremental decoding (causal self-attention over the layer's own KV cache): x [count, embedDim] are the
   * next `count` tokens, at positions cacheLength .. cacheLength + count - 1; each sees every cached token
   * and the new ones up to itself. Their keys (rotated) and values are appended to the cache. Returns
   * { output [1, count, embedDim], outputShape, cacheLength } (no attention weights).
   */
  forwardCached(x) {
    const handle = this[live]('forwardCached');
    if (!this.#hasWeights) throw new TypeError('forwardCached: expected loadWeights() first, no weights are loaded');
    const { embedDim: E, kdim, vdim } = this.#config;
    if (kdim !== E || vdim !== E)
      throw new TypeError(
        `forwardCached: expected a self-attention layer (kdim == vdim == embedDim = ${E}), got ${kdim}, ${vdim}`,
      );
    checkFloat32Array(x, 'x', undefined, '[count, embedDim]');
    if (x.length === 0 || x.length % E !== 0)
      throw new RangeError(`x: expected a length that is a positive multiple of embedDim = ${E}, got ${x.length}`);
    const count = x.length / E,
      module = this.#module;
    const bytes = 2 * x.byteLength; // x, then the output [count, E]
    if (bytes > this.#stagingBytes) {
      this.#stagingBytes = 0;
      this.#staging = module._mha_attention_staging(this.#record, bytes) >>> 0;
      if (!this.#staging) throw outOfMemory(bytes);
      this.#stagingBytes = bytes;
    }
    const base = this.#staging;
    copyToHeap(module, x, base);
    throwEngineError(handle.forwardCached(base, count, base + x.byteLength, x.length));
    const outputAt = (base + x.byteLength) / 4;
    const output = heap(module).f32.slice(outputAt, outputAt + x.length);
    return { output, outputShape: [1, count, E], cacheLength: handle.cacheLength() };
  }

  /** Tokens in the KV cache of forwardCached() (0 after create()). */
  get cacheLength() {
    return this[live]('cacheLength').cacheLength();
  }

  /** Keeps the first `length` cached tokens (default 0: empties the cache), e.g. to rerun a changed suffix. */
  truncateCache(length = 0) {
    const handle = this[live]('truncateCache');
    const cached = handle.cacheLength();
    if (!Number.isInteger(length) || length < 0 || length > cached)
      throw new RangeError(`length: expected an integer from 0 to cacheLength = ${cached}, got ${describe(length)}`);
    handle.truncateCache(length);
  }

  [rerunLastCall]() {
    this[live]('rerunLastCall');
    if (!this.#staging) throw new TypeError('rerunLastCall: expected a forward() call whose staging block was kept');
    const module = this.#module,
      record = this.#record;
    return () => module._mha_attention_forward(record);
  }

  // Checks the arguments of forward() in their documented order and lays out its staging block. With
  // `checkValues` false the finiteness of query, key and value is left to the engine.
  #checkCall(query, options, checkValues) {
    const o = checkOptions(options, FORWARD_OPTIONS, 'forward options');
    const { embedDim: E, numHeads: H, kdim, vdim } = this.#config;
    const B = o.batch === undefined ? 1 : checkPositiveInteger(o.batch, 'batch');
    checkTensor(query, 'query', '[batch, Lq, embedDim]', checkValues);
    if (query.length === 0 || query.length % (B * E) !== 0)
      throw new RangeError(
        `query: expected a length that is a positive multiple of batch*embedDim = ${B}*${E} = ${B * E}, got ${query.length}`,
      );
    const Lq = query.length / (B * E);
    if (o.key === undefined && kdim !== E)
      throw new TypeError(
        `key: expected a Float32Array [batch, Lk, kdim] because kdim (${kdim}) differs from embedDim (${E}), got undefined`,
      );
    const key = o.key ?? query;
    checkTensor(key, 'key', '[batch, Lk, kdim]', checkValues);
    if (key.length === 0 || key.length % (B * kdim) !== 0)
      throw new RangeError(
        `key: expected a length that is a positive multiple of batch*kdim = ${B}*${kdim} = ${B * kdim}, got ${key.length}`,
      );
    const Lk = key.length / (B * kdim);
    if (o.value === undefined && vdim !== kdim)
      throw new TypeError(
        `value: expected a Float32Array [batch, Lk, vdim] because vdim (${vdim}) differs from kdim (${kdim}), got undefined`,
      );
    const value = o.value ?? key;
    checkTensor(
      value,
      'value',
      '[batch, Lk, vdim]',
      checkValues,
      B * Lk * vdim,
      `[batch, Lk, vdim] = [${B}, ${Lk}, ${vdim}]`,
    );
    checkPositiveInteger(Lq, 'query length');
    checkPositiveInteger(Lk, 'key length');

    const causal = checkBoolean(o.causal, 'causal', false);
    const positionOffset = checkPosition(o.positionOffset, 'positionOffset');
    const needWeights = checkBoolean(o.needWeights, 'needWeights', true);
    const averageWeights = checkBoolean(o.averageWeights, 'averageWeights', true);
    const padding =
      o.keyPaddingMask === undefined || o.keyPaddingMask === null
        ? null
        : toBooleanMask(o.keyPaddingMask, 'keyPaddingMask', B * Lk, `[batch, Lk] = [${B}, ${Lk}]`);
    let mask = null,
      maskIsFloat = false,
      maskPerHead = false;
    if (o.attnMask !== undefined && o.attnMask !== null) {
      const shared = Lq * Lk,
        perHead = B * H * Lq * Lk;
      const shapes = `[Lq, Lk] = [${Lq}, ${Lk}] or [batch*numHeads, Lq, Lk] = [${B * H}, ${Lq}, ${Lk}]`;
      const m = o.attnMask;
      if (!(m instanceof Float32Array || m instanceof Uint8Array || Array.isArray(m))) {
        const hint =
          ArrayBuffer.isView(m) && !(m instanceof DataView)
            ? ` (${m.constructor.name} is not accepted: convert it, e.g. Float32Array.from(mask) for an additive mask)`
            : '';
        throw new TypeError(
          `attnMask: expected a Uint8Array or an Array of booleans (true = not allowed), or a Float32Array ` +
            `additive mask, ${shapes}, got ${describe(m)}${hint}`,
        );
      }
      if (m.length !== shared && m.length !== perHead)
        throw new RangeError(
          `attnMask: expected ${shared} elements for [Lq, Lk] = [${Lq}, ${Lk}] or ${perHead} for [batch*numHeads, Lq, Lk] = [${B * H}, ${Lq}, ${Lk}], got ${describe(m)}`,
        );
      maskPerHead = m.length !== shared;
      const shapeText = maskPerHead
        ? `[batch*numHeads, Lq, Lk] = [${B * H}, ${Lq}, ${Lk}]`
        : `[Lq, Lk] = [${Lq}, ${Lk}]`;
      if (m instanceof Float32Array) {
        mask = checkFinite(m, 'attnMask', { allowNegativeInfinity: true });
        maskIsFloat = true;
      } else {
        mask = toBooleanMask(m, 'attnMask', m.length, shapeText);
      }
    }
    const headMask =
      o.headMask === undefined || o.headMask === null
        ? null
        : toBooleanMask(o.headMask, 'headMask', H, `[numHeads] = [${H}] (1 = keep the head, 0 = zero its output)`);

    const { flags: FLAG, weightsModes: MODE } = this.#layout;
    const weightsMode = needWeights ? (averageWeights ? MODE.averaged : MODE.perHead) : MODE.none;
    const weightsCount =
      weightsMode === MODE.perHead ? B * H * Lq * Lk : weightsMode === MODE.averaged ? B * Lq * Lk : 0;
    const outputCount = B * Lq * E;
    const sameKey = key === query,
      sameValue = value === key;
    // Staging block: query, key, value (absent when shared), padding, mask, headMask, output, weights.
    const inputs = [query, sameKey ? null : key, sameValue ? null : value, padding, mask, headMask];
    const sizes = [...inputs.map((a) => (a ? a.byteLength : 0)), outputCount * 4, weightsCount * 4];
    const layout = heapLayout(sizes, engineScratchBytes(B, Lq, Lk, E, H, needWeights));
    layout.sizes = sizes;
    const flags =
      (causal ? FLAG.causal : 0) | (maskIsFloat ? FLAG.attnMaskIsFloat : 0) | (maskPerHead ? FLAG.attnMaskPerHead : 0);
    return {
      B,
      Lq,
      Lk,
      key,
      value,
      sameKey,
      sameValue,
      inputs,
      layout,
      outputCount,
      weightsCount,
      weightsMode,
      flags,
      positionOffset,
    };
  }
}

// A token position: a non-negative integer (default 0).
function checkPosition(value, name) {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 24)
    throw new RangeError(`${name}: expected an integer from 0 to ${2 ** 24}, got ${describe(value)}`);
  return value;
}

// checkFloat32Array, optionally without the finiteness scan (then done by the engine).
function checkTensor(array, name, shapeText, checkValues, expectedLength, lengthShapeText) {
  if (checkValues) return checkFloat32Array(array, name, expectedLength, lengthShapeText ?? shapeText);
  if (!(array instanceof Float32Array) || (expectedLength !== undefined && array.length !== expectedLength))
    checkFloat32Array(array, name, expectedLength, lengthShapeText ?? shapeText); // throws the documented error
  return array;
}

// Work memory of one engine call in bytes (src/attention/mha.cpp), for the pre-flight size check.
// With weights: projections [B*L, E], the scores of one head [Lq, Lk] and packed panels. Without
// weights the streaming (flash) path keeps O(L) per head: q, k, v of one head and one key tile.
function engineScratchBytes(B, Lq, Lk, E, H, needWeights) {
  const dK = E / H;
  if (!needWeights) return 4 * (2 * Lq * dK + 4 * (Lk + 8) * (dK + 8) + 4096);
  return 4 * (2 * B * Lq * E + 2 * B * Lk * E + 2 * Lq * Lk + 4 * Lk * dK);
}
