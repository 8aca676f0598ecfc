// Strict RFC 8259 parser: recursive descent over the bytes, with the nesting depth bounded so that
// the recursion (and the destructor of the result) stays shallow. What is rejected, and why:
//   - anything outside the grammar (comments, trailing commas, single quotes, NaN, leading '+' or
//     zeros, a number without digits after '.' or 'e'), and any byte after the value;
//   - strings with a raw control character (< 0x20), an unknown escape, a lone UTF-16 surrogate
//     (\ud800 without its low half, or a low half alone) or bytes that are not UTF-8 (overlong
//     forms, encoded surrogates, code points above U+10FFFF), so every decoded string is UTF-8;
//   - numbers beyond the range of double (1e400): they would silently become infinity;
//   - duplicate keys in an object: readers would disagree about which one wins;
//   - documents over the size, depth or value-count limits (ParseLimits), before memory is spent.
// A leading UTF-8 byte order mark is skipped (RFC 8259 section 8.1 allows parsers to ignore it).
#include "io/json.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "io/message_text.hpp"
#include "text/unicode.hpp"

namespace mha::json {
namespace {

using io_detail::quoted;

// A readable name for the byte at an error position.
std::string describe_byte(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char hex[16];
  std::snprintf(hex, sizeof hex, "byte 0x%02x", c);
  return hex;
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : text_(text), limits_(limits) {}

  Value parse_document() {
    if (text_.size() > limits_.max_bytes)
      fail("text of " + std::to_string(text_.size()) + " bytes is longer than the limit of " +
               std::to_string(limits_.max_bytes) + " bytes",
           0);
    if (text_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
    skip_whitespace();
    Value value;
    parse_value(value, 0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("unexpected " + describe_byte(byte()) + " after the value", pos_);
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what, size_t offset) const {
    throw FormatError("json: " + what + " at byte " + std::to_string(offset));
  }
  [[noreturn]] void fail_unexpected(const char* expected) const {
    if (pos_ >= text_.size()) fail(std::string("unexpected end of text, expected ") + expected, pos_);
    fail("unexpected " + describe_byte(byte()) + ", expected " + expected, pos_);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  unsigned char byte() const { return static_cast<unsigned char>(text_[pos_]); }

  void skip_whitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  // Consumes `word` (true/false/null) or fails.
  void expect_literal(const char* word) {
    const size_t length = std::strlen(word);
    if (text_.compare(pos_, length, word) != 0) fail_unexpected("a value");
    pos_ += length;
  }

  void parse_value(Value& out, int32_t depth) {
    if (at_end()) fail_unexpected("a value");
    if (++value_count_ > limits_.max_values)
      fail("more values than the limit of " + std::to_string(limits_.max_values), pos_);
    switch (byte()) {
      case '{':
        parse_object(out, depth + 1);
        return;
      case '[':
        parse_array(out, depth + 1);
        return;
      case '"':
        out.type = Value::Type::string;
        parse_string(out.string);
        return;
      case 't':
        expect_literal("true");
        out.type = Value::Type::boolean;
        out.boolean = true;
        return;
      case 'f':
        expect_literal("false");
        out.type = Value::Type::boolean;
        out.boolean = false;
        return;
      case 'n':
        expect_literal("null");
        out.type = Value::Type::null;
        return;
      default:
        if (byte() == '-' || (byte() >= '0' && byte() <= '9')) {
          out.type = Value::Type::number;
          out.number = parse_number();
          return;
        }
        fail_unexpected("a value");
    }
  }

  void check_depth(int32_t depth) const {
    if (depth > limits_.max_depth) fail("nesting deeper than the limit of " + std::to_string(limits_.max_depth), pos_);
  }

  void parse_array(Value& out, int32_t depth) {
    check_depth(depth);
    out.type = Value::Type::array;
    ++pos_;  // '['
    skip_whitespace();
    if (!at_end() && byte() == ']') {
      ++pos_;
      return;
    }
    while (true) {
      skip_whitespace();
      out.array.emplace_back();
      parse_value(out.array.back(), depth);
      skip_whitespace();
      if (at_end()) fail_unexpected("',' or ']' in an array");
      if (byte() == ',') {
        ++pos_;
        continue;
      }
      if (byte() == ']') {
        ++pos_;
        return;
      }
      fail_unexpected("',' or ']' in an array");
    }
  }

  void parse_object(Value& out, int32_t depth) {
    check_depth(depth);
    out.type = Value::Type::object;
    ++pos_;  // '{'
    skip_whitespace();
    if (!at_end() && byte() == '}') {
      ++pos_;
      return;
    }
    std::vector<size_t> key_offsets;  // byte offset of each key, for the duplicate-key message
    while (true) {
      skip_whitespace();
      if (at_end() || byte() != '"') fail_unexpected("a string key");
      key_offsets.push_back(pos_);
      out.object.emplace_back();
      parse_string(out.object.back().first);
      skip_whitespace();
      if (at_end() || byte() != ':') fail_unexpected("':' after an object key");
      ++pos_;
      skip_whitespace();
      parse_value(out.object.back().second, depth);
      skip_whitespace();
      if (at_end()) fail_unexpected("',' or '}' in an object");
      if (byte() == ',') {
        ++pos_;
        continue;
      }
      if (byte() == '}') {
        ++pos_;
        break;
      }
      fail_unexpected("',' or '}' in an object");
    }
    check_duplicate_keys(out.object, key_offsets);
  }

  // Reports the first key (in file order) that repeats an earlier one. Small objects compare every
  // pair; large ones (vocab.json has 50k members) sort the keys once: O(n log n).
  void check_duplicate_keys(const std::vector<std::pair<std::string, Value>>& members,
                            const std::vector<size_t>& key_offsets) const {
    const size_t n = members.size();
    size_t first_repeat = n;  // index of the earliest member whose key appeared before it
    if (n <= 16) {
      for (size_t j = 1; j < n && first_repeat == n; ++j)
        for (size_t i = 0; i < j; ++i)
          if (members[i].first == members[j].first) {
            first_repeat = j;
            break;
          }
    } else {
      std::vector<uint32_t> order(n);
      for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const int c = members[a].first.compare(members[b].first);
        return c < 0 || (c == 0 && a < b);
      });
      for (size_t k = 1; k < n; ++k)
        if (members[order[k]].first == members[order[k - 1]].first)
          first_repeat = std::min<size_t>(first_repeat, order[k]);
    }
    if (first_repeat < n) fail("duplicate key " + quoted(members[first_repeat].first), key_offsets[first_repeat]);
  }

  // 4 hex digits after "\u" at pos_; returns the code unit.
  uint32_t parse_hex4() {
    if (text_.size() - pos_ < 4) fail("unexpected end of text in a \\u escape", pos_);
    uint32_t unit = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = byte();
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        fail("invalid hex digit " + describe_byte(c) + " in a \\u escape", pos_);
      }
      unit = unit * 16 + digit;
      ++pos_;
    }
    return unit;
  }

  // One escape sequence; pos_ is at the backslash.
  void parse_escape(std::string& out) {
    const size_t start = pos_;
    ++pos_;
    if (at_end()) fail("unexpected end of text in an escape", start);
    const char c = text_[pos_++];
    switch (c) {
      case '"':
        out += '"';
        return;
      case '\\':
        out += '\\';
        return;
      case '/':
        out += '/';
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        break;
      default:
        fail("invalid escape '\\" + std::string(1, c) + "' (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
             start);
    }
    uint32_t unit = parse_hex4();
    if (unit >= 0xDC00 && unit <= 0xDFFF) fail("lone low surrogate \\u" + hex4(unit) + " in a string", start);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      // A high surrogate must be followed by an escaped low surrogate: together one code point.
      if (text_.compare(pos_, 2, "\\u") != 0)
        fail("lone high surrogate \\u" + hex4(unit) + " in a string (expected a \\uDC00-\\uDFFF escape after it)",
             start);
      pos_ += 2;
      const uint32_t low = parse_hex4();
      if (low < 0xDC00 || low > 0xDFFF)
        fail("high surrogate \\u" + hex4(unit) + " followed by \\u" + hex4(low) + ", not by a low surrogate", start);
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    text::append_utf8(out, static_cast<char32_t>(unit));
  }

  static std::string hex4(uint32_t unit) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04x", unit);
    return hex;
  }

  // Length of the UTF-8 sequence starting at pos_ (2-4), or fails. Follows RFC 3629's table:
  // no overlong forms, no encoded surrogates, nothing above U+10FFFF.
  size_t utf8_sequence_length() const {
    const unsigned char lead = byte();
    size_t length;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
      if (lead == 0xED) high = 0x9F;  // U+D800..U+DFFF
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong below U+10000
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      fail("invalid UTF-8 lead " + describe_byte(lead) + " in a string", pos_);
    }
    if (text_.size() - pos_ < length) fail("truncated UTF-8 sequence in a string", pos_);
    for (size_t i = 1; i < length; ++i) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_ + i]);
      const unsigned char lo = i == 1 ? low : 0x80, hi = i == 1 ? high : 0xBF;
      if (c < lo || c > hi) fail("invalid UTF-8 sequence in a string", pos_);
    }
    return length;
  }

  void parse_string(std::string& out) {
    const size_t start = pos_;
    ++pos_;  // opening quote
    while (true) {
      // Fast path: copy runs of plain printable ASCII in one go.
      const size_t run_start = pos_;
      while (pos_ < text_.size()) {
        const unsigned char c = byte();
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out.append(text_.data() + run_start, pos_ - run_start);
      if (at_end()) fail("unterminated string (no closing quote before the end of text)", start);
      const unsigned char c = byte();
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        parse_escape(out);
      } else if (c < 0x20) {
        fail("raw control character " + describe_byte(c) + " in a string (escape it, e.g. \\n or \\u00XX)", pos_);
      } else {
        const size_t length = utf8_sequence_length();
        out.append(text_.data() + pos_, length);
        pos_ += length;
      }
    }
  }

  double parse_number() {
    const size_t start = pos_;
    if (byte() == '-') ++pos_;
    if (at_end() || byte() < '0' || byte() > '9') fail_number("expected a digit", start);
    if (byte() == '0') {
      ++pos_;
      if (!at_end() && byte() >= '0' && byte() <= '9') fail_number("leading zero", start);
    } else {
      skip_digits();
    }
    const size_t integer_end = pos_;
    if (!at_end() && byte() == '.') {
      ++pos_;
      if (at_end() || byte() < '0' || byte() > '9') fail_number("expected a digit after '.'", start);
      skip_digits();
    }
    if (!at_end() && (byte() == 'e' || byte() == 'E')) {
      ++pos_;
      if (!at_end() && (byte() == '+' || byte() == '-')) ++pos_;
      if (at_end() || byte() < '0' || byte() > '9') fail_number("expected a digit in the exponent", start);
      skip_digits();
    }
    const std::string_view token = text_.substr(start, pos_ - start);
    // Fast path: plain integers of up to 15 digits are exact in double (vocab.json is all of these).
    const size_t digits = integer_end - start - (text_[start] == '-' ? 1 : 0);
    if (pos_ == integer_end && digits <= 15) {
      int64_t magnitude = 0;
      for (size_t i = integer_end - digits; i < integer_end; ++i) magnitude = magnitude * 10 + (text_[i] - '0');
      // -0 stays -0.0, as strtod would give.
      return text_[start] == '-' ? -static_cast<double>(magnitude) : static_cast<double>(magnitude);
    }
    // strtod needs a terminated copy. The grammar check above keeps it from reading locale-dependent
    // forms (hex floats, "inf", a ',' decimal point never reaches it).
    const std::string copy(token);
    errno = 0;
    const double value = std::strtod(copy.c_str(), nullptr);
    if (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL))
      fail("number " + quoted(token, 32) + " is out of the range of double", start);
    return value;
  }

  void skip_digits() {
    while (!at_end() && byte() >= '0' && byte() <= '9') ++pos_;
  }

  [[noreturn]] void fail_number(const char* what, size_t start) const {
    std::string message = std::string("invalid number (") + what;
    if (at_end()) {
      message += ", got the end of text)";
    } else {
      message += ", got " + describe_byte(byte()) + ")";
    }
    fail(message, start);
  }

  std::string_view text_;
  const ParseLimits& limits_;
  size_t pos_ = 0;
  size_t value_count_ = 0;
};

}  // namespace

const Value* Value::find(std::string_view key) const {
  if (type != Type::object) return nullptr;
  for (const auto& member : object)
    if (member.first == key) return &member.second;
  return nullptr;
}

Value parse(std::string_view text, const ParseLimits& limits) { return Parser(text, limits).parse_document(); }

const char* type_name(Value::Type type) {
  switch (type) {
    case Value::Type::null:
      return "null";
    case Value::Type::boolean:
      return "boolean";
    case Value::Type::number:
      return "number";
    case Value::Type::string:
      return "string";
    case Value::Type::array:
      return "array";
    case Value::Type::object:
      return "object";
  }
  return "unknown";
}

std::string describe(const Value& value) {
  switch (value.type) {
    case Value::Type::number:
      return io_detail::number_text(value.number);
    case Value::Type::string:
      return "the string " + io_detail::quoted(value.string, 32);
    case Value::Type::boolean:
      return value.boolean ? "true" : "false";
    default:
      return std::string("a value of type ") + type_name(value.type);
  }
}

}  // namespace mha::json
