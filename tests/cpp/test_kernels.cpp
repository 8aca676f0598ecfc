// Each kernel of src/kernels alone against a plain double-precision loop, at the sizes where vector code
// goes wrong: {1, 3, W-1, W, W+1, 3W, 8W+2} with W the SIMD width (4 floats on wasm and SSE, 8 on AVX), and
// with pointers one float off 16-byte alignment. The same file runs natively and in every wasm build
// (SIMD128 and relaxed SIMD, whose fused multiply-add rounds once: the tolerance covers both).
#include <catch_amalgamated.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "compare.hpp"
#include "fixtures.hpp"
#include "kernel_checks.hpp"
#include "kernels/gemm.hpp"
#include "kernels/simd.hpp"
#include "kernels/softmax.hpp"
#include "kernels/transformer_ops.hpp"
#include "kernels/widen.hpp"

using namespace mha;
using namespace mha::testing;

namespace {

constexpr double kTolerance = 2e-6;  // see check_close

uint32_t bits_of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

// tests/fixtures/widen/widen.txt: 16-bit values and the float32 bits numpy (float16) and torch (bfloat16) give.
struct WidenFixture {
  std::vector<uint16_t> input;
  std::vector<uint32_t> expected;
};
WidenFixture widen_fixture(const std::string& format) {
  std::ifstream file(fixture_path("widen/widen.txt"));
  REQUIRE(file.good());
  WidenFixture fixture;
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    uint32_t value = 0, widened = 0;
    fields >> name >> std::hex >> value >> widened;
    if (name != format) continue;
    fixture.input.push_back(uint16_t(value));
    fixture.expected.push_back(widened);
  }
  return fixture;
}

// The 16-bit values of a random float32 matrix, rounded by truncation (any 16-bit pattern is fine here).
std::vector<uint16_t> random_bits16(std::mt19937& rng, size_t n, kernels::WeightFormat format) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<uint16_t> out(n);
  for (uint16_t& v : out) {
    const uint32_t bits = bits_of(uniform(rng));
    // bfloat16: the top half; half: sign, a small exponent (|x| in [2^-3, 2)) and 10 mantissa bits
    v = format == kernels::WeightFormat::bf16
            ? uint16_t(bits >> 16)
            : uint16_t(((bits >> 16) & 0x8000) | ((12 + (bits >> 23) % 4) << 10) | ((bits >> 13) & 0x3FF));
  }
  return out;
}

}  // namespace

TEST_CASE("widen: F16 and BF16 to float32 bit-exact against numpy and torch, every edge size, misaligned",
          "[kernels][widen]") {
  using kernels::WeightFormat;
  for (const auto& [format, name] : {std::pair{WeightFormat::f16, "f16"}, std::pair{WeightFormat::bf16, "bf16"}}) {
    const WidenFixture fixture = widen_fixture(name);
    REQUIRE(fixture.input.size() > 600);
    // The whole table at once (vector loop and tail), through the kernel and through the scalar reference.
    const size_t count = fixture.input.size();
    std::vector<float> fast(count), reference(count);
    kernels::widen(fast.data(), fixture.input.data(), int64_t(count), format);
    kernels::widen_reference(reference.data(), fixture.input.data(), int64_t(count), format);
    for (size_t i = 0; i < count; ++i) {
      INFO(name << " 0x" << std::hex << fixture.input[i] << " expected 0x" << fixture.expected[i]);
      CHECK(bits_of(fast[i]) == fixture.expected[i]);
      CHECK(bits_of(reference[i]) == fixture.expected[i]);
    }
    // Edge sizes (the kernel steps 2W values at a time), from a misaligned 16-bit pointer, rotating through the
    // table so that the special values land on every lane; the element after the end stays untouched.
    std::vector<int32_t> sizes = kEdgeSizes;
    for (int32_t extra : {2 * kSimdWidth - 1, 2 * kSimdWidth, 2 * kSimdWidth + 1}) sizes.push_back(extra);
    for (int32_t n : sizes)
      for (int32_t offset : {0, 1})
        for (size_t start = 0; start < 40; start += 3) {
          std::vector<uint16_t> input(size_t(n) + offset);
          std::vector<uint32_t> want(static_cast<size_t>(n));
          for (int32_t i = 0; i < n; ++i) {
            input[size_t(offset + i)] = fixture.input[(start + size_t(i)) % count];
            want[size_t(i)] = fixture.expected[(start + size_t(i)) % count];
          }
          std::vector<float> out(size_t(n) + 2, 7.0f);
          kernels::widen(out.data() + 1, input.data() + offset, n, format);
          INFO(name << " n " << n << " offset " << offset << " start " << start);
          for (int32_t i = 0; i < n; ++i) CHECK(bits_of(out[size_t(i) + 1]) == want[size_t(i)]);
          CHECK(out[0] == 7.0f);
          CHECK(out[size_t(n) + 1] == 7.0f);
        }
  }
}

TEST_CASE("gemm_block: 16-bit panels give the bits of the float32 panels of their widened values", "[kernels][gemm]") {
  using kernels::WeightFormat;
  std::mt19937 rng(11);
  const int32_t panel = kernels::gemm_panel_width();
  for (WeightFormat format : {WeightFormat::f16, WeightFormat::bf16})
    for (int32_t m : kEdgeSizes)
      for (int32_t n : kEdgeSizes)
        for (int32_t k : kEdgeSizes) {
          // B = W^T of W [n_total, k_total], as every projection packs it; a sub-block of rows and columns.
          const int32_t n_begin = n > panel ? panel : 0, n_total = n_begin + n + 2;
          const int32_t k_begin = k > 1 ? 1 : 0, k_total = k_begin + k + 1;
          const std::vector<uint16_t> weight = random_bits16(rng, size_t(n_total) * k_total, format);
          std::vector<float> widened(weight.size());
          kernels::widen_reference(widened.data(), weight.data(), int64_t(weight.size()), format);
          const Buffer bias = random_buffer(rng, n_total, 0);
          kernels::PackedMatrix packed16, packed32;
          kernels::gemm_pack(packed16, weight.data(), format, 1, k_total, k_total, n_total, bias.data());
          kernels::gemm_pack(packed32, widened.data(), 1, k_total, k_total, n_total, bias.data());
          CHECK(packed16.memory_bytes() < packed32.memory_bytes());
          const int64_t lda = k_total + 3, ldc = n + 5;
          const Buffer a = random_buffer(rng, size_t(m) * lda, 1);
          for (bool accumulate : {false, true}) {
            const Buffer c = random_buffer(rng, size_t(m) * ldc, 0);
            Buffer c16 = c, c32 = c;
            kernels::gemm_block(c16.data(), ldc, a.data() + k_begin, lda, m, packed16, k_begin, k_begin + k, n_begin,
                                n_begin + n, 0.5f, accumulate);
            kernels::gemm_block(c32.data(), ldc, a.data() + k_begin, lda, m, packed32, k_begin, k_begin + k, n_begin,
                                n_begin + n, 0.5f, accumulate);
            INFO(kernels::weight_format_name(format)
                 << " m " << m << " n " << n << " k " << k << " accumulate " << accumulate);
            CHECK(c16.storage == c32.storage);
          }
          // Infinity and NaN among F16 weights (the widening's slower path): the same bits as float32 panels.
          if (format == WeightFormat::f16 && k > 1) {
            std::vector<uint16_t> special = weight;
            special[0] = 0x7C00;                                          // +infinity at B[0][0]
            special[size_t(k_total) * (n_total - 1) + k_begin] = 0xFE01;  // a NaN with payload
            std::vector<float> special_widened(special.size());
            kernels::widen_reference(special_widened.data(), special.data(), int64_t(special.size()), format);
            kernels::PackedMatrix s16, s32;
            kernels::gemm_pack(s16, special.data(), format, 1, k_total, k_total, n_total, bias.data());
            kernels::gemm_pack(s32, special_widened.data(), 1, k_total, k_total, n_total, bias.data());
            CHECK_FALSE(s16.finite16);
            CHECK(packed16.finite16);
            std::vector<float> c16(size_t(m) * n_total), c32(size_t(m) * n_total);
            kernels::gemm(c16.data(), n_total, a.data(), lda, m, s16);
            kernels::gemm(c32.data(), n_total, a.data(), lda, m, s32);
            CHECK(std::memcmp(c16.data(), c32.data(), c16.size() * sizeof(float)) == 0);
          }
          // A column of B (an embedding row) widened from the packing.
          std::vector<float> column(static_cast<size_t>(k_total));
          const int32_t col = n_total - 1;
          kernels::gemm_packed_column(column.data(), packed16, col);
          for (int32_t p = 0; p < k_total; ++p) CHECK(column[size_t(p)] == widened[size_t(col) * k_total + p]);
          kernels::gemm_packed_column(column.data(), packed32, 0);
          for (int32_t p = 0; p < k_total; ++p) CHECK(column[size_t(p)] == widened[size_t(p)]);
        }
}

TEST_CASE("gemm_block: every edge size of M, N and K, sub-ranges of K and N, alpha, bias, accumulate, misaligned",
          "[kernels][gemm]") {
  std::mt19937 rng(7);
  const int32_t panel = kernels::gemm_panel_width();
  for (int32_t m : kEdgeSizes)
    for (int32_t n : kEdgeSizes)
      for (int32_t k : kEdgeSizes)
        for (int32_t offset : {0, 1}) {
          // B = W^T of an nn.Linear weight W [n_total, k_total] (the transposed packing every projection uses),
          // with extra rows and columns so that [k_begin, k_end) x [n_begin, n_end) is a true sub-block.
          const int32_t n_begin = n > panel ? panel : 0, n_total = n_begin + n + 2;
          const int32_t k_begin = k > 1 ? 1 : 0, k_total = k_begin + k + 1;
          const Buffer weight = random_buffer(rng, size_t(n_total) * k_total, 0);
          const Buffer bias = random_buffer(rng, n_total, 0);
          kernels::PackedMatrix packed;
          kernels::gemm_pack(packed, weight.data(), 1, k_total, k_total, n_total, bias.data());
          const int64_t lda = k_total + 3, ldc = n + 5;
          const Buffer a = random_buffer(rng, size_t(m) * lda, offset);
          const float alpha = 0.75f;
          for (bool accumulate : {false, true}) {
            Buffer c = random_buffer(rng, size_t(m) * ldc, offset);
            const std::vector<float> before = c.storage;
            std::vector<double> want(size_t(m) * n);
            for (int32_t i = 0; i < m; ++i)
              for (int32_t j = 0; j < n; ++j) {
                double dot = 0.0;
                for (int32_t p = k_begin; p < k_begin + k; ++p)
                  dot += double(a.data()[i * lda + p]) * weight.data()[int64_t(n_begin + j) * k_total + p];
                const double add = accumulate ? c.data()[i * ldc + j] : bias.data()[n_begin + j];
                want[size_t(i) * n + j] = alpha * dot + add;
              }
            kernels::gemm_block(c.data(), ldc, a.data() + k_begin, lda, m, packed, k_begin, k_begin + k, n_begin,
                                n_begin + n, alpha, accumulate);
            std::vector<float> got(size_t(m) * n);
            for (int32_t i = 0; i < m; ++i)
              for (int32_t j = 0; j < n; ++j) got[size_t(i) * n + j] = c.data()[i * ldc + j];
            INFO("m " << m << " n " << n << " k " << k << " offset " << offset << " accumulate " << accumulate);
            check_close(got.data(), want, "gemm_block", kTolerance);
            // The columns of C past the block (its row padding) are left alone.
            for (int32_t i = 0; i < m; ++i)
              for (int64_t j = n; j < ldc; ++j) CHECK(c.data()[i * ldc + j] == before[offset + i * ldc + j]);
          }
        }
}

TEST_CASE("softmax_row against exp/sum in double, with -inf keys and all-forbidden rows", "[kernels][softmax]") {
  std::mt19937 rng(11);
  for (int32_t n : kEdgeSizes)
    for (int32_t offset : {0, 1}) {
      Buffer row = random_buffer(rng, n, offset, 8.0f);
      if (n > 2) row.data()[n / 2] = -std::numeric_limits<float>::infinity();
      double max = -INFINITY, sum = 0.0;
      for (int32_t j = 0; j < n; ++j) max = std::max(max, double(row.data()[j]));
      std::vector<double> want(n);
      for (int32_t j = 0; j < n; ++j) sum += want[j] = std::exp(row.data()[j] - max);
      for (double& w : want) w /= sum;
      kernels::softmax_row(row.data(), n);
      INFO("n " << n << " offset " << offset);
      check_close(row.data(), want, "softmax_row", kTolerance);
      if (n > 2) CHECK(row.data()[n / 2] == 0.0f);

      Buffer forbidden = random_buffer(rng, n, offset);
      for (int32_t j = 0; j < n; ++j) forbidden.data()[j] = -std::numeric_limits<float>::infinity();
      kernels::softmax_row(forbidden.data(), n);
      for (int32_t j = 0; j < n; ++j) CHECK(forbidden.data()[j] == 0.0f);
    }
}

TEST_CASE("softmax_online_step: a chain of blocks gives the softmax of the whole row", "[kernels][softmax]") {
  std::mt19937 rng(13);
  for (int32_t block : kEdgeSizes)
    for (int32_t blocks : {1, 2, 5}) {
      const int32_t n = block * blocks;
      const Buffer scores = random_buffer(rng, n, 1, 6.0f);
      // Output of the online recurrence for one value column v_j = j + 1: out = sum_j p_j v_j / sum_j p_j.
      float running_max = -std::numeric_limits<float>::infinity(), running_sum = 0.0f;
      double accumulated = 0.0;
      std::vector<float> block_row(block);
      for (int32_t b = 0; b < blocks; ++b) {
        std::copy(scores.data() + b * block, scores.data() + (b + 1) * block, block_row.begin());
        const float correction = kernels::softmax_online_step(block_row.data(), block, running_max, running_sum);
        accumulated *= correction;
        for (int32_t j = 0; j < block; ++j) accumulated += double(block_row[j]) * (b * block + j + 1);
      }
      double max = -INFINITY, sum = 0.0, weighted = 0.0;
      for (int32_t j = 0; j < n; ++j) max = std::max(max, double(scores.data()[j]));
      for (int32_t j = 0; j < n; ++j) {
        const double e = std::exp(scores.data()[j] - max);
        sum += e;
        weighted += e * (j + 1);
      }
      INFO("block " << block << " blocks " << blocks);
      CHECK(running_max == float(max));
      CHECK(std::fabs(running_sum - sum) <= 1e-5 * sum);
      CHECK(std::fabs(accumulated / running_sum - weighted / sum) <= 1e-5 * (weighted / sum));
    }
}

TEST_CASE("add_scaled_row and scale_row at the edge sizes, misaligned", "[kernels][rows]") {
  std::mt19937 rng(17);
  for (int32_t n : kEdgeSizes)
    for (int32_t offset : {0, 1}) {
      Buffer dst = random_buffer(rng, n, offset);
      const Buffer src = random_buffer(rng, n, 1 - offset);
      std::vector<double> want(n);
      for (int32_t j = 0; j < n; ++j) want[j] = dst.data()[j] + 0.3 * double(src.data()[j]);
      kernels::add_scaled_row(dst.data(), src.data(), n, 0.3f);
      INFO("n " << n << " offset " << offset);
      check_close(dst.data(), want, "add_scaled_row", kTolerance);
      for (int32_t j = 0; j < n; ++j) want[j] = double(dst.data()[j]) * -1.5;
      kernels::scale_row(dst.data(), n, -1.5f);
      check_close(dst.data(), want, "scale_row", kTolerance);
    }
}

TEST_CASE("layer_norm against the two-pass formula in double, in place and not", "[kernels][layer_norm]") {
  std::mt19937 rng(19);
  for (int32_t n : kEdgeSizes)
    for (int32_t offset : {0, 1}) {
      const int32_t rows = 3;
      Buffer x = random_buffer(rng, size_t(rows) * n, offset, 4.0f);
      for (int32_t j = 0; j < rows * n; ++j) x.data()[j] += 10.0f;  // a large mean: the centred variance matters
      const Buffer gamma = random_buffer(rng, n, offset), beta = random_buffer(rng, n, 1 - offset);
      std::vector<double> want(size_t(rows) * n);
      for (int32_t r = 0; r < rows; ++r) {
        const float* in = x.data() + r * n;
        double mean = 0.0, variance = 0.0;
        for (int32_t j = 0; j < n; ++j) mean += in[j];
        mean /= n;
        for (int32_t j = 0; j < n; ++j) variance += (in[j] - mean) * (in[j] - mean);
        variance /= n;
        for (int32_t j = 0; j < n; ++j)
          want[size_t(r) * n + j] = (in[j] - mean) / std::sqrt(variance + 1e-5) * gamma.data()[j] + beta.data()[j];
      }
      Buffer out = random_buffer(rng, size_t(rows) * n, 1 - offset);
      kernels::layer_norm(out.data(), x.data(), rows, n, gamma.data(), beta.data(), 1e-5f);
      INFO("n " << n << " offset " << offset);
      check_close(out.data(), want, "layer_norm", 1e-5);
      kernels::layer_norm(x.data(), x.data(), rows, n, gamma.data(), beta.data(), 1e-5f);  // in place
      check_close(x.data(), want, "layer_norm in place", 1e-5);
    }
}

TEST_CASE("gelu_tanh against GPT-2's formula in double", "[kernels][gelu]") {
  std::mt19937 rng(23);
  for (int32_t n : kEdgeSizes)
    for (int32_t offset : {0, 1}) {
      Buffer x = random_buffer(rng, n, offset, 6.0f);
      std::vector<double> want(n);
      for (int32_t j = 0; j < n; ++j) {
        const double v = x.data()[j];
        want[j] = 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
      }
      kernels::gelu_tanh(x.data(), n);
      INFO("n " << n << " offset " << offset);
      check_close(x.data(), want, "gelu_tanh", 1e-5);
    }
}
