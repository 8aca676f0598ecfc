// The little Unicode that GPT-2's pre-tokenizer needs: a character class per code point and a UTF-8
// decoder that never fails. The class data is generated (unicode_tables.cpp, tools/unicode/make_tables.py).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mha::text {

// The four answers that the pattern  ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+...'  can get about a code
// point. The values are those written by the generator.
enum class CharClass : uint8_t {
  other = 0,   // none of the three below (punctuation, symbols, marks, controls, unassigned, invalid bytes)
  letter = 1,  // general category L* (Lu Ll Lt Lm Lo)
  number = 2,  // general category N* (Nd Nl No)
  space = 3,   // Unicode White_Space, which is what \s means in Python's `regex` module
};

namespace tables {  // unicode_tables.cpp
extern const char* const unicode_version;
extern const uint8_t latin1_classes[256];
extern const size_t run_count;
extern const uint32_t run_starts[];  // ascending, run_starts[0] == 0: the class changes at each entry
extern const uint8_t run_classes[];  // class of [run_starts[i], run_starts[i + 1])
}  // namespace tables

// Class of a code point (any value; above U+10FFFF gives `other`).
CharClass char_class(char32_t code_point);

// One step of UTF-8 decoding at `text[offset]` (offset < text.size()).
struct DecodedChar {
  char32_t code_point;  // kInvalidByte when the bytes at offset are not a valid UTF-8 sequence
  uint32_t length;      // bytes consumed: 1..4; exactly 1 for an invalid byte
};
// Marker for a byte that does not start a valid sequence (stray continuation byte, overlong form,
// surrogate, value above U+10FFFF, truncated sequence). Such a byte counts as one `other` character.
inline constexpr char32_t kInvalidByte = 0xFFFFFFFF;

DecodedChar decode_utf8(std::string_view text, size_t offset);

// Appends the UTF-8 encoding (1 to 4 bytes) of a code point below 0x110000.
void append_utf8(std::string& out, char32_t code_point);

}  // namespace mha::text
