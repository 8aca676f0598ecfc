// Embind surface of the transformer runtime and the BPE tokenizer. Like embind_attention.cpp, it only
// moves bytes and turns C++ exceptions into an error string ("" = success); bindings/js/model.js owns
// the user-facing checks. Arrays are returned as typed_memory_views into this object's buffers, which
// the wrapper copies at once (a view dies with the next call or with heap growth).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "model/gpt2.hpp"
#include "model_handle.hpp"
#include "text/bpe.hpp"
#include "tokenizer_handle.hpp"

namespace {

using namespace mha;
using mha::bindings::guarded;

// The Embind object behind the wrapper's Tokenizer (GPT-2 vocab.json + merges.txt).
using TokenizerHandle = bindings::ByteBpeHandle<text::BpeTokenizer>;

// The Embind object behind the wrapper's GptModel.
class GptModelHandle : public bindings::ModelHandle<Gpt2Model, Gpt2Config> {
 public:
  // weights: read(offset, size, address) over model.safetensors of weights_size bytes (ModelHandle::load_single)
  std::string load(uintptr_t config, uint32_t config_size, emscripten::val weights, double weights_size) {
    return load_single([](std::string_view json) { return parse_gpt2_config(json); }, config, config_size, weights,
                       weights_size);
  }
  int32_t n_layer() const { return config_.n_layer; }
  int32_t n_head() const { return config_.n_head; }
  int32_t n_embd() const { return config_.n_embd; }
  int32_t n_positions() const { return config_.n_positions; }
  int32_t vocab_size() const { return config_.vocab_size; }
  double layer_norm_epsilon() const { return config_.layer_norm_epsilon; }

  // tokens: int32 [count]; head_enabled: uint8 [n_layer * n_head] or 0; cached: run_cached() (the tokens
  // follow the cached ones; outputs for the new tokens only), else run() of the whole sequence.
  std::string run(uintptr_t tokens, int32_t count, bool attention, bool all_logits, uintptr_t head_enabled,
                  bool cached) {
    return guarded([&] {
      Gpt2Model::RunOptions options;
      options.attention = attention;
      options.all_logits = all_logits;
      options.head_enabled = reinterpret_cast<const uint8_t*>(head_enabled);
      const int32_t* ids = reinterpret_cast<const int32_t*>(tokens);
      if (cached)
        require().run_cached(ids, count, options, outputs_);
      else
        require().run(ids, count, options, outputs_);
    });
  }
};

}  // namespace

EMSCRIPTEN_BINDINGS(mha_model) {
  using namespace emscripten;
  bindings::bind_byte_bpe(
      class_<TokenizerHandle>("Tokenizer").constructor<>().function("load", &TokenizerHandle::load_files));
  const auto& model = class_<GptModelHandle>("GptModel")
                          .constructor<>()
                          .function("load", &GptModelHandle::load)
                          .function("nLayer", &GptModelHandle::n_layer)
                          .function("nHead", &GptModelHandle::n_head)
                          .function("nEmbd", &GptModelHandle::n_embd)
                          .function("nPositions", &GptModelHandle::n_positions)
                          .function("vocabSize", &GptModelHandle::vocab_size)
                          .function("layerNormEpsilon", &GptModelHandle::layer_norm_epsilon)
                          .function("run", &GptModelHandle::run);
  bindings::bind_outputs(model);
  bindings::bind_explain(model);
  bindings::bind_cache(model);
}
