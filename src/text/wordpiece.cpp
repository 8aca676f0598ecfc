#include "text/wordpiece.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "attention/mha.hpp"  // ArgumentError
#include "errors.hpp"
#include "io/json.hpp"
#include "io/message_text.hpp"
#include "text/bert_unicode.hpp"
#include "text/unicode.hpp"

namespace mha::text {

using io_detail::number_text;
using io_detail::quoted;

namespace {

constexpr int32_t kMaxId = 16 * 1024 * 1024;  // far above any WordPiece vocabulary (30,522 for BERT)
constexpr char32_t kReplacementChar = 0xFFFD;

// A token that is cut out of the text before the WordPiece model sees it.
struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool normalized = false;  // matched on the normalized text (else on the raw text)
  bool lstrip = false;      // the match also takes the white space before it
  bool rstrip = false;      // ... and after it
};

// One item of a post-processing template: a special token, or the tokens of sequence A (0) or B (1).
struct TemplatePiece {
  std::vector<int32_t> special_ids;  // empty = a sequence
  int32_t sequence = 0;
  int32_t type_id = 0;
};

struct NormalizerSettings {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

std::vector<char32_t> decode_all(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const DecodedChar c = decode_utf8(text, at);
    out.push_back(c.code_point == kInvalidByte ? kReplacementChar : c.code_point);
    at += c.length;
  }
  return out;
}

bool valid_utf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const DecodedChar c = decode_utf8(text, at);
    if (c.code_point == kInvalidByte) return false;
    at += c.length;
  }
  return true;
}

bool is_split_space(char32_t c) { return (bert_char_flags(c) & kBertSplitSpace) != 0; }

// BertPreTokenizer: calls f(word) for each word of a normalized text, in order. White space separates
// words and is dropped; each punctuation character is a word of its own.
template <typename F>
void for_each_word(std::string_view text, F&& f) {
  size_t word_start = 0, at = 0;
  while (at < text.size()) {
    const DecodedChar d = decode_utf8(text, at);
    const uint8_t flags = d.code_point == kInvalidByte ? 0 : bert_char_flags(d.code_point);
    if (flags & (kBertSplitSpace | kBertPunctuation)) {
      if (at > word_start) f(text.substr(word_start, at - word_start));
      if (flags & kBertPunctuation) f(text.substr(at, d.length));
      word_start = at + d.length;
    }
    at += d.length;
  }
  if (at > word_start) f(text.substr(word_start, at - word_start));
}

}  // namespace

struct WordPieceTokenizer::Model {
  std::string source;  // "vocab.txt" or "tokenizer.json", for messages
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> tokens;  // id -> token ("" where unused)
  NormalizerSettings normalizer;
  bool has_normalizer = true;
  std::string continuing_subword_prefix = "##";
  int32_t max_input_chars_per_word = 100;
  int32_t unk_id = 0;
  std::optional<int32_t> pad_id, mask_id;
  std::vector<AddedToken> added_tokens;
  std::vector<TemplatePiece> single_template, pair_template;

  void set_token(int32_t id, const std::string& token) {
    if (size_t(id) >= tokens.size()) tokens.resize(size_t(id) + 1);
    tokens[size_t(id)] = token;
  }

  std::string normalize(std::string_view text) const;
  void word_pieces(std::string_view word, std::vector<int32_t>& out) const;
  void encode_normalized(std::string_view normalized, std::vector<int32_t>& out) const;
  std::vector<int32_t> encode_sequence(std::string_view text) const;
  WordPieceEncoding apply_template(const std::vector<int32_t>* sequences, bool pair, int32_t max_length) const;
};

// ---- normalizer -------------------------------------------------------------------------------------

std::string WordPieceTokenizer::Model::normalize(std::string_view text) const {
  if (!has_normalizer) return std::string(text);
  const NormalizerSettings& s = normalizer;
  // clean_text and handle_chinese_chars, per code point
  std::vector<char32_t> chars;
  chars.reserve(text.size());
  for (char32_t c : decode_all(text)) {
    const uint8_t flags = bert_char_flags(c);
    if (s.clean_text && (flags & kBertCleanMask) == kBertCleanDrop) continue;
    if (s.clean_text && (flags & kBertCleanMask) == kBertCleanSpace) {
      chars.push_back(' ');
    } else if (s.handle_chinese_chars && (flags & kBertChinese)) {
      chars.insert(chars.end(), {U' ', c, U' '});
    } else {
      chars.push_back(c);
    }
  }
  // strip_accents: NFD (decompose, then order each run of non-starters by combining class), then drop
  // nonspacing marks
  if (s.strip_accents) {
    std::vector<char32_t> decomposed;
    decomposed.reserve(chars.size());
    char32_t hangul[3];
    for (char32_t c : chars) {
      const CodePointSpan d = canonical_decomposition(c, hangul);
      if (d.count == 0) {
        decomposed.push_back(c);
      } else {
        decomposed.insert(decomposed.end(), d.data, d.data + d.count);
      }
    }
    for (size_t i = 0; i < decomposed.size();) {
      if (canonical_combining_class(decomposed[i]) == 0) {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < decomposed.size() && canonical_combining_class(decomposed[end]) != 0) ++end;
      std::stable_sort(decomposed.begin() + i, decomposed.begin() + end, [](char32_t a, char32_t b) {
        return canonical_combining_class(a) < canonical_combining_class(b);
      });
      i = end;
    }
    chars.clear();
    for (char32_t c : decomposed)
      if (!(bert_char_flags(c) & kBertStrippedMark)) chars.push_back(c);
  }
  std::string out;
  out.reserve(chars.size());
  for (char32_t c : chars) {
    const CodePointSpan lower = s.lowercase ? lowercase_mapping(c) : CodePointSpan{};
    if (lower.count == 0) {
      append_utf8(out, c);
    } else {
      for (size_t i = 0; i < lower.count; ++i) append_utf8(out, lower.data[i]);
    }
  }
  return out;
}

// ---- pre-tokenizer and WordPiece ------------------------------------------------------------------------

std::vector<std::string> WordPieceTokenizer::pre_tokenize(std::string_view normalized) const {
  std::vector<std::string> words;
  for_each_word(normalized, [&](std::string_view word) { words.emplace_back(word); });
  return words;
}

void WordPieceTokenizer::Model::word_pieces(std::string_view word, std::vector<int32_t>& out) const {
  // Byte offsets of the word's characters, and its end.
  std::vector<size_t> boundaries;
  for (size_t at = 0; at < word.size(); at += decode_utf8(word, at).length) boundaries.push_back(at);
  const size_t char_count = boundaries.size();
  boundaries.push_back(word.size());
  if (char_count > size_t(max_input_chars_per_word)) {
    out.push_back(unk_id);
    return;
  }
  const size_t first_piece = out.size();
  std::string candidate;
  for (size_t start = 0; start < char_count;) {
    // Longest vocab entry that starts at `start` (with the prefix after the first piece).
    size_t end = char_count;
    std::optional<int32_t> found;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? continuing_subword_prefix : std::string());
      candidate.append(word.substr(boundaries[start], boundaries[end] - boundaries[start]));
      const auto hit = vocab.find(candidate);
      if (hit != vocab.end()) {
        found = hit->second;
        break;
      }
    }
    if (!found) {  // no piece fits: the whole word is unknown
      out.resize(first_piece);
      out.push_back(unk_id);
      return;
    }
    out.push_back(*found);
    start = end;
  }
}

void WordPieceTokenizer::Model::encode_normalized(std::string_view normalized, std::vector<int32_t>& out) const {
  // Added tokens matched on normalized text split it first.
  size_t segment_start = 0;
  const auto flush = [&](size_t end) {
    if (end <= segment_start) return;
    for_each_word(normalized.substr(segment_start, end - segment_start),
                  [&](std::string_view word) { word_pieces(word, out); });
  };
  bool any_normalized = false;
  for (const AddedToken& t : added_tokens) any_normalized |= t.normalized;
  if (!any_normalized) {
    flush(normalized.size());
    return;
  }
  for (size_t at = 0; at < normalized.size();) {
    const AddedToken* best = nullptr;
    for (const AddedToken& t : added_tokens)
      if (t.normalized && !t.content.empty() && normalized.compare(at, t.content.size(), t.content) == 0 &&
          (!best || t.content.size() > best->content.size()))
        best = &t;
    if (!best) {
      at += decode_utf8(normalized, at).length;
      continue;
    }
    flush(at);
    out.push_back(best->id);
    at += best->content.size();
    segment_start = at;
  }
  flush(normalized.size());
}

std::vector<int32_t> WordPieceTokenizer::Model::encode_sequence(std::string_view text) const {
  // Cut out the added tokens matched on the raw text (leftmost-longest), normalize and encode the rest.
  std::vector<int32_t> out;
  size_t segment_start = 0;
  const auto flush = [&](size_t end) {
    if (end > segment_start) encode_normalized(normalize(text.substr(segment_start, end - segment_start)), out);
  };
  for (size_t at = 0; at < text.size();) {
    const AddedToken* best = nullptr;
    for (const AddedToken& t : added_tokens)
      if (!t.normalized && !t.content.empty() && text.compare(at, t.content.size(), t.content) == 0 &&
          (!best || t.content.size() > best->content.size()))
        best = &t;
    if (!best) {
      ++at;
      continue;
    }
    size_t match_begin = at, match_end = at + best->content.size();
    if (best->lstrip) {
      // Take the white space before the token, back to the end of the previous match.
      std::vector<size_t> starts;
      for (size_t p = segment_start; p < match_begin; p += decode_utf8(text, p).length) starts.push_back(p);
      while (!starts.empty()) {
        const DecodedChar d = decode_utf8(text, starts.back());
        if (d.code_point == kInvalidByte || !is_split_space(d.code_point)) break;
        match_begin = starts.back();
        starts.pop_back();
      }
    }
    if (best->rstrip) {
      while (match_end < text.size()) {
        const DecodedChar d = decode_utf8(text, match_end);
        if (d.code_point == kInvalidByte || !is_split_space(d.code_point)) break;
        match_end += d.length;
      }
    }
    flush(match_begin);
    out.push_back(best->id);
    at = segment_start = match_end;
  }
  flush(text.size());
  return out;
}

WordPieceEncoding WordPieceTokenizer::Model::apply_template(const std::vector<int32_t>* sequences, bool pair,
                                                            int32_t max_length) const {
  const std::vector<TemplatePiece>& pieces = pair ? pair_template : single_template;
  size_t added = 0;
  for (const TemplatePiece& p : pieces) added += p.special_ids.size();
  size_t lengths[2] = {sequences[0].size(), pair ? sequences[1].size() : 0};
  WordPieceEncoding encoding;
  encoding.untruncated_length = int32_t(std::min<size_t>(added + lengths[0] + lengths[1], INT32_MAX));
  if (max_length < 0)
    throw ArgumentError("max_length: expected 0 (no limit) or a positive length, got " + std::to_string(max_length));
  if (max_length > 0) {
    if (size_t(max_length) < added)
      throw ArgumentError("max_length: expected at least " + std::to_string(added) + " (the special tokens of " +
                          (pair ? "a pair" : "one text") + "), got " + std::to_string(max_length));
    const size_t budget = size_t(max_length) - added;
    if (lengths[0] + lengths[1] > budget) {
      encoding.truncated = true;
      if (!pair) {
        lengths[0] = budget;
      } else {
        // Longest first, as `tokenizers` computes it: the shorter text keeps what it can up to half.
        size_t n1 = lengths[0], n2 = lengths[1];
        const bool swap = n1 > n2;
        if (swap) std::swap(n1, n2);
        n2 = n1 > budget ? n1 : std::max(n1, budget - n1);
        if (n1 + n2 > budget) {
          n1 = budget / 2;
          n2 = n1 + budget % 2;
        }
        if (swap) std::swap(n1, n2);
        lengths[0] = std::min(lengths[0], n1);
        lengths[1] = std::min(lengths[1], n2);
      }
    }
  }
  for (const TemplatePiece& p : pieces) {
    if (!p.special_ids.empty()) {
      for (int32_t id : p.special_ids) {
        encoding.ids.push_back(id);
        encoding.type_ids.push_back(p.type_id);
        encoding.special.push_back(1);
      }
      continue;
    }
    const std::vector<int32_t>& ids = sequences[p.sequence];
    for (size_t i = 0; i < lengths[p.sequence]; ++i) {
      encoding.ids.push_back(ids[i]);
      encoding.type_ids.push_back(p.type_id);
      encoding.special.push_back(0);
    }
  }
  return encoding;
}

// ---- public surface -----------------------------------------------------------------------------------

WordPieceTokenizer::WordPieceTokenizer(std::unique_ptr<Model> model) : model_(std::move(model)) {}
WordPieceTokenizer::WordPieceTokenizer(WordPieceTokenizer&&) noexcept = default;
WordPieceTokenizer& WordPieceTokenizer::operator=(WordPieceTokenizer&&) noexcept = default;
WordPieceTokenizer::~WordPieceTokenizer() = default;

WordPieceEncoding WordPieceTokenizer::encode(std::string_view text, int32_t max_length) const {
  const std::vector<int32_t> sequences[1] = {model_->encode_sequence(text)};
  return model_->apply_template(sequences, false, max_length);
}

WordPieceEncoding WordPieceTokenizer::encode_pair(std::string_view first, std::string_view second,
                                                  int32_t max_length) const {
  const std::vector<int32_t> sequences[2] = {model_->encode_sequence(first), model_->encode_sequence(second)};
  return model_->apply_template(sequences, true, max_length);
}

std::string WordPieceTokenizer::normalize(std::string_view text) const { return model_->normalize(text); }
int32_t WordPieceTokenizer::vocab_size() const { return int32_t(model_->tokens.size()); }
int32_t WordPieceTokenizer::unk_id() const { return model_->unk_id; }
std::optional<int32_t> WordPieceTokenizer::pad_id() const { return model_->pad_id; }
std::optional<int32_t> WordPieceTokenizer::mask_id() const { return model_->mask_id; }

const std::string& WordPieceTokenizer::token(int32_t id) const {
  if (id < 0 || id >= vocab_size())
    throw ArgumentError("id: expected a token id in [0, " + std::to_string(vocab_size()) + "), got " +
                        std::to_string(id));
  return model_->tokens[size_t(id)];
}

std::optional<int32_t> WordPieceTokenizer::token_id(std::string_view token) const {
  const auto hit = model_->vocab.find(std::string(token));
  if (hit != model_->vocab.end()) return hit->second;
  for (const AddedToken& t : model_->added_tokens)
    if (t.content == token) return t.id;
  return std::nullopt;
}

// ---- readers --------------------------------------------------------------------------------------------

namespace {

std::string describe(const json::Value& value) {
  switch (value.type) {
    case json::Value::Type::number:
      return number_text(value.number);
    case json::Value::Type::string:
      return "the string " + quoted(value.string, 32);
    case json::Value::Type::boolean:
      return value.boolean ? "true" : "false";
    default:
      return std::string("a value of type ") + json::type_name(value.type);
  }
}

class JsonReader {
 public:
  explicit JsonReader(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw FormatError(file_ + ": " + field + ": " + what);
  }
  json::Value parse(std::string_view text) const {
    try {
      json::Value value = json::parse(text);
      if (!value.is_object()) fail("top level", std::string("expected an object, got ") + json::type_name(value.type));
      return value;
    } catch (const FormatError& error) {
      if (std::string_view(error.what()).substr(0, file_.size()) == file_) throw;
      throw FormatError(file_ + ": not valid JSON: " + error.what());
    }
  }
  const json::Value& require(const json::Value& object, const std::string& path, const char* key) const {
    const json::Value* value = object.find(key);
    if (!value) fail(path + key, "missing");
    return *value;
  }
  const json::Value& require_object(const json::Value& object, const std::string& path, const char* key) const {
    const json::Value& value = require(object, path, key);
    if (!value.is_object()) fail(path + key, "expected an object, got " + describe(value));
    return value;
  }
  bool optional_bool(const json::Value& object, const std::string& path, const char* key, bool fallback) const {
    const json::Value* value = object.find(key);
    if (!value || value->is_null()) return fallback;
    if (value->type != json::Value::Type::boolean) fail(path + key, "expected a boolean, got " + describe(*value));
    return value->boolean;
  }
  std::string string_value(const json::Value& value, const std::string& field) const {
    if (!value.is_string()) fail(field, "expected a string, got " + describe(value));
    return value.string;
  }
  std::optional<std::string> optional_string(const json::Value& object, const std::string& path,
                                             const char* key) const {
    const json::Value* value = object.find(key);
    if (!value || value->is_null()) return std::nullopt;
    // tokenizer_config.json writes special tokens either as a string or as an AddedToken object.
    if (value->is_object()) {
      const json::Value* content = value->find("content");
      if (content && content->is_string()) return content->string;
      fail(path + key, "expected a string or an object with a string \"content\", got an object without one");
    }
    return string_value(*value, path + key);
  }
  // Ids are bounded by the number of tokens the file defines (so a hostile id cannot make the id table
  // huge): every id in [0, id_limit).
  int32_t id_value(const json::Value& value, const std::string& field) const {
    if (!value.is_number() || !(value.number >= 0 && value.number < id_limit_) ||
        value.number != std::floor(value.number))
      fail(field, "expected a token id, an integer in [0, " + std::to_string(id_limit_) +
                      ") (below the number of tokens defined), got " + describe(value));
    return int32_t(value.number);
  }
  void set_id_limit(size_t limit) { id_limit_ = int32_t(std::min<size_t>(limit, kMaxId)); }
  int32_t positive_int(const json::Value& value, const std::string& field, int32_t max) const {
    if (!value.is_number() || !(value.number >= 1 && value.number <= max) || value.number != std::floor(value.number))
      fail(field, "expected an integer in [1, " + std::to_string(max) + "], got " + describe(value));
    return int32_t(value.number);
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  int32_t id_limit_ = kMaxId;
};

AddedToken read_added_token(const JsonReader& r, const json::Value& entry, const std::string& field,
                            std::optional<int32_t> id) {
  if (!entry.is_object()) r.fail(field, "expected an object, got " + describe(entry));
  AddedToken token;
  token.content = r.string_value(r.require(entry, field + ".", "content"), field + ".content");
  if (token.content.empty()) r.fail(field + ".content", "expected a non-empty token, got \"\"");
  token.id = id ? *id : r.id_value(r.require(entry, field + ".", "id"), field + ".id");
  const bool special = r.optional_bool(entry, field + ".", "special", false);
  token.normalized = r.optional_bool(entry, field + ".", "normalized", !special);
  token.lstrip = r.optional_bool(entry, field + ".", "lstrip", false);
  token.rstrip = r.optional_bool(entry, field + ".", "rstrip", false);
  if (r.optional_bool(entry, field + ".", "single_word", false))
    r.fail(field + ".single_word", "only false is supported, got true");
  return token;
}

// The template of a BERT tokenizer: [CLS] A [SEP] and [CLS] A [SEP] B [SEP].
void bert_templates(WordPieceTokenizer::Model& m, int32_t cls, int32_t sep) {
  m.single_template = {{{cls}, 0, 0}, {{}, 0, 0}, {{sep}, 0, 0}};
  m.pair_template = {{{cls}, 0, 0}, {{}, 0, 0}, {{sep}, 0, 0}, {{}, 1, 1}, {{sep}, 1, 1}};
}

// An added token or a vocab entry of this text, for the specials that the readers look up.
std::optional<int32_t> find_token(const WordPieceTokenizer::Model& m, const std::string& text) {
  for (const AddedToken& t : m.added_tokens)
    if (t.content == text) return t.id;
  const auto hit = m.vocab.find(text);
  if (hit != m.vocab.end()) return hit->second;
  return std::nullopt;
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::from_vocab_txt(std::string_view vocab_txt,
                                                      std::string_view tokenizer_config_json) {
  auto m = std::make_unique<Model>();
  m->source = "vocab.txt";
  // Lines as Rust's BufRead::lines splits them ("\n", with a "\r" before it removed; no empty last line
  // after a final "\n"), each trimmed of trailing white space; a repeated token keeps its last id.
  size_t line_number = 0;
  for (size_t at = 0; at < vocab_txt.size(); ++line_number) {
    size_t end = vocab_txt.find('\n', at);
    if (end == std::string_view::npos) end = vocab_txt.size();
    std::string_view line = vocab_txt.substr(at, end - at);
    at = end + 1;
    if (!valid_utf8(line))
      throw FormatError("vocab.txt: line " + std::to_string(line_number + 1) + ": expected UTF-8 text, got " +
                        quoted(line));
    while (!line.empty()) {  // trim trailing white space (ASCII and Unicode White_Space)
      size_t last = line.size() - 1;
      while (last > 0 && (static_cast<uint8_t>(line[last]) & 0xC0) == 0x80) --last;
      const DecodedChar d = decode_utf8(line, last);
      if (d.code_point == kInvalidByte || char_class(d.code_point) != CharClass::space) break;
      line = line.substr(0, last);
    }
    if (line_number >= size_t(kMaxId))
      throw FormatError("vocab.txt: expected at most " + std::to_string(kMaxId) + " lines, got more");
    m->vocab[std::string(line)] = int32_t(line_number);
    m->set_token(int32_t(line_number), std::string(line));
  }
  if (line_number == 0) throw FormatError("vocab.txt: expected one token per line, got an empty file");

  JsonReader r("tokenizer_config.json");
  json::Value config;
  const bool has_config = !tokenizer_config_json.empty();
  if (has_config) config = r.parse(tokenizer_config_json);
  const bool lowercase = has_config ? r.optional_bool(config, "", "do_lower_case", true) : true;
  m->normalizer.lowercase = lowercase;
  m->normalizer.strip_accents = has_config ? r.optional_bool(config, "", "strip_accents", lowercase) : lowercase;
  m->normalizer.handle_chinese_chars = has_config ? r.optional_bool(config, "", "tokenize_chinese_chars", true) : true;
  const auto special = [&](const char* key, const char* fallback) {
    std::optional<std::string> value = has_config ? r.optional_string(config, "", key) : std::nullopt;
    return value ? *value : std::string(fallback);
  };
  const std::string unk = special("unk_token", "[UNK]"), sep = special("sep_token", "[SEP]"),
                    pad = special("pad_token", "[PAD]"), cls = special("cls_token", "[CLS]"),
                    mask = special("mask_token", "[MASK]");
  // The five special tokens are added tokens when the vocab has them (as BertWordPieceTokenizer does),
  // plus those of added_tokens_decoder {"id": {"content": ...}}.
  for (const std::string* name : {&unk, &sep, &pad, &cls, &mask}) {
    const auto hit = m->vocab.find(*name);
    if (hit != m->vocab.end()) m->added_tokens.push_back({*name, hit->second, false, false, false});
  }
  if (const json::Value* decoder = has_config ? config.find("added_tokens_decoder") : nullptr) {
    if (!decoder->is_object()) r.fail("added_tokens_decoder", "expected an object, got " + describe(*decoder));
    for (const auto& [key, entry] : decoder->object) {
      const std::string field = "added_tokens_decoder." + quoted(key, 16);
      char* end = nullptr;
      const double id = std::strtod(key.c_str(), &end);
      const double id_limit = double(line_number + decoder->object.size());
      if (key.empty() || *end != '\0' || !(id >= 0 && id < id_limit) || id != std::floor(id))
        r.fail(field, "expected a token id as key, below the number of tokens " + number_text(id_limit) + ", got " +
                          quoted(key, 16));
      AddedToken token = read_added_token(r, entry, field, int32_t(id));
      const bool known = std::any_of(m->added_tokens.begin(), m->added_tokens.end(),
                                     [&](const AddedToken& t) { return t.content == token.content; });
      if (!known) {
        m->set_token(token.id, token.content);
        m->added_tokens.push_back(std::move(token));
      }
    }
  }
  const std::optional<int32_t> unk_id = find_token(*m, unk), cls_id = find_token(*m, cls), sep_id = find_token(*m, sep);
  if (!unk_id) throw FormatError("vocab.txt: expected the unknown token " + quoted(unk) + " in the vocabulary");
  if (!cls_id) throw FormatError("vocab.txt: expected the class token " + quoted(cls) + " in the vocabulary");
  if (!sep_id) throw FormatError("vocab.txt: expected the separator token " + quoted(sep) + " in the vocabulary");
  m->unk_id = *unk_id;
  m->pad_id = find_token(*m, pad);
  m->mask_id = find_token(*m, mask);
  bert_templates(*m, *cls_id, *sep_id);
  return WordPieceTokenizer(std::move(m));
}

WordPieceTokenizer WordPieceTokenizer::from_tokenizer_json(std::string_view tokenizer_json) {
  auto m = std::make_unique<Model>();
  m->source = "tokenizer.json";
  JsonReader r("tokenizer.json");
  const json::Value root = r.parse(tokenizer_json);

  // model: {"type": "WordPiece", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"}
  const json::Value& model = r.require_object(root, "", "model");
  const json::Value* type = model.find("type");
  if (!type || !type->is_string() || type->string != "WordPiece")
    r.fail("model.type", "expected \"WordPiece\" (this reader is for BERT-family tokenizers), got " +
                             (type ? describe(*type) : std::string("nothing")));
  const json::Value& vocab = r.require_object(model, "model.", "vocab");
  if (vocab.object.empty()) r.fail("model.vocab", "expected at least one token, got an empty object");
  const json::Value* added_list = root.find("added_tokens");
  r.set_id_limit(vocab.object.size() + (added_list && added_list->is_array() ? added_list->array.size() : 0));
  for (const auto& [token, id_value] : vocab.object) {
    const int32_t id = r.id_value(id_value, "model.vocab." + quoted(token, 32));
    if (size_t(id) < m->tokens.size() && !m->tokens[size_t(id)].empty())
      r.fail("model.vocab." + quoted(token, 32), "expected a distinct id, got " + std::to_string(id) +
                                                     ", already the id of " + quoted(m->tokens[size_t(id)], 32));
    m->vocab[token] = id;
    m->set_token(id, token);
  }
  const std::string unk = r.string_value(r.require(model, "model.", "unk_token"), "model.unk_token");
  if (const json::Value* prefix = model.find("continuing_subword_prefix"))
    m->continuing_subword_prefix = r.string_value(*prefix, "model.continuing_subword_prefix");
  if (const json::Value* max_chars = model.find("max_input_chars_per_word"))
    m->max_input_chars_per_word = r.positive_int(*max_chars, "model.max_input_chars_per_word", 1 << 20);

  // normalizer: BertNormalizer or null
  const json::Value* normalizer = root.find("normalizer");
  if (!normalizer || normalizer->is_null()) {
    m->has_normalizer = false;
  } else {
    if (!normalizer->is_object()) r.fail("normalizer", "expected an object or null, got " + describe(*normalizer));
    const json::Value* ntype = normalizer->find("type");
    if (!ntype || !ntype->is_string() || ntype->string != "BertNormalizer")
      r.fail("normalizer.type", "expected \"BertNormalizer\" (the only normalizer supported), got " +
                                    (ntype ? describe(*ntype) : std::string("nothing")));
    NormalizerSettings& s = m->normalizer;
    s.clean_text = r.optional_bool(*normalizer, "normalizer.", "clean_text", true);
    s.handle_chinese_chars = r.optional_bool(*normalizer, "normalizer.", "handle_chinese_chars", true);
    s.lowercase = r.optional_bool(*normalizer, "normalizer.", "lowercase", true);
    s.strip_accents = r.optional_bool(*normalizer, "normalizer.", "strip_accents", s.lowercase);
  }
  // pre_tokenizer: BertPreTokenizer
  const json::Value& pre = r.require(root, "", "pre_tokenizer");
  const json::Value* ptype = pre.is_object() ? pre.find("type") : nullptr;
  if (!ptype || !ptype->is_string() || ptype->string != "BertPreTokenizer")
    r.fail("pre_tokenizer.type", "expected \"BertPreTokenizer\" (the only pre-tokenizer supported), got " +
                                     (ptype ? describe(*ptype) : describe(pre)));

  // added_tokens: [{"id", "content", "special", "normalized", "lstrip", "rstrip", "single_word"}]
  if (const json::Value* added = root.find("added_tokens"); added && !added->is_null()) {
    if (!added->is_array()) r.fail("added_tokens", "expected an array, got " + describe(*added));
    for (size_t i = 0; i < added->array.size(); ++i) {
      AddedToken token = read_added_token(r, added->array[i], "added_tokens[" + std::to_string(i) + "]", {});
      const auto hit = m->vocab.find(token.content);
      if (hit == m->vocab.end()) {
        if (size_t(token.id) < m->tokens.size() && !m->tokens[size_t(token.id)].empty())
          r.fail("added_tokens[" + std::to_string(i) + "].id", "expected a distinct id, got " +
                                                                   std::to_string(token.id) + ", already the id of " +
                                                                   quoted(m->tokens[size_t(token.id)], 32));
        m->set_token(token.id, token.content);
      }
      m->added_tokens.push_back(std::move(token));
    }
  }
  const std::optional<int32_t> unk_id = find_token(*m, unk);
  if (!unk_id) r.fail("model.unk_token", "expected a token of the vocabulary, got " + quoted(unk, 32));
  m->unk_id = *unk_id;
  m->pad_id = find_token(*m, "[PAD]");
  m->mask_id = find_token(*m, "[MASK]");

  // post_processor: the template of special tokens around one text or a pair
  const json::Value* post = root.find("post_processor");
  if (post && !post->is_null()) {
    if (!post->is_object()) r.fail("post_processor", "expected an object or null, got " + describe(*post));
    const std::string post_type = r.string_value(r.require(*post, "post_processor.", "type"), "post_processor.type");
    const auto special_pair = [&](const char* key) {  // BertProcessing: "cls": ["[CLS]", 101]
      const json::Value& value = r.require(*post, "post_processor.", key);
      const std::string field = std::string("post_processor.") + key;
      if (!value.is_array() || value.array.size() != 2 || !value.array[0].is_string())
        r.fail(field, "expected [token, id], got " + describe(value));
      const int32_t id = r.id_value(value.array[1], field + "[1]");
      if (id >= int32_t(m->tokens.size()))
        r.fail(field + "[1]", "expected an id below the vocabulary size " + std::to_string(m->tokens.size()) +
                                  ", got " + std::to_string(id));
      return id;
    };
    if (post_type == "BertProcessing") {
      bert_templates(*m, special_pair("cls"), special_pair("sep"));
    } else if (post_type == "TemplateProcessing") {
      const json::Value& specials = r.require_object(*post, "post_processor.", "special_tokens");
      const auto read_template = [&](const char* key) {
        const std::string field = std::string("post_processor.") + key;
        const json::Value& items = r.require(*post, "post_processor.", key);
        if (!items.is_array()) r.fail(field, "expected an array, got " + describe(items));
        std::vector<TemplatePiece> pieces;
        for (size_t i = 0; i < items.array.size(); ++i) {
          const std::string item_field = field + "[" + std::to_string(i) + "]";
          const json::Value& item = items.array[i];
          if (!item.is_object() || item.object.size() != 1)
            r.fail(item_field, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}, got " + describe(item));
          const auto& [kind, body] = item.object[0];
          if (!body.is_object()) r.fail(item_field + "." + kind, "expected an object, got " + describe(body));
          TemplatePiece piece;
          const json::Value& type_id = r.require(body, item_field + "." + kind + ".", "type_id");
          if (!type_id.is_number() || !(type_id.number >= 0 && type_id.number <= 255) ||
              type_id.number != std::floor(type_id.number))
            r.fail(item_field + "." + kind + ".type_id", "expected an integer in [0, 255], got " + describe(type_id));
          piece.type_id = int32_t(type_id.number);
          const std::string name =
              r.string_value(r.require(body, item_field + "." + kind + ".", "id"), item_field + "." + kind + ".id");
          if (kind == "Sequence") {
            if (name != "A" && name != "B")
              r.fail(item_field + ".Sequence.id", "expected \"A\" or \"B\", got " + quoted(name, 16));
            piece.sequence = name == "A" ? 0 : 1;
            if (piece.sequence == 1 && std::string(key) == "single")
              r.fail(item_field + ".Sequence.id", "expected \"A\" in the single template, got \"B\"");
          } else if (kind == "SpecialToken") {
            const json::Value* special = specials.find(name);
            if (!special || !special->is_object())
              r.fail(item_field + ".SpecialToken.id",
                     "expected a key of post_processor.special_tokens, got " + quoted(name, 32));
            const json::Value& ids =
                r.require(*special, "post_processor.special_tokens." + quoted(name, 32) + ".", "ids");
            if (!ids.is_array() || ids.array.empty())
              r.fail("post_processor.special_tokens." + quoted(name, 32) + ".ids",
                     "expected a non-empty array of ids, got " + describe(ids));
            for (const json::Value& id : ids.array) {
              const int32_t value = r.id_value(id, "post_processor.special_tokens." + quoted(name, 32) + ".ids");
              if (value >= int32_t(m->tokens.size()))
                r.fail("post_processor.special_tokens." + quoted(name, 32) + ".ids",
                       "expected ids below the vocabulary size " + std::to_string(m->tokens.size()) + ", got " +
                           std::to_string(value));
              piece.special_ids.push_back(value);
            }
          } else {
            r.fail(item_field,
                   "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}, got a key " + quoted(kind, 32));
          }
          pieces.push_back(std::move(piece));
        }
        return pieces;
      };
      m->single_template = read_template("single");
      m->pair_template = read_template("pair");
    } else {
      r.fail("post_processor.type",
             "expected \"TemplateProcessing\" or \"BertProcessing\", got " + quoted(post_type, 32));
    }
  } else {  // no post-processor: the texts as they are, type ids 0 and 1
    m->single_template = {{{}, 0, 0}};
    m->pair_template = {{{}, 0, 0}, {{}, 1, 1}};
  }
  return WordPieceTokenizer(std::move(m));
}

}  // namespace mha::text
