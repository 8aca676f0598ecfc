// Embind surface of the Llama-family runtime (src/model/llama.hpp). Like embind_model.cpp it only moves bytes
// and turns C++ exceptions into an error string ("" = success); bindings/js/llama.js owns the user-facing
// checks. Loading takes several calls inside one withHeap() of the wrapper: addShard() for each safetensors file
// (a reader: the file stays in JS and is read a tensor at a time), then load() with config.json and, for a
// sharded checkpoint, the index.
// HfTokenizer reads tokenizer.json (byte-level BPE, src/text/hf_tokenizer.hpp).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <map>
#include <string>

#include "errors.hpp"
#include "io/safetensors_index.hpp"
#include "model/llama.hpp"
#include "model_handle.hpp"
#include "text/hf_tokenizer.hpp"
#include "tokenizer_handle.hpp"

namespace {

using namespace mha;
using emscripten::val;
using mha::bindings::bytes_at;
using mha::bindings::guarded;
using mha::bindings::view_of;

struct PendingShard {
  val read = val::undefined();  // read(offset, size, address), see bindings::js_reader
  double size = 0;
};

// The Embind object behind the wrapper's HfTokenizer (tokenizer.json).
using HfTokenizerHandle = bindings::ByteBpeHandle<text::HfTokenizer>;

// The Embind object behind the wrapper's LlamaModel. Its load() takes shards, so it does not use load_single().
class LlamaModelHandle : public bindings::ModelHandle<LlamaModel, LlamaConfig> {
 public:
  // Remembers one safetensors file of `size` bytes that stays in JavaScript, read a tensor at a time through
  // `read` during load() (the wrapper keeps it until load() returns).
  void add_shard(const std::string& name, val read, double size) { pending_[name] = {read, size}; }

  // index_size 0: one file, the shard added as "model.safetensors".
  std::string load(uintptr_t config, uint32_t config_size, uintptr_t index, uint32_t index_size) {
    const std::string error = guarded([&] {
      model_.reset();  // free the previous model before building the next one
      config_ = parse_llama_config(bytes_at(config, config_size));
      std::map<std::string, SafetensorsStream> files;
      for (const auto& [name, shard] : pending_)
        files.emplace(name, SafetensorsStream::open(bindings::js_reader(shard.read), uint64_t(shard.size)));
      if (index_size == 0) {
        const auto single = files.find("model.safetensors");
        if (single == files.end()) throw FormatError("model.safetensors: expected the weights file, got none");
        model_ = LlamaModel::load(config_, single->second.lookup());
      } else {
        const SafetensorsIndex parsed = parse_safetensors_index(bytes_at(index, index_size));
        std::map<std::string, TensorLookup> shards;
        for (const auto& [name, file] : files) shards[name] = file.lookup();
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

  // tokens: int32 [count]; head_enabled: uint8 [layers * heads] or 0; cached: run_cached() (the tokens follow
  // the cached ones; outputs for the new tokens only), else run() of the whole sequence.
  std::string run(uintptr_t tokens, int32_t count, bool attention, bool all_logits, bool hidden_states,
                  uintptr_t head_enabled, bool cached) {
    return guarded([&] {
      LlamaModel::RunOptions options;
      options.attention = attention;
      options.all_logits = all_logits;
      options.hidden_states = hidden_states;
      options.head_enabled = reinterpret_cast<const uint8_t*>(head_enabled);
      const int32_t* ids = reinterpret_cast<const int32_t*>(tokens);
      if (cached)
        require().run_cached(ids, count, options, outputs_);
      else
        require().run(ids, count, options, outputs_);
    });
  }
  val hidden_states() const { return view_of(outputs_.hidden_states); }  // [L + 1, T, hidden]

 private:
  std::map<std::string, PendingShard> pending_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(mha_llama) {
  using namespace emscripten;
  bindings::bind_byte_bpe(
      class_<HfTokenizerHandle>("HfTokenizer").constructor<>().function("load", &HfTokenizerHandle::load_json));
  const auto& model = class_<LlamaModelHandle>("LlamaModel")
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
                          .function("hiddenStates", &LlamaModelHandle::hidden_states);
  bindings::bind_outputs(model);
  bindings::bind_cache(model);
}
