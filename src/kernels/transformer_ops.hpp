// Element-wise and row-wise pieces of transformer blocks that are not matrix products: LayerNorm, the
// tanh-approximated GELU (GPT-2) and the exact, erf-based GELU (BERT). Vectorised over
// xsimd::batch<float> with scalar tails; each element-wise kernel has a plain scalar reference beside it.
#pragma once

#include <cstdint>

namespace mha::kernels {

// out[r][:] = (x[r][:] - mean_r) / sqrt(var_r + eps) * gamma + beta, for rows r < rows of width n.
// x and out are [rows, n] (may alias); gamma, beta are [n]. Variance is the biased (1/n) one, as PyTorch.
void layer_norm(float* out, const float* x, int32_t rows, int32_t n, const float* gamma, const float* beta,
                float eps) noexcept;

// x <- 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GPT-2's "gelu_new", in place over n values.
void gelu_tanh(float* x, int64_t n) noexcept;

// x <- 0.5 x (1 + erf(x / sqrt(2))), the exact GELU (PyTorch's nn.GELU(), BERT's "gelu"), in place.
void gelu_erf(float* x, int64_t n) noexcept;

// Scalar references of the two GELUs, for tests: one value at a time with std::tanh / std::erf.
float gelu_tanh_reference(float x) noexcept;
float gelu_erf_reference(float x) noexcept;

}  // namespace mha::kernels
