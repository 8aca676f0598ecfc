// A random attention problem (config, PyTorch-layout weights, inputs, masks) that owns its buffers and
// can be run through the reference and the SIMD path.
#pragma once

#include <random>
#include <vector>

#include "attention/mha.hpp"

namespace mha::testing {

enum class MaskKind { none, boolean, additive };

struct ProblemShape {
  int32_t embed_dim = 8, num_heads = 2, kdim = 0, vdim = 0;
  bool bias = true;
  int32_t batch = 1, query_len = 4, key_len = 4;
  bool causal = false, key_padding = false;
  MaskKind mask = MaskKind::none;
  AttnMaskLayout mask_layout = AttnMaskLayout::shared;
  WeightsMode weights_mode = WeightsMode::per_head;
  float input_scale = 1.0f;
  // Llama-family extensions
  int32_t num_kv_heads = 0;  // 0 = num_heads
  bool out_bias = true;
  kernels::RotaryConfig rotary;
  int32_t position_offset = 0;
};

struct Problem {
  ProblemShape shape;
  AttentionConfig config;
  std::vector<float> w_in, w_q, w_k, w_v, b_in, w_out, b_out;
  bool packed_in_proj = true;
  std::vector<float> query, key, value, mask_float;
  std::vector<uint8_t> padding, mask_bool;

  explicit Problem(const ProblemShape& s, uint32_t seed = 1) : shape(s) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, size_t n, float scale) {
      v.resize(n);
      for (float& x : v) x = normal(rng) * scale;
    };
    config = {s.embed_dim, s.num_heads, s.kdim, s.vdim, s.bias, s.num_kv_heads, s.out_bias, s.rotary};
    const size_t e = s.embed_dim, kdim = s.kdim ? s.kdim : e, vdim = s.vdim ? s.vdim : e;
    const size_t kv_heads = s.num_kv_heads ? s.num_kv_heads : s.num_heads;
    const size_t e_kv = kv_heads * (e / s.num_heads);
    packed_in_proj = kdim == e && vdim == e && e_kv == e;
    const float w_scale = 1.0f / std::sqrt(float(e));
    if (packed_in_proj) {
      fill(w_in, 3 * e * e, w_scale);
    } else {
      fill(w_q, e * e, w_scale);
      fill(w_k, e_kv * kdim, w_scale);
      fill(w_v, e_kv * vdim, w_scale);
    }
    if (s.bias) {
      fill(b_in, e + 2 * e_kv, 0.5f);
      if (s.out_bias) fill(b_out, e, 0.5f);
    }
    fill(w_out, e * e, w_scale);
    const size_t b = s.batch, lq = s.query_len, lk = s.key_len;
    fill(query, b * lq * e, s.input_scale);
    fill(key, b * lk * kdim, s.input_scale);
    fill(value, b * lk * vdim, s.input_scale);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    if (s.key_padding) {
      padding.resize(b * lk);
      for (size_t n = 0; n < padding.size(); ++n) padding[n] = (n % lk) != 0 && uniform(rng) < 0.3f;
    }
    const size_t planes = s.mask_layout == AttnMaskLayout::per_head ? b * s.num_heads : 1;
    if (s.mask == MaskKind::boolean) {
      mask_bool.resize(planes * lq * lk);
      for (size_t n = 0; n < mask_bool.size(); ++n) mask_bool[n] = (n % lk) != 0 && uniform(rng) < 0.3f;
    }
    if (s.mask == MaskKind::additive) fill(mask_float, planes * lq * lk, 2.0f);
  }

  AttentionWeights weights() const {
    AttentionWeights w;
    if (packed_in_proj) {
      w.in_proj_weight = {w_in.data(), w_in.size()};
    } else {
      w.q_proj_weight = {w_q.data(), w_q.size()};
      w.k_proj_weight = {w_k.data(), w_k.size()};
      w.v_proj_weight = {w_v.data(), w_v.size()};
    }
    if (shape.bias) {
      w.in_proj_bias = {b_in.data(), b_in.size()};
      if (!b_out.empty()) w.out_proj_bias = {b_out.data(), b_out.size()};
    }
    w.out_proj_weight = {w_out.data(), w_out.size()};
    return w;
  }

  AttentionInputs inputs() const {
    AttentionInputs in;
    in.query = {query.data(), query.size()};
    in.key = {key.data(), key.size()};
    in.value = {value.data(), value.size()};
    in.batch = shape.batch;
    in.query_len = shape.query_len;
    in.key_len = shape.key_len;
    in.is_causal = shape.causal;
    if (!padding.empty()) in.key_padding_mask = {padding.data(), padding.size()};
    if (!mask_bool.empty()) in.attn_mask_bool = {mask_bool.data(), mask_bool.size()};
    if (!mask_float.empty()) in.attn_mask_float = {mask_float.data(), mask_float.size()};
    in.attn_mask_layout = shape.mask_layout;
    in.position_offset = shape.position_offset;
    return in;
  }

  struct Result {
    std::vector<float> output, weights, context;
  };

  AttentionOutputs outputs(Result& r) const {
    r.output.assign(size_t(shape.batch) * shape.query_len * shape.embed_dim, -1.0f);
    r.weights.assign(attention_weights_size(config, shape.weights_mode, shape.batch, shape.query_len, shape.key_len),
                     -1.0f);
    r.context.assign(r.output.size(), -1.0f);
    AttentionOutputs out;
    out.output = r.output.data();
    out.output_size = r.output.size();
    out.weights_mode = shape.weights_mode;
    out.weights = r.weights.empty() ? nullptr : r.weights.data();
    out.weights_size = r.weights.size();
    out.context = r.context.data();
    out.context_size = r.context.size();
    return out;
  }

  Result run_reference() const {
    Result r;
    reference_forward(config, weights(), inputs(), outputs(r));
    return r;
  }
  Result run_fast() const {
    Result r;
    MultiheadAttention attention(config);
    attention.load_weights(weights());
    attention.forward(inputs(), outputs(r));
    return r;
  }
};

}  // namespace mha::testing
