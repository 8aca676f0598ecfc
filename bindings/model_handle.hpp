// What the Embind model handles (GptModel, Encoder, LlamaModel) share: the parsed config and the model
// (empty until load()), the outputs of the last run(), the q/k/v of the last explain(), and the views
// the wrapper copies at once. Each handle derives from ModelHandle<Model, Config> and adds its config
// getters and its run(), whose options differ per architecture.
#pragma once

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "guarded.hpp"
#include "io/safetensors.hpp"
#include "model/weights.hpp"

namespace mha::bindings {

// A file the wrapper copied onto the wasm heap (it stays there for the whole call).
inline std::string_view bytes_at(uintptr_t address, uint32_t size) {
  return {reinterpret_cast<const char*>(address), size};
}

// A file that stays in JavaScript, read a piece at a time: read(offset, size, address) copies its bytes
// [offset, offset + size) to that heap address (bindings/js/runtime.js heapReader).
inline SafetensorsStream::ByteReader js_reader(emscripten::val read) {
  return [read](uint64_t offset, size_t size, uint8_t* out) {
    read(double(offset), double(size), double(reinterpret_cast<uintptr_t>(out)));
  };
}

// A typed_memory_view of a buffer the handle owns: valid until the next call or heap growth, so the
// wrapper copies it at once.
template <typename T>
emscripten::val view_of(const std::vector<T>& values) {
  return emscripten::val(emscripten::typed_memory_view(values.size(), values.data()));
}

// For bound functions that return a string: the body's result, or "\x01" + the error of guarded()
// ("\x01" is never part of a token or a model_type, so the wrapper can tell them apart).
template <typename Body>
std::string text_or_error(Body&& body) {
  std::string out;
  const std::string error = guarded([&] { out = body(); });
  return error.empty() ? out : "\x01" + error;
}

template <typename Model, typename Config>
class ModelHandle {
 public:
  using Outputs = typename Model::RunOutputs;

  emscripten::val logits() const { return view_of(outputs_.logits); }        // see Model::RunOutputs
  emscripten::val attention() const { return view_of(outputs_.attention); }  // [L, H, T, T]

  // q, k, v [H, T, d_k] of one layer for the tokens of the last run() (q unscaled), for models with layer_qkv.
  std::string explain(int32_t layer) {
    return guarded([&] { require().layer_qkv(layer, q_, k_, v_); });
  }
  // The KV cache of a decoder (Gpt2Model, LlamaModel): run(..., cached = true) appends to it.
  std::string truncate_cache(int32_t length) {
    return guarded([&] { require().truncate_cache(length); });
  }
  int32_t cached_length() { return model_ ? model_->cached_length() : 0; }
  // config.json's eos_token_id as a JS array of ids (empty when absent), for decoders.
  emscripten::val eos_token_ids() const {
    emscripten::val ids = emscripten::val::array();
    for (int32_t id : config_.eos_token_ids) ids.call<void>("push", id);
    return ids;
  }
  // Bytes the model holds in the wasm heap (Model::memory_bytes: weights, caches, work buffers); 0 before load().
  double memory_bytes() const { return model_ ? double(model_->memory_bytes()) : 0.0; }
  double weight_bytes() const { return model_ ? double(model_->weight_bytes()) : 0.0; }

  emscripten::val q() const { return view_of(q_); }
  emscripten::val k() const { return view_of(k_); }
  emscripten::val v() const { return view_of(v_); }

 protected:
  // config.json through parse_config (string_view -> Config), then the model from one safetensors file of
  // `size` bytes that stays in JavaScript, read a tensor at a time through `read` (js_reader): the heap never
  // holds the whole file beside the weights.
  template <typename ParseConfig>
  std::string load_single(ParseConfig parse_config, uintptr_t config, uint32_t config_size, emscripten::val read,
                          double size) {
    return guarded([&] {
      model_.reset();  // free the previous model before building the next one
      config_ = parse_config(bytes_at(config, config_size));
      const SafetensorsStream file = SafetensorsStream::open(js_reader(read), uint64_t(size));
      model_ = Model::load(config_, file.lookup());
    });
  }
  Model& require() {
    if (!model_) throw ArgumentError("model: expected load() first");
    return *model_;
  }

  Config config_;
  std::optional<Model> model_;
  Outputs outputs_;
  std::vector<float> q_, k_, v_;
};

// Embind binds member pointers of the registered class; an inherited method's pointer names the base, so
// these convert it to Handle's (a standard conversion) before binding, under the names the wrapper uses.
template <typename Handle>
void bind_outputs(const emscripten::class_<Handle>& bound) {
  using View = emscripten::val (Handle::*)() const;
  using Bytes = double (Handle::*)() const;
  bound.function("logits", static_cast<View>(&Handle::logits))
      .function("attention", static_cast<View>(&Handle::attention))
      .function("memoryBytes", static_cast<Bytes>(&Handle::memory_bytes))
      .function("weightBytes", static_cast<Bytes>(&Handle::weight_bytes));
}
template <typename Handle>
void bind_explain(const emscripten::class_<Handle>& bound) {
  using View = emscripten::val (Handle::*)() const;
  bound.function("explain", static_cast<std::string (Handle::*)(int32_t)>(&Handle::explain))
      .function("q", static_cast<View>(&Handle::q))
      .function("k", static_cast<View>(&Handle::k))
      .function("v", static_cast<View>(&Handle::v));
}

template <typename Handle>
void bind_cache(const emscripten::class_<Handle>& bound) {
  bound.function("truncateCache", static_cast<std::string (Handle::*)(int32_t)>(&Handle::truncate_cache))
      .function("cachedLength", static_cast<int32_t (Handle::*)()>(&Handle::cached_length))
      .function("eosTokenIds", static_cast<emscripten::val (Handle::*)() const>(&Handle::eos_token_ids));
}

}  // namespace mha::bindings
