// Comparison helpers: relative error scaled by the magnitude of the expected values, and a message that
// prints the worst element (in the spirit of llm.c's check_tensor).
#pragma once

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

namespace mha::testing {

struct Comparison {
  double max_abs_diff = 0.0;
  double relative_error = 0.0;  // max_abs_diff / max(1e-30, max |expected|)
  size_t worst_index = 0;
  bool shapes_match = true;
  std::string describe(const std::string& what) const {
    std::ostringstream text;
    text << what << ": max abs diff " << max_abs_diff << " at " << worst_index << ", relative " << relative_error;
    return text.str();
  }
};

// NaN in `expected` is treated as 0 in `actual` when nan_means_zero (torch's fully masked rows).
inline Comparison compare(const float* actual, const float* expected, size_t n, bool nan_means_zero = false) {
  Comparison c;
  double scale = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double want = (nan_means_zero && std::isnan(expected[i])) ? 0.0 : expected[i];
    scale = std::max(scale, std::fabs(want));
    const double diff = std::isnan(actual[i]) ? INFINITY : std::fabs(double(actual[i]) - want);
    if (diff > c.max_abs_diff || (i == 0 && diff == c.max_abs_diff)) {
      c.max_abs_diff = diff;
      c.worst_index = i;
    }
  }
  c.relative_error = c.max_abs_diff / std::max(scale, 1e-30);
  return c;
}

inline Comparison compare(const std::vector<float>& actual, const std::vector<float>& expected,
                          bool nan_means_zero = false) {
  Comparison c = compare(actual.data(), expected.data(), std::min(actual.size(), expected.size()), nan_means_zero);
  c.shapes_match = actual.size() == expected.size();
  return c;
}

}  // namespace mha::testing
