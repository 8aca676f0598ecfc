// SIMD forward pass. All arithmetic goes through the kernels in src/kernels (gemm, softmax_row).
//
// Scratch buffers, reused across calls (grown, never shrunk):
//   q        [B*Lq, E]  projected queries (unscaled; 1/sqrt(d_k) is applied by the scores gemm)
//   k, v     [B*Lk, E]  projected keys and values
//   scores   [Lq, Lk]   scores, then weights, of one (b, h)
//   context  [B*Lq, E]  concat over heads of weights . v
//   packed_keys / packed_values: K_h^T [d_k, Lk] and V_h [Lk, d_k] packed for the gemm
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attention/mha.hpp"
#include "kernels/gemm.hpp"
#include "kernels/softmax.hpp"

namespace mha {

using kernels::PackedMatrix;

struct MultiheadAttention::State {
  AttentionConfig config;
  bool has_weights = false;
  PackedMatrix w_q, w_k, w_v, w_o;  // W^T packed: [in, E], with biases
  std::vector<float> q, k, v, scores, context;
  PackedMatrix packed_keys, packed_values;
};

namespace {

template <typename T>
T* grow(std::vector<T>& buffer, size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// Applies the masks of one (b, h) to scores [Lq, Lk] (already scaled).
void apply_masks(float* scores, const AttentionInputs& in, int64_t b, int64_t h, int64_t num_heads) {
  const int64_t lq = in.query_len, lk = in.key_len;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const int64_t plane = in.attn_mask_layout == AttnMaskLayout::per_head ? (b * num_heads + h) * lq * lk : 0;
  if (in.attn_mask_float.data)
    for (int64_t i = 0; i < lq; ++i)
      kernels::add_scaled_row(scores + i * lk, in.attn_mask_float.data + plane + i * lk, static_cast<int32_t>(lk), 1.0f);
  if (in.attn_mask_bool.data) {
    const uint8_t* mask = in.attn_mask_bool.data + plane;
    for (int64_t n = 0; n < lq * lk; ++n)
      if (mask[n]) scores[n] = neg_inf;
  }
  if (in.key_padding_mask.data) {
    const uint8_t* padding = in.key_padding_mask.data + b * lk;
    for (int64_t j = 0; j < lk; ++j)
      if (padding[j])
        for (int64_t i = 0; i < lq; ++i) scores[i * lk + j] = neg_inf;
  }
  if (in.is_causal)
    for (int64_t i = 0; i < lq; ++i)
      for (int64_t j = i + 1; j < lk; ++j) scores[i * lk + j] = neg_inf;
}

}  // namespace

MultiheadAttention::MultiheadAttention(const AttentionConfig& config) : state_(std::make_unique<State>()) {
  validate_config(config);
  state_->config = config;
  if (!state_->config.kdim) state_->config.kdim = config.embed_dim;
  if (!state_->config.vdim) state_->config.vdim = config.embed_dim;
}
MultiheadAttention::~MultiheadAttention() = default;
MultiheadAttention::MultiheadAttention(MultiheadAttention&&) noexcept = default;
MultiheadAttention& MultiheadAttention::operator=(MultiheadAttention&&) noexcept = default;

const AttentionConfig& MultiheadAttention::config() const { return state_->config; }
bool MultiheadAttention::has_weights() const { return state_->has_weights; }

void MultiheadAttention::load_weights(const AttentionWeights& w) {
  const AttentionConfig& c = state_->config;
  validate_weights(c, w);
  const int64_t e = c.embed_dim;
  const float* wq = w.in_proj_weight.data ? w.in_proj_weight.data : w.q_proj_weight.data;
  const float* wk = w.in_proj_weight.data ? w.in_proj_weight.data + e * e : w.k_proj_weight.data;
  const float* wv = w.in_proj_weight.data ? w.in_proj_weight.data + 2 * e * e : w.v_proj_weight.data;
  const float* b_in = c.bias ? w.in_proj_bias.data : nullptr;
  // nn.Linear weight W [out, in] is packed as B = W^T [in, out].
  kernels::gemm_pack(state_->w_q, wq, 1, e, c.embed_dim, c.embed_dim, b_in);
  kernels::gemm_pack(state_->w_k, wk, 1, c.kdim, c.kdim, c.embed_dim, b_in ? b_in + e : nullptr);
  kernels::gemm_pack(state_->w_v, wv, 1, c.vdim, c.vdim, c.embed_dim, b_in ? b_in + 2 * e : nullptr);
  kernels::gemm_pack(state_->w_o, w.out_proj_weight.data, 1, e, c.embed_dim, c.embed_dim,
                     c.bias ? w.out_proj_bias.data : nullptr);
  state_->has_weights = true;
}

void MultiheadAttention::forward(const AttentionInputs& in, const AttentionOutputs& out) {
  State& s = *state_;
  const AttentionConfig& c = s.config;
  validate_call(c, in, out);
  if (!s.has_weights) throw ArgumentError("weights: expected load_weights() before forward(), got none loaded");
  const int32_t B = in.batch, Lq = in.query_len, Lk = in.key_len, E = c.embed_dim, H = c.num_heads;
  const int32_t d_k = E / H;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k));

  // 1. Projections: [B*L, in] . W^T + b -> [B*L, E]
  float* q = grow(s.q, size_t(B) * Lq * E);
  float* k = grow(s.k, size_t(B) * Lk * E);
  float* v = grow(s.v, size_t(B) * Lk * E);
  kernels::gemm(q, E, in.query.data, E, B * Lq, s.w_q);
  kernels::gemm(k, E, in.key.data, c.kdim, B * Lk, s.w_k);
  kernels::gemm(v, E, in.value.data, c.vdim, B * Lk, s.w_v);

  float* scores = grow(s.scores, size_t(Lq) * Lk);
  float* context = grow(s.context, size_t(B) * Lq * E);
  if (out.weights_mode == WeightsMode::averaged) std::fill(out.weights, out.weights + out.weights_size, 0.0f);

  for (int32_t b = 0; b < B; ++b)
    for (int32_t h = 0; h < H; ++h) {
      const int64_t head_offset = int64_t(h) * d_k;
      float* context_bh = context + int64_t(b) * Lq * E + head_offset;  // [Lq, d_k], row stride E
      if (out.head_enabled && !out.head_enabled[h]) {
        for (int32_t i = 0; i < Lq; ++i) std::fill(context_bh + int64_t(i) * E, context_bh + int64_t(i) * E + d_k, 0.0f);
        if (out.weights_mode == WeightsMode::none) continue;  // weights are still reported below otherwise
      }
      // 2. scores [Lq, Lk] = Q_h . K_h^T / sqrt(d_k), masked, softmax per row
      const float* keys_h = k + int64_t(b) * Lk * E + head_offset;
      kernels::gemm_pack(s.packed_keys, keys_h, 1, E, d_k, Lk);
      kernels::gemm(scores, Lk, q + int64_t(b) * Lq * E + head_offset, E, Lq, s.packed_keys, scale);
      apply_masks(scores, in, b, h, H);
      for (int32_t i = 0; i < Lq; ++i) kernels::softmax_row(scores + int64_t(i) * Lk, Lk);

      if (out.weights_mode == WeightsMode::per_head)
        std::copy(scores, scores + int64_t(Lq) * Lk, out.weights + (int64_t(b) * H + h) * Lq * Lk);
      if (out.weights_mode == WeightsMode::averaged) {
        kernels::add_scaled_row(out.weights + int64_t(b) * Lq * Lk, scores, Lq * Lk, 1.0f / H);
      }
      if (out.head_enabled && !out.head_enabled[h]) continue;
      // 3. context_h [Lq, d_k] = weights [Lq, Lk] . V_h [Lk, d_k]
      kernels::gemm_pack(s.packed_values, v + int64_t(b) * Lk * E + head_offset, E, 1, Lk, d_k);
      kernels::gemm(context_bh, E, scores, Lk, Lq, s.packed_values);
    }

  if (out.context) std::copy(context, context + size_t(B) * Lq * E, out.context);
  // 4. out [B*Lq, E] = context . W_O^T + b_O
  kernels::gemm(out.output, E, context, E, B * Lq, s.w_o);
}

void MultiheadAttention::project_qkv(const float* x, int32_t len, float* q, float* k, float* v) {
  State& s = *state_;
  const AttentionConfig& c = s.config;
  if (!s.has_weights) throw ArgumentError("weights: expected load_weights() before project_qkv(), got none loaded");
  if (len <= 0) throw ArgumentError("len: expected a positive integer, got " + std::to_string(len));
  if (c.kdim != c.embed_dim || c.vdim != c.embed_dim)
    throw ArgumentError("project_qkv: expected a self-attention layer (kdim == vdim == embed_dim)");
  const int32_t E = c.embed_dim, H = c.num_heads, d_k = E / H;
  std::vector<float> projected(size_t(len) * E);
  float* targets[3] = {q, k, v};
  const PackedMatrix* weights[3] = {&s.w_q, &s.w_k, &s.w_v};
  for (int which = 0; which < 3; ++which) {
    kernels::gemm(projected.data(), E, x, E, len, *weights[which]);
    // [L, H, d_k] -> [H, L, d_k]
    for (int32_t h = 0; h < H; ++h)
      for (int32_t i = 0; i < len; ++i)
        std::copy_n(projected.data() + int64_t(i) * E + int64_t(h) * d_k, d_k,
                    targets[which] + (int64_t(h) * len + i) * d_k);
  }
}

}  // namespace mha
