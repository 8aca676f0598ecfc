// Data parallelism for the forward passes: one process-wide pool of worker threads that splits a range
// of rows into contiguous chunks (a few per thread, taken first come, first served) and waits for all.
//
// Every kernel writes disjoint rows (or column panels) of its output, and chunk boundaries fall on
// multiples of the caller's `grain`, so results are bit-identical whatever the thread count.
//
// Builds: native (std::thread); WebAssembly with -pthread (Emscripten's pthreads on Web Workers, which
// need SharedArrayBuffer, i.e. a cross-origin-isolated page); WebAssembly without threads, where
// set_num_threads() accepts only 1 and every loop runs on the calling thread.
#pragma once

#include <cstdint>
#include <type_traits>

namespace mha {

// Largest useful thread count: the logical cores (at most 8), or 1 in a build without threads.
int32_t max_threads();
// Threads the forward passes use, the calling thread included; 1 (the default) means serial.
int32_t num_threads();
// Starts (or retires) workers so that `count` threads run the loops; count is clamped to
// [1, max_threads()] and the count actually in use is returned (fewer if the platform refuses to
// start a thread, e.g. an exhausted Web Worker pool). Call it from the thread that runs the models.
int32_t set_num_threads(int32_t count);

namespace parallel {

// body(begin, end, thread): a chunk [begin, end) of the range and the index (0..num_threads()-1) of the
// thread running it, for per-thread scratch. A non-owning reference to a callable (no allocation per
// loop); the callable must outlive the for_range call, which a lambda passed in place does.
class RangeBody {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RangeBody>>>
  RangeBody(const F& body)  // NOLINT(google-explicit-constructor): lambdas convert implicitly
      : body_(&body), call_([](const void* b, int64_t begin, int64_t end, int32_t thread) {
          (*static_cast<const F*>(b))(begin, end, thread);
        }) {}
  void operator()(int64_t begin, int64_t end, int32_t thread) const { call_(body_, begin, end, thread); }

 private:
  const void* body_;
  void (*call_)(const void*, int64_t, int64_t, int32_t);
};

// Runs body over [0, count) split into chunks whose boundaries are multiples of `grain` (at most
// 8 * num_threads() of them; one thread may run several, each call gets one contiguous chunk). Serial (one call, thread
// 0 or the enclosing chunk's thread) when nested inside another for_range, when only one thread is configured, or when
// `count * cost_per_item` (a rough count of multiply-adds) is too small to repay waking the workers. Returns when every
// chunk is done. Bodies must not throw: kernels are noexcept and a chunk on a worker has nobody to report to.
void for_range(int64_t count, int64_t grain, double cost_per_item, RangeBody body);

}  // namespace parallel
}  // namespace mha
