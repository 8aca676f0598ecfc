// Reader for a Hugging Face `tokenizer.json` with a byte-level BPE model, the kind Llama-3, Qwen2, SmolLM2 and
// GPT-2-style checkpoints ship; encode() gives the ids of `tokenizers`' Tokenizer.encode(text,
// add_special_tokens=False).
//
// Pipeline, as `tokenizers` runs it:
//   1. added tokens (`added_tokens`, special or not) are cut out of the text first: at the leftmost position
//      where one matches, the longest one; their ids are used as they are
//   2. each remaining segment goes through the pre-tokenizer steps in order, each splitting every piece:
//        Digits     numbers (Unicode N*) isolated: each one alone (individual_digits) or runs of them
//        Split      the regex of Llama-3's or of Qwen2's tokenizer.json (recognised by its exact text and run by
//                   a hand-written scanner), each match a piece ("Isolated")
//        ByteLevel  a ' ' prepended to each piece that does not start with one (add_prefix_space), then GPT-2's
//                   pattern (pretokenize.hpp) when use_regex
//      (a Sequence of these; ByteLevel must be the last step: it is what maps bytes to the vocab's characters)
//   3. each piece becomes ids by byte-level BPE (bpe.hpp); with ignore_merges a piece that is a vocab token
//      as a whole is that token
// Supported: normalizer null; pre_tokenizer ByteLevel, Digits, those two Splits, Sequence of them; model BPE
// without dropout, byte_fallback, continuing_subword_prefix or end_of_word_suffix; decoder ByteLevel or null;
// added tokens without lstrip / rstrip / single_word. Anything else is a FormatError naming the field, e.g.
// another Split pattern ("pre_tokenizer.pretokenizers[0].pattern: expected the Regex of Llama-3's or Qwen2's").
// post_processor is ignored: encode() never adds special tokens (BOS) itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mha::text {

class HfTokenizer {
 public:
  // Throws mha::FormatError("tokenizer.json: <field>: expected ..., got ...").
  static HfTokenizer from_json(std::string_view tokenizer_json);

  // Token ids of UTF-8 text (invalid bytes become byte tokens, as in BpeTokenizer).
  std::vector<int32_t> encode(std::string_view utf8_text) const;
  // The bytes of the ids, concatenated (added tokens as their content). Throws mha::ArgumentError naming the
  // index of an unknown id.
  std::string decode(const std::vector<int32_t>& ids) const;
  // A readable one-line form for UIs (BpeTokenizer::token_display; added tokens as their content). Throws
  // mha::ArgumentError for an unknown id.
  std::string token_display(int32_t id) const;
  // Largest id + 1 (model vocab and added tokens).
  int32_t vocab_size() const;
  // Id of a vocab key (byte-level spelling, e.g. "Ġthe") or of an added token's content.
  std::optional<int32_t> token_id(std::string_view key) const;

  HfTokenizer(HfTokenizer&&) noexcept;
  HfTokenizer& operator=(HfTokenizer&&) noexcept;
  ~HfTokenizer();

 private:
  struct State;
  explicit HfTokenizer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace mha::text
