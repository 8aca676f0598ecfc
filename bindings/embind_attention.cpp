// The thin Embind surface over the attention layer (one file per domain: embind_*.cpp). The JavaScript wrapper
// (bindings/js/index.js) owns all the argument checking users see; this layer only moves pointers into the core and
// turns C++ exceptions into an error string ("" = success), so that no exception crosses into JavaScript and no bad
// argument can abort the module.
//
// Buffers are passed as byte addresses into the wasm heap (allocated by the wrapper with _malloc).
#include <emscripten/bind.h>

#include <cstdint>
#include <new>
#include <string>

#include "attention/mha.hpp"
#include "guarded.hpp"

namespace {

using namespace mha;
using mha::bindings::guarded;

// Addresses and lengths (in elements) of every buffer of one forward call; 0 = absent.
struct ForwardCall {
  uintptr_t query = 0, key = 0, value = 0;
  uint32_t query_size = 0, key_size = 0, value_size = 0;
  int32_t batch = 1, query_len = 0, key_len = 0;
  bool is_causal = false;
  uintptr_t key_padding_mask = 0;
  uint32_t key_padding_mask_size = 0;
  uintptr_t attn_mask = 0;
  uint32_t attn_mask_size = 0;
  bool attn_mask_is_float = false, attn_mask_per_head = false;
  uintptr_t output = 0, weights = 0, head_enabled = 0;
  uint32_t output_size = 0, weights_size = 0;
  int32_t weights_mode = 0;  // 0 none, 1 per head, 2 averaged
};

struct WeightBuffers {
  uintptr_t in_proj_weight = 0, q_proj_weight = 0, k_proj_weight = 0, v_proj_weight = 0;
  uintptr_t in_proj_bias = 0, out_proj_weight = 0, out_proj_bias = 0;
  uint32_t in_proj_weight_size = 0, q_proj_weight_size = 0, k_proj_weight_size = 0, v_proj_weight_size = 0;
  uint32_t in_proj_bias_size = 0, out_proj_weight_size = 0, out_proj_bias_size = 0;
};

FloatSpan float_span(uintptr_t address, uint32_t size) {
  return {reinterpret_cast<const float*>(address), address ? size : 0};
}
MaskSpan mask_span(uintptr_t address, uint32_t size) {
  return {reinterpret_cast<const uint8_t*>(address), address ? size : 0};
}

class Attention {
 public:
  std::string configure(int32_t embed_dim, int32_t num_heads, int32_t kdim, int32_t vdim, bool bias) {
    return guarded([&] {
      attention_ = std::make_unique<MultiheadAttention>(AttentionConfig{embed_dim, num_heads, kdim, vdim, bias});
    });
  }

  std::string load_weights(const WeightBuffers& b) {
    return guarded([&] {
      AttentionWeights w;
      w.in_proj_weight = float_span(b.in_proj_weight, b.in_proj_weight_size);
      w.q_proj_weight = float_span(b.q_proj_weight, b.q_proj_weight_size);
      w.k_proj_weight = float_span(b.k_proj_weight, b.k_proj_weight_size);
      w.v_proj_weight = float_span(b.v_proj_weight, b.v_proj_weight_size);
      w.in_proj_bias = float_span(b.in_proj_bias, b.in_proj_bias_size);
      w.out_proj_weight = float_span(b.out_proj_weight, b.out_proj_weight_size);
      w.out_proj_bias = float_span(b.out_proj_bias, b.out_proj_bias_size);
      require().load_weights(w);
    });
  }

  std::string forward(const ForwardCall& call) {
    return guarded([&] {
      AttentionInputs in;
      in.query = float_span(call.query, call.query_size);
      in.key = float_span(call.key, call.key_size);
      in.value = float_span(call.value, call.value_size);
      in.batch = call.batch;
      in.query_len = call.query_len;
      in.key_len = call.key_len;
      in.is_causal = call.is_causal;
      in.key_padding_mask = mask_span(call.key_padding_mask, call.key_padding_mask_size);
      if (call.attn_mask_is_float)
        in.attn_mask_float = float_span(call.attn_mask, call.attn_mask_size);
      else
        in.attn_mask_bool = mask_span(call.attn_mask, call.attn_mask_size);
      in.attn_mask_layout = call.attn_mask_per_head ? AttnMaskLayout::per_head : AttnMaskLayout::shared;
      AttentionOutputs out;
      out.output = reinterpret_cast<float*>(call.output);
      out.output_size = call.output_size;
      out.weights = reinterpret_cast<float*>(call.weights);
      out.weights_size = call.weights_size;
      out.weights_mode = static_cast<WeightsMode>(call.weights_mode);
      out.head_enabled = reinterpret_cast<const uint8_t*>(call.head_enabled);
      require().forward(in, out);
    });
  }

 private:
  MultiheadAttention& require() {
    if (!attention_) throw ArgumentError("attention: expected configure() first");
    return *attention_;
  }
  std::unique_ptr<MultiheadAttention> attention_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(mha_wasm) {
  using namespace emscripten;
  value_object<WeightBuffers>("WeightBuffers")
      .field("inProjWeight", &WeightBuffers::in_proj_weight)
      .field("inProjWeightSize", &WeightBuffers::in_proj_weight_size)
      .field("qProjWeight", &WeightBuffers::q_proj_weight)
      .field("qProjWeightSize", &WeightBuffers::q_proj_weight_size)
      .field("kProjWeight", &WeightBuffers::k_proj_weight)
      .field("kProjWeightSize", &WeightBuffers::k_proj_weight_size)
      .field("vProjWeight", &WeightBuffers::v_proj_weight)
      .field("vProjWeightSize", &WeightBuffers::v_proj_weight_size)
      .field("inProjBias", &WeightBuffers::in_proj_bias)
      .field("inProjBiasSize", &WeightBuffers::in_proj_bias_size)
      .field("outProjWeight", &WeightBuffers::out_proj_weight)
      .field("outProjWeightSize", &WeightBuffers::out_proj_weight_size)
      .field("outProjBias", &WeightBuffers::out_proj_bias)
      .field("outProjBiasSize", &WeightBuffers::out_proj_bias_size);
  value_object<ForwardCall>("ForwardCall")
      .field("query", &ForwardCall::query)
      .field("querySize", &ForwardCall::query_size)
      .field("key", &ForwardCall::key)
      .field("keySize", &ForwardCall::key_size)
      .field("value", &ForwardCall::value)
      .field("valueSize", &ForwardCall::value_size)
      .field("batch", &ForwardCall::batch)
      .field("queryLength", &ForwardCall::query_len)
      .field("keyLength", &ForwardCall::key_len)
      .field("isCausal", &ForwardCall::is_causal)
      .field("keyPaddingMask", &ForwardCall::key_padding_mask)
      .field("keyPaddingMaskSize", &ForwardCall::key_padding_mask_size)
      .field("attnMask", &ForwardCall::attn_mask)
      .field("attnMaskSize", &ForwardCall::attn_mask_size)
      .field("attnMaskIsFloat", &ForwardCall::attn_mask_is_float)
      .field("attnMaskPerHead", &ForwardCall::attn_mask_per_head)
      .field("output", &ForwardCall::output)
      .field("outputSize", &ForwardCall::output_size)
      .field("weights", &ForwardCall::weights)
      .field("weightsSize", &ForwardCall::weights_size)
      .field("weightsMode", &ForwardCall::weights_mode)
      .field("headEnabled", &ForwardCall::head_enabled);
  class_<Attention>("Attention")
      .constructor<>()
      .function("configure", &Attention::configure)
      .function("loadWeights", &Attention::load_weights)
      .function("forward", &Attention::forward);
}
