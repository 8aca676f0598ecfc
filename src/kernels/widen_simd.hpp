// The vector steps of kernels/widen.hpp, shared by widen() and the gemm's micro-kernel for 16-bit panels
// (which widens in registers when A has too few rows to repay widening a panel into memory first).
#pragma once

#include <cstdint>

#include "kernels/simd.hpp"

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 shift intrinsics start from _mm512_undefined_epi32(), which -W(maybe-)uninitialized flags
// wherever they are inlined (a false positive); clang (wasm) has no such warning.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace mha::kernels::simd {

using int_batch = xsimd::batch<int32_t>;
using half_batch = xsimd::batch<uint16_t>;  // 2 * kLanes 16-bit values, the same register width

// The 2 * kLanes 16-bit values at `in`, each moved to the top half of a 32-bit lane (the low half 0): lanes
// 0..kLanes-1 in `low`, the rest in `high`, in order.
struct TopHalves {
  int_batch low, high;
};
inline TopHalves top_halves(const uint16_t* in) noexcept {
  const half_batch bits = half_batch::load_unaligned(in);
  const half_batch zero(uint16_t(0));
  // little-endian: the pair (0, h) is h << 16
  return {xsimd::bitwise_cast<int32_t>(xsimd::zip_lo(zero, bits)),
          xsimd::bitwise_cast<int32_t>(xsimd::zip_hi(zero, bits))};
}

// Half values held as y = h << 16 (see the header) to float32. Finite = false also handles exponent 31
// (infinity, NaN), which costs four more operations; Finite = true is exact only for finite halves.
template <bool Finite = false>
inline batch half_lanes_to_float(const int_batch& y) noexcept {
  const int_batch shifted = (y >> 3) & int_batch(int32_t(0x8FFFFFFFu));        // sign | 000 | e5 | m10 << 13
  const batch scaled = xsimd::bitwise_cast<float>(shifted) * batch(0x1p112f);  // exact
  if (Finite) return scaled;
  const int_batch special =
      xsimd::select((shifted & int_batch(0x0F800000)) == int_batch(0x0F800000), int_batch(0x7F800000), int_batch(0));
  return xsimd::bitwise_cast<float>(xsimd::bitwise_cast<int32_t>(scaled) | special);  // e5 = 31: infinity, NaN
}

// 2 * kLanes 16-bit values stored pairwise interleaved (slot 2j: value j, slot 2j + 1: value j + kLanes, for
// j < kLanes), each moved to the top half of a 32-bit lane, in order: two integer operations, no shuffle.
inline TopHalves top_halves_interleaved(const uint16_t* in) noexcept {
  const int_batch pairs = xsimd::bitwise_cast<int32_t>(half_batch::load_unaligned(in));  // little-endian
  return {pairs << 16, pairs & int_batch(int32_t(0xFFFF0000u))};
}

}  // namespace mha::kernels::simd
