// The model shape of a Hugging Face GPT-2 checkpoint, read from its config.json (GPT2Config).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"

namespace mha {

struct Gpt2Config {
  int32_t n_layer = 0;      // transformer blocks
  int32_t n_head = 0;       // attention heads per block, divides n_embd
  int32_t n_embd = 0;       // E, the residual stream width
  int32_t n_positions = 0;  // longest context (learned position embeddings)
  int32_t vocab_size = 0;
  float layer_norm_epsilon = 1e-5f;
  std::string activation_function = "gelu_new";  // the tanh approximation of GELU
  std::vector<int32_t> eos_token_ids;            // eos_token_id (one id or a list; none when absent)
};

// Upper bounds accepted by parse_gpt2_config: far above every published GPT-2, low enough that
// products such as n_layer * n_embd^2 stay well inside int64 and allocation sizes stay sane.
struct Gpt2ConfigLimits {
  int32_t max_n_layer = 256;
  int32_t max_n_head = 1024;
  int32_t max_n_embd = 16384;
  int32_t max_n_positions = 65536;
  int32_t max_vocab_size = 1000000;
};

// Parses config.json. Required: n_layer, n_head, n_embd, vocab_size, and n_positions (or the older
// n_ctx); optional: layer_norm_epsilon (default 1e-5), eos_token_id (an id or a list), activation_function ("gelu_new"
// or "gelu_pytorch_tanh", the same function). Settings that would change the architecture this project implements
// (model_type other than "gpt2", scale_attn_weights false, scale_attn_by_inverse_layer_idx true, add_cross_attention
// true) are rejected; every other field is ignored. Throws FormatError("config.json: <field>: expected ..., got ...").
Gpt2Config parse_gpt2_config(std::string_view json_text, const Gpt2ConfigLimits& limits = {});

}  // namespace mha
