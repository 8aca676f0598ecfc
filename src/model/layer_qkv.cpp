#include "model/layer_qkv.hpp"

#include <string>

namespace mha {

AttentionOutputs layer_attention_outputs(float* output, size_t output_size, float* reported, int32_t heads,
                                         int32_t queries, int32_t keys, std::vector<float>& scratch,
                                         const uint8_t* head_enabled) {
  AttentionOutputs out;
  out.output = output;
  out.output_size = output_size;
  if (reported) {
    out.weights_mode = WeightsMode::per_head;
    out.weights = reported;
    out.weights_size = size_t(heads) * queries * keys;
  } else {
    scratch.resize(size_t(queries) * keys);
    out.weights_mode = WeightsMode::averaged;
    out.weights = scratch.data();
    out.weights_size = scratch.size();
  }
  out.head_enabled = head_enabled;
  return out;
}

void project_layer_qkv(MultiheadAttention& attention, const float* layer_input, int32_t layer, int32_t n_layer,
                       int32_t length, int32_t width, std::vector<float>& q, std::vector<float>& k,
                       std::vector<float>& v) {
  if (layer < 0 || layer >= n_layer)
    throw ArgumentError("layer: expected an index in [0, " + std::to_string(n_layer) + "), got " +
                        std::to_string(layer));
  if (length == 0) throw ArgumentError("layer_qkv: expected a run() first, nothing has run");
  const size_t size = size_t(length) * width;
  q.resize(size);
  k.resize(size);
  v.resize(size);
  attention.project_qkv(layer_input, length, q.data(), k.data(), v.data());
}

}  // namespace mha
