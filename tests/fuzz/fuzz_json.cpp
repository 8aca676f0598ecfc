// libFuzzer target: mha::json::parse on arbitrary bytes. Only FormatError may escape the parser; a
// parsed document must respect the limits and hold only valid UTF-8 strings.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "io/json.hpp"

namespace {

bool is_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (length == 0 || i + length > s.size()) return false;
    uint32_t code_point = length == 1 ? c : c & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(s[i + k]);
      if ((next >> 6) != 2) return false;
      code_point = code_point << 6 | (next & 0x3F);
    }
    const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < min_for_length[length] || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
      return false;
    i += length;
  }
  return true;
}

// Returns the nesting depth of arrays/objects (a scalar has depth 0).
int check(const mha::json::Value& value) {
  if (value.is_string() && !is_utf8(value.string)) std::abort();
  int deepest = 0;
  for (const auto& element : value.array) deepest = std::max(deepest, check(element));
  for (const auto& [key, member] : value.object) {
    if (!is_utf8(key)) std::abort();
    deepest = std::max(deepest, check(member));
  }
  return value.is_array() || value.is_object() ? deepest + 1 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mha::json::ParseLimits limits;
  limits.max_depth = 16;  // small enough that the fuzzer reaches it
  try {
    const mha::json::Value value = mha::json::parse(text, limits);
    if (check(value) > limits.max_depth) std::abort();
  } catch (const mha::FormatError&) {
  }
  return 0;
}
