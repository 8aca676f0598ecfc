// A plain float64 multi-head attention in JavaScript, written from the PyTorch definition, independent
// of the C++ code: the oracle for the randomized package tests.
//   query [B, Lq, E], key [B, Lk, kdim], value [B, Lk, vdim]; weights as in PyTorch's state_dict.
export function referenceAttention({ embedDim: E, numHeads: H, kdim = E, vdim = E }, state, query, options = {}) {
  const B = options.batch ?? 1;
  const key = options.key ?? query,
    value = options.value ?? key;
  const Lq = query.length / (B * E),
    Lk = key.length / (B * kdim),
    dk = E / H;
  const wq = state.in_proj_weight ? state.in_proj_weight.subarray(0, E * E) : state.q_proj_weight;
  const wk = state.in_proj_weight ? state.in_proj_weight.subarray(E * E, 2 * E * E) : state.k_proj_weight;
  const wv = state.in_proj_weight ? state.in_proj_weight.subarray(2 * E * E) : state.v_proj_weight;
  const bias = state.in_proj_bias;
  const linear = (x, rows, nIn, w, b, bOffset) => {
    const y = new Float64Array(rows * E);
    for (let r = 0; r < rows; ++r)
      for (let o = 0; o < E; ++o) {
        let s = b ? b[bOffset + o] : 0;
        for (let i = 0; i < nIn; ++i) s += x[r * nIn + i] * w[o * nIn + i];
        y[r * E + o] = s;
      }
    return y;
  };
  const q = linear(query, B * Lq, E, wq, bias, 0);
  const k = linear(key, B * Lk, kdim, wk, bias, E);
  const v = linear(value, B * Lk, vdim, wv, bias, 2 * E);
  const perHead = new Float64Array(B * H * Lq * Lk);
  const context = new Float64Array(B * Lq * E);
  const mask = options.attnMask,
    maskPerHead = mask && mask.length !== Lq * Lk;
  for (let b = 0; b < B; ++b)
    for (let h = 0; h < H; ++h)
      for (let i = 0; i < Lq; ++i) {
        const row = new Float64Array(Lk);
        for (let j = 0; j < Lk; ++j) {
          let s = 0;
          for (let d = 0; d < dk; ++d) s += q[(b * Lq + i) * E + h * dk + d] * k[(b * Lk + j) * E + h * dk + d];
          s /= Math.sqrt(dk);
          const m = (maskPerHead ? (b * H + h) * Lq * Lk : 0) + i * Lk + j;
          if (mask instanceof Float32Array) s += mask[m];
          else if (mask && mask[m]) s = -Infinity;
          if (options.keyPaddingMask && options.keyPaddingMask[b * Lk + j]) s = -Infinity;
          if (options.causal && j > i) s = -Infinity;
          row[j] = s;
        }
        const max = Math.max(...row);
        let sum = 0;
        for (let j = 0; j < Lk; ++j) sum += row[j] = max === -Infinity ? 0 : Math.exp(row[j] - max);
        for (let j = 0; j < Lk; ++j) {
          const p = sum > 0 ? row[j] / sum : 0;
          perHead[((b * H + h) * Lq + i) * Lk + j] = p;
          if (options.headMask && !options.headMask[h]) continue;
          for (let d = 0; d < dk; ++d) context[(b * Lq + i) * E + h * dk + d] += p * v[(b * Lk + j) * E + h * dk + d];
        }
      }
  const output = linear(context, B * Lq, E, state['out_proj.weight'], state['out_proj.bias'], 0);
  const averaged = new Float64Array(B * Lq * Lk);
  for (let b = 0; b < B; ++b)
    for (let h = 0; h < H; ++h)
      for (let n = 0; n < Lq * Lk; ++n) averaged[b * Lq * Lk + n] += perHead[(b * H + h) * Lq * Lk + n] / H;
  return { output, perHead, averaged };
}

/** max |a - b| / max |b|; NaN in `expected` counts as 0. */
export function relativeError(actual, expected) {
  let diff = 0,
    scale = 0;
  for (let n = 0; n < expected.length; ++n) {
    const want = Number.isNaN(expected[n]) ? 0 : expected[n];
    scale = Math.max(scale, Math.abs(want));
    diff = Math.max(diff, Number.isNaN(actual[n]) ? Infinity : Math.abs(actual[n] - want));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Small seeded generator (mulberry32) so that failures can be replayed. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const floats = (n, scale = 1) => Float32Array.from({ length: n }, () => normal() * scale);
  const int = (lo, hi) => lo + Math.floor(uniform() * (hi - lo + 1));
  return { uniform, normal, floats, int, pick: (list) => list[Math.floor(uniform() * list.length)] };
}
