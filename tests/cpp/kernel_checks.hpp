// What the kernel tests share (test_kernels.cpp, test_llama_kernels.cpp): the edge sizes where vector code
// goes wrong, buffers that can start misaligned, and a comparison with double-precision expectations.
#pragma once

#include <algorithm>
#include <catch_amalgamated.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "compare.hpp"
#include "kernels/simd.hpp"

namespace mha::testing {

// W = the SIMD width in floats (4 on wasm and SSE, 8 on AVX).
constexpr int32_t kSimdWidth = kernels::simd::kLanes;
inline const std::vector<int32_t> kEdgeSizes = {
    1, 3, kSimdWidth - 1, kSimdWidth, kSimdWidth + 1, 3 * kSimdWidth, 8 * kSimdWidth + 2};

// `n` random floats in [-scale, scale), stored `offset` floats into the buffer so that a kernel sees a
// misaligned pointer when offset is 1. The storage owns the padding too.
struct Buffer {
  std::vector<float> storage;
  int32_t offset;
  float* data() { return storage.data() + offset; }
  const float* data() const { return storage.data() + offset; }
};
inline Buffer random_buffer(std::mt19937& rng, size_t n, int32_t offset, float scale = 1.0f) {
  std::uniform_real_distribution<float> uniform(-scale, scale);
  Buffer b{std::vector<float>(n + offset + 4), offset};
  for (float& x : b.storage) x = uniform(rng);
  return b;
}

// max |got - want| <= tolerance * max(1, max |want|): relative to the largest expected magnitude, or
// absolute below 1. Prints the worst element when it fails.
inline void check_close(const float* got, const std::vector<double>& want, const std::string& what, double tolerance) {
  std::vector<float> expected(want.begin(), want.end());
  const Comparison c = compare(got, expected.data(), expected.size());
  double scale = 1.0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  INFO(c.describe(what));
  CHECK(c.max_abs_diff <= tolerance * scale);
}

}  // namespace mha::testing
