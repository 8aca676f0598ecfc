// The model shape of a Hugging Face Llama-family checkpoint, read from its config.json (LlamaConfig,
// Qwen2Config, MistralConfig): what this project's LlamaModel implements, and nothing it does not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "kernels/rotary.hpp"

namespace mha {

struct LlamaConfig {
  std::string model_type;           // "llama", "qwen2" or "mistral"
  int32_t num_hidden_layers = 0;    // L
  int32_t hidden_size = 0;          // E, the residual stream width
  int32_t intermediate_size = 0;    // I, the MLP width
  int32_t num_attention_heads = 0;  // H
  int32_t num_key_value_heads = 0;  // H_kv, divides H (grouped-query attention)
  int32_t head_dim = 0;             // d_k = E / H
  int32_t vocab_size = 0;           // V
  int32_t max_position_embeddings = 0;
  float rms_norm_eps = 1e-6f;
  bool tie_word_embeddings = false;    // lm_head = embed_tokens
  bool qkv_bias = false;               // q/k/v projections have biases (Qwen2; Llama's attention_bias)
  bool o_bias = false;                 // the output projection has a bias (Llama's attention_bias)
  kernels::RotaryConfig rotary;        // dim = head_dim, base = rope_theta, rope_scaling
  std::vector<int32_t> eos_token_ids;  // eos_token_id (one id or a list; none when absent)
};

// Upper bounds accepted by parse_llama_config: above every published model of the family, low enough that
// products such as L * E * I stay well inside int64 and allocation sizes stay sane.
struct LlamaConfigLimits {
  int32_t max_layers = 512;
  int32_t max_heads = 1024;
  int32_t max_hidden_size = 32768;
  int32_t max_intermediate_size = 131072;
  int32_t max_vocab_size = 1000000;
  int32_t max_positions = 1 << 20;
};

// Parses config.json. Required: model_type (llama, qwen2 or mistral), hidden_size, intermediate_size,
// num_hidden_layers, num_attention_heads, vocab_size, max_position_embeddings. Optional with Hugging Face's
// defaults: num_key_value_heads (= num_attention_heads), rms_norm_eps (1e-6), rope_theta (10000),
// tie_word_embeddings (false), eos_token_id (none; an id or a list), attention_bias (false; llama and mistral),
// rope_scaling (null, "default", "linear" or "llama3"; the key is rope_type or the older type), head_dim (must be
// hidden_size / num_attention_heads), hidden_act ("silu"). Features this project does not implement are refused with
// the field named: another rope_scaling type, partial_rotary_factor other than 1, mlp_bias true, Qwen2's
// use_sliding_window true, Mistral's sliding_window other than null. Other fields are ignored.
// Throws FormatError("config.json: <field>: expected ..., got ...").
LlamaConfig parse_llama_config(std::string_view json_text, const LlamaConfigLimits& limits = {});

}  // namespace mha
