// What the decoder models (GPT-2, Llama family) share around a layer's attention call: where its weights
// go, and explain(): one layer's per-head q, k, v for the tokens of the last run, recomputed from that
// layer's recorded input (the models keep the input of each block, not its projections).
#pragma once

#include <cstdint>
#include <vector>

#include "attention/mha.hpp"

namespace mha {

// Outputs of one layer's self-attention over T queries and `keys` keys, written to `output` [T, E]. The
// materialising path always runs, so that logits never depend on which results were asked for (the
// streaming path, taken without weights, rounds differently): the weights go per head to `reported`
// [H, T, keys] when the caller asked for them (non-null), else averaged over heads to `scratch` [T, keys].
// `head_enabled`: [H] or null (ablation).
AttentionOutputs layer_attention_outputs(float* output, size_t output_size, float* reported, int32_t heads,
                                         int32_t queries, int32_t keys, std::vector<float>& scratch,
                                         const uint8_t* head_enabled);

// layer_input: [length, width], the input of that layer's attention for the tokens of the last run.
// q, k, v are resized to [length, width] (heads side by side, as the attention layer lays them out).
// Throws ArgumentError for a layer outside [0, n_layer) or when nothing has run yet (length 0).
void project_layer_qkv(MultiheadAttention& attention, const float* layer_input, int32_t layer, int32_t n_layer,
                       int32_t length, int32_t width, std::vector<float>& q, std::vector<float>& k,
                       std::vector<float>& v);

}  // namespace mha
