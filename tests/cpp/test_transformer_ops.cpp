// The element-wise GELU kernels against their scalar references and against values computed with
// PyTorch 1.13 (torch.nn.functional.gelu(x) and gelu(x, approximate="tanh") in float64, rounded to float),
// over lengths that cover the vector loop and the scalar tail.
#include <catch_amalgamated.hpp>
#include <cmath>
#include <vector>

#include "kernels/transformer_ops.hpp"

using namespace mha::kernels;

TEST_CASE("gelu_erf and gelu_tanh match PyTorch on known values", "[kernels][gelu]") {
  // x, torch gelu (erf), torch gelu (tanh)
  const float cases[][3] = {
      {-6.0f, -5.91952587e-09f, -8.43964898e-11f},
      {-3.0f, -0.00404969409f, -0.00363739208f},
      {-1.0f, -0.158655254f, -0.158808009f},
      {-0.5f, -0.154268769f, -0.15428599f},
      {0.0f, 0.0f, 0.0f},
      {0.5f, 0.345731231f, 0.34571401f},
      {1.0f, 0.841344746f, 0.841191991f},
      {2.0f, 1.95449974f, 1.95459769f},
      {4.0f, 3.99987332f, 3.99992975f},
  };

  for (const auto& c : cases) {
    float erf_value = c[0], tanh_value = c[0];
    gelu_erf(&erf_value, 1);
    gelu_tanh(&tanh_value, 1);
    INFO("x = " << c[0]);
    CHECK(erf_value == Catch::Approx(c[1]).margin(1e-6).epsilon(1e-4));
    CHECK(tanh_value == Catch::Approx(c[2]).margin(1e-6).epsilon(1e-4));
  }
  // The erf and tanh forms differ measurably at x = -3 (the test would notice one used for the other).
  CHECK(std::fabs(gelu_erf_reference(-3.0f) - gelu_tanh_reference(-3.0f)) > 3e-4f);
}

TEST_CASE("gelu kernels agree with the scalar references on every length", "[kernels][gelu]") {
  for (int64_t n : {1, 3, 7, 15, 16, 17, 48, 130}) {
    std::vector<float> x(static_cast<size_t>(n) + 1);
    for (size_t i = 0; i < x.size(); ++i) x[i] = -5.0f + 10.0f * float(i) / float(x.size());
    for (int which = 0; which < 2; ++which) {
      std::vector<float> y = x;
      float* data = y.data() + 1;  // misaligned start
      which == 0 ? gelu_erf(data, n) : gelu_tanh(data, n);
      CHECK(y[0] == x[0]);  // untouched before the range
      for (int64_t i = 0; i < n; ++i) {
        const float want = which == 0 ? gelu_erf_reference(x[i + 1]) : gelu_tanh_reference(x[i + 1]);
        INFO("n " << n << " i " << i << (which == 0 ? " erf" : " tanh"));
        CHECK(std::fabs(data[i] - want) <= 2e-6f * std::max(1.0f, std::fabs(want)));
      }
    }
  }
}
