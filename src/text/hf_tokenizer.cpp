#include "text/hf_tokenizer.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "errors.hpp"
#include "io/json.hpp"
#include "io/message_text.hpp"
#include "text/bpe.hpp"
#include "text/pretokenize.hpp"
#include "text/unicode.hpp"

namespace mha::text {
namespace {

using io_detail::quoted;

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw FormatError("tokenizer.json: " + field + ": " + what);
}

std::string describe(const json::Value* value) {
  if (value == nullptr) return "nothing";
  switch (value->type) {
    case json::Value::Type::string:
      return "the string " + quoted(value->string, 32);
    case json::Value::Type::boolean:
      return value->boolean ? "true" : "false";
    case json::Value::Type::number:
      return io_detail::number_text(value->number);
    default:
      return std::string("a value of type ") + json::type_name(value->type);
  }
}

const json::Value& member(const json::Value& object, const std::string& path, const char* key) {
  const json::Value* value = object.find(key);
  if (value == nullptr) fail(path + "." + key, "missing");
  return *value;
}

bool flag(const json::Value& object, const std::string& path, const char* key, bool fallback) {
  const json::Value* value = object.find(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->type != json::Value::Type::boolean) fail(path + "." + key, "expected a boolean, got " + describe(value));
  return value->boolean;
}

// A field that must be null or absent (or an empty string) for what this reader implements.
void require_unset(const json::Value& object, const std::string& path, const char* key) {
  const json::Value* value = object.find(key);
  if (value == nullptr || value->is_null() || (value->is_string() && value->string.empty())) return;
  fail(path + "." + key, "expected null (not supported), got " + describe(value));
}

// JSON string literal of UTF-8 text, for handing the vocab to BpeTokenizer::from_files.
void append_json_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", byte);
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
}

// The Split patterns of Llama-3 and Qwen2 tokenizer.json files (the JSON strings unescaped); they differ only in
// how many numbers one piece may hold.
constexpr const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Splits text as that regex finds its matches (a hand-written scanner, as pretokenize_gpt2), each match a piece;
// max_numbers is 3 (Llama-3) or 1 (Qwen2). The alternatives, tried in order at each position:
//   1. an apostrophe and s, t, m, d, re, ve or ll, in either (ASCII) case
//   2. at most one character that is not CR, LF, a letter or a number, then a run of letters
//   3. 1 to max_numbers numbers
//   4. an optional ' ', a run of characters that are neither white space, letters nor numbers, then any CR/LF
//   5. white space up to and including its last CR or LF (when the run has one)
//   6. a run of white space but its last character, when something other than white space follows
//   7. a run of white space
// Bytes that are not valid UTF-8 count as one "other" character each.
std::vector<std::string> pretokenize_split_pattern(std::string_view text, int32_t max_numbers) {
  struct Char {
    size_t begin, end;
    CharClass kind;
    char32_t code_point;
  };
  std::vector<Char> chars;
  for (size_t at = 0; at < text.size();) {
    const DecodedChar c = decode_utf8(text, at);
    const CharClass kind = c.code_point == kInvalidByte ? CharClass::other : char_class(c.code_point);
    chars.push_back({at, at + c.length, kind, c.code_point});
    at += c.length;
  }
  const size_t n = chars.size();
  const auto is = [&](size_t i, CharClass kind) { return i < n && chars[i].kind == kind; };
  const auto is_newline = [&](size_t i) {
    return i < n && (chars[i].code_point == '\r' || chars[i].code_point == '\n');
  };
  const auto lower = [&](size_t i) -> char32_t {
    if (i >= n) return 0;
    const char32_t c = chars[i].code_point;
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
  };
  std::vector<std::string> pieces;
  for (size_t i = 0; i < n;) {
    size_t end = i;                     // the match is chars [i, end)
    if (chars[i].code_point == '\'') {  // 1. contractions
      const char32_t a = lower(i + 1), b = lower(i + 2);
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        end = i + 3;
      else if (a == 's' || a == 't' || a == 'm' || a == 'd')
        end = i + 2;
    }
    if (end == i) {  // 2. [^\r\n\p{L}\p{N}]?\p{L}+
      size_t j = i;
      if (!is(j, CharClass::letter) && !is(j, CharClass::number) && !is_newline(j) && is(j + 1, CharClass::letter)) ++j;
      if (is(j, CharClass::letter)) {
        while (is(j, CharClass::letter)) ++j;
        end = j;
      }
    }
    if (end == i && is(i, CharClass::number))  // 3. \p{N}{1,max_numbers}
      while (end - i < size_t(max_numbers) && is(end, CharClass::number)) ++end;
    if (end == i) {  // 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*'
      size_t j = i;
      if (chars[j].code_point == ' ' && is(j + 1, CharClass::other)) ++j;
      if (is(j, CharClass::other)) {
        while (is(j, CharClass::other)) ++j;
        while (is_newline(j)) ++j;
        end = j;
      }
    }
    if (end == i && is(i, CharClass::space)) {  // 5-7. white space
      size_t run_end = i, last_newline = n;
      for (; is(run_end, CharClass::space); ++run_end)
        if (is_newline(run_end)) last_newline = run_end;
      if (last_newline != n)
        end = last_newline + 1;  // 5
      else if (run_end < n && run_end - i >= 2)
        end = run_end - 1;  // 6
      else
        end = run_end;  // 6 at the end of the text, or 7
    }
    if (end == i) end = i + 1;  // not reached: every character matches some alternative
    pieces.emplace_back(text.substr(chars[i].begin, chars[end - 1].end - chars[i].begin));
    i = end;
  }
  return pieces;
}

struct PreTokenizerStep {
  enum class Kind { digits, split_pattern, byte_level } kind = Kind::byte_level;
  int32_t max_numbers = 3;         // split_pattern: Llama-3 (3) or Qwen2 (1)
  bool individual_digits = false;  // digits
  bool add_prefix_space = false;   // byte_level
  bool use_regex = true;           // byte_level
};

PreTokenizerStep parse_step(const json::Value& step, const std::string& path) {
  if (!step.is_object()) fail(path, "expected an object, got " + describe(&step));
  const json::Value& type = member(step, path, "type");
  PreTokenizerStep out;
  if (type.is_string() && type.string == "Digits") {
    out.kind = PreTokenizerStep::Kind::digits;
    out.individual_digits = flag(step, path, "individual_digits", false);
  } else if (type.is_string() && type.string == "ByteLevel") {
    out.kind = PreTokenizerStep::Kind::byte_level;
    out.add_prefix_space = flag(step, path, "add_prefix_space", true);
    out.use_regex = flag(step, path, "use_regex", true);
  } else if (type.is_string() && type.string == "Split") {
    out.kind = PreTokenizerStep::Kind::split_pattern;
    const json::Value& pattern = member(step, path, "pattern");
    const json::Value* regex = pattern.find("Regex");
    if (regex && regex->is_string() && regex->string == kLlama3Pattern)
      out.max_numbers = 3;
    else if (regex && regex->is_string() && regex->string == kQwen2Pattern)
      out.max_numbers = 1;
    else
      fail(path + ".pattern",
           "expected the Regex of Llama-3's or Qwen2's tokenizer.json (other patterns are not "
           "implemented), got " +
               (regex ? describe(regex) : describe(&pattern)));
    const json::Value* behavior = step.find("behavior");
    if (behavior == nullptr || !behavior->is_string() || behavior->string != "Isolated")
      fail(path + ".behavior", "expected \"Isolated\", got " + describe(behavior));
    if (flag(step, path, "invert", false)) fail(path + ".invert", "expected false, got true");
  } else {
    fail(path + ".type",
         "expected \"ByteLevel\", \"Digits\", \"Split\" (Llama-3's or Qwen2's pattern) or "
         "\"Sequence\", got " +
             describe(&type));
  }

  return out;
}

// Splits each piece at numbers (Unicode N*): each number alone, or runs of them.
std::vector<std::string> split_digits(const std::vector<std::string>& pieces, bool individual) {
  std::vector<std::string> out;
  for (const std::string& piece : pieces) {
    std::string current;
    bool current_is_number = false;
    for (size_t at = 0; at < piece.size();) {
      const DecodedChar c = decode_utf8(piece, at);
      const bool is_number = c.code_point != kInvalidByte && char_class(c.code_point) == CharClass::number;
      if (!current.empty() && (is_number != current_is_number || (is_number && individual))) {
        out.push_back(std::move(current));
        current.clear();
      }
      current.append(piece, at, c.length);
      current_is_number = is_number;
      at += c.length;
    }
    if (!current.empty()) out.push_back(std::move(current));
  }
  return out;
}

}  // namespace

struct HfTokenizer::State {
  std::optional<BpeTokenizer> bpe;
  int32_t model_vocab = 0;
  bool ignore_merges = false;
  std::vector<PreTokenizerStep> steps;
  struct Added {
    std::string content;
    int32_t id;
  };
  std::vector<Added> added;                    // longest content first
  std::map<int32_t, std::string> added_by_id;  // id -> content (ids outside the model vocab)
  std::map<std::string, int32_t, std::less<>> added_ids;
  int32_t vocab_size = 0;
};

HfTokenizer::HfTokenizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
HfTokenizer::HfTokenizer(HfTokenizer&&) noexcept = default;
HfTokenizer& HfTokenizer::operator=(HfTokenizer&&) noexcept = default;
HfTokenizer::~HfTokenizer() = default;

HfTokenizer HfTokenizer::from_json(std::string_view tokenizer_json) {
  json::Value root;
  try {
    root = json::parse(tokenizer_json);
  } catch (const FormatError& error) {
    throw FormatError(std::string("tokenizer.json: not valid JSON: ") + error.what());
  }
  if (!root.is_object()) fail("top level", std::string("expected an object, got ") + json::type_name(root.type));
  auto state = std::make_unique<State>();

  if (const json::Value* normalizer = root.find("normalizer"); normalizer && !normalizer->is_null())
    fail("normalizer", "expected null (normalizers are not implemented), got " +
                           (normalizer->find("type") ? describe(normalizer->find("type")) : describe(normalizer)));
  if (const json::Value* decoder = root.find("decoder"); decoder && !decoder->is_null()) {
    const json::Value* type = decoder->find("type");
    if (type == nullptr || !type->is_string() || type->string != "ByteLevel")
      fail("decoder.type", "expected \"ByteLevel\", got " + describe(type));
  }

  // pre_tokenizer: one step or a Sequence; ByteLevel last
  const json::Value& pre_tokenizer = member(root, "tokenizer.json", "pre_tokenizer");
  if (!pre_tokenizer.is_object()) fail("pre_tokenizer", "expected an object, got " + describe(&pre_tokenizer));
  const json::Value* type = pre_tokenizer.find("type");
  if (type && type->is_string() && type->string == "Sequence") {
    const json::Value& steps = member(pre_tokenizer, "pre_tokenizer", "pretokenizers");
    if (!steps.is_array()) fail("pre_tokenizer.pretokenizers", "expected an array, got " + describe(&steps));
    for (size_t n = 0; n < steps.array.size(); ++n)
      state->steps.push_back(parse_step(steps.array[n], "pre_tokenizer.pretokenizers[" + std::to_string(n) + "]"));
  } else {
    state->steps.push_back(parse_step(pre_tokenizer, "pre_tokenizer"));
  }
  for (size_t n = 0; n < state->steps.size(); ++n)
    if ((state->steps[n].kind == PreTokenizerStep::Kind::byte_level) != (n + 1 == state->steps.size()))
      fail("pre_tokenizer",
           "expected exactly one ByteLevel step, the last one (it maps bytes to the vocab's "
           "characters)");

  // model: byte-level BPE
  const json::Value& model = member(root, "tokenizer.json", "model");
  if (!model.is_object()) fail("model", "expected an object, got " + describe(&model));
  const json::Value* model_type = model.find("type");
  if (model_type && (!model_type->is_string() || model_type->string != "BPE"))
    fail("model.type", "expected \"BPE\", got " + describe(model_type));
  require_unset(model, "model", "dropout");
  require_unset(model, "model", "continuing_subword_prefix");
  require_unset(model, "model", "end_of_word_suffix");
  if (flag(model, "model", "byte_fallback", false)) fail("model.byte_fallback", "expected false, got true");
  state->ignore_merges = flag(model, "model", "ignore_merges", false);
  const json::Value& vocab = member(model, "model", "vocab");
  const json::Value& merges = member(model, "model", "merges");
  if (!vocab.is_object()) fail("model.vocab", "expected an object, got " + describe(&vocab));
  if (!merges.is_array()) fail("model.merges", "expected an array, got " + describe(&merges));
  // Hand the vocab and merges to BpeTokenizer in the vocab.json / merges.txt forms it checks strictly.
  std::string vocab_json = "{";
  for (size_t n = 0; n < vocab.object.size(); ++n) {
    const auto& [key, id] = vocab.object[n];
    if (n) vocab_json += ',';
    append_json_string(vocab_json, key);
    vocab_json += ':';
    if (!id.is_number()) fail("model.vocab[" + quoted(key) + "]", "expected an integer id, got " + describe(&id));
    vocab_json += io_detail::number_text(id.number);
  }
  vocab_json += '}';
  std::string merges_txt;
  for (size_t n = 0; n < merges.array.size(); ++n) {
    const json::Value& merge = merges.array[n];
    const std::string field = "model.merges[" + std::to_string(n) + "]";
    std::string left, right;
    if (merge.is_string()) {  // "left right" (the older form)
      const size_t space = merge.string.find(' ');
      if (space == std::string::npos || merge.string.find(' ', space + 1) != std::string::npos)
        fail(field, "expected \"left right\", got " + describe(&merge));
      left = merge.string.substr(0, space);
      right = merge.string.substr(space + 1);
    } else if (merge.is_array() && merge.array.size() == 2 && merge.array[0].is_string() &&
               merge.array[1].is_string()) {  // ["left", "right"]
      left = merge.array[0].string;
      right = merge.array[1].string;
    } else {
      fail(field, "expected \"left right\" or [\"left\", \"right\"], got " + describe(&merge));
    }
    // byte-level tokens never hold a raw space or newline (those bytes are Ġ and Ċ)
    for (const std::string* token : {&left, &right})
      if (token->empty() || token->find_first_of(" \r\n") != std::string::npos)
        fail(field, "expected byte-level tokens (no space or line break), got " + quoted(*token));
    merges_txt += left + ' ' + right + '\n';
  }
  try {
    state->bpe = BpeTokenizer::from_files(vocab_json, merges_txt);
  } catch (const FormatError& error) {
    throw FormatError(std::string("tokenizer.json: model: ") + error.what());
  }
  state->model_vocab = state->bpe->vocab_size();
  state->vocab_size = state->model_vocab;

  // added tokens
  if (const json::Value* added = root.find("added_tokens"); added && !added->is_null()) {
    if (!added->is_array()) fail("added_tokens", "expected an array, got " + describe(added));
    for (size_t n = 0; n < added->array.size(); ++n) {
      const json::Value& token = added->array[n];
      const std::string path = "added_tokens[" + std::to_string(n) + "]";
      if (!token.is_object()) fail(path, "expected an object, got " + describe(&token));
      const json::Value& content = member(token, path, "content");
      const json::Value& id = member(token, path, "id");
      if (!content.is_string() || content.string.empty())
        fail(path + ".content", "expected a non-empty string, got " + describe(&content));
      if (!id.is_number() || id.number < 0 || id.number > 1e8 || id.number != double(int32_t(id.number)))
        fail(path + ".id", "expected an id >= 0, got " + describe(&id));
      for (const char* option : {"lstrip", "rstrip", "single_word"})
        if (flag(token, path, option, false)) fail(path + "." + option, "expected false (not supported), got true");
      const int32_t token_id = int32_t(id.number);
      if (token_id < state->model_vocab) {
        const std::optional<int32_t> in_vocab = state->bpe->token_id(content.string);
        if (!in_vocab || *in_vocab != token_id)
          fail(path + ".id", "expected the model vocab's id of " + quoted(content.string) + " or an id >= " +
                                 std::to_string(state->model_vocab) + ", got " + std::to_string(token_id));
      } else {
        state->added_by_id[token_id] = content.string;
      }
      state->added.push_back({content.string, token_id});
      state->added_ids[content.string] = token_id;
      state->vocab_size = std::max(state->vocab_size, token_id + 1);
    }
    std::stable_sort(state->added.begin(), state->added.end(),
                     [](const State::Added& a, const State::Added& b) { return a.content.size() > b.content.size(); });
  }
  return HfTokenizer(std::move(state));
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text) const {
  const State& s = *state_;
  std::vector<int32_t> ids;
  // The pre-tokenizer steps and the BPE model over one segment of text between added tokens.
  const auto encode_segment = [&](std::string_view segment) {
    if (segment.empty()) return;
    std::vector<std::string> pieces{std::string(segment)};
    for (const PreTokenizerStep& step : s.steps) {
      if (step.kind == PreTokenizerStep::Kind::digits) {
        pieces = split_digits(pieces, step.individual_digits);
        continue;
      }
      if (step.kind == PreTokenizerStep::Kind::split_pattern) {
        std::vector<std::string> split;
        for (const std::string& piece : pieces)
          for (std::string& part : pretokenize_split_pattern(piece, step.max_numbers)) split.push_back(std::move(part));
        pieces = std::move(split);
        continue;
      }
      for (const std::string& piece : pieces) {  // ByteLevel, the last step: pieces go to the model
        const std::string prefixed = step.add_prefix_space && piece[0] != ' ' ? " " + piece : piece;
        std::vector<std::string_view> words;
        if (step.use_regex)
          words = pretokenize_gpt2(prefixed);
        else
          words.push_back(prefixed);
        for (std::string_view word : words) {
          if (s.ignore_merges) {
            std::string key;
            for (const char byte : word) append_utf8(key, byte_to_unicode(static_cast<uint8_t>(byte)));
            if (const std::optional<int32_t> id = s.bpe->token_id(key)) {
              ids.push_back(*id);
              continue;
            }
          }
          s.bpe->encode_piece(word, ids);
        }
      }
    }
  };
  // Added tokens first: at the leftmost position where one matches, the longest one.
  size_t segment_begin = 0;
  for (size_t at = 0; at < text.size();) {
    const State::Added* match = nullptr;
    for (const State::Added& added : s.added)  // longest first
      if (text.compare(at, added.content.size(), added.content) == 0) {
        match = &added;
        break;
      }
    if (match == nullptr) {
      ++at;
      continue;
    }
    encode_segment(text.substr(segment_begin, at - segment_begin));
    ids.push_back(match->id);
    at += match->content.size();
    segment_begin = at;
  }
  encode_segment(text.substr(segment_begin));
  return ids;
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids) const {
  const State& s = *state_;
  std::string out;
  for (size_t n = 0; n < ids.size(); ++n) {
    const int32_t id = ids[n];
    if (id >= 0 && id < s.model_vocab) {
      out += s.bpe->token_bytes(id);
    } else if (const auto added = s.added_by_id.find(id); added != s.added_by_id.end()) {
      out += added->second;
    } else {
      throw ArgumentError("ids[" + std::to_string(n) + "]: expected a token id of this tokenizer, got " +
                          std::to_string(id));
    }
  }
  return out;
}

std::string HfTokenizer::token_display(int32_t id) const {
  const State& s = *state_;
  if (const auto added = s.added_by_id.find(id); added != s.added_by_id.end()) return added->second;
  if (id < 0 || id >= s.model_vocab)
    throw ArgumentError("id: expected a token id of this tokenizer, got " + std::to_string(id));
  return s.bpe->token_display(id);
}

int32_t HfTokenizer::vocab_size() const { return state_->vocab_size; }

std::optional<int32_t> HfTokenizer::token_id(std::string_view key) const {
  if (const auto added = state_->added_ids.find(key); added != state_->added_ids.end()) return added->second;
  return state_->bpe->token_id(key);
}

}  // namespace mha::text
