#include "kernels/transformer_ops.hpp"

#include <cmath>

#include "kernels/simd.hpp"

namespace mha::kernels {
namespace {
using simd::batch;
using simd::kLanes;
}  // namespace

void layer_norm(float* out, const float* x, int32_t rows, int32_t n, const float* gamma, const float* beta,
                float eps) noexcept {
  for (int32_t r = 0; r < rows; ++r) {
    const float* in = x + int64_t(r) * n;
    float* y = out + int64_t(r) * n;
    // Two passes (mean, then centred variance): stabler than E[x^2] - E[x]^2 for large activations.
    batch sum(0.0f);
    int32_t j = 0;
    for (; j + kLanes <= n; j += kLanes) sum += batch::load_unaligned(in + j);
    float mean = xsimd::reduce_add(sum);
    for (; j < n; ++j) mean += in[j];
    mean /= float(n);
    const batch mean_b(mean);
    batch squares(0.0f);
    j = 0;
    for (; j + kLanes <= n; j += kLanes) {
      const batch d = batch::load_unaligned(in + j) - mean_b;
      squares = simd::madd(d, d, squares);
    }
    float variance = xsimd::reduce_add(squares);
    for (; j < n; ++j) variance += (in[j] - mean) * (in[j] - mean);
    variance /= float(n);
    const float inv_std = 1.0f / std::sqrt(variance + eps);
    const batch inv_std_b(inv_std);
    j = 0;
    for (; j + kLanes <= n; j += kLanes) {
      const batch normalised = (batch::load_unaligned(in + j) - mean_b) * inv_std_b;
      simd::madd(normalised, batch::load_unaligned(gamma + j), batch::load_unaligned(beta + j)).store_unaligned(y + j);
    }
    for (; j < n; ++j) y[j] = (in[j] - mean) * inv_std * gamma[j] + beta[j];
  }
}

void gelu_tanh(float* x, int64_t n) noexcept {
  const float k = 0.7978845608028654f;  // sqrt(2 / pi)
  const batch k_b(k), c_b(0.044715f), half(0.5f), one(1.0f);
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const batch v = batch::load_unaligned(x + j);
    const batch inner = k_b * simd::madd(c_b * v, v * v, v);
    (half * v * (one + xsimd::tanh(inner))).store_unaligned(x + j);
  }
  for (; j < n; ++j) x[j] = gelu_tanh_reference(x[j]);
}

void gelu_erf(float* x, int64_t n) noexcept {
  const batch inv_sqrt2(0.7071067811865476f), half(0.5f), one(1.0f);
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const batch v = batch::load_unaligned(x + j);
    (half * v * (one + xsimd::erf(v * inv_sqrt2))).store_unaligned(x + j);
  }
  for (; j < n; ++j) x[j] = gelu_erf_reference(x[j]);
}

float gelu_tanh_reference(float x) noexcept {
  const float k = 0.7978845608028654f;  // sqrt(2 / pi)
  return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

float gelu_erf_reference(float x) noexcept { return 0.5f * x * (1.0f + std::erf(x * 0.7071067811865476f)); }

}  // namespace mha::kernels
