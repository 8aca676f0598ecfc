// Helpers for error messages about untrusted text: names and values taken from a file are quoted,
// shortened and escaped, so that a hostile file cannot produce a huge or unprintable message.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mha::io_detail {

// `text` in double quotes; bytes outside printable ASCII become \xNN; longer than `max_chars`
// is cut and marked with "...".
inline std::string quoted(std::string_view text, size_t max_chars = 48) {
  std::string out = "\"";
  const size_t n = text.size() < max_chars ? text.size() : max_chars;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  out += '"';
  if (n < text.size()) out += "...";
  return out;
}

// A number as a reader would write it: integers below 1e20 in full without a fraction ("-1",
// "18446744073709551616"), others with the fewest significant digits that read back exactly.
inline std::string number_text(double value) {
  char buffer[32];
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e20) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else {
    // The shortest of 15, 16 or 17 significant digits that reads back as the same double ("76.8",
    // not "76.799999999999997").
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
      if (std::strtod(buffer, nullptr) == value) break;
    }
  }
  return buffer;
}

}  // namespace mha::io_detail
