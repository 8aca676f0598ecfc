// Embind surface of the encoder runtime (BERT, DistilBERT) and the WordPiece tokenizer. Like
// embind_model.cpp, it only moves bytes and turns C++ exceptions into an error string ("" = success);
// bindings/js/encoder.js owns the user-facing checks. Arrays are returned as typed_memory_views into
// this object's buffers, which the wrapper copies at once (a view dies with the next call or heap growth).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "attention/mha.hpp"
#include "model/bert.hpp"
#include "model_handle.hpp"
#include "text/wordpiece.hpp"

namespace {

using namespace mha;
using emscripten::val;
using mha::bindings::bytes_at;
using mha::bindings::guarded;
using mha::bindings::text_or_error;
using mha::bindings::view_of;

// config.json's model_type, or "\x01" + the error.
std::string model_type_of(uintptr_t config, uint32_t size) {
  return text_or_error([&] { return config_model_type(bytes_at(config, size)); });
}

class WordPiece {
 public:
  // vocab.txt (+ tokenizer_config.json, size 0 = none)
  std::string load_vocab(uintptr_t vocab, uint32_t vocab_size, uintptr_t config, uint32_t config_size) {
    return guarded([&] {
      tokenizer_ = text::WordPieceTokenizer::from_vocab_txt(bytes_at(vocab, vocab_size), bytes_at(config, config_size));
    });
  }
  std::string load_json(uintptr_t json, uint32_t size) {
    return guarded([&] { tokenizer_ = text::WordPieceTokenizer::from_tokenizer_json(bytes_at(json, size)); });
  }
  std::string encode(const std::string& text, int32_t max_length) {
    return guarded([&] { encoding_ = require().encode(text, max_length); });
  }
  std::string encode_pair(const std::string& first, const std::string& second, int32_t max_length) {
    return guarded([&] { encoding_ = require().encode_pair(first, second, max_length); });
  }
  val ids() const { return view_of(encoding_.ids); }
  val type_ids() const { return view_of(encoding_.type_ids); }
  val special() const { return view_of(encoding_.special); }
  bool truncated() const { return encoding_.truncated; }
  int32_t untruncated_length() const { return encoding_.untruncated_length; }
  std::string token(int32_t id) {
    return text_or_error([&] { return require().token(id); });
  }
  int32_t token_id(const std::string& token) const {
    if (!tokenizer_) return -1;
    const std::optional<int32_t> id = tokenizer_->token_id(token);
    return id ? *id : -1;
  }
  int32_t vocab_size() const { return tokenizer_ ? tokenizer_->vocab_size() : 0; }
  int32_t mask_id() const { return tokenizer_ && tokenizer_->mask_id() ? *tokenizer_->mask_id() : -1; }

 private:
  const text::WordPieceTokenizer& require() const {
    if (!tokenizer_) throw ArgumentError("tokenizer: expected load() first");
    return *tokenizer_;
  }
  std::optional<text::WordPieceTokenizer> tokenizer_;
  text::WordPieceEncoding encoding_;
};

class Encoder : public bindings::ModelHandle<BertModel, BertConfig> {
 public:
  // weights: read(offset, size, address) over model.safetensors of weights_size bytes (ModelHandle::load_single)
  std::string load(uintptr_t config, uint32_t config_size, emscripten::val weights, double weights_size) {
    return load_single([](std::string_view json) { return parse_bert_config(json); }, config, config_size, weights,
                       weights_size);
  }
  std::string architecture() const { return config_.architecture == EncoderArchitecture::bert ? "bert" : "distilbert"; }
  int32_t n_layer() const { return config_.num_hidden_layers; }
  int32_t n_head() const { return config_.num_attention_heads; }
  int32_t hidden_size() const { return config_.hidden_size; }
  int32_t max_positions() const { return config_.max_position_embeddings; }
  int32_t vocab_size() const { return config_.vocab_size; }
  int32_t type_vocab_size() const { return config_.type_vocab_size; }
  bool has_mlm_head() const { return model_ && model_->has_mlm_head(); }
  bool has_pooler() const { return model_ && model_->has_pooler(); }

  // tokens, token_types: int32 [count] (types 0 = none); attention_mask, head_enabled: uint8 or 0.
  std::string run(uintptr_t tokens, int32_t count, uintptr_t token_types, uintptr_t attention_mask, bool attention,
                  bool logits, uintptr_t head_enabled) {
    return guarded([&] {
      BertModel::RunOptions options;
      options.attention = attention;
      options.logits = logits;
      options.token_type_ids = reinterpret_cast<const int32_t*>(token_types);
      options.attention_mask = reinterpret_cast<const uint8_t*>(attention_mask);
      options.head_enabled = reinterpret_cast<const uint8_t*>(head_enabled);
      require().run(reinterpret_cast<const int32_t*>(tokens), count, options, outputs_);
    });
  }
  val last_hidden_state() const { return view_of(outputs_.last_hidden_state); }  // [T, hidden]
  val pooled() const { return view_of(outputs_.pooled); }                        // [hidden] or empty
  val embedding() const { return view_of(outputs_.embedding); }                  // [hidden]
};

}  // namespace

EMSCRIPTEN_BINDINGS(mha_encoder) {
  using namespace emscripten;
  function("configModelType", &model_type_of);
  class_<WordPiece>("WordPiece")
      .constructor<>()
      .function("loadVocab", &WordPiece::load_vocab)
      .function("loadJson", &WordPiece::load_json)
      .function("encode", &WordPiece::encode)
      .function("encodePair", &WordPiece::encode_pair)
      .function("ids", &WordPiece::ids)
      .function("typeIds", &WordPiece::type_ids)
      .function("special", &WordPiece::special)
      .function("truncated", &WordPiece::truncated)
      .function("untruncatedLength", &WordPiece::untruncated_length)
      .function("token", &WordPiece::token)
      .function("tokenId", &WordPiece::token_id)
      .function("vocabSize", &WordPiece::vocab_size)
      .function("maskId", &WordPiece::mask_id);
  const auto& encoder = class_<Encoder>("Encoder")
                            .constructor<>()
                            .function("load", &Encoder::load)
                            .function("architecture", &Encoder::architecture)
                            .function("nLayer", &Encoder::n_layer)
                            .function("nHead", &Encoder::n_head)
                            .function("hiddenSize", &Encoder::hidden_size)
                            .function("maxPositions", &Encoder::max_positions)
                            .function("vocabSize", &Encoder::vocab_size)
                            .function("typeVocabSize", &Encoder::type_vocab_size)
                            .function("hasMlmHead", &Encoder::has_mlm_head)
                            .function("hasPooler", &Encoder::has_pooler)
                            .function("run", &Encoder::run)
                            .function("lastHiddenState", &Encoder::last_hidden_state)
                            .function("pooled", &Encoder::pooled)
                            .function("embedding", &Encoder::embedding);
  bindings::bind_outputs(encoder);
  bindings::bind_explain(encoder);
}
