// libFuzzer target: the argument checking of the attention entry points. The input decodes into a
// configuration, weights, inputs and outputs whose shapes, flags and buffer sizes may be wrong, but
// every buffer is truly allocated at its declared size (a wrong size is a lie the validation must
// catch, never an out-of-bounds access). Both the SIMD path and the scalar reference run:
//   - only mha::ArgumentError may escape;
//   - both must accept or reject the same arguments;
//   - when both accept, their outputs must agree (values are small, so a loose tolerance suffices).
// Dimensions stay below 16 so that one execution takes microseconds.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "attention/mha.hpp"

namespace {

// A float buffer that owns its memory; `span()` declares exactly the allocated size.
struct Buffer {
  std::vector<float> values;
  bool present = false;
  mha::FloatSpan span() const { return present ? mha::FloatSpan{values.data(), values.size()} : mha::FloatSpan{}; }
};

// Declared size: usually right, sometimes off by a little, sometimes absent.
size_t declared_size(FuzzedDataProvider& fuzz, int64_t right, bool* present) {
  const uint8_t choice = fuzz.ConsumeIntegral<uint8_t>();
  *present = choice % 8 != 0;
  int64_t size = right < 0 ? 0 : right;
  if (choice % 8 == 7) size += fuzz.ConsumeIntegralInRange<int64_t>(-2, 2);
  if (size < 0) size = 0;
  if (size > 4096) size = 4096;
  return static_cast<size_t>(size);
}

void fill(FuzzedDataProvider& fuzz, Buffer& buffer, int64_t right_size) {
  buffer.values.resize(declared_size(fuzz, right_size, &buffer.present));
  // Quantised values in [-2, 2]: exact in float, so both paths see the same numbers.
  for (float& v : buffer.values) v = (static_cast<int>(fuzz.ConsumeIntegral<uint8_t>()) - 128) / 64.0f;
}

bool close(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= 1e-3f * (1.0f + std::fabs(a) + std::fabs(b));
}

void compare(const std::vector<float>& fast, const std::vector<float>& reference, const char* what) {
  for (size_t i = 0; i < fast.size(); ++i)
    if (!close(fast[i], reference[i])) {
      std::fprintf(stderr, "%s[%zu]: SIMD %.9g, reference %.9g\n", what, i, fast[i], reference[i]);
      std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fuzz(data, size);
  mha::AttentionConfig config;
  config.embed_dim = fuzz.ConsumeIntegralInRange<int32_t>(-1, 16);
  config.num_heads = fuzz.ConsumeIntegralInRange<int32_t>(-1, 5);
  config.kdim = fuzz.ConsumeBool() ? fuzz.ConsumeIntegralInRange<int32_t>(-1, 9) : 0;
  config.vdim = fuzz.ConsumeBool() ? fuzz.ConsumeIntegralInRange<int32_t>(-1, 9) : 0;
  config.bias = fuzz.ConsumeBool();

  const int64_t e = config.embed_dim, h = config.num_heads;
  const int64_t kdim = config.kdim ? config.kdim : e, vdim = config.vdim ? config.vdim : e;
  const int32_t batch = fuzz.ConsumeIntegralInRange<int32_t>(-1, 3);
  const int32_t query_len = fuzz.ConsumeIntegralInRange<int32_t>(-1, 9);
  const int32_t key_len = fuzz.ConsumeIntegralInRange<int32_t>(-1, 9);
  const int64_t b = batch, lq = query_len, lk = key_len;

  Buffer w_in, w_q, w_k, w_v, b_in, w_out, b_out;
  const bool packed = fuzz.ConsumeBool();
  if (packed) {
    fill(fuzz, w_in, 3 * e * e);
  } else {
    fill(fuzz, w_q, e * e);
    fill(fuzz, w_k, e * kdim);
    fill(fuzz, w_v, e * vdim);
  }
  fill(fuzz, w_out, e * e);
  // Biases are sometimes given although bias = false (an error the validation must report).
  if (config.bias || fuzz.ConsumeBool()) {
    fill(fuzz, b_in, 3 * e);
    fill(fuzz, b_out, e);
  }
  mha::AttentionWeights weights;
  weights.in_proj_weight = w_in.span();
  weights.q_proj_weight = w_q.span();
  weights.k_proj_weight = w_k.span();
  weights.v_proj_weight = w_v.span();
  weights.in_proj_bias = b_in.span();
  weights.out_proj_weight = w_out.span();
  weights.out_proj_bias = b_out.span();

  Buffer query, key, value, mask_float;
  fill(fuzz, query, b * lq * e);
  fill(fuzz, key, b * lk * kdim);
  fill(fuzz, value, b * lk * vdim);
  mha::AttentionInputs in;
  in.query = query.span();
  in.key = key.span();
  in.value = value.span();
  in.batch = batch;
  in.query_len = query_len;
  in.key_len = key_len;
  in.is_causal = fuzz.ConsumeBool();
  // 0, 1 are the two layouts; 2 is not a layout and must be rejected when a mask is given.
  in.attn_mask_layout = static_cast<mha::AttnMaskLayout>(fuzz.ConsumeIntegralInRange<uint8_t>(0, 2));
  const int64_t mask_elements = in.attn_mask_layout == mha::AttnMaskLayout::per_head ? b * h * lq * lk : lq * lk;

  std::vector<uint8_t> padding, mask_bool;
  bool present = false;
  if (fuzz.ConsumeBool()) {
    padding.resize(declared_size(fuzz, b * lk, &present));
    for (uint8_t& m : padding) m = fuzz.ConsumeIntegral<uint8_t>() % 4 == 0;
    if (present) in.key_padding_mask = {padding.data(), padding.size()};
  }
  const uint8_t mask_kind = fuzz.ConsumeIntegralInRange<uint8_t>(0, 3);  // none, bool, float, both
  if (mask_kind & 1) {
    mask_bool.resize(declared_size(fuzz, mask_elements, &present));
    for (uint8_t& m : mask_bool) m = fuzz.ConsumeIntegral<uint8_t>() % 4 == 0;
    if (present) in.attn_mask_bool = {mask_bool.data(), mask_bool.size()};
  }
  if (mask_kind & 2) {
    mask_float.values.resize(declared_size(fuzz, mask_elements, &mask_float.present));
    const float choices[] = {0.0f, 0.0f, -1.0f, 1.5f, -INFINITY};
    for (float& m : mask_float.values) m = choices[fuzz.ConsumeIntegralInRange<int>(0, 4)];
    in.attn_mask_float = mask_float.span();
  }

  // Outputs: the declared sizes are also the allocated ones; the reference gets its own copies.
  const uint8_t mode = fuzz.ConsumeIntegralInRange<uint8_t>(0, 3);  // 3 is not a mode
  const int64_t weights_elements = mode == 1 ? b * h * lq * lk : mode == 2 ? b * lq * lk : 0;
  bool output_present = false, weights_present = false, context_present = false;
  const size_t output_size = declared_size(fuzz, b * lq * e, &output_present);
  const size_t weights_size = declared_size(fuzz, weights_elements, &weights_present);
  const bool want_context = fuzz.ConsumeBool();
  const size_t context_size = declared_size(fuzz, b * lq * e, &context_present);
  std::vector<uint8_t> head_enabled;
  if (fuzz.ConsumeBool() && h > 0) {
    head_enabled.resize(static_cast<size_t>(h));
    for (uint8_t& on : head_enabled) on = fuzz.ConsumeBool();
  }

  struct Result {
    std::vector<float> output, weights, context;
  };
  auto outputs_for = [&](Result& r) {
    r.output.assign(output_size, NAN);
    r.weights.assign(weights_size, NAN);
    r.context.assign(context_size, NAN);
    mha::AttentionOutputs out;
    if (output_present) out.output = r.output.data(), out.output_size = r.output.size();
    if (weights_present) out.weights = r.weights.data(), out.weights_size = r.weights.size();
    if (want_context && context_present) out.context = r.context.data(), out.context_size = r.context.size();
    out.weights_mode = static_cast<mha::WeightsMode>(mode);
    out.head_enabled = head_enabled.empty() ? nullptr : head_enabled.data();
    return out;
  };

  Result fast, reference;
  bool fast_ok = false, reference_ok = false;
  try {
    mha::MultiheadAttention attention(config);
    attention.load_weights(weights);
    attention.forward(in, outputs_for(fast));
    fast_ok = true;
  } catch (const mha::ArgumentError&) {
  }
  try {
    mha::reference_forward(config, weights, in, outputs_for(reference));
    reference_ok = true;
  } catch (const mha::ArgumentError&) {
  }
  if (fast_ok != reference_ok) {
    std::fprintf(stderr, "SIMD path %s but the reference %s the same arguments\n", fast_ok ? "accepted" : "rejected",
                 reference_ok ? "accepted" : "rejected");
    std::abort();
  }
  if (fast_ok) {
    compare(fast.output, reference.output, "output");
    if (mode == 1 || mode == 2) compare(fast.weights, reference.weights, "weights");
    if (want_context && context_present) compare(fast.context, reference.context, "context");
  }
  return 0;
}
