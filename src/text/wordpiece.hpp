// BERT's WordPiece tokenizer, with the same ids as Hugging Face `tokenizers` (BertNormalizer,
// BertPreTokenizer, WordPiece model, template post-processor) for every valid UTF-8 text.
//
// Encoding a text, in passes:
//   1. added tokens: special tokens such as "[CLS]" or "[MASK]" written in the text are cut out first
//      (leftmost-longest match on the raw text; those marked "normalized" are matched after step 2);
//   2. normalize (BertNormalizer), per code point: clean_text drops controls, format characters, U+0000
//      and U+FFFD and turns white space into ' '; handle_chinese_chars puts ' ' around CJK ideographs;
//      strip_accents (default: = lowercase) decomposes to NFD and drops nonspacing marks (so Bengali
//      vowel signs that are Mn, and the virama, are dropped, exactly as `tokenizers` does); lowercase
//      lower-cases code point by code point;
//   3. pre-tokenize: split on white space (dropped) and around every punctuation character (each one a
//      word): Unicode P* plus ASCII 33-47, 58-64, 91-96, 123-126;
//   4. WordPiece per word: greedy longest match first, pieces after the first prefixed with "##"; a word
//      with no full match, or longer than max_input_chars_per_word (100) characters, becomes one [UNK];
//   5. truncate to max_length (longest first for pairs) and wrap with the template:
//      [CLS] A [SEP] (type ids 0) and [CLS] A [SEP] B [SEP] (B and its [SEP] have type id 1).
// Per-code-point Unicode answers come from bert_unicode.hpp (generated from `tokenizers` itself).
// Invalid UTF-8 bytes in the text are read as U+FFFD (which clean_text removes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mha::text {

struct WordPieceEncoding {
  std::vector<int32_t> ids;        // [T]
  std::vector<int32_t> type_ids;   // [T] token type (segment) ids from the template: 0 = first text, 1 = second
  std::vector<uint8_t> special;    // [T] 1 = inserted by the template ([CLS], [SEP]), else 0
  bool truncated = false;          // tokens were removed to fit max_length
  int32_t untruncated_length = 0;  // T the texts would have had without max_length
};

class WordPieceTokenizer {
 public:
  // vocab.txt: one token per line, id = line number from 0 ("\r\n" accepted; trailing white space of a
  // line is not part of the token, as in `tokenizers`). tokenizer_config.json (optional, may be empty):
  // do_lower_case (default true), strip_accents (null = follow do_lower_case), tokenize_chinese_chars
  // (default true), unk/sep/pad/cls/mask_token (defaults "[UNK]", ...) and added_tokens_decoder.
  // Throws mha::FormatError naming the file, the line or field, the expected and the actual value.
  static WordPieceTokenizer from_vocab_txt(std::string_view vocab_txt, std::string_view tokenizer_config_json = {});
  // tokenizer.json of `tokenizers`: model.type "WordPiece", normalizer "BertNormalizer" (or null),
  // pre_tokenizer "BertPreTokenizer", post_processor "TemplateProcessing", "BertProcessing" or null,
  // added_tokens. Anything else is refused with a FormatError that says what is supported.
  static WordPieceTokenizer from_tokenizer_json(std::string_view tokenizer_json);

  // One text, or a pair (for sentence-pair models). max_length counts the template's special tokens;
  // 0 = no limit. Throws mha::ArgumentError when max_length is below the number of special tokens.
  WordPieceEncoding encode(std::string_view text, int32_t max_length = 0) const;
  WordPieceEncoding encode_pair(std::string_view first, std::string_view second, int32_t max_length = 0) const;

  // The steps on their own (for tests and for showing the work): normalized text (UTF-8), and the
  // words of a normalized text.
  std::string normalize(std::string_view text) const;
  std::vector<std::string> pre_tokenize(std::string_view normalized) const;

  int32_t vocab_size() const;  // largest id + 1
  // The token of an id as in the vocabulary ("##ing", "[CLS]"); "" for an unused id. Throws
  // mha::ArgumentError for an id outside [0, vocab_size()).
  const std::string& token(int32_t id) const;
  std::optional<int32_t> token_id(std::string_view token) const;
  int32_t unk_id() const;
  std::optional<int32_t> pad_id() const;   // "[PAD]" (or the configured pad token) when present
  std::optional<int32_t> mask_id() const;  // "[MASK]" (or the configured mask token) when present

  WordPieceTokenizer(WordPieceTokenizer&&) noexcept;
  WordPieceTokenizer& operator=(WordPieceTokenizer&&) noexcept;
  ~WordPieceTokenizer();

  struct Model;

 private:
  explicit WordPieceTokenizer(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model_;
};

}  // namespace mha::text
