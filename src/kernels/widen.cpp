#include "kernels/widen.hpp"

#include <cstring>

#include "kernels/simd.hpp"

namespace mha::kernels {
namespace {

using simd::batch;
using simd::kLanes;
using int_batch = xsimd::batch<int32_t>;
using half_batch = xsimd::batch<uint16_t>;  // 2 * kLanes halves, the same register width

float from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// The 2 * kLanes 16-bit values at `in`, each moved to the top half of a 32-bit lane (the low half 0): lanes
// 0..kLanes-1 in `low`, the rest in `high`, in order.
inline void top_halves(const uint16_t* in, int_batch& low, int_batch& high) noexcept {
  const half_batch bits = half_batch::load_unaligned(in);
  const half_batch zero(uint16_t(0));
  low = xsimd::bitwise_cast<int32_t>(xsimd::zip_lo(zero, bits));  // little-endian: (0, h) is h << 16
  high = xsimd::bitwise_cast<int32_t>(xsimd::zip_hi(zero, bits));
}

// Half values held as y = h << 16 (see the header) to float32.
inline batch half_lanes_to_float(const int_batch& y) noexcept {
  const int_batch shifted = (y >> 3) & int_batch(int32_t(0x8FFFFFFFu));  // sign | 000 | e5 | m10 << 13
  const batch scaled = xsimd::bitwise_cast<float>(shifted) * batch(from_bits(0x77800000u));  // * 2^112
  const int_batch special = xsimd::bitwise_cast<int32_t>(
      xsimd::select((shifted & int_batch(0x0F800000)) == int_batch(0x0F800000), int_batch(0x7F800000), int_batch(0)));
  return xsimd::bitwise_cast<float>(xsimd::bitwise_cast<int32_t>(scaled) | special);  // e5 = 31: infinity, NaN
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
      int_batch low, high;
      top_halves(in + i, low, high);
      half_lanes_to_float(low).store_unaligned(out + i);
      half_lanes_to_float(high).store_unaligned(out + i + kLanes);
    }
  } else if (format == WeightFormat::bf16) {
    for (; i + kStep <= n; i += kStep) {
      int_batch low, high;
      top_halves(in + i, low, high);
      xsimd::bitwise_cast<float>(low).store_unaligned(out + i);
      xsimd::bitwise_cast<float>(high).store_unaligned(out + i + kLanes);
    }
  }
  widen_reference(out + i, in + i, n - i, format);  // tail
}

}  // namespace mha::kernels
