// The Embind object behind the wrapper's byte-level BPE tokenizers: Tokenizer (GPT-2 vocab.json +
// merges.txt, text::BpeTokenizer) and HfTokenizer (tokenizer.json, text::HfTokenizer). Both share
// encode / decode / display / token_id; only the loading differs, so each binds its own load_*.
#pragma once

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model_handle.hpp"

namespace mha::bindings {

template <typename Tokenizer>
class ByteBpeHandle {
 public:
  // GPT-2 files: vocab.json, merges.txt.
  std::string load_files(uintptr_t vocab, uint32_t vocab_size, uintptr_t merges, uint32_t merges_size) {
    return guarded(
        [&] { tokenizer_ = Tokenizer::from_files(bytes_at(vocab, vocab_size), bytes_at(merges, merges_size)); });
  }
  // tokenizer.json.
  std::string load_json(uintptr_t json, uint32_t size) {
    return guarded([&] { tokenizer_ = Tokenizer::from_json(bytes_at(json, size)); });
  }
  std::string encode(const std::string& text) {
    return guarded([&] { ids_ = require().encode(text); });
  }
  emscripten::val ids() const { return view_of(ids_); }  // int32 [count] of the last encode()
  std::string decode(uintptr_t ids, uint32_t count) {
    return guarded([&] {
      const int32_t* begin = reinterpret_cast<const int32_t*>(ids);
      text_ = require().decode(std::vector<int32_t>(begin, begin + count));
    });
  }
  // The bytes of the last decode() (not necessarily valid UTF-8: the wrapper decodes with replacement).
  emscripten::val text() const {
    return emscripten::val(emscripten::typed_memory_view(text_.size(), reinterpret_cast<const uint8_t*>(text_.data())));
  }
  std::string display(int32_t id) {
    return text_or_error([&] { return require().token_display(id); });
  }
  int32_t vocab_size() const { return tokenizer_ ? tokenizer_->vocab_size() : 0; }
  int32_t token_id(const std::string& key) const {
    if (!tokenizer_) return -1;
    const std::optional<int32_t> id = tokenizer_->token_id(key);
    return id ? *id : -1;
  }

 private:
  const Tokenizer& require() const {
    if (!tokenizer_) throw ArgumentError("tokenizer: expected load() first");
    return *tokenizer_;
  }
  std::optional<Tokenizer> tokenizer_;
  std::vector<int32_t> ids_;
  std::string text_;
};

// Everything but load (bound by the caller to load_files or load_json).
template <typename Tokenizer>
void bind_byte_bpe(const emscripten::class_<ByteBpeHandle<Tokenizer>>& bound) {
  using Handle = ByteBpeHandle<Tokenizer>;
  bound.function("encode", &Handle::encode)
      .function("ids", &Handle::ids)
      .function("decode", &Handle::decode)
      .function("text", &Handle::text)
      .function("display", &Handle::display)
      .function("vocabSize", &Handle::vocab_size)
      .function("tokenId", &Handle::token_id);
}

}  // namespace mha::bindings
