#include "text/pretokenize.hpp"

#include "text/unicode.hpp"

namespace mha::text {
namespace {

struct Char {
  CharClass char_class;
  uint32_t length;  // in bytes
};

Char char_at(std::string_view text, size_t offset) {
  const uint8_t lead = static_cast<uint8_t>(text[offset]);
  if (lead < 0x80) return {static_cast<CharClass>(tables::latin1_classes[lead]), 1};
  const DecodedChar decoded = decode_utf8(text, offset);
  if (decoded.code_point == kInvalidByte) return {CharClass::other, 1};
  return {char_class(decoded.code_point), decoded.length};
}

// End of the run of characters of class `run_class` that starts at `offset`.
size_t run_end(std::string_view text, size_t offset, CharClass run_class) {
  while (offset < text.size()) {
    const Char c = char_at(text, offset);
    if (c.char_class != run_class) break;
    offset += c.length;
  }
  return offset;
}

// Length of a contraction ('s 't 'm 'd 're 've 'll) at `offset`, where text[offset] == '\'', or 0.
size_t contraction_length(std::string_view text, size_t offset) {
  const size_t left = text.size() - offset - 1;
  if (left >= 1) {
    const char c = text[offset + 1];
    if (c == 's' || c == 't' || c == 'm' || c == 'd') return 2;
  }
  if (left >= 2) {
    const std::string_view two = text.substr(offset + 1, 2);
    if (two == "re" || two == "ve" || two == "ll") return 3;
  }
  return 0;
}

}  // namespace

std::vector<std::string_view> pretokenize_gpt2(std::string_view text) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (start < text.size()) {
    const Char first = char_at(text, start);
    size_t end;
    if (text[start] == '\'' && contraction_length(text, start) > 0) {
      end = start + contraction_length(text, start);
    } else if (first.char_class != CharClass::space) {
      end = run_end(text, start, first.char_class);  // \p{L}+, \p{N}+ or [^\s\p{L}\p{N}]+
    } else {
      const size_t after_space = start + 1;
      const Char next = after_space < text.size() ? char_at(text, after_space) : Char{CharClass::space, 0};
      if (text[start] == ' ' && after_space < text.size() && next.char_class != CharClass::space) {
        end = run_end(text, after_space, next.char_class);  // " ?" then a run
      } else {
        // \s+(?!\S): the whole run if it ends the text, else the run without its last character,
        // which must then be matched on its own; \s+ takes a single white space character.
        size_t last_char = start;
        end = start;
        while (end < text.size()) {
          const Char c = char_at(text, end);
          if (c.char_class != CharClass::space) break;
          last_char = end;
          end += c.length;
        }
        if (end < text.size()) end = last_char > start ? last_char : end;
      }
    }
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

}  // namespace mha::text
