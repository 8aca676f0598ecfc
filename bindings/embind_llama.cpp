// Embind surface of the Llama-family runtime (src/model/llama.hpp). Like embind_model.cpp it only moves bytes
// and turns C++ exceptions into an error string ("" = success); bindings/js/llama.js owns the user-facing
// checks. Loading takes several calls inside one withHeap() of the wrapper, while every file is on the heap:
// addShard() for each safetensors file, then load() with config.json and, for a sharded checkpoint, the index.
// HfTokenizer reads tokenizer.json (byte-level BPE, src/text/hf_tokenizer.hpp).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "errors.hpp"
#include "guarded.hpp"
#include "io/safetensors.hpp"
#include "io/safetensors_index.hpp"
#include "model/llama.hpp"
#include "text/hf_tokenizer.hpp"

namespace {

using namespace mha;
using emscripten::typed_memory_view;
using emscripten::val;
using mha::bindings::guarded;

struct ByteRange {
  uintptr_t address = 0;
  uint32_t size = 0;
};

std::string_view bytes_at(uintptr_t address, uint32_t size) { return {reinterpret_cast<const char*>(address), size}; }

// The Embind object behind the wrapper's HfTokenizer (tokenizer.json).
class HfTokenizerHandle {
 public:
  std::string load(uintptr_t json, uint32_t size) {
    return guarded([&] { tokenizer_ = text::HfTokenizer::from_json(bytes_at(json, size)); });
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
  const text::HfTokenizer& require() const {
    if (!tokenizer_) throw ArgumentError("tokenizer: expected load() first");
    return *tokenizer_;
  }
  std::optional<text::HfTokenizer> tokenizer_;
  std::vector<int32_t> ids_;
  std::string text_;
};

// The Embind object behind the wrapper's LlamaModel.
class LlamaModelHandle {
 public:
  // Remembers where one safetensors file lies (the wrapper keeps it on the heap until load() returns).
  void add_shard(const std::string& name, uintptr_t address, uint32_t size) { pending_[name] = {address, size}; }

  // index_size 0: one file, the shard added as "model.safetensors".
  std::string load(uintptr_t config, uint32_t config_size, uintptr_t index, uint32_t index_size) {
    const std::string error = guarded([&] {
      model_.reset();  // free the previous model before building the next one
      config_ = parse_llama_config(std::string_view(reinterpret_cast<const char*>(config), config_size));
      std::map<std::string, SafetensorsFile> files;
      for (const auto& [name, range] : pending_)
        files.emplace(name, SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(range.address), range.size));
      if (index_size == 0) {
        const auto single = files.find("model.safetensors");
        if (single == files.end()) throw FormatError("model.safetensors: expected the weights file, got none");
        model_ = LlamaModel::load(config_, safetensors_lookup(single->second));
      } else {
        const SafetensorsIndex parsed =
            parse_safetensors_index(std::string_view(reinterpret_cast<const char*>(index), index_size));
        std::map<std::string, const SafetensorsFile*> shards;
        for (const auto& [name, file] : files) shards[name] = &file;
        model_ = LlamaModel::load(config_, sharded_safetensors_lookup(parsed, shards));
      }
    });
    pending_.clear();
    return error;
  }

  std::string model_type() const { return config_.model_type; }
  int32_t num_layers() const { return config_.num_hidden_layers; }
  int32_t num_heads() const { return config_.num_attention_heads; }
  int32_t num_kv_heads() const { return config_.num_key_value_heads; }
  int32_t hidden_size() const { return config_.hidden_size; }
  int32_t intermediate_size() const { return config_.intermediate_size; }
  int32_t head_dim() const { return config_.head_dim; }
  int32_t vocab_size() const { return config_.vocab_size; }
  int32_t max_positions() const { return config_.max_position_embeddings; }
  double rope_theta() const { return config_.rotary.base; }
  bool tie_word_embeddings() const { return config_.tie_word_embeddings; }

  // tokens: int32 [count]; head_enabled: uint8 [layers * heads] or 0.
  std::string run(uintptr_t tokens, int32_t count, bool attention, bool all_logits, bool hidden_states,
                  uintptr_t head_enabled) {
    return guarded([&] {
      LlamaModel::RunOptions options;
      options.attention = attention;
      options.all_logits = all_logits;
      options.hidden_states = hidden_states;
      options.head_enabled = reinterpret_cast<const uint8_t*>(head_enabled);
      require().run(reinterpret_cast<const int32_t*>(tokens), count, options, outputs_);
    });
  }
  val logits() const { return val(typed_memory_view(outputs_.logits.size(), outputs_.logits.data())); }
  val attention() const { return val(typed_memory_view(outputs_.attention.size(), outputs_.attention.data())); }
  val hidden_states() const {
    return val(typed_memory_view(outputs_.hidden_states.size(), outputs_.hidden_states.data()));
  }

  std::string generate(uintptr_t tokens, int32_t count, int32_t new_tokens) {
    return guarded(
        [&] { generated_ = require().generate_greedy(reinterpret_cast<const int32_t*>(tokens), count, new_tokens); });
  }
  val generated() const { return val(typed_memory_view(generated_.size(), generated_.data())); }

 private:
  LlamaModel& require() {
    if (!model_) throw ArgumentError("model: expected load() first");
    return *model_;
  }
  std::map<std::string, ByteRange> pending_;
  LlamaConfig config_;
  std::optional<LlamaModel> model_;
  LlamaModel::RunOutputs outputs_;
  std::vector<int32_t> generated_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(mha_llama) {
  using namespace emscripten;
  class_<HfTokenizerHandle>("HfTokenizer")
      .constructor<>()
      .function("load", &HfTokenizerHandle::load)
      .function("encode", &HfTokenizerHandle::encode)
      .function("ids", &HfTokenizerHandle::ids)
      .function("decode", &HfTokenizerHandle::decode)
      .function("text", &HfTokenizerHandle::text)
      .function("display", &HfTokenizerHandle::display)
      .function("vocabSize", &HfTokenizerHandle::vocab_size)
      .function("tokenId", &HfTokenizerHandle::token_id);
  class_<LlamaModelHandle>("LlamaModel")
      .constructor<>()
      .function("addShard", &LlamaModelHandle::add_shard)
      .function("load", &LlamaModelHandle::load)
      .function("modelType", &LlamaModelHandle::model_type)
      .function("numLayers", &LlamaModelHandle::num_layers)
      .function("numHeads", &LlamaModelHandle::num_heads)
      .function("numKvHeads", &LlamaModelHandle::num_kv_heads)
      .function("hiddenSize", &LlamaModelHandle::hidden_size)
      .function("intermediateSize", &LlamaModelHandle::intermediate_size)
      .function("headDim", &LlamaModelHandle::head_dim)
      .function("vocabSize", &LlamaModelHandle::vocab_size)
      .function("maxPositions", &LlamaModelHandle::max_positions)
      .function("ropeTheta", &LlamaModelHandle::rope_theta)
      .function("tieWordEmbeddings", &LlamaModelHandle::tie_word_embeddings)
      .function("run", &LlamaModelHandle::run)
      .function("logits", &LlamaModelHandle::logits)
      .function("attention", &LlamaModelHandle::attention)
      .function("hiddenStates", &LlamaModelHandle::hidden_states)
      .function("generate", &LlamaModelHandle::generate)
      .function("generated", &LlamaModelHandle::generated);
}
