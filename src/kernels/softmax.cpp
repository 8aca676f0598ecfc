#include "kernels/softmax.hpp"

#include <cmath>
#include <limits>

#include "kernels/simd.hpp"

namespace mha::kernels {
namespace {
using simd::batch;
using simd::kLanes;

// max(row[0..n)), -inf for n = 0 (two accumulators hide the latency of max).
float maximum(const float* row, int32_t n) noexcept {
  batch max0(-std::numeric_limits<float>::infinity()), max1 = max0;
  int32_t j = 0;
  for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
    max0 = simd::max(max0, batch::load_unaligned(row + j));
    max1 = simd::max(max1, batch::load_unaligned(row + j + kLanes));
  }
  float result = xsimd::reduce_max(xsimd::max(max0, max1));
  for (; j < n; ++j) result = std::max(result, row[j]);
  return result;
}
}  // namespace

void softmax_row(float* row, int32_t n) noexcept {
  // Pass 1: row maximum.
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const float row_max = maximum(row, n);
  if (row_max == neg_inf) {  // every key forbidden: defined as zero weights
    std::fill(row, row + n, 0.0f);
    return;
  }
  // Pass 2: e_j = exp(s_j - max) in place, and their sum.
  const batch shift(row_max);
  batch sum0(0.0f);
  int32_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const batch e = xsimd::exp(batch::load_unaligned(row + j) - shift);
    e.store_unaligned(row + j);
    sum0 += e;
  }
  float sum = xsimd::reduce_add(sum0);
  for (; j < n; ++j) {
    row[j] = std::exp(row[j] - row_max);
    sum += row[j];
  }
  // Pass 3: normalise. sum >= 1 because the max element contributes exp(0).
  scale_row(row, n, 1.0f / sum);
}

float softmax_online_step(float* row, int32_t n, float& running_max, float& running_sum) noexcept {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const float block_max = maximum(row, n);
  if (block_max == neg_inf) {  // every key of this block forbidden: it contributes nothing
    std::fill(row, row + n, 0.0f);
    return 1.0f;
  }
  const float new_max = std::max(running_max, block_max);
  // exp(-inf) = 0 when this is the row's first block with an allowed key: nothing to rescale.
  const float correction = running_max == new_max ? 1.0f : std::exp(running_max - new_max);
  const batch shift(new_max);
  batch sum0(0.0f), sum1(0.0f);
  int32_t j = 0;
  for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
    const batch e0 = xsimd::exp(batch::load_unaligned(row + j) - shift);
    const batch e1 = xsimd::exp(batch::load_unaligned(row + j + kLanes) - shift);
    e0.store_unaligned(row + j);
    e1.store_unaligned(row + j + kLanes);
    sum0 += e0;
    sum1 += e1;
  }
  float sum = xsimd::reduce_add(sum0 + sum1);
  for (; j < n; ++j) {
    row[j] = std::exp(row[j] - new_max);
    sum += row[j];
  }
  running_sum = running_sum * correction + sum;
  running_max = new_max;
  return correction;
}

void add_scaled_row(float* dst, const float* src, int32_t n, float factor) noexcept {
  const batch f(factor);
  int32_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    simd::madd(batch::load_unaligned(src + j), f, batch::load_unaligned(dst + j)).store_unaligned(dst + j);
  for (; j < n; ++j) dst[j] += factor * src[j];
}

void scale_row(float* row, int32_t n, float factor) noexcept {
  const batch f(factor);
  int32_t j = 0;
  for (; j + kLanes <= n; j += kLanes) (batch::load_unaligned(row + j) * f).store_unaligned(row + j);
  for (; j < n; ++j) row[j] *= factor;
}

}  // namespace mha::kernels
