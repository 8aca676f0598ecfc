#include "kernels/widen.hpp"

#include <cstring>

#include "kernels/simd.hpp"
#include "kernels/widen_simd.hpp"

namespace mha::kernels {
namespace {

using simd::batch;
using simd::half_lanes_to_float;
using simd::kLanes;
using simd::top_halves;

float from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace

size_t weight_format_size(WeightFormat format) { return format == WeightFormat::f32 ? 4 : 2; }

const char* weight_format_name(WeightFormat format) {
  return format == WeightFormat::f32 ? "F32" : format == WeightFormat::f16 ? "F16" : "BF16";
}

float half_to_float(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) return from_bits(sign | 0x7F800000u | (mantissa << 13));  // infinity, or NaN with payload
  if (exponent != 0) return from_bits(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));  // rebias
  if (mantissa == 0) return from_bits(sign);                                                     // +-0
  // Subnormal half: mantissa * 2^-24, a normal float. Shift the leading 1 up to bit 10 and lower the exponent
  // once per shift.
  uint32_t m = mantissa;
  int32_t e = 127 - 15 + 1;
  while ((m & 0x400) == 0) {
    m <<= 1;
    --e;
  }
  return from_bits(sign | (static_cast<uint32_t>(e) << 23) | ((m & 0x3FF) << 13));
}

float bfloat16_to_float(uint16_t bits) { return from_bits(static_cast<uint32_t>(bits) << 16); }

void widen_reference(float* out, const uint16_t* in, int64_t n, WeightFormat format) noexcept {
  if (format == WeightFormat::f16)
    for (int64_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
  if (format == WeightFormat::bf16)
    for (int64_t i = 0; i < n; ++i) out[i] = bfloat16_to_float(in[i]);
}

void widen(float* out, const uint16_t* in, int64_t n, WeightFormat format) noexcept {
  constexpr int64_t kStep = 2 * kLanes;
  int64_t i = 0;
  if (format == WeightFormat::f16) {
    for (; i + kStep <= n; i += kStep) {
      const simd::TopHalves y = top_halves(in + i);
      half_lanes_to_float<>(y.low).store_unaligned(out + i);
      half_lanes_to_float<>(y.high).store_unaligned(out + i + kLanes);
    }
  } else if (format == WeightFormat::bf16) {
    for (; i + kStep <= n; i += kStep) {
      const simd::TopHalves y = top_halves(in + i);
      xsimd::bitwise_cast<float>(y.low).store_unaligned(out + i);
      xsimd::bitwise_cast<float>(y.high).store_unaligned(out + i + kLanes);
    }
  }
  widen_reference(out + i, in + i, n - i, format);  // tail
}

}  // namespace mha::kernels
