// explain() of every model: one layer's per-head q, k, v for the tokens of the last run, recomputed from
// that layer's recorded input (the models keep the input of each block, not its projections).
#pragma once

#include <cstdint>
#include <vector>

#include "attention/mha.hpp"

namespace mha {

// layer_inputs: [n_layer, length, width], the input of each layer's attention in the last run.
// q, k, v are resized to [length, width] (heads side by side, as the attention layer lays them out).
// Throws ArgumentError for a layer outside [0, n_layer) or when nothing has run yet (length 0).
void project_layer_qkv(MultiheadAttention& attention, const float* layer_inputs, int32_t layer, int32_t n_layer,
                       int32_t length, int32_t width, std::vector<float>& q, std::vector<float>& k,
                       std::vector<float>& v);

}  // namespace mha
