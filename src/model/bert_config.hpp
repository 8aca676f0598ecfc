// The model shape of a Hugging Face BERT or DistilBERT checkpoint, read from its config.json
// (BertConfig / DistilBertConfig), and the model_type that a loader dispatches on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "errors.hpp"

namespace mha {

enum class EncoderArchitecture : uint8_t {
  bert,        // BertModel names: [bert.]embeddings.*, [bert.]encoder.layer.N.*, cls.predictions.*
  distilbert,  // DistilBertModel names: [distilbert.]embeddings.*, [distilbert.]transformer.layer.N.*, vocab_*
};

enum class EncoderActivation : uint8_t {
  gelu_erf,   // "gelu": 0.5 x (1 + erf(x / sqrt 2))
  gelu_tanh,  // "gelu_new", "gelu_pytorch_tanh"
};

struct BertConfig {
  EncoderArchitecture architecture = EncoderArchitecture::bert;
  int32_t num_hidden_layers = 0;        // L   (DistilBERT: n_layers)
  int32_t num_attention_heads = 0;      // H   (n_heads), divides hidden_size
  int32_t hidden_size = 0;              // E   (dim)
  int32_t intermediate_size = 0;        // I, the feed-forward width (hidden_dim)
  int32_t max_position_embeddings = 0;  // longest input (learned absolute positions)
  int32_t vocab_size = 0;
  int32_t type_vocab_size = 0;  // token types (segments); 0 for DistilBERT, which has none
  float layer_norm_eps = 1e-12f;
  EncoderActivation hidden_act = EncoderActivation::gelu_erf;
};

// Upper bounds accepted by parse_bert_config (same spirit as Gpt2ConfigLimits).
struct BertConfigLimits {
  int32_t max_layers = 256;
  int32_t max_heads = 1024;
  int32_t max_hidden_size = 16384;
  int32_t max_intermediate_size = 65536;
  int32_t max_positions = 65536;
  int32_t max_vocab_size = 1000000;
  int32_t max_type_vocab_size = 1024;
};

// Parses config.json of model_type "bert" or "distilbert".
// BERT, required: num_hidden_layers, num_attention_heads, hidden_size, intermediate_size,
//   max_position_embeddings, vocab_size; optional: type_vocab_size (2), layer_norm_eps (1e-12),
//   hidden_act ("gelu", "gelu_new" or "gelu_pytorch_tanh"), position_embedding_type (only "absolute").
// DistilBERT, required: n_layers, n_heads, dim, hidden_dim, max_position_embeddings, vocab_size;
//   optional: activation ("gelu"; "relu" is refused). LayerNorm epsilon is DistilBERT's fixed 1e-12.
// Refused with a message naming the field: is_decoder or add_cross_attention true, another model_type.
// Throws FormatError("config.json: <field>: expected ..., got ...").
BertConfig parse_bert_config(std::string_view json_text, const BertConfigLimits& limits = {});

// The "model_type" of a config.json ("gpt2", "bert", "distilbert", ...), for loaders that dispatch on it.
// Throws FormatError when the text is not a JSON object or model_type is missing or not a string.
std::string config_model_type(std::string_view json_text);

}  // namespace mha
