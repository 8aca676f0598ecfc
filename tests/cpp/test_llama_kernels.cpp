// The Llama-family kernels (RMSNorm, the SiLU-gated product, rotary position embeddings), SIMD and scalar
// versions each against a double-precision loop written here from the definitions, at the edge sizes
// {1, 3, W-1, W, W+1, 3W, 8W+2} (W the SIMD width) and with pointers one float off alignment. Hugging Face's
// own inverse frequencies (with rope_scaling) are compared in test_llama.cpp, from the fixtures.
#include <catch_amalgamated.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "compare.hpp"
#include "errors.hpp"
#include "kernel_checks.hpp"
#include "kernels/rotary.hpp"
#include "kernels/simd.hpp"
#include "kernels/transformer_ops.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("rms_norm and rms_norm_scalar against x / sqrt(mean(x^2) + eps) * weight in double, in place and not",
          "[llama][kernels][rms_norm]") {
  std::mt19937 rng(29);
  for (int32_t n : kEdgeSizes)
    for (int32_t offset : {0, 1}) {
      const int32_t rows = 3;
      const Buffer x = random_buffer(rng, size_t(rows) * n, offset, 3.0f);
      const Buffer weight = random_buffer(rng, n, 1 - offset, 2.0f);
      const float eps = 1e-6f;
      std::vector<double> want(size_t(rows) * n);
      for (int32_t r = 0; r < rows; ++r) {
        double squares = 0.0;
        for (int32_t j = 0; j < n; ++j) squares += double(x.data()[r * n + j]) * x.data()[r * n + j];
        const double inv_rms = 1.0 / std::sqrt(squares / n + eps);
        for (int32_t j = 0; j < n; ++j) want[size_t(r) * n + j] = x.data()[r * n + j] * inv_rms * weight.data()[j];
      }
      INFO("n " << n << " offset " << offset);
      Buffer out = random_buffer(rng, size_t(rows) * n, 1 - offset);
      kernels::rms_norm(out.data(), x.data(), rows, n, weight.data(), eps);
      check_close(out.data(), want, "rms_norm", 1e-6);
      kernels::rms_norm_scalar(out.data(), x.data(), rows, n, weight.data(), eps);
      check_close(out.data(), want, "rms_norm_scalar", 1e-6);
      Buffer in_place = x;
      kernels::rms_norm(in_place.data(), in_place.data(), rows, n, weight.data(), eps);
      check_close(in_place.data(), want, "rms_norm in place", 1e-6);
    }
  // eps matters for a row of zeros (and keeps it finite)
  std::vector<float> zeros(5, 0.0f), ones(5, 1.0f), out(5, 7.0f);
  kernels::rms_norm(out.data(), zeros.data(), 1, 5, ones.data(), 1e-6f);
  for (float v : out) CHECK(v == 0.0f);
}

TEST_CASE("silu_mul and silu_mul_scalar against gate / (1 + exp(-gate)) * up in double, aliasing the gate",
          "[llama][kernels][silu]") {
  std::mt19937 rng(31);
  for (int32_t n : kEdgeSizes)
    for (int32_t offset : {0, 1}) {
      const Buffer gate = random_buffer(rng, n, offset, 12.0f), up = random_buffer(rng, n, 1 - offset, 2.0f);
      std::vector<double> want(n);
      for (int32_t j = 0; j < n; ++j) {
        const double g = gate.data()[j];
        want[j] = g / (1.0 + std::exp(-g)) * up.data()[j];
      }
      INFO("n " << n << " offset " << offset);
      Buffer out = random_buffer(rng, n, offset);
      kernels::silu_mul(out.data(), gate.data(), up.data(), n);
      check_close(out.data(), want, "silu_mul", 2e-6);
      kernels::silu_mul_scalar(out.data(), gate.data(), up.data(), n);
      check_close(out.data(), want, "silu_mul_scalar", 2e-6);
      Buffer in_place = gate;
      kernels::silu_mul(in_place.data(), in_place.data(), up.data(), n);
      check_close(in_place.data(), want, "silu_mul in place", 2e-6);
    }
}

TEST_CASE("apply_rotary: rotate_half and interleaved pairs, partial dim, several heads, a position offset",
          "[llama][kernels][rotary]") {
  std::mt19937 rng(37);
  for (int32_t half : kEdgeSizes)
    for (bool interleaved : {false, true})
      for (int32_t extra : {0, 3})  // features past the rotated ones (partial rotary)
        for (int32_t offset : {0, 1}) {
          const int32_t dim = 2 * half, head_dim = dim + extra, heads = 3, rows = 4, first_position = 5;
          const int64_t row_stride = int64_t(heads) * head_dim + 2;
          kernels::RotaryConfig config;
          config.dim = dim;
          config.base = 10000.0f;
          config.interleaved = interleaved;
          kernels::validate_rotary(config, head_dim);
          const std::vector<float> inverse_frequencies = kernels::rotary_inverse_frequencies(config);
          kernels::RotaryTable table;
          kernels::rotary_table(table, config, inverse_frequencies, first_position, rows);
          const Buffer x = random_buffer(rng, size_t(rows) * row_stride, offset, 2.0f);
          // Expected, from the definition: the pair (a, b) of frequency i turns by (first_position + r) * theta_i.
          std::vector<double> want(size_t(rows) * row_stride);
          for (int32_t r = 0; r < rows; ++r)
            for (int64_t f = 0; f < row_stride; ++f) want[r * row_stride + f] = x.data()[r * row_stride + f];
          for (int32_t r = 0; r < rows; ++r)
            for (int32_t h = 0; h < heads; ++h)
              for (int32_t i = 0; i < half; ++i) {
                const double theta = std::pow(10000.0, -2.0 * i / dim), angle = (first_position + r) * theta;
                const int64_t base = r * row_stride + int64_t(h) * head_dim;
                const int64_t a = base + (interleaved ? 2 * i : i), b = base + (interleaved ? 2 * i + 1 : i + half);
                const double xa = x.data()[a], xb = x.data()[b];
                want[a] = xa * std::cos(angle) - xb * std::sin(angle);
                want[b] = xb * std::cos(angle) + xa * std::sin(angle);
              }
          INFO("half " << half << " interleaved " << interleaved << " extra " << extra << " offset " << offset);
          for (bool simd_version : {true, false}) {
            Buffer rotated = x;
            const kernels::RotaryRows target{rotated.data(), row_stride, rows, heads, head_dim};
            if (simd_version)
              kernels::apply_rotary(target, table);
            else
              kernels::apply_rotary_scalar(target, table);
            check_close(rotated.data(), want, simd_version ? "apply_rotary" : "apply_rotary_scalar", 2e-6);
          }
        }
}

TEST_CASE("rotary_inverse_frequencies: base^(-2i/d), linear divides, llama3 keeps, blends and divides by band",
          "[llama][kernels][rotary]") {
  kernels::RotaryConfig config;
  config.dim = 8;
  config.base = 10000.0f;
  const std::vector<float> plain = kernels::rotary_inverse_frequencies(config);
  REQUIRE(plain.size() == 4);
  for (int32_t i = 0; i < 4; ++i) CHECK(plain[i] == float(std::pow(10000.0, -2.0 * i / 8)));

  config.scaling.type = kernels::RopeScalingType::linear;
  config.scaling.factor = 2.0f;
  const std::vector<float> linear = kernels::rotary_inverse_frequencies(config);
  for (int32_t i = 0; i < 4; ++i) CHECK(linear[i] == float(std::pow(10000.0, -2.0 * i / 8) / 2.0));

  // Wavelengths 2 pi / theta = 6.3, 63, 628, 6283 against the bands [64 / 4, 64 / 1] = [16, 64].
  config.scaling = {kernels::RopeScalingType::llama3, 8.0f, 1.0f, 4.0f, 64};
  const std::vector<float> llama3 = kernels::rotary_inverse_frequencies(config);
  CHECK(llama3[0] == plain[0]);                                     // short wavelength: kept
  CHECK(llama3[2] == Catch::Approx(plain[2] / 8.0).epsilon(1e-6));  // long: divided by the factor
  CHECK(llama3[3] == Catch::Approx(plain[3] / 8.0).epsilon(1e-6));
  const double t = (64.0 / (2.0 * M_PI / plain[1]) - 1.0) / (4.0 - 1.0);  // between: blended
  CHECK(llama3[1] == Catch::Approx((1.0 - t) * plain[1] / 8.0 + t * plain[1]).epsilon(1e-6));
  CHECK(llama3[1] < plain[1]);
  CHECK(llama3[1] > plain[1] / 8.0f);
}

TEST_CASE("validate_rotary names the field, the expected and the actual value", "[llama][kernels][rotary]") {
  kernels::RotaryConfig config;
  config.dim = 6;
  CHECK_THROWS_WITH(kernels::validate_rotary(config, 4),
                    ContainsSubstring("rotary.dim: expected 0 or an even number of at most the head size 4, got 6"));
  config.dim = 3;
  CHECK_THROWS_AS(kernels::validate_rotary(config, 4), ArgumentError);
  config.dim = 4;
  config.base = 0.5f;
  CHECK_THROWS_WITH(kernels::validate_rotary(config, 4), ContainsSubstring("rotary.base: expected"));
  config.base = 10000.0f;
  config.scaling = {kernels::RopeScalingType::llama3, 8.0f, 4.0f, 1.0f, 64};
  CHECK_THROWS_WITH(kernels::validate_rotary(config, 4), ContainsSubstring("rotary.scaling.high_freq_factor"));
  config.scaling = {kernels::RopeScalingType::linear, 0.5f, 1.0f, 4.0f, 64};
  CHECK_THROWS_WITH(kernels::validate_rotary(config, 4), ContainsSubstring("rotary.scaling.factor"));
  config.scaling.factor = 4.0f;
  CHECK_NOTHROW(kernels::validate_rotary(config, 4));
}
