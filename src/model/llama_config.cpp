#include "model/llama_config.hpp"

#include <cmath>

#include "io/message_text.hpp"
#include "model/config_fields.hpp"

namespace mha {
namespace {

using config_fields::fail;
using config_fields::positive_integer;
using config_fields::required_integer;
using io_detail::number_text;
using json::describe;

// A number in (low, high] (finite as a float), or `fallback` when the field is absent or null.
float number_in(const json::Value& object, const std::string& prefix, const char* field, double low, double high,
                float fallback) {
  const json::Value* value = object.find(field);
  if (value == nullptr || value->is_null()) return fallback;
  if (!value->is_number() || !(value->number > low && value->number <= high) ||
      !std::isfinite(static_cast<float>(value->number)) || static_cast<float>(value->number) == 0.0f)
    fail(prefix + field, "expected a number above " + number_text(low) + " and at most " + number_text(high) +
                             ", got " + describe(*value));
  return static_cast<float>(value->number);
}

bool boolean_or(const json::Value& object, const char* field, bool fallback) {
  const json::Value* value = object.find(field);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->type != json::Value::Type::boolean) fail(field, "expected a boolean, got " + describe(*value));
  return value->boolean;
}

// An optional boolean that must keep the value this project implements.
void require_flag(const json::Value& object, const char* field, bool supported, const char* why) {
  if (boolean_or(object, field, supported) != supported)
    fail(field, std::string("only ") + (supported ? "true" : "false") + " is supported (" + why + "), got " +
                    (supported ? "false" : "true"));
}

kernels::RopeScaling parse_rope_scaling(const json::Value& value, int32_t max_positions) {
  kernels::RopeScaling scaling;
  if (value.is_null()) return scaling;
  if (!value.is_object()) fail("rope_scaling", "expected null or an object, got " + describe(value));
  const json::Value* type = value.find("rope_type");
  const char* type_field = "rope_scaling.rope_type";
  if (type == nullptr || type->is_null()) {
    type = value.find("type");
    type_field = "rope_scaling.type";
  }
  if (type == nullptr || !type->is_string())
    fail("rope_scaling.rope_type", type ? "expected a string, got " + describe(*type) : "missing");
  if (type->string == "default") return scaling;
  if (type->string != "linear" && type->string != "llama3")
    fail(type_field, "expected \"default\", \"linear\" or \"llama3\" (the scalings this project implements), got " +
                         describe(*type));
  const double huge = 1e6;
  const json::Value* factor = value.find("factor");
  if (factor == nullptr || factor->is_null()) fail("rope_scaling.factor", "missing (expected a number >= 1)");
  if (!factor->is_number() || !(factor->number >= 1.0 && factor->number <= huge))
    fail("rope_scaling.factor", "expected a number >= 1, got " + describe(*factor));
  scaling.factor = static_cast<float>(factor->number);
  if (type->string == "linear") {
    scaling.type = kernels::RopeScalingType::linear;
    return scaling;
  }
  scaling.type = kernels::RopeScalingType::llama3;
  for (const char* field : {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"})
    if (value.find(field) == nullptr || value.find(field)->is_null())
      fail(std::string("rope_scaling.") + field, "missing (required by rope_type \"llama3\")");
  scaling.low_freq_factor = number_in(value, "rope_scaling.", "low_freq_factor", 0.0, huge, 1.0f);
  scaling.high_freq_factor = number_in(value, "rope_scaling.", "high_freq_factor", 0.0, huge, 4.0f);
  if (!(scaling.high_freq_factor > scaling.low_freq_factor))
    fail("rope_scaling.high_freq_factor",
         "expected more than low_freq_factor = " + number_text(scaling.low_freq_factor) + ", got " +
             number_text(scaling.high_freq_factor));
  scaling.original_max_position_embeddings = positive_integer(
      *value.find("original_max_position_embeddings"), "rope_scaling.original_max_position_embeddings", max_positions);
  return scaling;
}

}  // namespace

LlamaConfig parse_llama_config(std::string_view json_text, const LlamaConfigLimits& limits) {
  const json::Value config = config_fields::parse_object(json_text);

  LlamaConfig out;
  const json::Value* model_type = config.find("model_type");
  if (model_type == nullptr) fail("model_type", "missing (expected \"llama\", \"qwen2\" or \"mistral\")");
  if (!model_type->is_string() ||
      (model_type->string != "llama" && model_type->string != "qwen2" && model_type->string != "mistral"))
    fail("model_type", "expected \"llama\", \"qwen2\" or \"mistral\", got " + describe(*model_type));
  out.model_type = model_type->string;

  out.num_hidden_layers = required_integer(config, "num_hidden_layers", limits.max_layers);
  out.hidden_size = required_integer(config, "hidden_size", limits.max_hidden_size);
  out.intermediate_size = required_integer(config, "intermediate_size", limits.max_intermediate_size);
  out.num_attention_heads = required_integer(config, "num_attention_heads", limits.max_heads);
  out.vocab_size = required_integer(config, "vocab_size", limits.max_vocab_size);
  out.max_position_embeddings = required_integer(config, "max_position_embeddings", limits.max_positions);
  const json::Value* kv_heads = config.find("num_key_value_heads");
  out.num_key_value_heads = kv_heads && !kv_heads->is_null()
                                ? positive_integer(*kv_heads, "num_key_value_heads", limits.max_heads)
                                : out.num_attention_heads;
  if (out.hidden_size % out.num_attention_heads != 0)
    fail("hidden_size", "expected a multiple of num_attention_heads = " + std::to_string(out.num_attention_heads) +
                            ", got " + std::to_string(out.hidden_size));
  if (out.num_attention_heads % out.num_key_value_heads != 0)
    fail("num_key_value_heads",
         "expected a divisor of num_attention_heads = " + std::to_string(out.num_attention_heads) + ", got " +
             std::to_string(out.num_key_value_heads));
  out.head_dim = out.hidden_size / out.num_attention_heads;
  if (const json::Value* head_dim = config.find("head_dim"); head_dim && !head_dim->is_null()) {
    if (positive_integer(*head_dim, "head_dim", limits.max_hidden_size) != out.head_dim)
      fail("head_dim", "only hidden_size / num_attention_heads = " + std::to_string(out.head_dim) +
                           " is supported, got " + describe(*head_dim));
  }
  if (out.head_dim % 2 != 0)
    fail("hidden_size",
         "expected hidden_size / num_attention_heads to be even (rotary pairs), got " + std::to_string(out.head_dim));

  if (const json::Value* act = config.find("hidden_act"); act && !act->is_null())
    if (!act->is_string() || act->string != "silu")
      fail("hidden_act", "expected \"silu\" (the SwiGLU MLP this project implements), got " + describe(*act));
  out.rms_norm_eps = number_in(config, "", "rms_norm_eps", 0.0, 0.1, 1e-6f);
  out.tie_word_embeddings = boolean_or(config, "tie_word_embeddings", false);

  if (out.model_type == "qwen2") {
    out.qkv_bias = true;  // Qwen2's q/k/v projections always have biases, its o_proj never
    require_flag(config, "use_sliding_window", false, "sliding-window attention is not implemented");
  } else {
    const bool attention_bias = boolean_or(config, "attention_bias", false);
    out.qkv_bias = out.o_bias = attention_bias;
  }
  if (out.model_type == "mistral")
    if (const json::Value* window = config.find("sliding_window"); window && !window->is_null())
      fail("sliding_window", "expected null (sliding-window attention is not implemented), got " + describe(*window));
  require_flag(config, "mlp_bias", false, "the MLP projections have no biases here");
  if (const json::Value* partial = config.find("partial_rotary_factor"); partial && !partial->is_null())
    if (!partial->is_number() || partial->number != 1.0)
      fail("partial_rotary_factor", "only 1 is supported by this model family, got " + describe(*partial));

  out.rotary.dim = out.head_dim;
  out.rotary.base = number_in(config, "", "rope_theta", 1.0, 1e12, 10000.0f);
  out.rotary.interleaved = false;  // Hugging Face's rotate_half
  if (const json::Value* scaling = config.find("rope_scaling"))
    out.rotary.scaling = parse_rope_scaling(*scaling, limits.max_positions);
  out.eos_token_ids = config_fields::token_ids(config, "eos_token_id");
  return out;
}

}  // namespace mha
