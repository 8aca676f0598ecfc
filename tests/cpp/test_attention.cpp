// The SIMD forward pass against the scalar reference, hand-computed values, and properties.
#include <algorithm>
#include <catch_amalgamated.hpp>
#include <cmath>
#include <numeric>

#include "compare.hpp"
#include "problem.hpp"

using namespace mha;
using namespace mha::testing;

namespace {

constexpr double kTolerance = 1e-5;

void check_against_reference(const ProblemShape& shape, uint32_t seed) {
  const Problem problem(shape, seed);
  const Problem::Result want = problem.run_reference();
  const Problem::Result got = problem.run_fast();
  const Comparison output = compare(got.output, want.output);
  INFO(output.describe("output"));
  CHECK(output.shapes_match);
  CHECK(output.relative_error <= kTolerance);
  const Comparison weights = compare(got.weights, want.weights);
  INFO(weights.describe("weights"));
  CHECK(weights.shapes_match);
  CHECK(weights.relative_error <= kTolerance);
}

const int32_t kSizes[] = {1, 3, 4, 5, 7, 8, 9, 16, 33, 64, 130};
const int32_t kHeads[] = {1, 2, 4, 8};

}  // namespace

TEST_CASE("SIMD forward matches the reference over a sweep of shapes and options", "[attention][sweep]") {
  // Every (E, Lq) pair of the size list; Lk, heads, bias, masks, batch and weights mode vary with them
  // so that every value of every option is met many times without a full cartesian product.
  uint32_t seed = 0;
  for (int32_t e : kSizes)
    for (int32_t lq : kSizes) {
      ++seed;
      ProblemShape s;
      s.embed_dim = e;
      const int32_t heads = kHeads[seed % 4];
      s.num_heads = e % heads == 0 ? heads : 1;
      s.query_len = lq;
      s.key_len = kSizes[(seed * 7) % 11];
      s.bias = seed % 2 == 0;
      s.batch = seed % 3 == 0 ? 3 : 1;
      s.mask = static_cast<MaskKind>(seed % 3);
      s.mask_layout = (seed / 3) % 2 ? AttnMaskLayout::per_head : AttnMaskLayout::shared;
      s.causal = seed % 5 == 0;
      s.key_padding = seed % 4 == 1;
      s.weights_mode = seed % 2 ? WeightsMode::per_head : WeightsMode::averaged;
      if (seed % 6 == 0) {  // cross-attention with other feature sizes
        s.kdim = kSizes[seed % 11];
        s.vdim = kSizes[(seed + 3) % 11];
      }
      // Bound the reference's O(B*H*Lq*Lk*E) cost: the largest pairs run with batch 1.
      if (int64_t(e) * lq * s.key_len > 500000) s.batch = 1;
      CAPTURE(e, s.num_heads, lq, s.key_len, s.kdim, s.vdim, s.bias, s.batch, int(s.mask), int(s.mask_layout), s.causal,
              s.key_padding, int(s.weights_mode));
      check_against_reference(s, seed);
    }
}

TEST_CASE("every mask kind and layout, batch 1 and 3", "[attention][masks]") {
  for (int32_t batch : {1, 3})
    for (MaskKind mask : {MaskKind::none, MaskKind::boolean, MaskKind::additive})
      for (AttnMaskLayout layout : {AttnMaskLayout::shared, AttnMaskLayout::per_head})
        for (bool causal : {false, true})
          for (bool padding : {false, true}) {
            ProblemShape s;
            s.embed_dim = 16;
            s.num_heads = 4;
            s.batch = batch;
            s.query_len = 9;
            s.key_len = 9;
            s.mask = mask;
            s.mask_layout = layout;
            s.causal = causal;
            s.key_padding = padding;
            CAPTURE(batch, int(mask), int(layout), causal, padding);
            check_against_reference(s, 1000 + batch);
          }
}

TEST_CASE("hand-computed case: 2 tokens, 1 head, identity projections", "[attention][exact]") {
  // E = 2, H = 1, W_q = W_k = W_v = W_O = I, no bias. x = [[1, 0], [0, 1]].
  // scores = x x^T / sqrt(2) = [[1, 0], [0, 1]] / sqrt(2); each row softmax([a, 0]) with a = 1/sqrt(2):
  //   w = e^a / (e^a + 1) = 0.66976155..., 1 - w = 0.33023845...
  // output row 0 = w*[1,0] + (1-w)*[0,1] = [w, 1-w]; row 1 = [1-w, w].
  const float identity3[] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1};
  const float identity[] = {1, 0, 0, 1};
  const float x[] = {1, 0, 0, 1};
  AttentionConfig config{2, 1, 0, 0, false};
  AttentionWeights weights;
  weights.in_proj_weight = {identity3, 12};
  weights.out_proj_weight = {identity, 4};
  AttentionInputs in;
  in.query = in.key = in.value = {x, 4};
  in.query_len = in.key_len = 2;
  float output[4], attention[4];
  AttentionOutputs out;
  out.output = output;
  out.output_size = 4;
  out.weights = attention;
  out.weights_size = 4;
  out.weights_mode = WeightsMode::per_head;
  const double a = 1.0 / std::sqrt(2.0), w = std::exp(a) / (std::exp(a) + 1.0);
  REQUIRE(w == Catch::Approx(0.66976155).epsilon(1e-7));
  for (int path = 0; path < 2; ++path) {
    if (path == 0) {
      reference_forward(config, weights, in, out);
    } else {
      MultiheadAttention fast(config);
      fast.load_weights(weights);
      fast.forward(in, out);
    }
    CAPTURE(path);
    const double expected[] = {w, 1 - w, 1 - w, w};
    for (int n = 0; n < 4; ++n) {
      CHECK(attention[n] == Catch::Approx(expected[n]).epsilon(1e-6));
      CHECK(output[n] == Catch::Approx(expected[n]).epsilon(1e-6));
    }
    // With a causal mask, token 0 sees only itself: weights [[1, 0], [w, 1-w]].
    in.is_causal = true;
    if (path == 0) {
      reference_forward(config, weights, in, out);
    } else {
      MultiheadAttention fast(config);
      fast.load_weights(weights);
      fast.forward(in, out);
    }
    CHECK(attention[0] == 1.0f);
    CHECK(attention[1] == 0.0f);
    CHECK(attention[2] == Catch::Approx(1 - w).epsilon(1e-6));
    in.is_causal = false;
  }
}

TEST_CASE("properties: rows sum to 1, causal upper triangle is 0, key permutation invariance",
          "[attention][properties]") {
  ProblemShape s;
  s.embed_dim = 32;
  s.num_heads = 4;
  s.batch = 2;
  s.query_len = 11;
  s.key_len = 11;
  s.causal = true;
  Problem problem(s, 7);
  const Problem::Result r = problem.run_fast();
  for (int64_t row = 0; row < int64_t(s.batch) * s.num_heads * s.query_len; ++row) {
    const float* p = r.weights.data() + row * s.key_len;
    const int64_t i = row % s.query_len;
    CHECK(std::accumulate(p, p + s.key_len, 0.0) == Catch::Approx(1.0).epsilon(1e-6));
    for (int64_t j = i + 1; j < s.key_len; ++j) CHECK(p[j] == 0.0f);
  }

  // Permuting keys and values together (no causal mask, which depends on positions) keeps the output.
  s.causal = false;
  s.query_len = 5;
  Problem original(s, 8);
  Problem permuted = original;
  const int64_t lk = s.key_len, e = s.embed_dim;
  std::vector<int64_t> order(lk);
  std::iota(order.begin(), order.end(), 0);
  std::reverse(order.begin(), order.end());
  std::rotate(order.begin(), order.begin() + 3, order.end());
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < lk; ++j)
      for (int64_t d = 0; d < e; ++d) {
        permuted.key[(b * lk + j) * e + d] = original.key[(b * lk + order[j]) * e + d];
        permuted.value[(b * lk + j) * e + d] = original.value[(b * lk + order[j]) * e + d];
      }
  const Comparison c = compare(permuted.run_fast().output, original.run_fast().output);
  INFO(c.describe("permuted output"));
  CHECK(c.relative_error <= kTolerance);
}

TEST_CASE("fully masked rows give zero weights and no NaN", "[attention][numerics]") {
  ProblemShape s;
  s.embed_dim = 8;
  s.num_heads = 2;
  s.query_len = 3;
  s.key_len = 5;
  s.mask = MaskKind::boolean;
  Problem problem(s, 3);
  std::fill(problem.mask_bool.begin() + 5, problem.mask_bool.begin() + 10, 1);  // query 1 sees no key
  for (int path = 0; path < 2; ++path) {
    const Problem::Result r = path ? problem.run_fast() : problem.run_reference();
    CAPTURE(path);
    for (float x : r.output) CHECK(std::isfinite(x));
    for (int h = 0; h < 2; ++h)
      for (int j = 0; j < 5; ++j) CHECK(r.weights[(h * 3 + 1) * 5 + j] == 0.0f);
    // context of that query is 0, so the output row is exactly the output bias
    for (int d = 0; d < 8; ++d) CHECK(r.output[8 + d] == Catch::Approx(problem.b_out[d]).margin(1e-6));
  }
}

TEST_CASE("softmax survives inputs of magnitude 1e4", "[attention][numerics]") {
  ProblemShape s;
  s.embed_dim = 16;
  s.num_heads = 2;
  s.query_len = 6;
  s.key_len = 7;
  s.input_scale = 1e4f;
  Problem problem(s, 4);
  const Problem::Result fast = problem.run_fast();
  for (float x : fast.output) REQUIRE(std::isfinite(x));
  for (float x : fast.weights) REQUIRE(std::isfinite(x));
  const Comparison c = compare(fast.output, problem.run_reference().output);
  INFO(c.describe("output"));
  CHECK(c.relative_error <= 1e-4);  // scores ~1e8: weights are one-hot up to float rounding
}

TEST_CASE("head ablation zeroes a head's context before W_O", "[attention][ablation]") {
  ProblemShape s;
  s.embed_dim = 16;
  s.num_heads = 4;
  s.query_len = 5;
  s.key_len = 5;
  Problem problem(s, 5);
  const uint8_t enabled[] = {1, 0, 1, 0};
  Problem::Result want, got;
  AttentionOutputs out_ref = problem.outputs(want);
  out_ref.head_enabled = enabled;
  reference_forward(problem.config, problem.weights(), problem.inputs(), out_ref);
  MultiheadAttention fast(problem.config);
  fast.load_weights(problem.weights());
  AttentionOutputs out_fast = problem.outputs(got);
  out_fast.head_enabled = enabled;
  fast.forward(problem.inputs(), out_fast);
  CHECK(compare(got.output, want.output).relative_error <= kTolerance);
  for (int i = 0; i < 5; ++i)
    for (int d = 4; d < 8; ++d) CHECK(got.context[i * 16 + d] == 0.0f);  // head 1 is off
  // weights are still reported for ablated heads
  CHECK(compare(got.weights, want.weights).relative_error <= kTolerance);
  CHECK(got.weights[1 * 25] > 0.0f);
}
