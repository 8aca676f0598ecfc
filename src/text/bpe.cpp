#include "text/bpe.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "errors.hpp"
#include "io/json.hpp"
#include "io/message_text.hpp"
#include "text/pretokenize.hpp"
#include "text/unicode.hpp"

namespace mha::text {
namespace {

using io_detail::quoted;

// byte -> code point of its character in vocab keys, and back (-1: not a byte-level character).
// The characters are U+0021..U+0143, so the reverse table is small.
constexpr char32_t kLastByteLevelChar = 0x143;
struct ByteLevelTables {
  std::array<char32_t, 256> char_of_byte{};
  std::array<int16_t, kLastByteLevelChar + 1> byte_of_char{};
};

constexpr bool printable_latin1(int byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

const ByteLevelTables& byte_level_tables() {
  static const ByteLevelTables tables = [] {
    ByteLevelTables t;
    t.byte_of_char.fill(-1);
    char32_t next_extra = 0x100;  // the non-printable bytes get U+0100.. in byte order
    for (int byte = 0; byte < 256; ++byte) {
      const char32_t c = printable_latin1(byte) ? static_cast<char32_t>(byte) : next_extra++;
      t.char_of_byte[byte] = c;
      t.byte_of_char[c] = static_cast<int16_t>(byte);
    }
    return t;
  }();
  return tables;
}

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// Pieces longer than this are encoded every time instead of being cached (they are rare, and a hostile
// text could otherwise fill the memory with them); the cache is emptied when it reaches kCacheEntries.
constexpr size_t kCacheMaxPieceBytes = 64;
constexpr size_t kCacheEntries = size_t{1} << 16;

}  // namespace

char32_t byte_to_unicode(uint8_t byte) { return byte_level_tables().char_of_byte[byte]; }

struct BpeTokenizer::Model {
  struct Merge {
    int32_t rank;       // line order in merges.txt: lower merges first
    int32_t merged_id;  // id of left + right
    int32_t line;       // in merges.txt, for error messages
  };
  std::vector<std::string> keys;   // [N] vocab.json spelling
  std::vector<std::string> bytes;  // [N] raw bytes
  std::unordered_map<std::string, int32_t> id_of_key;
  std::array<int32_t, 256> id_of_byte{};       // the single-byte tokens
  std::unordered_map<uint64_t, Merge> merges;  // pair_key(left id, right id) -> merge

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;  // piece bytes -> ids

  void load_vocab(std::string_view vocab_json);
  void load_merges(std::string_view merges_txt);
  void merge_piece(std::string_view piece, std::vector<int32_t>& out) const;
  void check_id(int32_t id, const char* name) const;
};

void BpeTokenizer::Model::load_vocab(std::string_view vocab_json) {
  json::Value root;
  try {
    root = json::parse(vocab_json);
  } catch (const FormatError& e) {
    throw FormatError(std::string("vocab.json: ") + e.what());
  }
  if (!root.is_object())
    throw FormatError(std::string("vocab.json: expected an object {token: id}, got ") + json::type_name(root.type));
  const size_t count = root.object.size();
  if (count > size_t{1} << 30) throw FormatError("vocab.json: too many tokens: " + std::to_string(count));
  const ByteLevelTables& byte_level = byte_level_tables();
  keys.assign(count, std::string());
  bytes.assign(count, std::string());
  std::vector<bool> seen(count, false);
  id_of_key.reserve(count);
  id_of_byte.fill(-1);
  for (auto& member : root.object) {
    std::string& key = member.first;  // not a structured binding: C++17 lambdas cannot capture those
    const json::Value& value = member.second;
    auto where = [&key] { return "vocab.json: key " + quoted(key); };  // built only for an error
    if (!value.is_number() || !(value.number >= 0 && value.number < static_cast<double>(count)) ||
        value.number != static_cast<double>(static_cast<int64_t>(value.number))) {
      const std::string got =
          value.is_number() ? io_detail::number_text(value.number) : std::string("a ") + json::type_name(value.type);
      throw FormatError(where() + ": expected an integer id in [0, " + std::to_string(count) +
                        ") (ids are 0..N-1 for N tokens), got " + got);
    }
    const int32_t id = static_cast<int32_t>(value.number);
    if (seen[id]) throw FormatError(where() + ": id " + std::to_string(id) + " is also the id of " + quoted(keys[id]));
    seen[id] = true;
    if (key.empty()) throw FormatError("vocab.json: empty key for id " + std::to_string(id));
    // Undo bytes_to_unicode: each character of the key is one byte.
    std::string token_bytes;
    for (size_t offset = 0; offset < key.size();) {
      const DecodedChar c = decode_utf8(key, offset);
      if (c.code_point == kInvalidByte || c.code_point > kLastByteLevelChar ||
          byte_level.byte_of_char[c.code_point] < 0) {
        char code[16];
        std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c.code_point));
        throw FormatError(where() + ": character " + (c.code_point == kInvalidByte ? "(invalid UTF-8)" : code) +
                          " at byte " + std::to_string(offset) + " is not one of GPT-2's 256 byte-level characters");
      }
      token_bytes += static_cast<char>(byte_level.byte_of_char[c.code_point]);
      offset += c.length;
    }
    if (token_bytes.size() == 1) id_of_byte[static_cast<uint8_t>(token_bytes[0])] = id;
    keys[id] = std::move(key);
    bytes[id] = std::move(token_bytes);
    id_of_key.emplace(keys[id], id);
  }
  for (int byte = 0; byte < 256; ++byte) {
    if (id_of_byte[byte] >= 0) continue;
    std::string key;
    append_utf8(key, byte_level.char_of_byte[byte]);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", byte);
    throw FormatError(std::string("vocab.json: no token for byte ") + hex + " (key " + quoted(key) +
                      "); a byte-level vocab needs all 256 single-byte tokens");
  }
}

void BpeTokenizer::Model::load_merges(std::string_view merges_txt) {
  merges.reserve(std::min<size_t>(merges_txt.size() / 8, size_t{1} << 20));  // GPT-2: 50,000 merges in 456 kB
  int32_t rank = 0;
  size_t line_start = 0;
  for (int64_t line_number = 1; line_start < merges_txt.size(); ++line_number) {
    size_t line_end = merges_txt.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = merges_txt.size();
    std::string_view line = merges_txt.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 && line.substr(0, 8) == "#version") continue;
    // Fields separated by spaces or tabs (byte-level tokens never contain ASCII white space).
    std::string_view fields[3];
    int field_count = 0;
    for (size_t i = 0; i < line.size();) {
      if (line[i] == ' ' || line[i] == '\t') {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      if (field_count < 3) fields[field_count] = line.substr(i, j - i);
      ++field_count;
      i = j;
    }
    if (field_count == 0) continue;  // blank line
    auto where = [line_number] { return "merges.txt line " + std::to_string(line_number); };
    if (field_count != 2)
      throw FormatError(where() + ": expected two tokens \"left right\", got " + std::to_string(field_count) + " in " +
                        quoted(line));
    int32_t ids[3];
    const std::string merged = std::string(fields[0]) + std::string(fields[1]);
    const std::string_view names[3] = {fields[0], fields[1], merged};
    for (int k = 0; k < 3; ++k) {
      auto found = id_of_key.find(std::string(names[k]));
      if (found == id_of_key.end())
        throw FormatError(where() + ": " + (k < 2 ? "token " : "merged token ") + quoted(names[k]) +
                          " is not in vocab.json");
      ids[k] = found->second;
    }
    auto [existing, inserted] =
        merges.emplace(pair_key(ids[0], ids[1]), Merge{rank, ids[2], static_cast<int32_t>(line_number)});
    if (!inserted)
      throw FormatError(where() + ": the pair " + quoted(line) + " is already on line " +
                        std::to_string(existing->second.line));
    ++rank;
  }
}

// BPE of one piece, appended to `out`. Semantics (GPT-2's encoder.py): start from one symbol per byte;
// while some adjacent pair has a merge, take the pair with the lowest rank and merge all of its
// occurrences, left to right, without overlap ("a a a" -> "aa a"); repeat.
// Done with a heap of candidate pairs instead of rescanning the word per merge, so a piece of n bytes
// costs O(n log n), not O(n^2): a "round" pops every candidate of the lowest rank (they come out in
// position order) and applies those still valid; the pairs that the round creates are pushed afterwards.
// A round cannot create a pair of its own rank (the merged token is longer than either part), and pairs of
// a lower rank must wait for the next round, exactly as in the rescanning loop.
void BpeTokenizer::Model::merge_piece(std::string_view piece, std::vector<int32_t>& out) const {
  const int32_t n = static_cast<int32_t>(piece.size());
  // Symbols live at the position of their first byte; id -1 = absorbed by the symbol on its left.
  std::vector<int32_t> id(n), next(n), previous(n);
  for (int32_t i = 0; i < n; ++i) {
    id[i] = id_of_byte[static_cast<uint8_t>(piece[i])];
    next[i] = i + 1 < n ? i + 1 : -1;
    previous[i] = i - 1;
  }
  struct Candidate {
    int32_t rank, position, left, right, merged;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : position > other.position;
    }
  };
  std::vector<Candidate> heap;
  auto push_pair = [&](int32_t position) {
    if (position < 0 || next[position] < 0) return;
    const int32_t right = id[next[position]];
    auto found = merges.find(pair_key(id[position], right));
    if (found == merges.end()) return;
    heap.push_back({found->second.rank, position, id[position], right, found->second.merged_id});
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  };
  for (int32_t i = 0; i + 1 < n; ++i) push_pair(i);

  std::vector<int32_t> merged_positions;
  while (!heap.empty()) {
    const int32_t rank = heap.front().rank;  // one pair per rank: every candidate of the round merges alike
    merged_positions.clear();
    while (!heap.empty() && heap.front().rank == rank) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      const Candidate c = heap.back();
      heap.pop_back();
      // Still there? (Stale candidates: the left symbol was absorbed or grew, or its right one grew.)
      if (id[c.position] != c.left || next[c.position] < 0 || id[next[c.position]] != c.right) continue;
      const int32_t absorbed = next[c.position];
      id[c.position] = c.merged;
      id[absorbed] = -1;
      next[c.position] = next[absorbed];
      if (next[absorbed] >= 0) previous[next[absorbed]] = c.position;
      merged_positions.push_back(c.position);
    }
    for (int32_t position : merged_positions) {
      push_pair(previous[position]);
      push_pair(position);
    }
  }
  for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push_back(id[i]);
}

void BpeTokenizer::Model::check_id(int32_t id, const char* name) const {
  if (id < 0 || static_cast<size_t>(id) >= keys.size())
    throw ArgumentError(std::string(name) + ": expected a token id in [0, " + std::to_string(keys.size()) + "), got " +
                        std::to_string(id));
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Model> model) : model_(std::move(model)) {}
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;
BpeTokenizer::~BpeTokenizer() = default;

BpeTokenizer BpeTokenizer::from_files(std::string_view vocab_json, std::string_view merges_txt) {
  auto model = std::make_unique<Model>();
  model->load_vocab(vocab_json);
  model->load_merges(merges_txt);
  return BpeTokenizer(std::move(model));
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view utf8_text) const {
  std::vector<int32_t> ids;
  ids.reserve(utf8_text.size() / 3 + 1);
  for (std::string_view piece : pretokenize_gpt2(utf8_text)) encode_piece(piece, ids);
  return ids;
}

void BpeTokenizer::encode_piece(std::string_view piece, std::vector<int32_t>& ids) const {
  const Model& m = *model_;
  if (piece.empty()) return;
  if (piece.size() == 1) {
    ids.push_back(m.id_of_byte[static_cast<uint8_t>(piece[0])]);
    return;
  }
  const bool cacheable = piece.size() <= kCacheMaxPieceBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(m.cache_mutex);
    auto found = m.cache.find(std::string(piece));
    if (found != m.cache.end()) {
      ids.insert(ids.end(), found->second.begin(), found->second.end());
      return;
    }
  }
  std::vector<int32_t> piece_ids;
  m.merge_piece(piece, piece_ids);
  ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(m.cache_mutex);
    if (m.cache.size() >= kCacheEntries) m.cache.clear();
    m.cache.emplace(std::string(piece), std::move(piece_ids));
  }
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= model_->bytes.size())
      model_->check_id(ids[i], ("ids[" + std::to_string(i) + "]").c_str());
    text += model_->bytes[ids[i]];
  }
  return text;
}

int32_t BpeTokenizer::vocab_size() const { return static_cast<int32_t>(model_->keys.size()); }

std::string BpeTokenizer::token_bytes(int32_t id) const {
  model_->check_id(id, "id");
  return model_->bytes[id];
}

const std::string& BpeTokenizer::token_key(int32_t id) const {
  model_->check_id(id, "id");
  return model_->keys[id];
}

std::string BpeTokenizer::token_display(int32_t id) const {
  model_->check_id(id, "id");
  const std::string& bytes = model_->bytes[id];
  std::string display;
  for (size_t offset = 0; offset < bytes.size();) {
    const DecodedChar c = decode_utf8(bytes, offset);
    if (c.code_point == ' ') {
      display += "\u2423";
    } else if (c.code_point == '\n') {
      display += "\u21B5";
    } else if (c.code_point == '\t') {
      display += "\u21E5";
    } else if (c.code_point == kInvalidByte || c.code_point < 0x20 || c.code_point == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "<0x%02X>", static_cast<uint8_t>(bytes[offset]));
      display += hex;
    } else {
      display.append(bytes, offset, c.length);
    }
    offset += c.length;
  }
  return display;
}

std::optional<int32_t> BpeTokenizer::token_id(std::string_view key) const {
  auto found = model_->id_of_key.find(std::string(key));
  if (found == model_->id_of_key.end()) return std::nullopt;
  return found->second;
}

}  // namespace mha::text
