// A stand-in for the package's generate() (the shared contract of issues 14 and 17) while the package has none:
// the same options and steps, computed by running the whole sequence again for every new token (no KV cache).
// page-model.js uses the package's own generate() as soon as GptModel has it; delete this file then.
import { softmax } from './analysis.js';

/** A seeded generator of numbers in [0, 1) (mulberry32). */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The greedy choice: the largest logit, the lowest id on ties (like torch.argmax). */
function argmax(row) {
  let best = 0;
  for (let id = 1; id < row.length; ++id) if (row[id] > row[best]) best = id;
  return best;
}

/** A draw from softmax(row / temperature) cut to the topK most likely and to the smallest set holding topP. */
function sample(row, { temperature, topK, topP }, random) {
  const { weights } = softmax(Float64Array.from(row, (x) => x / temperature));
  let order = Array.from(weights.keys()).sort((a, b) => weights[b] - weights[a] || a - b);
  if (topK > 0) order = order.slice(0, topK);
  let kept = 0,
    cut = order.length;
  for (let n = 0; n < order.length; ++n) {
    kept += weights[order[n]];
    if (kept >= topP) {
      cut = n + 1;
      break;
    }
  }
  order = order.slice(0, cut);
  const total = order.reduce((sum, id) => sum + weights[id], 0);
  let r = random() * total;
  for (const id of order) if ((r -= weights[id]) <= 0) return id;
  return order.at(-1);
}

/** Row index T-1 of every head of attention [nLayer, nHead, T, T]: [nLayer, nHead, T]. */
function lastRows(attention, heads, T) {
  const rows = new Float32Array(heads * T);
  for (let h = 0; h < heads; ++h) rows.set(attention.subarray((h * T + T - 1) * T, (h * T + T) * T), h * T);
  return rows;
}

const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0));

/** generate(input ids, options) of the contract, by whole runs of model.run(). */
export async function generateByRuns(model, input, options) {
  const { maxNewTokens = 20, doSample = false, temperature = 1, topK = 0, topP = 1, seed = 0 } = options;
  const { stop = [], attention = false, onToken, signal } = options;
  const random = mulberry32(seed);
  const stops = new Set(stop ?? []);
  const { nLayer, nHead } = model.config;
  const ids = Array.from(input);
  let run = model.run(ids, { attention: false });
  let stopReason = 'length';
  for (let n = 0; n < maxNewTokens; ++n) {
    signal?.throwIfAborted();
    const id = doSample ? sample(run.logits, { temperature, topK, topP }, random) : argmax(run.logits);
    ids.push(id);
    run = model.run(ids, { attention });
    const step = { id, text: model.tokenizer.decode([id]), index: ids.length - 1 };
    if (attention) step.attention = lastRows(run.attention, nLayer * nHead, ids.length);
    if (onToken?.(step) === false) {
      stopReason = 'callback';
      break;
    }
    if (stops.has(id)) {
      stopReason = 'stop';
      break;
    }
    await yieldToEvents();
  }
  signal?.throwIfAborted();
  const all = Int32Array.from(ids);
  const newIds = all.slice(input.length);
  return { ids: all, newIds, text: model.tokenizer.decode(newIds), stopReason };
}
