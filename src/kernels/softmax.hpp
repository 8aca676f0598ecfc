// Row softmax over a score row that has already been scaled and masked (-inf = forbidden key).
#pragma once

#include <cstdint>

namespace mha::kernels {

// row[0..n) <- softmax(row) with max subtraction (exact for |scores| up to float max).
// A row that is -inf everywhere becomes all zeros (defined behaviour, never NaN).
void softmax_row(float* row, int32_t n) noexcept;

// dst[0..n) += factor * src[0..n) (adds additive masks; averages weights over heads).
void add_scaled_row(float* dst, const float* src, int32_t n, float factor) noexcept;
// row[0..n) *= factor
void scale_row(float* row, int32_t n, float factor) noexcept;

}  // namespace mha::kernels
