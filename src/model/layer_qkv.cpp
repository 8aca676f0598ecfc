#include "model/layer_qkv.hpp"

#include <string>

namespace mha {

void project_layer_qkv(MultiheadAttention& attention, const float* layer_inputs, int32_t layer, int32_t n_layer,
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
  attention.project_qkv(layer_inputs + size_t(layer) * size, length, q.data(), k.data(), v.data());
}

}  // namespace mha
