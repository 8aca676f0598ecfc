// The streaming (flash-attention) path, taken by forward() when no attention weights are wanted, against
// the scalar reference: lengths around and across its tiles (32 queries x 128 keys), every mask, causal
// masks whose skipped blocks sit above the diagonal, ablated heads, the context output, and d_k values
// that are not multiples of the SIMD panel width.
#include <catch_amalgamated.hpp>

#include "compare.hpp"
#include "problem.hpp"

using namespace mha;
using namespace mha::testing;

namespace {

void check_streaming(const ProblemShape& shape, uint32_t seed, const uint8_t* head_enabled = nullptr,
                     double tolerance = 1e-5) {
  const Problem problem(shape, seed);
  Problem::Result want, got;
  AttentionOutputs want_out = problem.outputs(want), got_out = problem.outputs(got);
  want_out.head_enabled = got_out.head_enabled = head_enabled;
  reference_forward(problem.config, problem.weights(), problem.inputs(), want_out);
  MultiheadAttention attention(problem.config);
  attention.load_weights(problem.weights());
  attention.forward(problem.inputs(), got_out);
  const Comparison output = compare(got.output, want.output);
  INFO(output.describe("output"));
  CHECK(output.shapes_match);
  CHECK(output.relative_error <= tolerance);
  const Comparison context = compare(got.context, want.context);
  INFO(context.describe("context"));
  CHECK(context.relative_error <= tolerance);
}

}  // namespace

TEST_CASE("streaming path matches the reference across tile boundaries and masks", "[attention][streaming]") {
  const int32_t lengths[] = {1, 7, 31, 32, 33, 127, 128, 129, 300};
  uint32_t seed = 500;
  for (int32_t lq : lengths)
    for (int32_t lk : {1, 9, 128, 129, 257}) {
      ++seed;
      ProblemShape s;
      s.embed_dim = seed % 3 == 0 ? 12 : 16;  // d_k = 3 or 6 (not a panel multiple), 4 or 8
      s.num_heads = seed % 2 ? 4 : 2;
      s.batch = seed % 4 == 0 ? 2 : 1;
      s.query_len = lq;
      s.key_len = lk;
      s.bias = seed % 5 != 0;
      s.mask = static_cast<MaskKind>(seed % 3);
      s.mask_layout = (seed / 3) % 2 ? AttnMaskLayout::per_head : AttnMaskLayout::shared;
      s.causal = seed % 2 == 0;
      s.key_padding = seed % 7 == 1;
      s.weights_mode = WeightsMode::none;
      if (seed % 6 == 1) {
        s.kdim = 5;
        s.vdim = 11;
      }
      CAPTURE(lq, lk, s.embed_dim, s.num_heads, s.batch, s.bias, int(s.mask), int(s.mask_layout), s.causal,
              s.key_padding, s.kdim, s.vdim);
      check_streaming(s, seed);
    }
}

TEST_CASE("streaming path: large scores, fully masked rows, ablated heads", "[attention][streaming]") {
  ProblemShape s;
  s.embed_dim = 32;
  s.num_heads = 4;
  s.query_len = 70;
  s.key_len = 300;
  s.weights_mode = WeightsMode::none;
  SECTION("magnitudes that need the running maximum to move between key blocks") {
    s.input_scale = 30.0f;  // scores ~1e4: float rounding of the scores alone is ~1e-5 relative
    check_streaming(s, 7, nullptr, 1e-4);
  }
  SECTION("every key masked for some rows (boolean mask) and padding") {
    s.mask = MaskKind::boolean;
    s.key_padding = true;
    check_streaming(s, 8);
  }
  SECTION("ablated heads") {
    const uint8_t enabled[] = {1, 0, 1, 0};
    check_streaming(s, 9, enabled);
  }
  SECTION("all heads ablated: output is the bias") {
    const uint8_t enabled[] = {0, 0, 0, 0};
    check_streaming(s, 10, enabled);
  }
}
