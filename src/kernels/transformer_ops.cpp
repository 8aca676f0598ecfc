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

void rms_norm(float* out, const float* x, int32_t rows, int32_t n, const float* weight, float eps) noexcept {
  for (int32_t r = 0; r < rows; ++r) {
    const float* in = x + int64_t(r) * n;
    float* y = out + int64_t(r) * n;
    // sum of squares with two accumulators, reduced once
    batch squares0(0.0f), squares1(0.0f);
    int32_t j = 0;
    for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
      const batch a = batch::load_unaligned(in + j), b = batch::load_unaligned(in + j + kLanes);
      squares0 = simd::madd(a, a, squares0);
      squares1 = simd::madd(b, b, squares1);
    }
    float sum = xsimd::reduce_add(squares0 + squares1);
    for (; j < n; ++j) sum += in[j] * in[j];
    const float inv_rms = 1.0f / std::sqrt(sum / float(n) + eps);
    const batch inv_rms_b(inv_rms);
    j = 0;
    for (; j + kLanes <= n; j += kLanes)
      (batch::load_unaligned(in + j) * inv_rms_b * batch::load_unaligned(weight + j)).store_unaligned(y + j);
    for (; j < n; ++j) y[j] = in[j] * inv_rms * weight[j];
  }
}

void rms_norm_scalar(float* out, const float* x, int32_t rows, int32_t n, const float* weight, float eps) noexcept {
  for (int32_t r = 0; r < rows; ++r) {
    const float* in = x + int64_t(r) * n;
    float* y = out + int64_t(r) * n;
    float sum = 0.0f;
    for (int32_t j = 0; j < n; ++j) sum += in[j] * in[j];
    const float inv_rms = 1.0f / std::sqrt(sum / float(n) + eps);
    for (int32_t j = 0; j < n; ++j) y[j] = in[j] * inv_rms * weight[j];
  }
}

void silu_mul(float* out, const float* gate, const float* up, int64_t n) noexcept {
  const batch one(1.0f);
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const batch g = batch::load_unaligned(gate + j);
    (g / (one + xsimd::exp(-g)) * batch::load_unaligned(up + j)).store_unaligned(out + j);
  }
  for (; j < n; ++j) out[j] = gate[j] / (1.0f + std::exp(-gate[j])) * up[j];
}

void silu_mul_scalar(float* out, const float* gate, const float* up, int64_t n) noexcept {
  for (int64_t j = 0; j < n; ++j) out[j] = gate[j] / (1.0f + std::exp(-gate[j])) * up[j];
}

}  // namespace mha::kernels
