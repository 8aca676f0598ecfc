// libFuzzer target: the WordPiece tokenizer (src/text/wordpiece) on arbitrary bytes. The first byte picks
// a mode:
//   0: the rest is "text \0 second text"; encoded with an embedded vocab (uncased and cased), alone and as
//      a pair, with a max_length from the second byte: ids must be in range, type ids 0/1, lengths within
//      max_length, and truncation reported exactly when tokens were dropped;
//   1: the rest is "vocab.txt \0 tokenizer_config.json": from_vocab_txt may only throw FormatError, and a
//      tokenizer that loads must encode its own vocab text;
//   2: the rest is a tokenizer.json: the same with from_tokenizer_json.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "attention/mha.hpp"
#include "errors.hpp"
#include "model/bert_config.hpp"
#include "text/wordpiece.hpp"

namespace {

using mha::text::WordPieceEncoding;
using mha::text::WordPieceTokenizer;

const char kVocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nan\n##imal\nanimal\n##s\n##ing\ncaf\n##e\ncafe\n\xc3\xa9\n##\xc3\xa9\n"
    "\xe4\xb8\xad\n\xe0\xa6\x95\n##\xe0\xa6\xb7\n.\n,\n!\n'\na\n##a\nb\n##b\nT\n##he\n";

void check(const WordPieceTokenizer& tokenizer, const WordPieceEncoding& e, int32_t max_length) {
  if (e.ids.size() != e.type_ids.size() || e.ids.size() != e.special.size()) std::abort();
  for (size_t i = 0; i < e.ids.size(); ++i) {
    if (e.ids[i] < 0 || e.ids[i] >= tokenizer.vocab_size()) std::abort();
    if (e.type_ids[i] < 0 || e.type_ids[i] > 255) std::abort();
  }
  if (max_length > 0 && int32_t(e.ids.size()) > max_length) std::abort();
  if (e.truncated != (int32_t(e.ids.size()) < e.untruncated_length)) std::abort();
}

void encode_all(const WordPieceTokenizer& tokenizer, std::string_view first, std::string_view second,
                int32_t max_length) {
  try {
    check(tokenizer, tokenizer.encode(first, max_length), max_length);
    check(tokenizer, tokenizer.encode_pair(first, second, max_length), max_length);
  } catch (const mha::ArgumentError&) {
    if (max_length == 0 || max_length >= 3) std::abort();  // only a max_length below the special tokens
  }
  tokenizer.pre_tokenize(tokenizer.normalize(first));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  const int32_t max_length = data[1] % 20;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t split = rest.find('\0');
  const std::string_view first = rest.substr(0, split);
  const std::string_view second = split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);
  if (mode == 0) {
    static const WordPieceTokenizer uncased = WordPieceTokenizer::from_vocab_txt(kVocab);
    static const WordPieceTokenizer cased = WordPieceTokenizer::from_vocab_txt(kVocab, "{\"do_lower_case\": false}");
    encode_all(uncased, first, second, max_length);
    encode_all(cased, first, second, max_length);
    return 0;
  }
  try {
    const WordPieceTokenizer tokenizer =
        mode == 1 ? WordPieceTokenizer::from_vocab_txt(first, second) : WordPieceTokenizer::from_tokenizer_json(rest);
    encode_all(tokenizer, rest, first, max_length);
  } catch (const mha::FormatError&) {
  }
  try {  // the encoder's config reader on the same bytes
    const mha::BertConfig c = mha::parse_bert_config(rest);
    if (c.hidden_size % c.num_attention_heads != 0 || c.num_hidden_layers < 1 || c.vocab_size < 1) std::abort();
  } catch (const mha::FormatError&) {
  }
  return 0;
}
