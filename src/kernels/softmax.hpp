// Row softmax over a score row that has already been scaled and masked (-inf = forbidden key).
#pragma once

#include <cstdint>

namespace mha::kernels {

// row[0..n) <- softmax(row) with max subtraction (exact for |scores| up to float max).
// A row that is -inf everywhere becomes all zeros (defined behaviour, never NaN).
void softmax_row(float* row, int32_t n) noexcept;

// One step of the online (streaming) softmax of flash attention, for one query row and one block of its
// keys. `row` holds the block's scaled, masked scores (-inf = forbidden key); on return it holds
// p_j = exp(s_j - running_max) for the updated running_max (exactly 0 for forbidden keys).
//   running_max  the largest score seen so far in this row (-inf before its first block)
//   running_sum  sum over every score seen so far of exp(s - running_max)
// Returns exp(old running_max - new running_max): the factor by which the output accumulated so far with
// the old maximum must be multiplied (1 when the maximum did not change or nothing was seen yet).
float softmax_online_step(float* row, int32_t n, float& running_max, float& running_sum) noexcept;

// dst[0..n) += factor * src[0..n) (adds additive masks; averages weights over heads).
void add_scaled_row(float* dst, const float* src, int32_t n, float factor) noexcept;
// row[0..n) *= factor
void scale_row(float* row, int32_t n, float factor) noexcept;

}  // namespace mha::kernels
