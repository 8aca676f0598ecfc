// Numbers computed from the model's outputs, with no drawing: head labels, aggregates over heads,
// attention rollout over layers, differences between two runs, and the step-by-step computation of
// one attention weight. Attention arrays are [nLayer, nHead, T, T] ([layer][head][query][key]).

/** The [T, T] slice of head (layer, head) as a subarray view. */
export function headSlice(attention, T, nHead, layer, head) {
  const size = T * T;
  const start = (layer * nHead + head) * size;
  return attention.subarray(start, start + size);
}

// Label rules, the same as tools/train/head_patterns.py uses on validation text.
export const LABEL_THRESHOLD = 0.4; // prev / first / self / delim score that earns a label
export const DELIM_FACTOR = 2; // ... and delim must also be this many times a uniform head's value
export const BROAD_FRACTION = 0.8; // "broad" if the entropy is >= this fraction of a uniform head's

/**
 * Per-head pattern scores averaged over query positions i >= 1 (position 0 can only see itself):
 * prev = a[i][i-1], first = a[i][0], self = a[i][i], delim = sum of a[i][j] over delimiter keys,
 * entropy = -sum a ln a. isDelimiter: boolean per token. Returns null when T < 2, else
 *   { uniform, head(l, h), layer(l), heads }   head(l, h) = { scores, labels: [{ name, short, score }] }
 * A layer's labels are computed on first use (the head view needs one layer per update, the model
 * view all of them); `heads` is every layer, [nLayer][nHead].
 */
export function headLabels(attention, { nLayer, nHead }, T, isDelimiter) {
  if (T < 2) return null;
  const uniform = uniformScores(T, isDelimiter);
  const layers = new Array(nLayer).fill(null);
  const layer = (l) => (layers[l] ??= Array.from({ length: nHead }, (_, h) =>
    labelHead(headSlice(attention, T, nHead, l, h), T, isDelimiter, uniform)));
  return {
    uniform,
    layer,
    head: (l, h) => layer(l)[h],
    get heads() { return Array.from({ length: nLayer }, (_, l) => layer(l)); },
  };
}

/** The scores of a uniform causal head (every key 1 / (i + 1)), the reference for delim and broad. */
function uniformScores(T, isDelimiter) {
  const uniform = { first: 0, delim: 0, entropy: 0 };
  let delimSoFar = isDelimiter[0] ? 1 : 0;
  for (let i = 1; i < T; ++i) {
    if (isDelimiter[i]) delimSoFar += 1;
    uniform.first += 1 / (i + 1);
    uniform.delim += delimSoFar / (i + 1);
    uniform.entropy += Math.log(i + 1);
  }
  for (const key in uniform) uniform[key] /= T - 1;
  return uniform;
}

/** Scores and labels of one head's [T, T] weights. */
function labelHead(a, T, isDelimiter, uniform) {
  let prev = 0, first = 0, self = 0, delim = 0, entropy = 0;
  for (let i = 1; i < T; ++i) {
    const base = i * T;
    prev += a[base + i - 1];
    first += a[base];
    self += a[base + i];
    for (let j = 0; j <= i; ++j) {
      const w = a[base + j];
      if (isDelimiter[j]) delim += w;
      if (w > 0) entropy -= w * Math.log(w);
    }
  }
  const s = { prev, first, self, delim, entropy };
  for (const key in s) s[key] /= T - 1;
  const labels = [];
  if (s.prev >= LABEL_THRESHOLD) labels.push({ name: 'previous-token', short: 'prev', score: s.prev });
  if (s.first >= LABEL_THRESHOLD) labels.push({ name: 'first-token sink', short: 'first', score: s.first });
  if (s.self >= LABEL_THRESHOLD) labels.push({ name: 'self', short: 'self', score: s.self });
  if (s.delim >= LABEL_THRESHOLD && s.delim >= DELIM_FACTOR * uniform.delim)
    labels.push({ name: 'delimiter', short: 'delim', score: s.delim });
  labels.sort((x, y) => y.score - x.score);
  if (!labels.length) {
    const fraction = uniform.entropy > 0 ? s.entropy / uniform.entropy : 0;
    labels.push(fraction >= BROAD_FRACTION
      ? { name: 'broad', short: 'broad', score: fraction }
      : { name: 'mixed', short: 'mixed', score: fraction });
  }
  return { scores: s, labels };
}

/** Mean or max over the heads of one layer: [T, T]. */
export function aggregateHeads(attention, { nHead }, T, layer, mode) {
  const out = new Float32Array(T * T);
  for (let h = 0; h < nHead; ++h) {
    const a = headSlice(attention, T, nHead, layer, h);
    if (mode === 'max') for (let n = 0; n < out.length; ++n) out[n] = Math.max(out[n], a[n]);
    else for (let n = 0; n < out.length; ++n) out[n] += a[n] / nHead;
  }
  return out;
}

/**
 * Attention rollout (Abnar & Zuidema, 2020) through layers 0..upTo: each layer's head-mean with the
 * residual stream added as 0.5 A + 0.5 I, multiplied from the first layer up. Row i says how much of
 * position i's representation after layer upTo traces back to each input token: [T, T], rows sum to 1.
 */
export function attentionRollout(attention, config, T, upTo) {
  let rollout = null;
  for (let l = 0; l <= upTo; ++l) {
    const a = aggregateHeads(attention, config, T, l, 'mean');
    for (let n = 0; n < T; ++n) for (let m = 0; m < T; ++m) a[n * T + m] = 0.5 * a[n * T + m] + (n === m ? 0.5 : 0);
    if (!rollout) { rollout = a; continue; }
    const next = new Float32Array(T * T);
    for (let i = 0; i < T; ++i)
      for (let k = 0; k <= i; ++k) {
        const w = a[i * T + k];
        if (w === 0) continue;
        for (let j = 0; j <= k; ++j) next[i * T + j] += w * rollout[k * T + j];
      }
    rollout = next;
  }
  return rollout;
}

/**
 * A minus B over the first T = min(TA, TB) positions of every head: { diff [nLayer, nHead, T, T], T,
 * maxAbs per head [nLayer * nHead], range (the largest |diff|) }.
 */
export function attentionDifference(a, TA, b, TB, { nLayer, nHead }) {
  const T = Math.min(TA, TB);
  const diff = new Float32Array(nLayer * nHead * T * T);
  const maxAbs = new Float32Array(nLayer * nHead);
  let range = 0;
  for (let l = 0; l < nLayer; ++l)
    for (let h = 0; h < nHead; ++h) {
      const x = headSlice(a, TA, nHead, l, h), y = headSlice(b, TB, nHead, l, h);
      const base = (l * nHead + h) * T * T;
      let m = 0;
      for (let i = 0; i < T; ++i)
        for (let j = 0; j <= i; ++j) {
          const d = x[i * TA + j] - y[i * TB + j];
          diff[base + i * T + j] = d;
          m = Math.max(m, Math.abs(d));
        }
      maxAbs[l * nHead + h] = m;
      range = Math.max(range, m);
    }
  return { diff, T, maxAbs, range };
}

/**
 * The computation of weight a_ij of one head, from that layer's q, k, v ([nHead, T, headDim], q not
 * scaled): every intermediate the page shows.
 */
export function explainCell({ q, k, v }, T, headDim, head, i, j) {
  const at = (array, t) => array.subarray((head * T + t) * headDim, (head * T + t + 1) * headDim);
  const qi = at(q, i), kj = at(k, j), vj = at(v, j);
  const scale = 1 / Math.sqrt(headDim);
  const scores = new Float64Array(i + 1);
  let dot = 0;
  for (let d = 0; d < headDim; ++d) dot += qi[d] * kj[d];
  let rowMax = -Infinity;
  for (let m = 0; m <= i; ++m) {
    const km = at(k, m);
    let s = 0;
    for (let d = 0; d < headDim; ++d) s += qi[d] * km[d];
    scores[m] = s * scale;
    rowMax = Math.max(rowMax, scores[m]);
  }
  let normaliser = 0;
  for (let m = 0; m <= i; ++m) normaliser += Math.exp(scores[m] - rowMax);
  const masked = j > i;
  const score = dot * scale;
  const weight = masked ? 0 : Math.exp(score - rowMax) / normaliser;
  const norm = (x) => Math.sqrt(x.reduce((sum, value) => sum + value * value, 0));
  // |a_ij v_j| against the size of the whole output row sum_m a_im v_m
  const output = new Float64Array(headDim);
  let contributionTotal = 0;
  for (let m = 0; m <= i; ++m) {
    const w = Math.exp(scores[m] - rowMax) / normaliser;
    const vm = at(v, m);
    for (let d = 0; d < headDim; ++d) output[d] += w * vm[d];
    contributionTotal += w * norm(vm);
  }
  const product = Float32Array.from(qi, (x, d) => x * kj[d]);
  return {
    qi: Float32Array.from(qi), kj: Float32Array.from(kj), product, dot, scale, score, masked, rowMax, normaliser,
    weight, vNorm: norm(vj), contribution: weight * norm(vj), contributionShare: contributionTotal > 0 ? (weight * norm(vj)) / contributionTotal : 0,
    outputNorm: norm(output),
  };
}

/** True for tokens that hold a newline or only punctuation (the delimiter rule of head_patterns.py). */
export function isDelimiterText(text) {
  if (text.includes('\n')) return true;
  const core = text.trim();
  return core.length > 0 && /^\p{P}+$/u.test(core);
}
