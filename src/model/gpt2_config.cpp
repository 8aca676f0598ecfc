#include "model/gpt2_config.hpp"

#include <cmath>

#include "io/json.hpp"
#include "io/message_text.hpp"

namespace mha {
namespace {

using io_detail::number_text;
using io_detail::quoted;

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw FormatError("config.json: " + field + ": " + what);
}

std::string describe(const json::Value& value) {
  switch (value.type) {
    case json::Value::Type::number:
      return number_text(value.number);
    case json::Value::Type::string:
      return "the string " + quoted(value.string, 32);
    case json::Value::Type::boolean:
      return value.boolean ? "true" : "false";
    default:
      return std::string("a value of type ") + json::type_name(value.type);
  }
}

int32_t positive_integer(const json::Value& value, const char* field, int32_t max) {
  // The range test comes first: it also keeps the cast below defined (and rejects NaN, which JSON
  // cannot express anyway).
  if (!value.is_number() || !(value.number >= 1 && value.number <= 2147483647.0) ||
      value.number != std::floor(value.number))
    fail(field, "expected a positive integer, got " + describe(value));
  if (value.number > max) fail(field, "expected at most " + std::to_string(max) + ", got " + describe(value));
  return static_cast<int32_t>(value.number);
}

int32_t required_integer(const json::Value& config, const char* field, int32_t max) {
  const json::Value* value = config.find(field);
  if (value == nullptr) fail(field, "missing (expected a positive integer)");
  return positive_integer(*value, field, max);
}

// An optional boolean that must keep the value this project implements.
void require_flag(const json::Value& config, const char* field, bool supported) {
  const json::Value* value = config.find(field);
  if (value == nullptr || value->is_null()) return;
  if (value->type != json::Value::Type::boolean) fail(field, "expected a boolean, got " + describe(*value));
  if (value->boolean != supported)
    fail(field, std::string("only ") + (supported ? "true" : "false") + " is supported, got " + describe(*value));
}

}  // namespace

Gpt2Config parse_gpt2_config(std::string_view json_text, const Gpt2ConfigLimits& limits) {
  json::Value config;
  try {
    config = json::parse(json_text);
  } catch (const FormatError& error) {
    throw FormatError(std::string("config.json: not valid JSON: ") + error.what());
  }
  if (!config.is_object()) fail("top level", std::string("expected an object, got ") + json::type_name(config.type));

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

  if (const json::Value* epsilon = config.find("layer_norm_epsilon")) {
    // Positive, finite as a float, and small: it is added to a variance.
    if (!epsilon->is_number() || !(epsilon->number > 0 && epsilon->number <= 0.1) ||
        static_cast<float>(epsilon->number) == 0.0f)
      fail("layer_norm_epsilon", "expected a positive number of at most 0.1, got " + describe(*epsilon));
    out.layer_norm_epsilon = static_cast<float>(epsilon->number);
  }

  if (const json::Value* activation = config.find("activation_function")) {
    if (!activation->is_string() || (activation->string != "gelu_new" && activation->string != "gelu_pytorch_tanh"))
      fail("activation_function",
           "expected \"gelu_new\" or \"gelu_pytorch_tanh\" (the tanh GELU this project implements), got " +
               describe(*activation));
    out.activation_function = activation->string;
  }

  require_flag(config, "scale_attn_weights", true);
  require_flag(config, "scale_attn_by_inverse_layer_idx", false);
  require_flag(config, "add_cross_attention", false);
  return out;
}

}  // namespace mha
