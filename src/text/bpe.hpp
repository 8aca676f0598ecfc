// GPT-2's byte-level BPE tokenizer: the same ids as OpenAI's encoder.py for every valid UTF-8 text.
//
// Encoding = pre-tokenize (pretokenize.hpp), then per piece: its UTF-8 bytes become one symbol each,
// and the adjacent pair with the lowest merge rank is merged everywhere in the piece (left to right,
// non-overlapping) until no adjacent pair has a rank. Each final symbol is a vocab token.
//
// The files are those of GPT-2 (encoder.json = vocab.json, vocab.bpe = merges.txt). Vocab keys are
// "byte-level" strings: each byte is written as one printable character (bytes_to_unicode in GPT-2,
// e.g. ' ' -> 'Ġ' U+0120, '\n' -> 'Ċ' U+010A, '!'..'~' as themselves), and token_bytes() undoes that.
//
// Decisions where GPT-2 leaves a choice:
//   - Special tokens: encode() treats all text as plain text, like GPT-2's encoder, so "<|endoftext|>"
//     in user text becomes "<", "|", "endo", "ft", "ext", "|", ">" and can never inject a control token.
//     Append token_id("<|endoftext|>") yourself where a document boundary is wanted; decode() turns it
//     back into its text.
//   - Invalid UTF-8: each invalid byte is one "other" character for the pre-tokenizer (unicode.hpp) and
//     so ends up in a byte token; decode(encode(bytes)) == bytes for every byte string.
//   - The files are checked strictly at load time, so that encode() cannot fail afterwards (see
//     from_files). Every problem is a FormatError naming the file and the key or line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mha::text {

class BpeTokenizer {
 public:
  // Parses GPT-2's encoder.json/vocab.json text (an object {token: id}) and vocab.bpe/merges.txt text
  // (an optional first line "#version...", then one merge "left right" per line; rank = order; blank
  // lines are ignored; "\r\n" line ends accepted). Throws mha::FormatError when:
  //   vocab: not a JSON object; a value that is not an integer; ids not exactly 0..N-1 each once; an
  //          empty key or a key with a character outside the 256 byte-level characters; one of the 256
  //          single-byte tokens missing (they guarantee that every text can be encoded);
  //   merges: a line without exactly two tokens; a token, or the merged token, not in the vocab; the
  //          same pair twice.
  static BpeTokenizer from_files(std::string_view vocab_json, std::string_view merges_txt);

  // Token ids of UTF-8 text (any bytes accepted, see above). Never throws but std::bad_alloc. Pieces of
  // up to 64 bytes seen before come from a cache (at most 65,536 entries, then emptied), which a lock
  // guards: one tokenizer may encode on several threads at once. O(n log n) in the longest piece.
  std::vector<int32_t> encode(std::string_view utf8_text) const;
  // The ids of one already pre-tokenized piece (its bytes merged by rank, as encode() does for each piece of
  // pretokenize_gpt2), appended to `ids`. For readers of other pre-tokenizers (hf_tokenizer.hpp). Same cache.
  void encode_piece(std::string_view piece, std::vector<int32_t>& ids) const;
  // The bytes that the ids stand for, concatenated; not necessarily valid UTF-8 (a piece of a character
  // may be cut between two tokens). Throws mha::ArgumentError naming the index of an id out of range.
  std::string decode(const std::vector<int32_t>& ids) const;

  int32_t vocab_size() const;  // N: ids are 0..N-1
  // Raw bytes of one token (e.g. " the"). Throws mha::ArgumentError for an id out of range.
  std::string token_bytes(int32_t id) const;
  // The vocab key of a token, as written in vocab.json (e.g. "Ġthe"). Same errors.
  const std::string& token_key(int32_t id) const;
  // A readable one-line form for UIs: the token's text, with ' ' shown as '␣' (U+2423), '\n' as '↵'
  // (U+21B5), '\t' as '⇥' (U+21E5), and other control bytes (0x00-0x1F, 0x7F) and bytes that are not
  // part of a valid UTF-8 character written as "<0xHH>". Same errors.
  std::string token_display(int32_t id) const;
  // Id of a vocab key (the vocab.json spelling, e.g. "Ġthe" or "<|endoftext|>"), if present.
  std::optional<int32_t> token_id(std::string_view key) const;

  BpeTokenizer(BpeTokenizer&&) noexcept;
  BpeTokenizer& operator=(BpeTokenizer&&) noexcept;
  ~BpeTokenizer();

 private:
  struct Model;
  explicit BpeTokenizer(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model_;
};

// GPT-2's bytes_to_unicode: the character (as a code point) that stands for each byte in vocab keys.
// Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 bytes are
// given U+0100, U+0101, ... in byte order.
char32_t byte_to_unicode(uint8_t byte);

}  // namespace mha::text
