// Embind surface of the transformer runtime and the BPE tokenizer. Like embind_attention.cpp, it only
// moves bytes and turns C++ exceptions into an error string ("" = success); bindings/js/model.js owns
// the user-facing checks. Arrays are returned as typed_memory_views into this object's buffers, which
// the wrapper copies at once (a view dies with the next call or with heap growth).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "errors.hpp"
#include "guarded.hpp"
#include "io/safetensors.hpp"
#include "model/gpt2.hpp"
#include "text/bpe.hpp"

namespace {

using namespace mha;
using emscripten::typed_memory_view;
using emscripten::val;
using mha::bindings::guarded;

std::string_view bytes_at(uintptr_t address, uint32_t size) { return {reinterpret_cast<const char*>(address), size}; }

// The Embind object behind the wrapper's Tokenizer.
class TokenizerHandle {
 public:
  std::string load(uintptr_t vocab, uint32_t vocab_size, uintptr_t merges, uint32_t merges_size) {
    return guarded([&] {
      tokenizer_ = text::BpeTokenizer::from_files(bytes_at(vocab, vocab_size), bytes_at(merges, merges_size));
    });
  }
  std::string encode(const std::string& text) {
    return guarded([&] { ids_ = require().encode(text); });
  }
  val ids() const { return val(typed_memory_view(ids_.size(), ids_.data())); }
  std::string decode(uintptr_t ids, uint32_t count) {
    return guarded([&] {
      const int32_t* begin = reinterpret_cast<const int32_t*>(ids);
      text_ = require().decode(std::vector<int32_t>(begin, begin + count));
    });
  }
  // The bytes of the last decode() (not necessarily valid UTF-8: the wrapper decodes with replacement).
  val text() const { return val(typed_memory_view(text_.size(), reinterpret_cast<const uint8_t*>(text_.data()))); }
  std::string display(int32_t id) {
    std::string out;
    const std::string error = guarded([&] { out = require().token_display(id); });
    return error.empty() ? out : "\x01" + error;  // "\x01" marks an error (never part of a display form)
  }
  int32_t vocab_size() const { return tokenizer_ ? tokenizer_->vocab_size() : 0; }
  int32_t token_id(const std::string& key) const {
    if (!tokenizer_) return -1;
    const std::optional<int32_t> id = tokenizer_->token_id(key);
    return id ? *id : -1;
  }

 private:
  const text::BpeTokenizer& require() const {
    if (!tokenizer_) throw ArgumentError("tokenizer: expected load() first");
    return *tokenizer_;
  }
  std::optional<text::BpeTokenizer> tokenizer_;
  std::vector<int32_t> ids_;
  std::string text_;
};

// The Embind object behind the wrapper's GptModel.
class GptModelHandle {
 public:
  std::string load(uintptr_t config, uint32_t config_size, uintptr_t weights, uint32_t weights_size) {
    return guarded([&] {
      model_.reset();  // free the previous model before building the next one
      config_ = parse_gpt2_config(bytes_at(config, config_size));
      const SafetensorsFile file = SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(weights), weights_size);
      model_ = Gpt2Model::load(config_, safetensors_lookup(file));
    });
  }
  int32_t n_layer() const { return config_.n_layer; }
  int32_t n_head() const { return config_.n_head; }
  int32_t n_embd() const { return config_.n_embd; }
  int32_t n_positions() const { return config_.n_positions; }
  int32_t vocab_size() const { return config_.vocab_size; }
  double layer_norm_epsilon() const { return config_.layer_norm_epsilon; }

  // tokens: int32 [count]; head_enabled: uint8 [n_layer * n_head] or 0.
  std::string run(uintptr_t tokens, int32_t count, bool attention, bool all_logits, uintptr_t head_enabled) {
    return guarded([&] {
      Gpt2Model::RunOptions options;
      options.attention = attention;
      options.all_logits = all_logits;
      options.head_enabled = reinterpret_cast<const uint8_t*>(head_enabled);
      require().run(reinterpret_cast<const int32_t*>(tokens), count, options, outputs_);
    });
  }
  val logits() const { return val(typed_memory_view(outputs_.logits.size(), outputs_.logits.data())); }
  val attention() const { return val(typed_memory_view(outputs_.attention.size(), outputs_.attention.data())); }

  std::string explain(int32_t layer) {
    return guarded([&] { require().layer_qkv(layer, q_, k_, v_); });
  }
  val q() const { return val(typed_memory_view(q_.size(), q_.data())); }
  val k() const { return val(typed_memory_view(k_.size(), k_.data())); }
  val v() const { return val(typed_memory_view(v_.size(), v_.data())); }

 private:
  Gpt2Model& require() {
    if (!model_) throw ArgumentError("model: expected load() first");
    return *model_;
  }
  Gpt2Config config_;
  std::optional<Gpt2Model> model_;
  Gpt2Model::RunOutputs outputs_;
  std::vector<float> q_, k_, v_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(mha_model) {
  using namespace emscripten;
  class_<TokenizerHandle>("Tokenizer")
      .constructor<>()
      .function("load", &TokenizerHandle::load)
      .function("encode", &TokenizerHandle::encode)
      .function("ids", &TokenizerHandle::ids)
      .function("decode", &TokenizerHandle::decode)
      .function("text", &TokenizerHandle::text)
      .function("display", &TokenizerHandle::display)
      .function("vocabSize", &TokenizerHandle::vocab_size)
      .function("tokenId", &TokenizerHandle::token_id);
  class_<GptModelHandle>("GptModel")
      .constructor<>()
      .function("load", &GptModelHandle::load)
      .function("nLayer", &GptModelHandle::n_layer)
      .function("nHead", &GptModelHandle::n_head)
      .function("nEmbd", &GptModelHandle::n_embd)
      .function("nPositions", &GptModelHandle::n_positions)
      .function("vocabSize", &GptModelHandle::vocab_size)
      .function("layerNormEpsilon", &GptModelHandle::layer_norm_epsilon)
      .function("run", &GptModelHandle::run)
      .function("logits", &GptModelHandle::logits)
      .function("attention", &GptModelHandle::attention)
      .function("explain", &GptModelHandle::explain)
      .function("q", &GptModelHandle::q)
      .function("k", &GptModelHandle::k)
      .function("v", &GptModelHandle::v);
}
