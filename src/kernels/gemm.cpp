#include "kernels/gemm.hpp"

#include <algorithm>

#include "kernels/simd.hpp"
#include "kernels/widen_simd.hpp"
#include "parallel/parallel.hpp"

namespace mha::kernels {
namespace {

using simd::batch;
using simd::kLanes;
constexpr int32_t kPanel = 2 * kLanes;  // NR: two registers per row
constexpr int32_t kRows = 4;            // MR: 4 rows x 2 registers = 8 accumulators
// 4x8 is the fastest tile under V8 on x86-64 (bench/core probes: 6x8, 3x16, 8x8 spill and run slower;
// 2x16 ties). Natively the compiler has FMA and more room, but one tile shape keeps one kernel.
constexpr int32_t kBlockBytes = 128 * 1024;  // rows of A kept in L2 per pass over B

// Row k of a panel, B[k][p*NR .. p*NR+NR), as two registers: float32 panels as they are, 16-bit panels widened
// in registers (for few rows of A, where widening a whole panel into memory first would not pay).
struct PanelRow {
  batch low, high;  // B[k][p*NR ..] and B[k][p*NR + NR/2 ..]
};
struct FloatRows {
  const float* panel;
  PanelRow load(int32_t k) const noexcept {
    return {batch::load_unaligned(panel + k * kPanel), batch::load_unaligned(panel + k * kPanel + kLanes)};
  }
};
// 16-bit panel rows are stored pairwise interleaved (see slot_of), so that widening needs no shuffle.
template <bool Finite>
struct HalfRows {
  const uint16_t* panel;
  PanelRow load(int32_t k) const noexcept {
    const simd::TopHalves y = simd::top_halves_interleaved(panel + k * kPanel);
    return {simd::half_lanes_to_float<Finite>(y.low), simd::half_lanes_to_float<Finite>(y.high)};
  }
};
struct BfloatRows {
  const uint16_t* panel;
  PanelRow load(int32_t k) const noexcept {
    const simd::TopHalves y = simd::top_halves_interleaved(panel + k * kPanel);
    return {xsimd::bitwise_cast<float>(y.low), xsimd::bitwise_cast<float>(y.high)};
  }
};

// Where column n (< NR) of a 16-bit panel row is stored: value j and value j + kLanes share a 32-bit lane.
constexpr int32_t slot_of(int32_t n) { return n < kLanes ? 2 * n : 2 * (n - kLanes) + 1; }

// Rows [0, depth) of a 16-bit panel widened into out [depth][NR].
template <typename Rows>
void widen_panel(float* out, const Rows& rows, int32_t depth) noexcept {
  for (int32_t k = 0; k < depth; ++k) {
    const PanelRow row = rows.load(k);
    row.low.store_unaligned(out + k * kPanel);
    row.high.store_unaligned(out + k * kPanel + kLanes);
  }
}

// C[rows, NR] = alpha * A[rows, K] . panel[K, NR] + (accumulate ? C : bias_panel), storing only the first
// `valid` columns. Register tile: rows x 2 accumulators; each step broadcasts one A value per row.
template <int32_t Rows, typename Panel = FloatRows>
inline void micro_kernel(float* c, int64_t ldc, const float* a, int64_t lda, int32_t depth, const Panel& panel,
                         const float* bias_panel, float alpha, int32_t valid, bool accumulate) noexcept {
  batch acc0[Rows], acc1[Rows];
  for (int32_t r = 0; r < Rows; ++r) acc0[r] = acc1[r] = batch(0.0f);
  for (int32_t k = 0; k < depth; ++k) {
    const PanelRow row = panel.load(k);
    const batch& b0 = row.low;
    const batch& b1 = row.high;
    for (int32_t r = 0; r < Rows; ++r) {
      const batch a_rk(a[r * lda + k]);
      acc0[r] = simd::madd(a_rk, b0, acc0[r]);
      acc1[r] = simd::madd(a_rk, b1, acc1[r]);
    }
  }
  const batch scale(alpha);
  const batch bias0 = bias_panel ? batch::load_unaligned(bias_panel) : batch(0.0f);
  const batch bias1 = bias_panel ? batch::load_unaligned(bias_panel + kLanes) : batch(0.0f);
  for (int32_t r = 0; r < Rows; ++r) {
    float* c_row = c + r * ldc;
    batch add0 = bias0, add1 = bias1;
    if (accumulate) {
      if (valid == kPanel) {
        add0 = batch::load_unaligned(c_row);
        add1 = batch::load_unaligned(c_row + kLanes);
      } else {
        alignas(64) float tile[kPanel] = {};
        std::copy(c_row, c_row + valid, tile);
        add0 = batch::load_aligned(tile);
        add1 = batch::load_aligned(tile + kLanes);
      }
    }
    const batch out0 = simd::madd(acc0[r], scale, add0);
    const batch out1 = simd::madd(acc1[r], scale, add1);
    if (valid == kPanel) {
      out0.store_unaligned(c_row);
      out1.store_unaligned(c_row + kLanes);
    } else {  // last panel: N is not a multiple of NR
      alignas(64) float tile[kPanel];
      out0.store_aligned(tile);
      out1.store_aligned(tile + kLanes);
      std::copy(tile, tile + valid, c_row);
    }
  }
}

// One row of A against kRowPanels full panels at once: C[0, kRowPanels * NR]. A single row (a decoded token,
// one query) through micro_kernel<1> has two accumulators, i.e. two dependent multiply-add chains as long as
// the depth; taking several panels at once gives the same per-element arithmetic (each output is still
// madd(a[k], b[k], acc) for k = 0.. in order, then madd(acc, alpha, bias or C)) with 2 * kRowPanels
// independent chains. `panels`: kRowPanels row loaders (FloatRows).
constexpr int32_t kRowPanels = 4;
template <typename Rows>
inline void row_kernel(float* c, const float* a, int32_t depth, const Rows* panels, const float* bias_panel,
                       float alpha, bool accumulate) noexcept {
  batch acc[2 * kRowPanels];
  for (batch& sum : acc) sum = batch(0.0f);
  for (int32_t k = 0; k < depth; ++k) {
    const batch a_k(a[k]);
    for (int32_t j = 0; j < kRowPanels; ++j) {
      const PanelRow b = panels[j].load(k);
      acc[2 * j] = simd::madd(a_k, b.low, acc[2 * j]);
      acc[2 * j + 1] = simd::madd(a_k, b.high, acc[2 * j + 1]);
    }
  }
  const batch scale(alpha);
  for (int32_t j = 0; j < kRowPanels; ++j) {
    float* c_panel = c + j * kPanel;
    batch add0(0.0f), add1(0.0f);
    if (accumulate) {
      add0 = batch::load_unaligned(c_panel);
      add1 = batch::load_unaligned(c_panel + kLanes);
    } else if (bias_panel) {
      add0 = batch::load_unaligned(bias_panel + j * kPanel);
      add1 = batch::load_unaligned(bias_panel + j * kPanel + kLanes);
    }
    simd::madd(acc[2 * j], scale, add0).store_unaligned(c_panel);
    simd::madd(acc[2 * j + 1], scale, add1).store_unaligned(c_panel + kLanes);
  }
}

}  // namespace

int32_t gemm_panel_width() { return kPanel; }

size_t PackedMatrix::memory_bytes() const {
  return panels.size() * sizeof(float) + panels16.size() * sizeof(uint16_t) + bias.size() * sizeof(float);
}

namespace {

// Fills `panels` (ceil(cols / NR) panels of [rows][NR], zero-padded) from src with the strides of gemm_pack.
// 16-bit panels store column n of a row at slot_of(n) (see HalfRows).
template <typename T>
void pack_panels(std::vector<T>& panels, const T* src, int64_t row_stride, int64_t col_stride, int32_t rows,
                 int32_t cols) {
  const int32_t panel_count = (cols + kPanel - 1) / kPanel;
  panels.assign(static_cast<size_t>(panel_count) * rows * kPanel, T(0));
  for (int32_t p = 0; p < panel_count; ++p) {
    T* panel = panels.data() + static_cast<size_t>(p) * rows * kPanel;
    const int32_t width = std::min(kPanel, cols - p * kPanel);
    for (int32_t k = 0; k < rows; ++k)
      for (int32_t n = 0; n < width; ++n)
        panel[k * kPanel + (sizeof(T) == 2 ? slot_of(n) : n)] =
            src[k * row_stride + static_cast<int64_t>(p * kPanel + n) * col_stride];
  }
}

void pack_bias(PackedMatrix& out, const float* bias) {
  out.bias.clear();
  if (bias) {
    out.bias.assign(static_cast<size_t>((out.cols + kPanel - 1) / kPanel) * kPanel, 0.0f);
    std::copy(bias, bias + out.cols, out.bias.begin());
  }
}

}  // namespace

void gemm_pack(PackedMatrix& out, const float* src, int64_t row_stride, int64_t col_stride, int32_t rows, int32_t cols,
               const float* bias) {
  out.rows = rows;
  out.cols = cols;
  out.format = WeightFormat::f32;
  out.panels16 = {};
  pack_panels(out.panels, src, row_stride, col_stride, rows, cols);
  pack_bias(out, bias);
}

void gemm_pack(PackedMatrix& out, const uint16_t* src, WeightFormat format, int64_t row_stride, int64_t col_stride,
               int32_t rows, int32_t cols, const float* bias) {
  out.rows = rows;
  out.cols = cols;
  out.format = format;
  out.panels = {};
  pack_panels(out.panels16, src, row_stride, col_stride, rows, cols);
  // F16 exponent 31 (infinity, NaN) anywhere: the widening keeps the slower path that handles it
  out.finite16 = format != WeightFormat::f16 || std::none_of(out.panels16.begin(), out.panels16.end(),
                                                             [](uint16_t h) { return (h & 0x7C00) == 0x7C00; });
  pack_bias(out, bias);
}

void gemm_packed_column(float* out, const PackedMatrix& b, int32_t col) noexcept {
  const size_t panel = static_cast<size_t>(col / kPanel) * b.rows * kPanel;  // B[0][col] is in this panel
  if (b.format == WeightFormat::f32) {
    for (int32_t k = 0; k < b.rows; ++k) out[k] = b.panels[panel + col % kPanel + static_cast<size_t>(k) * kPanel];
  } else {
    const size_t first = panel + slot_of(col % kPanel);
    for (int32_t k = 0; k < b.rows; ++k) {
      const uint16_t bits = b.panels16[first + static_cast<size_t>(k) * kPanel];
      out[k] = b.format == WeightFormat::f16 ? half_to_float(bits) : bfloat16_to_float(bits);
    }
  }
}

void gemm_reserve(PackedMatrix& out, int32_t rows, int32_t cols) {
  out.panels.reserve(static_cast<size_t>((cols + kPanel - 1) / kPanel) * rows * kPanel);
}

void gemm(float* c, int64_t ldc, const float* a, int64_t lda, int32_t m, const PackedMatrix& b, float alpha) noexcept {
  gemm_block(c, ldc, a, lda, m, b, 0, b.rows, 0, b.cols, alpha, false);
}

namespace {

// Cache blocking over rows: a block of A (block_rows x depth, <= ~128 KB) stays in L2 while every panel
// of B passes over it, instead of streaming all of A once per panel.
int32_t block_rows_for(int32_t depth) {
  return std::max(kRows, (kBlockBytes / (4 * std::max(depth, 1))) / kRows * kRows);
}

// Rows [i0, i_end) of C's columns of one panel (micro_kernel's arguments): whole register tiles, then the tail.
template <typename Panel>
void panel_rows(float* c_panel, int64_t ldc, const float* a, int64_t lda, int32_t i0, int32_t i_end, int32_t depth,
                const Panel& panel, const float* bias_panel, float alpha, int32_t valid, bool accumulate) noexcept {
  int32_t i = i0;
  for (; i + kRows <= i_end; i += kRows)
    micro_kernel<kRows>(c_panel + i * ldc, ldc, a + i * lda, lda, depth, panel, bias_panel, alpha, valid, accumulate);
  switch (i_end - i) {  // row tail
    case 3:
      micro_kernel<3>(c_panel + i * ldc, ldc, a + i * lda, lda, depth, panel, bias_panel, alpha, valid, accumulate);
      break;
    case 2:
      micro_kernel<2>(c_panel + i * ldc, ldc, a + i * lda, lda, depth, panel, bias_panel, alpha, valid, accumulate);
      break;
    case 1:
      micro_kernel<1>(c_panel + i * ldc, ldc, a + i * lda, lda, depth, panel, bias_panel, alpha, valid, accumulate);
      break;
    default:
      break;
  }
}

// Rows [row_begin, row_end) x panels [panel_begin, panel_end) of gemm_block (same arguments).
void gemm_tiles(float* c, int64_t ldc, const float* a, int64_t lda, int32_t row_begin, int32_t row_end,
                const PackedMatrix& b, int32_t k_begin, int32_t k_end, int32_t n_begin, int32_t n_end,
                int32_t panel_begin, int32_t panel_end, float alpha, bool accumulate) noexcept {
  const int32_t depth = k_end - k_begin;
  const float* bias = accumulate || b.bias.empty() ? nullptr : b.bias.data();
  const size_t panel_stride = static_cast<size_t>(b.rows) * kPanel;
  // One row of float32 panels: kRowPanels panels at a time (row_kernel), then the rest. 16-bit panels keep the
  // per-panel micro-kernel for one row: widening in row_kernel's 8-accumulator loop measured about 10 % slower
  // for F16 under V8 (bench/weights.mjs, one token: 23.0-24.3 ms against 19.2-21.1 ms).
  if (row_end - row_begin == 1 && b.format == WeightFormat::f32) {
    int32_t p = panel_begin;
    for (; p + kRowPanels <= panel_end && (p + kRowPanels) * kPanel <= n_end; p += kRowPanels) {
      FloatRows panels[kRowPanels];
      for (int32_t j = 0; j < kRowPanels; ++j)
        panels[j] = {b.panels.data() + (p + j) * panel_stride + static_cast<size_t>(k_begin) * kPanel};
      row_kernel(c + row_begin * ldc + (p * kPanel - n_begin), a + row_begin * lda, depth, panels,
                 bias ? bias + p * kPanel : nullptr, alpha, accumulate);
    }
    panel_begin = p;
  }
  const int32_t block_rows = block_rows_for(depth);
  // 16-bit panels: each panel's rows k_begin..k_end widened here, once per block of rows of A.
  static thread_local std::vector<float> widened;
  if (b.format != WeightFormat::f32 && widened.size() < static_cast<size_t>(depth) * kPanel)
    widened.resize(static_cast<size_t>(depth) * kPanel);
  for (int32_t i0 = row_begin; i0 < row_end; i0 += block_rows) {
    const int32_t i_end = std::min(row_end, i0 + block_rows);
    for (int32_t p = panel_begin; p < panel_end; ++p) {
      // panel p holds B[k][p*NR ..], k = 0..rows-1; rows k_begin.. start k_begin*NR values in.
      const size_t panel_offset = (static_cast<size_t>(p) * b.rows + k_begin) * kPanel;
      const float* bias_panel = bias ? bias + p * kPanel : nullptr;
      const int32_t valid = std::min(kPanel, n_end - p * kPanel);
      float* c_panel = c + (p * kPanel - n_begin);
      const auto rows = [&](const auto& panel) {
        panel_rows(c_panel, ldc, a, lda, i0, i_end, depth, panel, bias_panel, alpha, valid, accumulate);
      };
      if (b.format == WeightFormat::f32) {
        rows(FloatRows{b.panels.data() + panel_offset});
      } else {
        // a row or three (one token's step): widen in registers; else once for the block's rows, into memory
        const uint16_t* panel = b.panels16.data() + panel_offset;
        const bool in_registers = i_end - i0 < kRows;
        const auto widened_rows = [&](const auto& loader) {
          if (in_registers) return rows(loader);
          widen_panel(widened.data(), loader, depth);
          rows(FloatRows{widened.data()});
        };
        if (b.format == WeightFormat::bf16)
          widened_rows(BfloatRows{panel});
        else if (b.finite16)
          widened_rows(HalfRows<true>{panel});
        else
          widened_rows(HalfRows<false>{panel});
      }
    }
  }
}

}  // namespace

void gemm_block(float* c, int64_t ldc, const float* a, int64_t lda, int32_t m, const PackedMatrix& b, int32_t k_begin,
                int32_t k_end, int32_t n_begin, int32_t n_end, float alpha, bool accumulate) noexcept {
  const int32_t panel_begin = n_begin / kPanel;
  const int32_t panel_end = (n_end + kPanel - 1) / kPanel;
  const double depth = k_end - k_begin;
  // Threads share out panels of B when A fits one cache block (few rows: a model run over a short text,
  // one token's logits): each thread then streams only its part of B, and A stays in cache. Otherwise
  // they share out row tiles (every thread reads all of B, as the serial loop does once per row block).
  // Either way each output element is computed exactly as in a serial call.
  const int32_t block_rows = block_rows_for(k_end - k_begin);
  if (m > block_rows) {
    // 16-bit panels are widened once per chunk of rows: chunks of a whole row block keep that rare.
    const int32_t grain = b.format == WeightFormat::f32 ? kRows : block_rows;
    parallel::for_range(m, grain, depth * (n_end - n_begin), [&](int64_t begin, int64_t end, int32_t) {
      gemm_tiles(c, ldc, a, lda, int32_t(begin), int32_t(end), b, k_begin, k_end, n_begin, n_end, panel_begin,
                 panel_end, alpha, accumulate);
    });
  } else {
    parallel::for_range(panel_end - panel_begin, 1, depth * m * kPanel, [&](int64_t begin, int64_t end, int32_t) {
      gemm_tiles(c, ldc, a, lda, 0, m, b, k_begin, k_end, n_begin, n_end, panel_begin + int32_t(begin),
                 panel_begin + int32_t(end), alpha, accumulate);
    });
  }
}

}  // namespace mha::kernels
