// Plain-JavaScript self-attention (Float32Array loops, no SIMD, no wasm): the floor any library must beat.
// Same semantics as torch.nn.MultiheadAttention without masks. Loops are in i-k-j order so the inner loop
// runs over contiguous memory, the way a careful JS author would write it.

// c[m, n] = a[m, k] . b^T where b is [n, k] (nn.Linear layout) + bias[n]
function linear(a, m, k, weight, bias, n) {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; ++i) {
    const aRow = i * k;
    for (let j = 0; j < n; ++j) {
      const wRow = j * k;
      let sum = 0;
      for (let t = 0; t < k; ++t) sum += a[aRow + t] * weight[wRow + t];
      out[i * n + j] = sum + (bias ? bias[j] : 0);
    }
  }
  return out;
}

/**
 * x [n, E] -> output [n, E]. Weights in PyTorch's names and layouts.
 */
export function plainAttention(x, n, E, H, weights) {
  const dK = E / H;
  const scale = 1 / Math.sqrt(dK);
  const qkv = linear(x, n, E, weights.in_proj_weight, weights.in_proj_bias, 3 * E); // [n, 3E]: q | k | v
  const context = new Float32Array(n * E);
  const scores = new Float32Array(n);
  const acc = new Float32Array(dK);
  for (let h = 0; h < H; ++h) {
    const qOff = h * dK,
      kOff = E + h * dK,
      vOff = 2 * E + h * dK;
    for (let i = 0; i < n; ++i) {
      // scores = q_i . K_h^T * scale, then softmax
      let max = -Infinity;
      for (let j = 0; j < n; ++j) {
        let dot = 0;
        for (let t = 0; t < dK; ++t) dot += qkv[i * 3 * E + qOff + t] * qkv[j * 3 * E + kOff + t];
        scores[j] = dot * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = 0; j < n; ++j) {
        scores[j] = Math.exp(scores[j] - max);
        sum += scores[j];
      }
      // context_i = (weights . V_h) / sum
      acc.fill(0);
      for (let j = 0; j < n; ++j) {
        const p = scores[j];
        for (let t = 0; t < dK; ++t) acc[t] += p * qkv[j * 3 * E + vOff + t];
      }
      for (let t = 0; t < dK; ++t) context[i * E + qOff + t] = acc[t] / sum;
    }
  }
  return linear(context, n, E, weights['out_proj.weight'], weights['out_proj.bias'], E);
}
