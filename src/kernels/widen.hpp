// 16-bit floating-point weights (IEEE half "F16" and bfloat16 "BF16") widened to float32, exactly: every
// half and bfloat16 value (subnormals, infinities, NaN payloads, -0) is a float32 value. Models keep F16/BF16
// weights 16-bit in memory and widen them while the gemm reads its panels (kernels/gemm.hpp).
//
// The vector kernels use integer operations only, plus one exact multiply by a power of two: WebAssembly's
// baseline SIMD has no half-precision instruction.
//   bfloat16: the top half of a float32: bits << 16.
//   half:     put the 16 bits in the top half (y = h << 16: sign | e5 | m10 | 0...), shift right
//             arithmetically by 3 (sign | sign sign sign | e5 | m10 | 0...), clear the three sign copies:
//             a float32 with exponent field e5 and mantissa m10 << 13, whose value is the half's value times
//             2^-112 for normals and subnormals alike; multiplying by 2^112 is exact. Exponent 31 (infinity,
//             NaN) becomes exponent 143 after the multiply: or-ing in all ones gives 255, mantissa unchanged.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mha::kernels {

// How a matrix of weights is stored.
enum class WeightFormat : uint8_t { f32, f16, bf16 };

size_t weight_format_size(WeightFormat format);       // bytes per element: 4 or 2
const char* weight_format_name(WeightFormat format);  // "F32", "F16", "BF16" (the safetensors dtype names)

// Scalar references (plain branches, one value at a time).
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

// out[i] = the float32 value of the 16-bit value in[i], for i < n (format f16 or bf16; f32 is a caller error
// and leaves out untouched). Any alignment.
void widen(float* out, const uint16_t* in, int64_t n, WeightFormat format) noexcept;
// Same, through the scalar references (for tests).
void widen_reference(float* out, const uint16_t* in, int64_t n, WeightFormat format) noexcept;

}  // namespace mha::kernels
