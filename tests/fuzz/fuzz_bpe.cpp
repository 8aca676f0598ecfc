// libFuzzer target: the GPT-2 BPE tokenizer (src/text) on arbitrary bytes. The first byte picks a mode:
//   0: the rest is text for a small embedded vocab: encode must accept any bytes, give ids in range, and
//      decode(encode(text)) == text; the pre-tokenizer's pieces must be non-empty and cover the text;
//   1: the rest is a merges.txt for the embedded vocab.json: from_files may only throw FormatError, and
//      a tokenizer that loads must round-trip the same bytes as text;
//   2: the rest is "vocab.json \0 merges.txt": the same, with both files from the fuzzer.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "errors.hpp"
#include "text/bpe.hpp"
#include "text/pretokenize.hpp"

namespace {

using mha::text::BpeTokenizer;

std::string key_of(std::string_view bytes) {  // GPT-2's byte-level spelling, as UTF-8
  std::string key;
  for (unsigned char b : bytes) {
    const char32_t c = mha::text::byte_to_unicode(b);
    if (c < 0x80) {
      key += static_cast<char>(c);
    } else {
      key += static_cast<char>(0xC0 | (c >> 6));
      key += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return key;
}

// 256 single bytes (id = byte) and a few merges that fire on English-like and odd text.
const char* const kMerges[][2] = {{" ", "t"}, {"h", "e"},   {" t", "he"},     {"i", "n"}, {"in", "g"},  {" ", " "},
                                  {"a", "a"}, {"aa", "aa"}, {"\xc3", "\xa9"}, {"'", "s"}, {"\n", "\n"}, {"e", "r"}};

struct EmbeddedFiles {
  std::string vocab_json = "{";
  std::string merges_txt = "#version: 0.2\n";
  EmbeddedFiles() {
    int32_t id = 0;
    auto add = [&](const std::string& bytes) {
      std::string key;
      for (char c : key_of(bytes)) {  // JSON string: '"' and '\\' are the only bytes to escape here
        if (c == '"' || c == '\\') key += '\\';
        key += c;
      }
      vocab_json += (id ? ", \"" : "\"") + key + "\": " + std::to_string(id);
      ++id;
    };
    for (int b = 0; b < 256; ++b) add(std::string(1, static_cast<char>(b)));
    for (auto& merge : kMerges) {
      add(std::string(merge[0]) + merge[1]);
      merges_txt += key_of(merge[0]) + " " + key_of(merge[1]) + "\n";
    }
    vocab_json += "}";
  }
};

const EmbeddedFiles& embedded() {
  static const EmbeddedFiles files;
  return files;
}

void check_round_trip(const BpeTokenizer& tokenizer, std::string_view text) {
  const std::vector<int32_t> ids = tokenizer.encode(text);
  for (int32_t id : ids)
    if (id < 0 || id >= tokenizer.vocab_size()) std::abort();
  if (tokenizer.decode(ids) != text) std::abort();
  if (!ids.empty()) tokenizer.token_display(ids.front());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 3;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (mode == 0) {
    static const BpeTokenizer tokenizer = BpeTokenizer::from_files(embedded().vocab_json, embedded().merges_txt);
    size_t covered = 0;
    for (std::string_view piece : mha::text::pretokenize_gpt2(rest)) {
      if (piece.empty() || piece.data() != rest.data() + covered) std::abort();
      covered += piece.size();
    }
    if (covered != rest.size()) std::abort();
    check_round_trip(tokenizer, rest);
    return 0;
  }
  std::string_view vocab_json = embedded().vocab_json, merges_txt = rest;
  if (mode == 2) {
    const size_t split = rest.find('\0');
    vocab_json = rest.substr(0, split);
    merges_txt = split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);
  }
  try {
    const BpeTokenizer tokenizer = BpeTokenizer::from_files(vocab_json, merges_txt);
    check_round_trip(tokenizer, rest);
  } catch (const mha::FormatError&) {
  }
  return 0;
}
