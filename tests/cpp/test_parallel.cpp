// Threads: how src/parallel shares out a range, and that every kernel gives bit-identical results with
// 1, 2, 3 or 4 threads (chunks hold whole rows or panels, so each element is computed the same way).
// In a WebAssembly build without pthreads set_num_threads() keeps 1 and these tests check the serial path.
#include <algorithm>
#include <atomic>
#include <catch_amalgamated.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "compare.hpp"
#include "kernels/gemm.hpp"
#include "parallel/parallel.hpp"
#include "problem.hpp"

using namespace mha;
using namespace mha::testing;

namespace {

constexpr double kAlwaysParallel = 1e12;  // cost per item far above the serial threshold

// Restores one thread when a test ends, whatever happened in it.
struct ThreadCount {
  explicit ThreadCount(int32_t count) : actual(set_num_threads(count)) {}
  ~ThreadCount() { set_num_threads(1); }
  int32_t actual;
};

struct Chunk {
  int64_t begin, end;
  int32_t thread;
  std::thread::id id;
};

std::vector<Chunk> chunks_of(int64_t count, int64_t grain, double cost = kAlwaysParallel) {
  std::mutex mutex;
  std::vector<Chunk> chunks;
  parallel::for_range(count, grain, cost, [&](int64_t begin, int64_t end, int32_t thread) {
    std::lock_guard<std::mutex> lock(mutex);
    chunks.push_back({begin, end, thread, std::this_thread::get_id()});
  });
  std::sort(chunks.begin(), chunks.end(), [](const Chunk& a, const Chunk& b) { return a.begin < b.begin; });
  return chunks;
}

}  // namespace

TEST_CASE("set_num_threads clamps to [1, max_threads()] and reports what it runs", "[parallel]") {
  const int32_t most = max_threads();
  REQUIRE(most >= 1);
  REQUIRE(most <= 8);
  {
    ThreadCount threads(0);
    CHECK(threads.actual == 1);
    CHECK(num_threads() == 1);
  }
  {
    ThreadCount threads(1000);
    CHECK(threads.actual == most);
    CHECK(num_threads() == most);
  }
  CHECK(num_threads() == 1);
}

TEST_CASE("for_range covers the range once, in grain-aligned chunks", "[parallel]") {
  for (int32_t wanted : {1, 2, 3, 4}) {
    ThreadCount threads(wanted);
    for (int64_t count : {1, 5, 8, 33, 1000})
      for (int64_t grain : {1, 4, 32}) {
        CAPTURE(threads.actual, count, grain);
        const std::vector<Chunk> chunks = chunks_of(count, grain);
        REQUIRE(!chunks.empty());
        CHECK(chunks.front().begin == 0);
        CHECK(chunks.back().end == count);
        for (size_t i = 0; i < chunks.size(); ++i) {
          CHECK(chunks[i].begin < chunks[i].end);
          CHECK(chunks[i].begin % grain == 0);
          if (i > 0) CHECK(chunks[i].begin == chunks[i - 1].end);
          CHECK(chunks[i].thread >= 0);
          CHECK(chunks[i].thread < threads.actual);
          for (const Chunk& other : chunks)  // one index per OS thread: per-thread scratch is safe
            CHECK((other.thread == chunks[i].thread) == (other.id == chunks[i].id));
        }
        // One chunk when serial (one thread, or a range of one grain); else up to 8 per thread.
        const int64_t units = (count + grain - 1) / grain;
        const int64_t expected =
            threads.actual == 1 || count <= grain ? 1 : std::min<int64_t>(8 * threads.actual, units);
        CHECK(int64_t(chunks.size()) == expected);
      }
  }
}

TEST_CASE("for_range runs chunks on every thread at once", "[parallel]") {
  ThreadCount threads(4);
  // Each chunk waits (up to 10 s) until every thread has entered one: this returns only if the chunks
  // really run concurrently on threads.actual different threads.
  std::atomic<int32_t> entered{0};
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::set<int32_t> indices;
  parallel::for_range(int64_t(threads.actual), 1, kAlwaysParallel, [&](int64_t, int64_t, int32_t thread) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (ids.insert(std::this_thread::get_id()).second) entered.fetch_add(1);
      indices.insert(thread);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (entered.load() < threads.actual && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  });
  CHECK(int32_t(ids.size()) == threads.actual);
  CHECK(int32_t(indices.size()) == threads.actual);
}

TEST_CASE("for_range runs small work and nested loops on the calling thread", "[parallel]") {
  ThreadCount threads(4);
  CHECK(chunks_of(1000, 1, /*cost=*/1.0).size() == 1);  // 1,000 multiply-adds: not worth waking anyone
  std::mutex mutex;
  std::vector<Chunk> inner;
  parallel::for_range(64, 8, kAlwaysParallel, [&](int64_t, int64_t, int32_t outer_thread) {
    parallel::for_range(100, 1, kAlwaysParallel, [&](int64_t begin, int64_t end, int32_t thread) {
      std::lock_guard<std::mutex> lock(mutex);
      inner.push_back({begin, end, thread, std::this_thread::get_id()});
      CHECK(thread == outer_thread);
    });
  });
  // 64 rows in grains of 8: up to 8 chunks per thread, each running the whole inner loop serially
  CHECK(int64_t(inner.size()) == (threads.actual == 1 ? 1 : std::min<int64_t>(8 * threads.actual, 8)));
  for (const Chunk& chunk : inner) CHECK((chunk.begin == 0 && chunk.end == 100));
}

TEST_CASE("gemm gives the same bits with any thread count (row and panel splits)", "[parallel][gemm]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // m = 3 rows: threads share panels of B; m = 301 rows: threads share row tiles.
  for (int32_t m : {3, 301}) {
    const int32_t k = 517, n = 389;
    std::vector<float> a(size_t(m) * k), b(size_t(k) * n), bias(n);
    for (float& x : a) x = normal(rng);
    for (float& x : b) x = normal(rng);
    for (float& x : bias) x = normal(rng);
    kernels::PackedMatrix packed;
    kernels::gemm_pack(packed, b.data(), n, 1, k, n, bias.data());
    std::vector<float> serial(size_t(m) * n);
    kernels::gemm(serial.data(), n, a.data(), k, m, packed, 0.5f);
    for (int32_t wanted : {2, 3, 4}) {
      ThreadCount threads(wanted);
      std::vector<float> threaded(serial.size(), -1.0f);
      kernels::gemm(threaded.data(), n, a.data(), k, m, packed, 0.5f);
      CAPTURE(m, threads.actual);
      CHECK(threaded == serial);
    }
  }
}

TEST_CASE("attention gives the same bits with any thread count, and matches the reference", "[parallel][attention]") {
  // Big enough for every stage to be split: per-head projections of ~5 M multiply-adds, 160-300 rows.
  struct Case {
    int32_t batch, lq, lk;
    WeightsMode mode;
    bool causal;
    MaskKind mask;
  };
  const Case cases[] = {
      {1, 160, 160, WeightsMode::per_head, true, MaskKind::none},
      {2, 97, 300, WeightsMode::averaged, false, MaskKind::boolean},
      {1, 300, 160, WeightsMode::none, true, MaskKind::additive},
      {2, 129, 129, WeightsMode::none, false, MaskKind::none},
  };
  const uint8_t heads_enabled[] = {1, 0, 1, 1};
  for (const Case& c : cases)
    for (const uint8_t* enabled : {static_cast<const uint8_t*>(nullptr), heads_enabled}) {
      ProblemShape shape;
      shape.embed_dim = 256;
      shape.num_heads = 4;
      shape.batch = c.batch;
      shape.query_len = c.lq;
      shape.key_len = c.lk;
      shape.weights_mode = c.mode;
      shape.causal = c.causal;
      shape.mask = c.mask;
      shape.key_padding = c.batch == 2;
      const Problem problem(shape, 900 + c.lq);
      MultiheadAttention attention(problem.config);
      attention.load_weights(problem.weights());
      const auto run = [&](int32_t wanted) {
        ThreadCount threads(wanted);
        Problem::Result r;
        AttentionOutputs out = problem.outputs(r);
        out.head_enabled = enabled;
        attention.forward(problem.inputs(), out);
        return r;
      };
      const Problem::Result one = run(1);
      for (int32_t wanted : {2, 3, 4}) {
        const Problem::Result many = run(wanted);
        CAPTURE(c.batch, c.lq, c.lk, int(c.mode), c.causal, int(c.mask), enabled != nullptr, wanted);
        CHECK(many.output == one.output);
        CHECK(many.weights == one.weights);
        CHECK(many.context == one.context);
      }
      Problem::Result want;
      AttentionOutputs want_out = problem.outputs(want);
      want_out.head_enabled = enabled;
      reference_forward(problem.config, problem.weights(), problem.inputs(), want_out);
      const Comparison output = compare(one.output, want.output);
      INFO(output.describe("output"));
      CHECK(output.relative_error <= 1e-5);
      const Comparison weights = compare(one.weights, want.weights);
      INFO(weights.describe("weights"));
      CHECK(weights.relative_error <= 1e-5);
    }
}
