// The one matrix-multiply kernel of the project. Every product in the forward pass goes through it:
// the four projections (x . W^T), the scores (Q_h . K_h^T) and the head outputs (P . V_h).
//
// B is packed once into column panels so that the inner loop reads it contiguously whatever its
// original layout: panel p holds B[k][p*NR .. p*NR+NR) for k = 0..K-1, zero-padded past N.
// Packing through (row_stride, col_stride) also reads a transposed operand without copying it first:
//   nn.Linear weight W [N, K]  -> B = W^T : row_stride 1, col_stride K
//   keys of head h, K [Lk, E]  -> B = K_h^T: row_stride 1, col_stride E (offset h*d_k)
//   values of head h, V [Lk, E] -> B = V_h : row_stride E, col_stride 1 (offset h*d_k)
//
// 16-bit weights (F16, BF16) are packed 16-bit, in the same panel layout (within a row, value j and value
// j + NR/2 side by side, so that widening needs only integer shifts and masks), and widened to float32 while the
// gemm reads them: for each block of rows of A, a panel is widened once into a per-thread float buffer and
// then read by the same micro-kernel as a float32 panel; for one to three rows of A (a token's step) the
// micro-kernel widens each panel row in registers instead. Widening is exact, so a 16-bit matrix gives the same
// bits as the float32 matrix of its widened values, whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/widen.hpp"

namespace mha::kernels {

// Width of a packed panel in floats: two SIMD registers (8 on wasm/SSE/NEON, 16 on AVX).
int32_t gemm_panel_width();

struct PackedMatrix {
  int32_t rows = 0;                         // K
  int32_t cols = 0;                         // N
  WeightFormat format = WeightFormat::f32;  // of the panels
  std::vector<float> panels;                // f32: ceil(N / NR) panels of [K][NR]
  std::vector<uint16_t> panels16;           // f16, bf16: the same layout, 16-bit, each row pairwise interleaved
  bool finite16 = true;                     // f16: no infinity or NaN among the values (a faster widening)
  std::vector<float> bias;                  // [ceil(N / NR) * NR], zero-padded; empty = no bias
  size_t memory_bytes() const;              // bytes held (panels, padding and bias)
};

// Packs B[k][n] = src[k*row_stride + n*col_stride] for k < rows, n < cols. `bias` is [cols] or null.
void gemm_pack(PackedMatrix& out, const float* src, int64_t row_stride, int64_t col_stride, int32_t rows, int32_t cols,
               const float* bias = nullptr);
// The same for 16-bit values (format f16 or bf16), kept 16-bit.
void gemm_pack(PackedMatrix& out, const uint16_t* src, WeightFormat format, int64_t row_stride, int64_t col_stride,
               int32_t rows, int32_t cols, const float* bias = nullptr);

// out[k] = B[k][col] for k < b.rows, widened to float32 (a row of an embedding table packed as its transpose).
// col must be in [0, b.cols).
void gemm_packed_column(float* out, const PackedMatrix& b, int32_t col) noexcept;

// Makes room for a later gemm_pack of [rows, cols] without allocating (for packing on worker threads).
void gemm_reserve(PackedMatrix& out, int32_t rows, int32_t cols);

// C[M, N] = alpha * (A[M, K] . B[K, N]) + bias[N], where B is packed (K = b.rows, N = b.cols).
// A and C are row-major with row strides lda and ldc (in floats). C is overwritten.
void gemm(float* c, int64_t ldc, const float* a, int64_t lda, int32_t m, const PackedMatrix& b,
          float alpha = 1.0f) noexcept;

// A block of the same product, for tiled algorithms (flash attention, per-head output projection):
//   C[M, n_end - n_begin] = alpha * A[M, k_end - k_begin] . B[k_begin:k_end, n_begin:n_end] + bias[n_begin:n_end]
//   or, when `accumulate`, C += alpha * A . B[...] (no bias).
// `a` points at the first used column of A (the one multiplying B's row k_begin) and `c` at the output
// of column n_begin. n_begin must be a multiple of gemm_panel_width(); k_begin, k_end and n_end are free.
void gemm_block(float* c, int64_t ldc, const float* a, int64_t lda, int32_t m, const PackedMatrix& b, int32_t k_begin,
                int32_t k_end, int32_t n_begin, int32_t n_end, float alpha, bool accumulate) noexcept;

}  // namespace mha::kernels
