// The vector type of every kernel and the two operations whose best instruction depends on the build.
//
// xsimd picks the widest instruction set the compiler targets (SSE/AVX natively, SIMD128 on wasm). On
// WebAssembly, a build with -mrelaxed-simd (__wasm_relaxed_simd__) may use the relaxed instructions,
// which xsimd does not know: f32x4.relaxed_madd (a fused multiply-add where the engine's CPU has one,
// mul + add otherwise) and f32x4.relaxed_max (NaN and signed-zero handling left to the engine; our inputs
// are finite). Results then may differ from the baseline build in the last bit, but one build on one
// engine always computes the same bits, whatever the thread count.
#pragma once

#include <cstdint>
#include <xsimd/xsimd.hpp>
#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>
#endif

namespace mha::kernels::simd {

using batch = xsimd::batch<float>;
constexpr int32_t kLanes = static_cast<int32_t>(batch::size);

// a * b + c
inline batch madd(const batch& a, const batch& b, const batch& c) noexcept {
#if defined(__wasm_relaxed_simd__)
  return batch(wasm_f32x4_relaxed_madd(a, b, c));
#else
  return xsimd::fma(a, b, c);
#endif
}

// max(a, b) lane by lane, for finite values and -infinity
inline batch max(const batch& a, const batch& b) noexcept {
#if defined(__wasm_relaxed_simd__)
  return batch(wasm_f32x4_relaxed_max(a, b));
#else
  return xsimd::max(a, b);
#endif
}

}  // namespace mha::kernels::simd
