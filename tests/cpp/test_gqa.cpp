// Grouped-query and multi-query attention with rotary embeddings in the MultiheadAttention engine: both
// SIMD paths (materialising, with weights returned, and streaming) against the scalar reference, which
// writes the grouping (query head h reads kv head h / (H / H_kv)) and the rotation out in plain loops; and
// every path bit-identical across thread counts. The comparison with transformers is in test_llama.cpp.
#include <catch_amalgamated.hpp>

#include "compare.hpp"
#include "parallel/parallel.hpp"
#include "problem.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

constexpr double kTolerance = 1e-5;

struct ThreadCount {
  explicit ThreadCount(int32_t count) { set_num_threads(count); }
  ~ThreadCount() { set_num_threads(1); }
};

std::vector<ProblemShape> llama_shapes() {
  std::vector<ProblemShape> shapes;
  for (int32_t kv_heads : {1, 2, 4})  // MQA, GQA groups of 4 and of 2 (8 query heads of 8 features)
    for (bool interleaved : {false, true})
      for (WeightsMode mode : {WeightsMode::per_head, WeightsMode::averaged, WeightsMode::none}) {
        ProblemShape s;
        s.embed_dim = 64;
        s.num_heads = 8;
        s.num_kv_heads = kv_heads;
        s.bias = kv_heads != 4;
        s.out_bias = kv_heads == 1;  // q/k/v biases without an output bias when kv_heads == 2 (Qwen2)
        s.batch = 2;
        s.query_len = s.key_len = 37;  // more than one query block of the streaming path
        s.causal = true;
        s.weights_mode = mode;
        s.rotary.dim = interleaved ? 6 : 8;  // partial rotary when interleaved
        s.rotary.base = interleaved ? 10000.0f : 100000.0f;
        s.rotary.interleaved = interleaved;
        s.position_offset = interleaved ? 3 : 0;
        shapes.push_back(s);
      }
  ProblemShape cross;  // cross-attention with a padding mask and a linear-scaled rotary, no causality
  cross.embed_dim = 32;
  cross.num_heads = 4;
  cross.num_kv_heads = 2;
  cross.kdim = 12;
  cross.vdim = 20;
  cross.query_len = 5;
  cross.key_len = 140;  // more than one key block
  cross.key_padding = true;
  cross.mask = MaskKind::additive;
  cross.rotary = {8, 10000.0f, false, {kernels::RopeScalingType::linear, 4.0f}};
  for (WeightsMode mode : {WeightsMode::per_head, WeightsMode::none}) {
    cross.weights_mode = mode;
    shapes.push_back(cross);
  }
  return shapes;
}

std::string describe(const ProblemShape& s) {
  return "H " + std::to_string(s.num_heads) + " H_kv " + std::to_string(s.num_kv_heads) + " rotary " +
         std::to_string(s.rotary.dim) + (s.rotary.interleaved ? " interleaved" : "") + " weights " +
         std::to_string(int(s.weights_mode)) + " Lq " + std::to_string(s.query_len) + " Lk " +
         std::to_string(s.key_len);
}

}  // namespace

TEST_CASE("grouped-query attention with rotary: both SIMD paths against the scalar reference", "[llama][gqa]") {
  uint32_t seed = 100;
  for (const ProblemShape& shape : llama_shapes()) {
    INFO(describe(shape));
    const Problem problem(shape, seed++);
    const Problem::Result want = problem.run_reference();
    const Problem::Result got = problem.run_fast();
    const Comparison output = compare(got.output, want.output), context = compare(got.context, want.context);
    INFO(output.describe("output"));
    INFO(context.describe("context"));
    CHECK(output.relative_error <= kTolerance);
    CHECK(context.relative_error <= kTolerance);
    if (shape.weights_mode != WeightsMode::none) {
      const Comparison weights = compare(got.weights, want.weights);
      INFO(weights.describe("weights"));
      CHECK(weights.relative_error <= kTolerance);
    }
  }
}

TEST_CASE("grouped-query attention: a grouped layer equals the layer with each kv head repeated per query head",
          "[llama][gqa]") {
  // Independent of the reference: repeating W_k and W_v rows (repeat_kv) gives an ordinary multi-head layer.
  ProblemShape shape;
  shape.embed_dim = 32;
  shape.num_heads = 8;
  shape.num_kv_heads = 2;
  shape.query_len = shape.key_len = 9;
  shape.causal = true;
  shape.rotary.dim = 4;
  for (WeightsMode mode : {WeightsMode::per_head, WeightsMode::none}) {
    shape.weights_mode = mode;
    const Problem grouped(shape, 7);
    ProblemShape full_shape = shape;
    full_shape.num_kv_heads = 0;
    Problem full(full_shape, 7);
    const int64_t d_k = 4, e = 32, group = 4;
    full.packed_in_proj = false;
    full.w_q = grouped.w_q;
    full.w_out = grouped.w_out;
    full.b_out = grouped.b_out;
    full.query = grouped.query;
    full.key = grouped.key;
    full.value = grouped.value;
    full.w_k.assign(size_t(e * e), 0.0f);
    full.w_v.assign(size_t(e * e), 0.0f);
    full.b_in.assign(size_t(3 * e), 0.0f);
    std::copy(grouped.b_in.begin(), grouped.b_in.begin() + e, full.b_in.begin());
    for (int64_t h = 0; h < 8; ++h)
      for (int64_t d = 0; d < d_k; ++d) {
        const int64_t row = h * d_k + d, source = (h / group) * d_k + d;
        std::copy_n(grouped.w_k.begin() + source * e, e, full.w_k.begin() + row * e);
        std::copy_n(grouped.w_v.begin() + source * e, e, full.w_v.begin() + row * e);
        full.b_in[e + row] = grouped.b_in[e + source];
        full.b_in[2 * e + row] = grouped.b_in[e + 8 + source];
      }
    const Problem::Result a = grouped.run_fast(), b = full.run_fast();
    const Comparison output = compare(a.output, b.output);
    INFO(output.describe("output"));
    CHECK(output.relative_error <= kTolerance);
    if (mode != WeightsMode::none) CHECK(compare(a.weights, b.weights).relative_error <= kTolerance);
  }
}

TEST_CASE("grouped-query attention with rotary is bit-identical with 1 to 4 threads, both paths", "[llama][gqa]") {
  for (ProblemShape shape : llama_shapes()) {
    INFO(describe(shape));
    const Problem problem(shape, 3);
    Problem::Result serial;
    {
      ThreadCount threads(1);
      serial = problem.run_fast();
    }
    for (int32_t count : {2, 3, 4}) {
      ThreadCount threads(count);
      const Problem::Result parallel_result = problem.run_fast();
      INFO("threads " << count);
      CHECK(parallel_result.output == serial.output);
      CHECK(parallel_result.weights == serial.weights);
      CHECK(parallel_result.context == serial.context);
    }
  }
}

TEST_CASE("grouped-query configuration errors name the field", "[llama][gqa]") {
  AttentionConfig config{64, 8};
  config.num_kv_heads = 3;
  CHECK_THROWS_WITH(MultiheadAttention(config),
                    ContainsSubstring("num_kv_heads: expected 0 (= num_heads) or a divisor of num_heads = 8, got 3"));
  config.num_kv_heads = 2;
  config.rotary.dim = 10;
  CHECK_THROWS_WITH(MultiheadAttention(config), ContainsSubstring("rotary.dim") && ContainsSubstring("got 10"));
  config.rotary.dim = 8;
  MultiheadAttention attention(config);
  std::vector<float> in_proj(3 * 64 * 64), out(64 * 64), bias(64 + 2 * 16);
  AttentionWeights w;
  w.in_proj_weight = {in_proj.data(), in_proj.size()};
  w.out_proj_weight = {out.data(), out.size()};
  w.in_proj_bias = {bias.data(), bias.size()};
  CHECK_THROWS_WITH(attention.load_weights(w), ContainsSubstring("in_proj_weight: only valid when num_kv_heads"));
  std::vector<float> q(64 * 64), k(16 * 64), v(16 * 63);
  w.in_proj_weight = {};
  w.q_proj_weight = {q.data(), q.size()};
  w.k_proj_weight = {k.data(), k.size()};
  w.v_proj_weight = {v.data(), v.size()};
  CHECK_THROWS_WITH(attention.load_weights(w),
                    ContainsSubstring("v_proj_weight: expected 1024 floats for [E_kv, vdim] = [16, 64], got 1008"));
  v.resize(16 * 64);
  w.v_proj_weight = {v.data(), v.size()};
  CHECK_THROWS_WITH(attention.load_weights(w), ContainsSubstring("out_proj.bias: expected 64 floats"));
}

TEST_CASE("forward_cached: chunks of a causal self-attention through a KV cache equal forward(), any thread count",
          "[llama][gqa][kv_cache]") {
  for (int32_t kv_heads : {1, 2, 8})
    for (bool interleaved : {false, true}) {
      ProblemShape shape;
      shape.embed_dim = 64;
      shape.num_heads = 8;
      shape.num_kv_heads = kv_heads;
      shape.out_bias = kv_heads != 2;
      shape.query_len = shape.key_len = 41;
      shape.causal = true;
      shape.rotary = {interleaved ? 6 : 8, 10000.0f, interleaved, {}};
      Problem problem(shape, 11);
      problem.key = problem.value = problem.query;  // self-attention
      const Problem::Result full = problem.run_fast();
      MultiheadAttention attention(problem.config);
      attention.load_weights(problem.weights());
      const int32_t E = 64, H = 8, T = 41;
      std::vector<std::vector<float>> serial_outputs;
      for (int32_t threads : {1, 3}) {
        ThreadCount count(threads);
        KvCache cache;
        int32_t begin = 0;
        std::vector<std::vector<float>> outputs;
        for (int32_t chunk : {9, 1, 1, 30}) {
          INFO("H_kv " << kv_heads << " interleaved " << interleaved << " threads " << threads << " tokens " << begin
                       << ".." << begin + chunk - 1);
          const int32_t keys = begin + chunk;
          std::vector<float> output(size_t(chunk) * E), weights(size_t(H) * chunk * keys);
          AttentionOutputs out;
          out.output = output.data();
          out.output_size = output.size();
          out.weights = weights.data();
          out.weights_size = weights.size();
          out.weights_mode = WeightsMode::per_head;
          attention.forward_cached(problem.query.data() + size_t(begin) * E, chunk, cache, out);
          CHECK(cache.length == keys);
          const std::vector<float> want_output(full.output.begin() + size_t(begin) * E,
                                               full.output.begin() + size_t(keys) * E);
          std::vector<float> want_weights;
          for (int32_t h = 0; h < H; ++h)
            for (int32_t i = begin; i < keys; ++i) {
              const float* row = full.weights.data() + (size_t(h) * T + i) * T;
              want_weights.insert(want_weights.end(), row, row + keys);
            }
          const Comparison o = compare(output, want_output), w = compare(weights, want_weights);
          INFO(o.describe("output") << "; " << w.describe("weights"));
          CHECK(o.relative_error <= kTolerance);
          CHECK(w.relative_error <= kTolerance);
          outputs.push_back(output);
          outputs.push_back(weights);
          begin = keys;
        }
        if (threads == 1)
          serial_outputs = outputs;
        else
          CHECK(outputs == serial_outputs);
      }
    }
}
