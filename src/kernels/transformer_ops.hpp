// Element-wise and row-wise pieces of transformer blocks that are not matrix products: LayerNorm, the
// tanh-approximated GELU (GPT-2) and the exact, erf-based GELU (BERT), RMSNorm and the SiLU-gated product of
// the SwiGLU MLP (Llama family). Vectorised over xsimd::batch<float> with scalar tails; each kernel has a
// plain scalar reference beside it for the tests.
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

// out[r][:] = x[r][:] / sqrt(mean_r(x^2) + eps) * weight, for rows r < rows of width n (Hugging Face's
// LlamaRMSNorm in float32). x and out are [rows, n] (may alias); weight is [n].
void rms_norm(float* out, const float* x, int32_t rows, int32_t n, const float* weight, float eps) noexcept;
void rms_norm_scalar(float* out, const float* x, int32_t rows, int32_t n, const float* weight, float eps) noexcept;

// out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i], over n values: the product of the
// SwiGLU MLP, down_proj(silu(gate_proj(x)) * up_proj(x)). out may alias gate or up.
void silu_mul(float* out, const float* gate, const float* up, int64_t n) noexcept;
void silu_mul_scalar(float* out, const float* gate, const float* up, int64_t n) noexcept;

}  // namespace mha::kernels
