// The plain reference of the forward pass: loops only, double accumulators, no packing, no SIMD.
// Every fast path is tested against it; keep it obvious rather than fast.
//
// Buffers (per call), with E_kv = H_kv * d_k (= E unless grouped-query attention):
//   q    [B, Lq, E]      = query . W_q^T + b_q, then rotary (position_offset + i)
//   k    [B, Lk, E_kv]   = key   . W_k^T + b_k, then rotary (position_offset + j)
//   v    [B, Lk, E_kv]   = value . W_v^T + b_v
//   p    [Lk]         one row of scores, then of weights, for (b, h, i)
//   ctx  [B, Lq, E]   concat over heads of weights . v
//   out  [B, Lq, E]   = ctx . W_O^T + b_O
#include <cmath>
#include <limits>
#include <vector>

#include "attention/mha.hpp"

namespace mha {
namespace {

// Rotary embeddings in double, pair by pair: x is [rows, heads * d_k] per batch item (row stride `width`),
// row i at position offset + i; inv_freq from kernels::rotary_inverse_frequencies (the scaling rules).
void rotate(std::vector<double>& x, int64_t batch, int64_t rows, int64_t width, int64_t d_k,
            const kernels::RotaryConfig& rotary, int64_t offset) {
  if (!rotary.dim) return;
  const std::vector<float> inverse_frequencies = kernels::rotary_inverse_frequencies(rotary);
  const int64_t half = rotary.dim / 2;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t head = 0; head < width / d_k; ++head)
        for (int64_t f = 0; f < half; ++f) {
          const double angle = double(offset + i) * inverse_frequencies[f];
          double* base = x.data() + (b * rows + i) * width + head * d_k;
          double& first = base[rotary.interleaved ? 2 * f : f];
          double& second = base[rotary.interleaved ? 2 * f + 1 : f + half];
          const double a = first, c = second;
          first = a * std::cos(angle) - c * std::sin(angle);
          second = c * std::cos(angle) + a * std::sin(angle);
        }
}

// y[rows, n_out] = x[rows, n_in] . w[n_out, n_in]^T + bias[n_out]
std::vector<double> linear(const float* x, int64_t rows, int64_t n_in, const float* w, const float* bias,
                           int64_t n_out) {
  std::vector<double> y(static_cast<size_t>(rows * n_out));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < n_out; ++o) {
      double sum = bias ? bias[o] : 0.0;
      for (int64_t i = 0; i < n_in; ++i) sum += double(x[r * n_in + i]) * w[o * n_in + i];
      y[r * n_out + o] = sum;
    }
  return y;
}

// A weight matrix as float32 values (empty for none).
std::vector<float> as_floats(const MatrixSpan& span) {
  if (span.data == nullptr) return {};
  const size_t n = span.size;
  if (span.format == kernels::WeightFormat::f32) {
    const float* values = static_cast<const float*>(span.data);
    return std::vector<float>(values, values + n);
  }
  std::vector<float> out(n);
  kernels::widen_reference(out.data(), static_cast<const uint16_t*>(span.data), int64_t(n), span.format);
  return out;
}

}  // namespace

void reference_forward(const AttentionConfig& c, const AttentionWeights& w, const AttentionInputs& in,
                       const AttentionOutputs& out) {
  validate_config(c);
  validate_weights(c, w);
  validate_call(c, in, out);
  const int64_t B = in.batch, Lq = in.query_len, Lk = in.key_len, E = c.embed_dim, H = c.num_heads;
  const int64_t kdim = c.kdim ? c.kdim : E, vdim = c.vdim ? c.vdim : E, d_k = E / H;
  const int64_t H_kv = c.num_kv_heads ? c.num_kv_heads : H, E_kv = H_kv * d_k, group = H / H_kv;
  const double neg_inf = -std::numeric_limits<double>::infinity();

  // Projections (16-bit matrices widened first).
  const std::vector<float> in_proj = as_floats(w.in_proj_weight), q_proj = as_floats(w.q_proj_weight),
                           k_proj = as_floats(w.k_proj_weight), v_proj = as_floats(w.v_proj_weight),
                           out_proj = as_floats(w.out_proj_weight);
  const float* wq = w.in_proj_weight.data ? in_proj.data() : q_proj.data();
  const float* wk = w.in_proj_weight.data ? in_proj.data() + E * E : k_proj.data();
  const float* wv = w.in_proj_weight.data ? in_proj.data() + 2 * E * E : v_proj.data();
  const float* bq = c.bias ? w.in_proj_bias.data : nullptr;
  const float* bk = c.bias ? w.in_proj_bias.data + E : nullptr;
  const float* bv = c.bias ? w.in_proj_bias.data + E + E_kv : nullptr;
  std::vector<double> q = linear(in.query.data, B * Lq, E, wq, bq, E);
  std::vector<double> k = linear(in.key.data, B * Lk, kdim, wk, bk, E_kv);
  const std::vector<double> v = linear(in.value.data, B * Lk, vdim, wv, bv, E_kv);
  rotate(q, B, Lq, E, d_k, c.rotary, in.position_offset);
  rotate(k, B, Lk, E_kv, d_k, c.rotary, in.position_offset);

  std::vector<float> ctx(static_cast<size_t>(B * Lq * E), 0.0f);
  std::vector<double> p(static_cast<size_t>(Lk));
  if (out.weights_mode == WeightsMode::averaged) std::fill(out.weights, out.weights + out.weights_size, 0.0f);
  const double scale = 1.0 / std::sqrt(double(d_k));

  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Lq; ++i) {
        // scores = q_i . k_j / sqrt(d_k) (k of kv head h / group), then masks
        const int64_t kv = h / group;
        const int64_t mask_plane = in.attn_mask_layout == AttnMaskLayout::per_head ? (b * H + h) * Lq * Lk : 0;
        for (int64_t j = 0; j < Lk; ++j) {
          double dot = 0.0;
          for (int64_t d = 0; d < d_k; ++d)
            dot += q[(b * Lq + i) * E + h * d_k + d] * k[(b * Lk + j) * E_kv + kv * d_k + d];
          double s = dot * scale;
          const int64_t m = mask_plane + i * Lk + j;
          if (in.attn_mask_float.data) s += in.attn_mask_float.data[m];
          if (in.attn_mask_bool.data && in.attn_mask_bool.data[m]) s = neg_inf;
          if (in.key_padding_mask.data && in.key_padding_mask.data[b * Lk + j]) s = neg_inf;
          if (in.is_causal && j > i) s = neg_inf;
          p[j] = s;
        }
        // softmax with max subtraction; a fully forbidden row is all zeros
        double row_max = neg_inf;
        for (int64_t j = 0; j < Lk; ++j) row_max = std::max(row_max, p[j]);
        double sum = 0.0;
        for (int64_t j = 0; j < Lk; ++j) {
          p[j] = row_max == neg_inf ? 0.0 : std::exp(p[j] - row_max);
          sum += p[j];
        }
        for (int64_t j = 0; j < Lk; ++j) p[j] = sum > 0.0 ? p[j] / sum : 0.0;
        // outputs of this row: weights and weights . v
        for (int64_t j = 0; j < Lk; ++j) {
          if (out.weights_mode == WeightsMode::per_head) out.weights[((b * H + h) * Lq + i) * Lk + j] = float(p[j]);
          if (out.weights_mode == WeightsMode::averaged) out.weights[(b * Lq + i) * Lk + j] += float(p[j] / H);
        }
        const bool enabled = !out.head_enabled || out.head_enabled[h];
        for (int64_t d = 0; d < d_k; ++d) {
          double sum_v = 0.0;
          for (int64_t j = 0; j < Lk; ++j) sum_v += p[j] * v[(b * Lk + j) * E_kv + kv * d_k + d];
          ctx[(b * Lq + i) * E + h * d_k + d] = enabled ? float(sum_v) : 0.0f;
        }
      }

  if (out.context) std::copy(ctx.begin(), ctx.end(), out.context);
  const std::vector<double> y =
      linear(ctx.data(), B * Lq, E, out_proj.data(), c.bias && c.out_bias ? w.out_proj_bias.data : nullptr, E);
  for (size_t n = 0; n < y.size(); ++n) out.output[n] = float(y[n]);
}

}  // namespace mha
