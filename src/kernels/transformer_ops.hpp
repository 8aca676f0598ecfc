// Element-wise and row-wise pieces of a GPT-2 block that are not matrix products: LayerNorm and the
// tanh-approximated GELU. Vectorised over xsimd::batch<float> with scalar tails.
#pragma once

#include <cstdint>

namespace mha::kernels {

// out[r][:] = (x[r][:] - mean_r) / sqrt(var_r + eps) * gamma + beta, for rows r < rows of width n.
// x and out are [rows, n] (may alias); gamma, beta are [n]. Variance is the biased (1/n) one, as PyTorch.
void layer_norm(float* out, const float* x, int32_t rows, int32_t n, const float* gamma, const float* beta,
                float eps) noexcept;

// x <- 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GPT-2's "gelu_new", in place over n values.
void gelu_tanh(float* x, int64_t n) noexcept;

}  // namespace mha::kernels
