// Rotary position embeddings (RoPE) as Hugging Face applies them to queries and keys after the projection.
//
// Each head's first `dim` features are rotated in pairs by an angle proportional to the token's position p:
//   inv_freq[i] = base^(-2i / dim)                       i < dim/2, then changed by the configured scaling
//   angle[p][i] = p * inv_freq[i]
// Pairing of the features (the two conventions found in checkpoints):
//   rotate_half (Llama, Qwen2, Mistral, GPT-NeoX): feature i pairs with feature i + dim/2, i.e. with
//     x1 = x[0, dim/2), x2 = x[dim/2, dim):  x1' = x1 cos - x2 sin,  x2' = x2 cos + x1 sin
//     (Hugging Face writes this as x * cat(cos, cos) + rotate_half(x) * cat(sin, sin))
//   interleaved (GPT-J): feature 2i pairs with 2i + 1, with the angle of frequency i.
// Features [dim, head_dim) pass through unchanged (partial rotary, as GPT-NeoX's rotary_pct).
// Scalings (config.json `rope_scaling`), applied to inv_freq:
//   linear: inv_freq /= factor (positions interpolated)
//   llama3: with wavelength w = 2 pi / inv_freq, low = original_max_position_embeddings / low_freq_factor and
//     high = original_max_position_embeddings / high_freq_factor:
//       w < high        kept
//       w > low         divided by factor
//       otherwise       (1 - t) * inv_freq / factor + t * inv_freq,
//                       t = (original_max_position_embeddings / w - low_freq_factor) / (high_freq_factor -
//                       low_freq_factor)
#pragma once

#include <cstdint>
#include <vector>

namespace mha::kernels {

enum class RopeScalingType : uint8_t { none, linear, llama3 };

struct RopeScaling {
  RopeScalingType type = RopeScalingType::none;
  float factor = 1.0f;  // linear and llama3
  // llama3 only
  float low_freq_factor = 1.0f;
  float high_freq_factor = 4.0f;
  int32_t original_max_position_embeddings = 8192;
};

struct RotaryConfig {
  int32_t dim = 0;           // rotated features at the start of each head: even, at most the head size; 0 = no rotary
  float base = 10000.0f;     // rope_theta
  bool interleaved = false;  // GPT-J pairs (2i, 2i+1) instead of rotate_half's (i, i + dim/2)
  RopeScaling scaling;
};

// Throws ArgumentError naming the first bad field ("rotary.dim: expected ..., got ...").
void validate_rotary(const RotaryConfig& config, int32_t head_dim);

// inv_freq [dim/2] after scaling, computed in double and rounded once.
std::vector<float> rotary_inverse_frequencies(const RotaryConfig& config);

// cos and sin of every (position, frequency) pair for positions first_position .. first_position + count - 1:
// cos, sin [count, dim/2]. The angle is the float32 product position * inv_freq[i], as Hugging Face forms it.
struct RotaryTable {
  int32_t half = 0;  // dim / 2
  int32_t first_position = 0;
  int32_t count = 0;
  bool interleaved = false;
  std::vector<float> cos, sin;
};
void rotary_table(RotaryTable& table, const RotaryConfig& config, const std::vector<float>& inverse_frequencies,
                  int32_t first_position, int32_t count);

// Where the vectors to rotate are: `rows` rows of `heads` heads of `head_dim` features each; row r starts at
// data + r * row_stride and has the position table.first_position + r (so rows <= table.count).
struct RotaryRows {
  float* data = nullptr;
  int64_t row_stride = 0;  // in floats
  int32_t rows = 0;
  int32_t heads = 1;
  int32_t head_dim = 0;  // >= 2 * table.half
};

// Rotates in place. The SIMD version vectorises rotate_half's two halves; the interleaved pairs are done with
// scalar code (de-interleaving would cost more than it saves at head sizes of 64-128).
void apply_rotary(const RotaryRows& rows, const RotaryTable& table) noexcept;
// The plain reference of the same (one loop per pair), for tests.
void apply_rotary_scalar(const RotaryRows& rows, const RotaryTable& table) noexcept;

}  // namespace mha::kernels
