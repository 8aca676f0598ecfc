// Multi-head attention forward pass with the semantics of PyTorch's torch.nn.MultiheadAttention
// (batch_first=True, inference: no dropout, no add_bias_kv, no add_zero_attn).
//
// Notation used in every shape comment of this project:
//   B  batch            Lq  query length     Lk  key/value length
//   E  embed_dim        H   num_heads        d_k = E / H (head size)
//   kdim, vdim          feature sizes of key and value (default E)
//
// Semantics, per batch b and head h (q, k, v are the projected inputs split into heads):
//   scores[i][j]  = (q_i . k_j) / sqrt(d_k) + additive_mask[i][j]
//   scores[i][j]  = -inf where a boolean mask, the key padding mask or causality forbids j for i
//   weights[i][:] = softmax(scores[i][:]) computed with max subtraction
//   A row whose keys are ALL forbidden (every score -inf) has weights of exactly 0 and so contributes
//   an attention output of 0 before the output projection (PyTorch returns NaN there; we define 0).
//   out = concat_h(weights_h . v_h) W_O^T + b_O
//
// Extensions for Llama-family layers (the defaults keep PyTorch's semantics exactly):
//   grouped-query attention  num_kv_heads = H_kv divides H; the key and value projections have H_kv heads
//                            (E_kv = H_kv * d_k outputs) and query head h reads kv head h / (H / H_kv)
//                            (multi-query attention: H_kv = 1)
//   rotary embeddings        q and k are rotated after projection and bias, before the scores; query i and
//                            key j are at positions position_offset + i and position_offset + j
//                            (src/kernels/rotary.hpp has the conventions)
//   out_bias = false         q/k/v biases without an out-projection bias (Qwen2)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "errors.hpp"          // ArgumentError
#include "kernels/rotary.hpp"  // RotaryConfig
#include "kernels/widen.hpp"   // WeightFormat

namespace mha {

// A read-only float buffer with its length in elements, so that every entry point can check sizes.
struct FloatSpan {
  const float* data = nullptr;
  size_t size = 0;
};
// A read-only weight matrix: float32 values, or 16-bit values (F16, BF16) that load_weights keeps 16-bit.
struct MatrixSpan {
  const void* data = nullptr;  // const float* for f32, const uint16_t* otherwise
  size_t size = 0;             // in elements
  kernels::WeightFormat format = kernels::WeightFormat::f32;
  MatrixSpan() = default;
  MatrixSpan(const float* values, size_t count) : data(values), size(count) {}
  MatrixSpan(FloatSpan span) : MatrixSpan(span.data, span.size) {}  // NOLINT: a float span is a matrix span
  MatrixSpan(const uint16_t* values, size_t count, kernels::WeightFormat f) : data(values), size(count), format(f) {}
  // The span from element `first` on.
  MatrixSpan from(size_t first) const {
    MatrixSpan out = *this;
    out.data = static_cast<const uint8_t*>(data) + first * kernels::weight_format_size(format);
    out.size = size - first;
    return out;
  }
};
struct MaskSpan {  // boolean mask: nonzero = forbidden (PyTorch's `True`)
  const uint8_t* data = nullptr;
  size_t size = 0;
};

struct AttentionConfig {
  int32_t embed_dim = 0;              // E
  int32_t num_heads = 0;              // H, must divide E
  int32_t kdim = 0;                   // 0 = E
  int32_t vdim = 0;                   // 0 = E
  bool bias = true;                   // in-projection and out-projection biases
  int32_t num_kv_heads = 0;           // H_kv: 0 = H; must divide H (grouped-query attention)
  bool out_bias = true;               // with bias: also the out-projection bias; false = biased q/k/v only
  kernels::RotaryConfig rotary = {};  // rotary.dim 0 = no rotary embeddings
};

// Weights in PyTorch's names and layouts (row-major, [out_features, in_features] like nn.Linear). The matrices
// may be float32 or 16-bit (each its own format); the biases are float32.
// Either in_proj_weight (only when kdim == vdim == E and H_kv == H) or the three separate q/k/v weights are given.
// E_kv = H_kv * d_k (= E without grouped-query attention).
struct AttentionWeights {
  MatrixSpan in_proj_weight;   // [3E, E]          rows: q, k, v
  MatrixSpan q_proj_weight;    // [E, E]           used when in_proj_weight is empty
  MatrixSpan k_proj_weight;    // [E_kv, kdim]
  MatrixSpan v_proj_weight;    // [E_kv, vdim]
  FloatSpan in_proj_bias;      // [E + 2 E_kv]     q, k, v biases; required iff config.bias
  MatrixSpan out_proj_weight;  // [E, E]
  FloatSpan out_proj_bias;     // [E]              required iff config.bias and config.out_bias
};

enum class AttnMaskLayout : uint8_t {
  shared,    // [Lq, Lk], the same for every batch and head
  per_head,  // [B*H, Lq, Lk], index b*H + h
};

struct AttentionInputs {
  FloatSpan query;  // [B, Lq, E]
  FloatSpan key;    // [B, Lk, kdim]
  FloatSpan value;  // [B, Lk, vdim]
  int32_t batch = 1;
  int32_t query_len = 0;      // Lq
  int32_t key_len = 0;        // Lk
  bool is_causal = false;     // key j is forbidden for query i when j > i (top-left aligned)
  MaskSpan key_padding_mask;  // [B, Lk], nonzero = ignore that key; optional
  MaskSpan attn_mask_bool;    // [Lq, Lk] or [B*H, Lq, Lk], nonzero = forbidden; optional
  FloatSpan attn_mask_float;  // same shapes, added to the scaled scores; optional
  AttnMaskLayout attn_mask_layout = AttnMaskLayout::shared;
  int32_t position_offset = 0;  // rotary only: the position of query 0 and of key 0 (>= 0)
};

enum class WeightsMode : uint8_t {
  none,      // do not return attention weights (cheapest)
  per_head,  // [B, H, Lq, Lk]
  averaged,  // [B, Lq, Lk], mean over heads (PyTorch's average_attn_weights=True)
};

struct AttentionOutputs {
  float* output = nullptr;  // [B, Lq, E]
  size_t output_size = 0;
  float* weights = nullptr;  // see WeightsMode; may be null when mode is none
  size_t weights_size = 0;
  WeightsMode weights_mode = WeightsMode::none;
  // Optional: the pre-output-projection head outputs, concat_h(weights_h . v_h), [B, Lq, E].
  float* context = nullptr;
  size_t context_size = 0;
  // Optional: per head on/off switch [H], 0 = the head's output is zeroed before W_O (ablation).
  const uint8_t* head_enabled = nullptr;
};

// The keys and values of the tokens a self-attention layer has seen so far, for incremental decoding
// (MultiheadAttention::forward_cached). One per layer, owned by the caller; E_kv = H_kv * d_k.
struct KvCache {
  int32_t length = 0;         // tokens cached = the position of the next token
  std::vector<float> keys;    // [length, E_kv], rotary already applied
  std::vector<float> values;  // [length, E_kv]
  void clear() { truncate(0); }
  // Keeps the first `kept` tokens (0 <= kept <= length): a changed token and all after it run again.
  void truncate(int32_t kept) {
    const size_t width = length ? keys.size() / size_t(length) : 0;  // E_kv
    length = kept;
    keys.resize(size_t(kept) * width);
    values.resize(size_t(kept) * width);
  }
};

// Checks a configuration; throws ArgumentError naming the first bad field.
void validate_config(const AttentionConfig& config);
// Checks weights against a valid configuration.
void validate_weights(const AttentionConfig& config, const AttentionWeights& weights);
// Checks inputs and outputs (sizes implied by the shapes, mask layouts, presence of buffers).
void validate_call(const AttentionConfig& config, const AttentionInputs& in, const AttentionOutputs& out);

// Plain scalar reference of the whole forward pass: obviously correct, slow, for tests only.
// Validates everything first.
void reference_forward(const AttentionConfig& config, const AttentionWeights& weights, const AttentionInputs& in,
                       const AttentionOutputs& out);

// Weights packed once for the SIMD kernels, plus reusable scratch memory.
// Not thread-safe: one forward at a time per object.
class MultiheadAttention {
 public:
  explicit MultiheadAttention(const AttentionConfig& config);  // throws ArgumentError
  ~MultiheadAttention();
  MultiheadAttention(MultiheadAttention&&) noexcept;
  MultiheadAttention& operator=(MultiheadAttention&&) noexcept;

  const AttentionConfig& config() const;
  bool has_weights() const;
  // Bytes held: the packed weights (16-bit matrices stay 16-bit), and with memory_bytes also the scratch
  // buffers of the calls so far.
  size_t weight_bytes() const;
  size_t memory_bytes() const;
  // Copies and packs the weights (16-bit matrices stay 16-bit); the caller's buffers may be freed afterwards.
  void load_weights(const AttentionWeights& weights);  // throws ArgumentError
  // Validates, then runs the SIMD forward pass.
  void forward(const AttentionInputs& in, const AttentionOutputs& out);  // throws ArgumentError

  // Causal self-attention of `count` new tokens x [count, E] (batch 1, kdim == vdim == E) at positions
  // cache.length .. cache.length + count - 1, over the cached tokens and themselves: new token i sees every
  // cached key and new keys 0..i. Their keys (rotated) and values are appended to the cache. With T =
  // cache.length + count after the call: out.output [count, E]; out.weights per_head [H, count, T] or
  // averaged [count, T] or none; out.context [count, E] optional; out.head_enabled as in forward().
  // The arithmetic of each row is that of the materialising path of forward(), except for one new token
  // (count 1, decoding), whose scores and head outputs are summed over the cached rows in place (dot products,
  // scaled rows of V) instead of through packed copies of them: equal within rounding.
  void forward_cached(const float* x, int32_t count, KvCache& cache, const AttentionOutputs& out);  // ArgumentError

  // Projected per-head internals for explaining one weight: q of shape [H, L, d_k], k and v [H_kv, L, d_k]
  // (q is NOT scaled by 1/sqrt(d_k); with rotary, q and k are rotated for positions 0..L-1).
  // `x` is [L, E] (self-attention, batch 1).
  void project_qkv(const float* x, int32_t len, float* q, float* k, float* v);

 private:
  struct State;
  // The flash-attention path of forward() when no weights are wanted (validated inputs).
  void forward_streaming(const AttentionInputs& in, const AttentionOutputs& out);
  std::unique_ptr<State> state_;
};

// Size in elements of the weights buffer for a mode (0 for none).
size_t attention_weights_size(const AttentionConfig& config, WeightsMode mode, int32_t batch, int32_t query_len,
                              int32_t key_len);

}  // namespace mha
