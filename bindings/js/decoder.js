// What the decoder models (GptModel, LlamaModel) share on top of ModelBase: run() through the engine's KV cache
// and generate().
//
// run() keeps the keys and values of the tokens it ran. A sequence that starts with the cached tokens runs only
// the tokens after them; a changed token reruns from that token on. Rows of the results before the first token
// that runs (causal attention rows, all-position logits, hidden states) never change, so they are kept from the
// previous run() when it returned them with the same head mask; otherwise the sequence runs from the first row
// missing. The engine gives a cached run the bits of a whole run (tests/cpp/test_gpt2_cache.cpp).
import { live, throwEngineError } from './runtime.js';
import { ModelBase, checkIdRange, runHandle, toIds } from './model-base.js';
import { checkGenerateOptions, generateTokens } from './generation.js';

// Package-internal members (symbols, so they stay out of the public API).
export const runDecoder = Symbol('runDecoder');
export const idsOf = Symbol('idsOf');

const ROW_OUTPUTS = ['attention', 'logits', 'hiddenStates'];

function commonPrefix(a, b) {
  const n = Math.min(a.length, b.length);
  let at = 0;
  while (at < n && a[at] === b[at]) ++at;
  return at;
}

function sameMask(a, b) {
  if (a === null || b === null) return a === b;
  return a.length === b.length && commonPrefix(a, b) === a.length;
}

/**
 * The rows of a [planes, T, width] result: rows < kept from `previous` ([planes, previousT, previousWidth]; each
 * row cut to `width`, or padded with 0: a causal attention row is 0 past its own position), rows kept.. from
 * `fresh` [planes, T - kept, width]. widthOf(T) gives a row's width for a sequence length.
 */
function joinRows(previous, previousT, fresh, kept, T, planes, widthOf) {
  const width = widthOf(T),
    previousWidth = widthOf(previousT),
    n = T - kept;
  const out = new Float32Array(planes * T * width);
  for (let plane = 0; plane < planes; ++plane) {
    for (let i = 0; i < kept; ++i) {
      const from = (plane * previousT + i) * previousWidth;
      out.set(previous.subarray(from, from + Math.min(width, previousWidth)), (plane * T + i) * width);
    }
    out.set(fresh.subarray(plane * n * width, (plane + 1) * n * width), (plane * T + kept) * width);
  }
  return out;
}

export class DecoderModel extends ModelBase {
  #limitName;
  #runEngine;
  #cached = { ids: new Int32Array(0), mask: null }; // what the engine's KV cache holds, and its head mask
  // Per row output (attention, logits of every position, hiddenStates): { ids, mask, values } of the last run()
  // that returned it, whose rows it can lend to a later run; null when none did.
  #rows = { attention: null, logits: null, hiddenStates: null };

  /**
   * As ModelBase, plus limitName: the config field of the longest sequence (nPositions, maxPositions), and
   * runEngine(handle, { ids, mask, count, attention, allLogits, hiddenStates }) -> error string: the handle's
   * run_cached() of `count` ids at address `ids` (mask: address or 0).
   */
  constructor(module, options) {
    super(module, options);
    this.#limitName = options.limitName;
    this.#runEngine = options.runEngine;
  }

  /** Forgets the KV cache and the kept rows: the next run() computes every token. */
  clearCache() {
    throwEngineError(this[live]('clearCache').truncateCache(0));
    this.#cached = { ids: new Int32Array(0), mask: null };
    this.#rows = { attention: null, logits: null, hiddenStates: null };
  }

  /** Checked ids of a text or of token ids (config's length limit); `name` is the argument, for messages. */
  [idsOf](input, method, name = 'input') {
    const ids = typeof input === 'string' ? this.#tokenizer(method).encode(input) : toIds(input, 'ids');
    return this[checkIdRange](ids, name, this.#limitName);
  }

  #tokenizer(method) {
    if (!this.tokenizer)
      throw new TypeError(`${method}: a text needs tokenizer.json (none was loaded); pass token ids`);
    return this.tokenizer;
  }

  // The first position to run for `ids` with this mask and these row outputs wanted.
  #firstToRun(ids, mask, wants) {
    let first = sameMask(mask, this.#cached.mask) ? commonPrefix(ids, this.#cached.ids) : 0;
    for (const name of ROW_OUTPUTS) {
      if (!wants[name]) continue;
      const rows = this.#rows[name];
      first = rows && sameMask(mask, rows.mask) ? Math.min(first, commonPrefix(ids, rows.ids)) : 0;
    }
    return Math.min(first, ids.length - 1); // the last position always runs: its logits are the answer
  }

  /**
   * Runs checked ids through the KV cache. wants: { attention, allLogits, hiddenStates } (booleans); mask: the
   * head mask or null. Returns copies for the whole sequence: { logits ([V] or [T, V]), attention ([L, H, T, T]
   * or null), hiddenStates ([L + 1, T, E] or null), timeMs }.
   */
  [runDecoder](ids, headMask, { attention = false, allLogits = false, hiddenStates = false } = {}) {
    const handle = this[live]('run');
    const mask = headMask ? headMask.slice() : null; // kept for comparison: a copy the caller cannot change
    const { nLayer, nHead, vocabSize } = this.config;
    const wants = { attention, logits: allLogits, hiddenStates };
    const first = this.#firstToRun(ids, mask, wants);
    throwEngineError(handle.truncateCache(first));
    this.#cached = { ids: ids.slice(0, first), mask };
    const fresh = ids.slice(first);
    const timeMs = this[runHandle](
      fresh,
      [mask],
      ([idsAddress, maskAddress]) =>
        this.#runEngine(handle, {
          ids: idsAddress,
          mask: maskAddress,
          count: fresh.length,
          attention,
          allLogits,
          hiddenStates,
        }),
      ids.length,
    );
    this.#cached = { ids: ids.slice(), mask };
    const T = ids.length;
    // The whole [planes, T, width] output: kept rows joined to the new ones; remembered for the next run().
    const whole = (name, view, planes, widthOf) => {
      const previous = this.#rows[name];
      const values =
        first === 0
          ? new Float32Array(view)
          : joinRows(previous.values, previous.ids.length, view, first, T, planes, widthOf);
      this.#rows[name] = { ids: ids.slice(), mask, values };
      return values.slice();
    };
    return {
      logits: allLogits ? whole('logits', handle.logits(), 1, () => vocabSize) : new Float32Array(handle.logits()),
      attention: attention ? whole('attention', handle.attention(), nLayer * nHead, (t) => t) : null,
      hiddenStates: hiddenStates
        ? whole('hiddenStates', handle.hiddenStates(), nLayer + 1, () => this.config.hiddenSize)
        : null,
      timeMs,
    };
  }

  // One new token: ids is the whole sequence, its last id the new one. Returns { logits [V], attention
  // [L, H, T] or null } of that token.
  #step(ids, attention) {
    const before = ids.subarray(0, ids.length - 1);
    if (
      this.#cached.mask !== null ||
      commonPrefix(before, this.#cached.ids) !== before.length ||
      this.#cached.ids.length !== before.length
    )
      this[runDecoder](before, null); // a run() between two tokens changed the cache: restore it
    const handle = this[live]('generate');
    const last = ids.subarray(ids.length - 1);
    this[runHandle](
      last,
      [],
      ([idsAddress]) =>
        this.#runEngine(handle, {
          ids: idsAddress,
          mask: 0,
          count: 1,
          attention,
          allLogits: false,
          hiddenStates: false,
        }),
      ids.length,
    );
    this.#cached = { ids: ids.slice(), mask: null };
    return {
      logits: new Float32Array(handle.logits()),
      attention: attention ? new Float32Array(handle.attention()) : null,
    };
  }

  /**
   * Generates tokens after `input` (a text or token ids); see index.d.ts for the options and the result.
   * Rejects with options.signal's reason on abort; the model stays usable.
   */
  async generate(input, options = {}) {
    this[live]('generate');
    const o = checkGenerateOptions(options, this.config.eosTokenIds);
    const prompt = this[idsOf](input, 'generate');
    const limitName = this.#limitName,
      limit = this.config[limitName];
    if (prompt.length >= limit)
      throw new RangeError(
        `input: expected fewer than ${limitName} = ${limit} tokens (room for a new one), got ${prompt.length}`,
      );
    // Other calls may run between two tokens (run(), another generate()): #step restores the cache it needs.
    return generateTokens(prompt, o, {
      prefill: (ids) => this[runDecoder](ids, null).logits,
      step: (ids, attention) => this.#step(ids, attention),
      decode: (ids) => (this.tokenizer ? this.tokenizer.decode(ids) : null),
      limit,
    });
  }
}
