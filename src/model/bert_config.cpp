#include "model/bert_config.hpp"

#include <cmath>

#include "model/config_fields.hpp"

namespace mha {
namespace {

using config_fields::fail;
using config_fields::parse_object;
using config_fields::require_flag;
using json::describe;

int32_t integer_in(const json::Value& value, const char* field, int32_t min, int32_t max) {
  if (!value.is_number() || !(value.number >= min && value.number <= max) || value.number != std::floor(value.number))
    fail(field,
         "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + describe(value));
  return static_cast<int32_t>(value.number);
}

int32_t required(const json::Value& config, const char* field, int32_t max) {
  const json::Value* value = config.find(field);
  if (value == nullptr) fail(field, "missing (expected a positive integer)");
  return integer_in(*value, field, 1, max);
}

EncoderActivation activation(const json::Value& config, const char* field) {
  const json::Value* value = config.find(field);
  if (value == nullptr) return EncoderActivation::gelu_erf;
  if (value->is_string() && value->string == "gelu") return EncoderActivation::gelu_erf;
  if (value->is_string() && (value->string == "gelu_new" || value->string == "gelu_pytorch_tanh"))
    return EncoderActivation::gelu_tanh;
  fail(field,
       "expected \"gelu\", \"gelu_new\" or \"gelu_pytorch_tanh\" (the activations this project implements), got " +
           describe(*value));
}

}  // namespace

std::string config_model_type(std::string_view json_text) {
  const json::Value config = parse_object(json_text);
  const json::Value* model_type = config.find("model_type");
  if (model_type == nullptr)
    fail("model_type", "missing (expected a string such as \"gpt2\", \"bert\" or \"distilbert\")");
  if (!model_type->is_string()) fail("model_type", "expected a string, got " + describe(*model_type));
  return model_type->string;
}

BertConfig parse_bert_config(std::string_view json_text, const BertConfigLimits& limits) {
  const json::Value config = parse_object(json_text);
  const json::Value* model_type = config.find("model_type");
  if (model_type == nullptr || !model_type->is_string() ||
      (model_type->string != "bert" && model_type->string != "distilbert"))
    fail("model_type",
         "expected \"bert\" or \"distilbert\", got " + (model_type ? describe(*model_type) : std::string("nothing")));
  BertConfig out;
  if (model_type->string == "bert") {
    out.architecture = EncoderArchitecture::bert;
    out.num_hidden_layers = required(config, "num_hidden_layers", limits.max_layers);
    out.num_attention_heads = required(config, "num_attention_heads", limits.max_heads);
    out.hidden_size = required(config, "hidden_size", limits.max_hidden_size);
    out.intermediate_size = required(config, "intermediate_size", limits.max_intermediate_size);
    out.max_position_embeddings = required(config, "max_position_embeddings", limits.max_positions);
    out.vocab_size = required(config, "vocab_size", limits.max_vocab_size);
    out.type_vocab_size = 2;
    if (const json::Value* types = config.find("type_vocab_size"))
      out.type_vocab_size = integer_in(*types, "type_vocab_size", 1, limits.max_type_vocab_size);
    out.layer_norm_eps = config_fields::optional_epsilon(config, "layer_norm_eps", out.layer_norm_eps);
    out.hidden_act = activation(config, "hidden_act");
    if (const json::Value* position = config.find("position_embedding_type");
        position != nullptr && !position->is_null() && !(position->is_string() && position->string == "absolute"))
      fail("position_embedding_type",
           "expected \"absolute\" (relative position embeddings are not supported), got " + describe(*position));
    require_flag(config, "is_decoder", false);  // an encoder, without cross-attention
    require_flag(config, "add_cross_attention", false);
  } else {
    out.architecture = EncoderArchitecture::distilbert;
    out.num_hidden_layers = required(config, "n_layers", limits.max_layers);
    out.num_attention_heads = required(config, "n_heads", limits.max_heads);
    out.hidden_size = required(config, "dim", limits.max_hidden_size);
    out.intermediate_size = required(config, "hidden_dim", limits.max_intermediate_size);
    out.max_position_embeddings = required(config, "max_position_embeddings", limits.max_positions);
    out.vocab_size = required(config, "vocab_size", limits.max_vocab_size);
    out.type_vocab_size = 0;
    out.layer_norm_eps = 1e-12f;  // fixed in DistilBERT's code
    out.hidden_act = activation(config, "activation");
  }
  if (out.hidden_size % out.num_attention_heads != 0)
    fail(out.architecture == EncoderArchitecture::bert ? "hidden_size" : "dim",
         "expected a multiple of the head count " + std::to_string(out.num_attention_heads) + ", got " +
             std::to_string(out.hidden_size));
  return out;
}

}  // namespace mha
