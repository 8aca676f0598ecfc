#include "kernels/rotary.hpp"

#include <cmath>
#include <string>

#include "errors.hpp"
#include "kernels/simd.hpp"

namespace mha::kernels {
namespace {

using simd::batch;
using simd::kLanes;

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw ArgumentError("rotary." + field + ": " + what);
}

std::string float_text(float value) { return std::to_string(value); }

// One head's rotation, pair by pair: (x[a], x[b]) -> (x[a] c - x[b] s, x[b] c + x[a] s).
inline void rotate_pairs_scalar(float* x, const float* cos, const float* sin, int32_t half, bool interleaved) {
  for (int32_t i = 0; i < half; ++i) {
    const int32_t a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + half;
    const float x1 = x[a], x2 = x[b];
    x[a] = x1 * cos[i] - x2 * sin[i];
    x[b] = x2 * cos[i] + x1 * sin[i];
  }
}

}  // namespace

void validate_rotary(const RotaryConfig& c, int32_t head_dim) {
  if (c.dim == 0) return;
  if (c.dim < 0 || c.dim % 2 != 0 || c.dim > head_dim)
    fail("dim", "expected 0 or an even number of at most the head size " + std::to_string(head_dim) + ", got " +
                    std::to_string(c.dim));
  if (!(c.base > 1.0f) || !std::isfinite(c.base))
    fail("base", "expected a finite number above 1, got " + float_text(c.base));
  const RopeScaling& s = c.scaling;
  switch (s.type) {
    case RopeScalingType::none:
      return;
    case RopeScalingType::linear:
    case RopeScalingType::llama3:
      break;
    default:
      fail("scaling.type", "expected none, linear or llama3, got " + std::to_string(int(s.type)));
  }
  if (!(s.factor >= 1.0f) || !std::isfinite(s.factor))
    fail("scaling.factor", "expected a finite number of at least 1, got " + float_text(s.factor));
  if (s.type != RopeScalingType::llama3) return;
  if (!(s.low_freq_factor > 0.0f) || !std::isfinite(s.low_freq_factor))
    fail("scaling.low_freq_factor", "expected a positive number, got " + float_text(s.low_freq_factor));
  if (!(s.high_freq_factor > s.low_freq_factor) || !std::isfinite(s.high_freq_factor))
    fail("scaling.high_freq_factor", "expected a finite number above low_freq_factor = " +
                                         float_text(s.low_freq_factor) + ", got " + float_text(s.high_freq_factor));
  if (s.original_max_position_embeddings <= 0)
    fail("scaling.original_max_position_embeddings",
         "expected a positive integer, got " + std::to_string(s.original_max_position_embeddings));
}

std::vector<float> rotary_inverse_frequencies(const RotaryConfig& c) {
  const int32_t half = c.dim / 2;
  std::vector<float> inverse_frequencies(half);
  const double pi = 3.14159265358979323846;
  const RopeScaling& s = c.scaling;
  for (int32_t i = 0; i < half; ++i) {
    double inverse_frequency = 1.0 / std::pow(double(c.base), double(2 * i) / c.dim);
    if (s.type == RopeScalingType::linear) inverse_frequency /= s.factor;
    if (s.type == RopeScalingType::llama3) {
      const double wavelength = 2.0 * pi / inverse_frequency;
      const double context = s.original_max_position_embeddings;
      const double low_wavelength = context / s.low_freq_factor, high_wavelength = context / s.high_freq_factor;
      if (wavelength > low_wavelength) {
        inverse_frequency /= s.factor;
      } else if (wavelength >= high_wavelength) {  // between the bands: blend the scaled and the original
        const double t = (context / wavelength - s.low_freq_factor) / (double(s.high_freq_factor) - s.low_freq_factor);
        inverse_frequency = (1.0 - t) * inverse_frequency / s.factor + t * inverse_frequency;
      }
    }
    inverse_frequencies[i] = float(inverse_frequency);
  }
  return inverse_frequencies;
}

void rotary_table(RotaryTable& table, const RotaryConfig& c, const std::vector<float>& inverse_frequencies,
                  int32_t first_position, int32_t count) {
  const int32_t half = c.dim / 2;
  table.half = half;
  table.first_position = first_position;
  table.count = count;
  table.interleaved = c.interleaved;
  table.cos.resize(size_t(count) * half);
  table.sin.resize(size_t(count) * half);
  for (int32_t r = 0; r < count; ++r)
    for (int32_t i = 0; i < half; ++i) {
      const float angle = float(first_position + r) * inverse_frequencies[i];
      table.cos[size_t(r) * half + i] = float(std::cos(double(angle)));
      table.sin[size_t(r) * half + i] = float(std::sin(double(angle)));
    }
}

void apply_rotary_scalar(const RotaryRows& rows, const RotaryTable& table) noexcept {
  for (int32_t r = 0; r < rows.rows; ++r)
    for (int32_t h = 0; h < rows.heads; ++h)
      rotate_pairs_scalar(rows.data + r * rows.row_stride + int64_t(h) * rows.head_dim,
                          table.cos.data() + size_t(r) * table.half, table.sin.data() + size_t(r) * table.half,
                          table.half, table.interleaved);
}

void apply_rotary(const RotaryRows& rows, const RotaryTable& table) noexcept {
  if (table.interleaved) {
    apply_rotary_scalar(rows, table);
    return;
  }
  const int32_t half = table.half;
  for (int32_t r = 0; r < rows.rows; ++r) {
    const float* cos = table.cos.data() + size_t(r) * half;
    const float* sin = table.sin.data() + size_t(r) * half;
    for (int32_t h = 0; h < rows.heads; ++h) {
      float* x1 = rows.data + r * rows.row_stride + int64_t(h) * rows.head_dim;  // [0, half)
      float* x2 = x1 + half;                                                     // [half, dim)
      int32_t i = 0;
      for (; i + kLanes <= half; i += kLanes) {
        const batch a = batch::load_unaligned(x1 + i), b = batch::load_unaligned(x2 + i);
        const batch c = batch::load_unaligned(cos + i), s = batch::load_unaligned(sin + i);
        (a * c - b * s).store_unaligned(x1 + i);
        (b * c + a * s).store_unaligned(x2 + i);
      }
      for (; i < half; ++i) {
        const float a = x1[i], b = x2[i];
        x1[i] = a * cos[i] - b * sin[i];
        x2[i] = b * cos[i] + a * sin[i];
      }
    }
  }
}

}  // namespace mha::kernels
