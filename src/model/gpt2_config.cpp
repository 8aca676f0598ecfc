#include "model/gpt2_config.hpp"

#include <cmath>

#include "model/config_fields.hpp"

namespace mha {

using config_fields::fail;
using config_fields::positive_integer;
using config_fields::require_flag;
using config_fields::required_integer;
using json::describe;

Gpt2Config parse_gpt2_config(std::string_view json_text, const Gpt2ConfigLimits& limits) {
  const json::Value config = config_fields::parse_object(json_text);

  if (const json::Value* model_type = config.find("model_type")) {
    if (!model_type->is_string() || model_type->string != "gpt2")
      fail("model_type", "expected \"gpt2\", got " + describe(*model_type));
  }

  Gpt2Config out;
  out.n_layer = required_integer(config, "n_layer", limits.max_n_layer);
  out.n_head = required_integer(config, "n_head", limits.max_n_head);
  out.n_embd = required_integer(config, "n_embd", limits.max_n_embd);
  out.vocab_size = required_integer(config, "vocab_size", limits.max_vocab_size);
  // n_positions is the current name; configs written before it existed only have n_ctx. When both
  // are present (as in the published gpt2 config.json) Hugging Face uses n_positions.
  if (const json::Value* n_positions = config.find("n_positions")) {
    out.n_positions = positive_integer(*n_positions, "n_positions", limits.max_n_positions);
  } else if (const json::Value* n_ctx = config.find("n_ctx")) {
    out.n_positions = positive_integer(*n_ctx, "n_ctx", limits.max_n_positions);
  } else {
    fail("n_positions", "missing (expected a positive integer; n_ctx is accepted too)");
  }
  if (out.n_embd % out.n_head != 0)
    fail("n_embd",
         "expected a multiple of n_head = " + std::to_string(out.n_head) + ", got " + std::to_string(out.n_embd));

  out.layer_norm_epsilon = config_fields::optional_epsilon(config, "layer_norm_epsilon", out.layer_norm_epsilon);

  if (const json::Value* activation = config.find("activation_function")) {
    if (!activation->is_string() || (activation->string != "gelu_new" && activation->string != "gelu_pytorch_tanh"))
      fail("activation_function",
           "expected \"gelu_new\" or \"gelu_pytorch_tanh\" (the tanh GELU this project implements), got " +
               describe(*activation));
    out.activation_function = activation->string;
  }

  out.eos_token_ids = config_fields::token_ids(config, "eos_token_id");
  require_flag(config, "scale_attn_weights", true);
  require_flag(config, "scale_attn_by_inverse_layer_idx", false);
  require_flag(config, "add_cross_attention", false);
  return out;
}

}  // namespace mha
