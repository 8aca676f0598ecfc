#include "text/unicode.hpp"

#include <algorithm>

namespace mha::text {

CharClass char_class(char32_t code_point) {
  if (code_point < 256) return static_cast<CharClass>(tables::latin1_classes[code_point]);
  if (code_point > 0x10FFFF) return CharClass::other;
  // The last run that starts at or before the code point.
  const uint32_t* end = tables::run_starts + tables::run_count;
  const uint32_t* run = std::upper_bound(tables::run_starts, end, static_cast<uint32_t>(code_point)) - 1;
  return static_cast<CharClass>(tables::run_classes[run - tables::run_starts]);
}

DecodedChar decode_utf8(std::string_view text, size_t offset) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(offset);
  if (lead < 0x80) return {lead, 1};
  // Sequence length and the smallest code point it may encode (anything smaller is an overlong form).
  uint32_t length;
  char32_t minimum;
  char32_t value;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, minimum = 0x80, value = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, minimum = 0x800, value = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, minimum = 0x10000, value = lead & 0x07;
  } else {
    return {kInvalidByte, 1};  // continuation byte or 0xF8..0xFF
  }
  if (text.size() - offset < length) return {kInvalidByte, 1};
  for (uint32_t i = 1; i < length; ++i) {
    const uint8_t continuation = byte(offset + i);
    if ((continuation & 0xC0) != 0x80) return {kInvalidByte, 1};
    value = (value << 6) | (continuation & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {kInvalidByte, 1};
  return {value, length};
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace mha::text
