// Text generation for the decoder models (GptModel, LlamaModel): the options of generate(), the choice of each
// next token (greedy, or sampled after temperature, top-k and top-p as transformers' TemperatureLogitsWarper,
// TopKLogitsWarper and TopPLogitsWarper chain them), a seeded random number generator of our own, and the loop
// that streams tokens, stops, and yields to the event loop between tokens. The model side (running tokens
// through the KV cache) is in decoder.js.
import { checkBoolean, checkOptions, describe } from './runtime.js';

const GENERATE_OPTIONS = [
  'maxNewTokens',
  'doSample',
  'temperature',
  'topK',
  'topP',
  'seed',
  'stop',
  'attention',
  'onToken',
  'signal',
];

/** generate()'s options checked, with their defaults; eosIds: config.json's eos_token_id list. */
export function checkGenerateOptions(options, eosIds) {
  if (typeof options === 'number')
    throw new TypeError(
      `options: expected an object such as { maxNewTokens: ${options} }, got the number ${options} ` +
        '(generate(input, newTokens) became generate(input, { maxNewTokens }), and it returns a Promise)',
    );
  const o = checkOptions(options, GENERATE_OPTIONS, 'generate options');
  const maxNewTokens = o.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1)
    throw new RangeError(`options.maxNewTokens: expected an integer >= 1, got ${describe(maxNewTokens)}`);
  const temperature = o.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature))
    throw new RangeError(`options.temperature: expected a finite number > 0, got ${describe(temperature)}`);
  const topK = o.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0)
    throw new RangeError(`options.topK: expected an integer >= 0 (0 = off), got ${describe(topK)}`);
  const topP = o.topP ?? 1;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1))
    throw new RangeError(`options.topP: expected a number in (0, 1] (1 = off), got ${describe(topP)}`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new RangeError(`options.seed: expected an integer in [0, 2^32), got ${describe(seed)}`);
  const stop = o.stop === undefined ? [] : o.stop;
  if (stop !== null && !(Array.isArray(stop) && stop.every((id) => Number.isInteger(id))))
    throw new TypeError(`options.stop: expected an array of token ids, or null for none at all, got ${describe(stop)}`);
  if (o.onToken !== undefined && typeof o.onToken !== 'function')
    throw new TypeError(`options.onToken: expected a function, got ${describe(o.onToken)}`);
  if (o.signal !== undefined && !(typeof AbortSignal === 'function' && o.signal instanceof AbortSignal))
    throw new TypeError(`options.signal: expected an AbortSignal, got ${describe(o.signal)}`);
  return {
    maxNewTokens,
    doSample: checkBoolean(o.doSample, 'doSample', false),
    temperature,
    topK,
    topP,
    seed,
    stopIds: new Set(stop === null ? [] : [...stop, ...eosIds]),
    attention: checkBoolean(o.attention, 'attention', false),
    onToken: o.onToken,
    signal: o.signal,
  };
}

// ---- choosing the next token --------------------------------------------------------------------

/** The index of the largest logit, the lowest on a tie (as torch.argmax). */
export function argmax(logits) {
  let best = 0;
  for (let id = 1; id < logits.length; ++id) if (logits[id] > logits[best]) best = id;
  return best;
}

/**
 * The distribution sampling draws from: { ids: Int32Array of the kept ids, probabilities: Float64Array of theirs,
 * summing to 1 }, from logits [V] after, in this order, temperature (logits / temperature), top-k (keeps every
 * id whose scaled logit is at least the k-th largest: ties with it are kept, as TopKLogitsWarper does) and top-p
 * (the smallest set of most probable ids whose probability reaches topP, at least one; ids tied in probability
 * count the lower id as the more probable). topK 0 and topP 1 are off.
 */
export function filteredDistribution(logits, { temperature = 1, topK = 0, topP = 1 } = {}) {
  const V = logits.length;
  const scores = new Float64Array(V);
  for (let id = 0; id < V; ++id) scores[id] = logits[id] / temperature;
  // Kept: every score above `boundary`, and the first `tiesKept` ids (lowest first) whose score equals it.
  let boundary = -Infinity,
    tiesKept = Infinity;
  if ((topK > 0 && topK < V) || topP < 1) {
    const sorted = Float64Array.from(scores).sort(); // ascending
    let low = 0; // sorted[low..] survive top-k
    if (topK > 0 && topK < V) low = lowerBound(sorted, sorted[V - topK]); // ties with the k-th largest stay
    if (topP < 1) {
      // TopPLogitsWarper: from the least probable up, remove each one whose cumulative probability (summed from
      // the least probable) is <= 1 - topP; the most probable always stays
      const max = sorted[V - 1];
      let sum = 0;
      for (let n = low; n < V; ++n) sum += Math.exp(sorted[n] - max);
      let cumulative = 0;
      while (low < V - 1) {
        cumulative += Math.exp(sorted[low] - max) / sum;
        if (cumulative > 1 - topP) break;
        low += 1;
      }
      tiesKept = 0; // the ids tied at the boundary that the cut left (the lower ids count as more probable)
      for (let n = low; n < V && sorted[n] === sorted[low]; ++n) tiesKept += 1;
    }
    boundary = sorted[low];
  }
  const kept = [];
  for (let id = 0; id < V; ++id)
    if (scores[id] > boundary || (scores[id] === boundary && tiesKept-- > 0)) kept.push(id);
  return { ids: Int32Array.from(kept), probabilities: softmaxOf(scores, kept) };
}

// The first index of an ascending array whose value is >= value.
function lowerBound(sorted, value) {
  let low = 0,
    high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

// softmax of scores over the ids `kept` (in their order), in float64.
function softmaxOf(scores, kept) {
  let max = -Infinity;
  for (const id of kept) max = Math.max(max, scores[id]);
  const probabilities = new Float64Array(kept.length);
  let sum = 0;
  for (let n = 0; n < kept.length; ++n) sum += probabilities[n] = Math.exp(scores[kept[n]] - max);
  for (let n = 0; n < kept.length; ++n) probabilities[n] /= sum;
  return probabilities;
}

/** An id drawn from a filteredDistribution() with a uniform number u in [0, 1). */
export function drawFrom({ ids, probabilities }, u) {
  let cumulative = 0;
  for (let n = 0; n < ids.length; ++n) {
    cumulative += probabilities[n];
    if (u < cumulative) return ids[n];
  }
  return ids[ids.length - 1]; // u just under 1 and a sum rounded just under it
}

/**
 * A seeded generator of uniform numbers in [0, 1) (53 random bits each): xoshiro128** (Blackman and Vigna's
 * published recurrence) over a state expanded from the 32-bit seed by splitmix32. Same seed, same numbers, on
 * every engine.
 */
export function seededRandom(seed) {
  let x = seed >>> 0;
  const splitmix32 = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = new Uint32Array([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
  const rotl = (v, k) => ((v << k) | (v >>> (32 - k))) >>> 0;
  const next32 = () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  return () => ((next32() >>> 5) * 2 ** 26 + (next32() >>> 6)) / 2 ** 53;
}

/** A function logits -> next id for checked options: argmax, or a draw from the filtered distribution. */
export function tokenChooser({ doSample, temperature, topK, topP, seed }) {
  if (!doSample) return argmax;
  const random = seededRandom(seed);
  return (logits) => drawFrom(filteredDistribution(logits, { temperature, topK, topP }), random());
}

// ---- the loop -------------------------------------------------------------------------------------

// Lets the event loop run (input, abort, rendering) between tokens: a macrotask without setTimeout's clamping.
function yieldToEventLoop() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function')
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The generation loop. prompt: Int32Array of checked ids with room for at least one more (prompt.length <
 * limit); o: checkGenerateOptions(); decoder: {
 *   prefill(ids) -> logits [V] of the last position (the prompt through the KV cache),
 *   step(ids, attention) -> { logits [V], attention [L, H, index + 1] or null }: the last of the Int32Array ids
 *     (the whole sequence) through the cache,
 *   decode(ids) -> text, or null without a tokenizer,
 *   limit: the longest sequence the model can hold }.
 * Returns { ids, newIds, text, stopReason }.
 */
export async function generateTokens(prompt, o, decoder) {
  const { maxNewTokens, stopIds, attention, onToken, signal } = o;
  const choose = tokenChooser(o);
  const ids = Array.from(prompt);
  const newIds = [];
  let emitted = 0; // characters of the new text handed to onToken so far
  signal?.throwIfAborted();
  let logits = decoder.prefill(prompt);
  let stopReason = null;
  while (stopReason === null) {
    const id = choose(logits);
    ids.push(id);
    newIds.push(id);
    const index = ids.length - 1;
    const last = stopIds.has(id) || newIds.length >= maxNewTokens || ids.length >= decoder.limit;
    let ran = null;
    if (attention) ran = decoder.step(Int32Array.from(ids), true); // its attention row comes from running it
    if (onToken) {
      const text = decoder.decode(newIds);
      let piece = null;
      if (text !== null) {
        // a character cut between tokens comes whole with its last token
        const settled = last || !text.endsWith('\uFFFD') ? text.length : emitted;
        piece = text.slice(emitted, settled);
        emitted = settled;
      }
      const step = { id, text: piece, index };
      if (attention) step.attention = ran.attention;
      if ((await onToken(step)) === false) stopReason = 'callback';
    }
    if (stopReason === null && last) stopReason = stopIds.has(id) ? 'stop' : 'length';
    if (stopReason !== null) break;
    await yieldToEventLoop();
    signal?.throwIfAborted();
    logits = (ran ?? decoder.step(Int32Array.from(ids), false)).logits;
  }
  const text = decoder.decode(newIds);
  return { ids: Int32Array.from(ids), newIds: Int32Array.from(newIds), text, stopReason };
}
