#include "parallel/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__EMSCRIPTEN__)
#include <emscripten/threading.h>
#endif

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define MHA_HAVE_THREADS 1
#else
#define MHA_HAVE_THREADS 0
#endif

namespace mha {
namespace {

constexpr int32_t kMaxThreads = 8;
constexpr int32_t kChunksPerThread = 8;
// Below this many multiply-adds (~50-100 us of work) waking the workers costs more than it saves.
constexpr double kMinParallelWork = 1 << 20;
// Jobs of one forward pass follow each other within microseconds, so idle workers poll for the next one
// this long before sleeping on the condition variable (a wake-up through the kernel or Atomics.notify
// costs tens of microseconds).
constexpr auto kSpinTime = std::chrono::microseconds(200);

// Index of the current thread inside a for_range chunk; -1 outside any. Nested loops run serially.
thread_local int32_t current_thread = -1;

struct ThreadScope {
  explicit ThreadScope(int32_t index) { current_thread = index; }
  ~ThreadScope() { current_thread = -1; }
};

// Spins until done() holds or kSpinTime has passed; returns done(). Between polls it yields the core,
// which matters when the machine has fewer free cores than threads: the thread being waited for may be
// the one that needs it.
template <typename Done>
bool spin_until(const Done& done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (;;) {
    for (int i = 0; i < 256; ++i)
      if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::yield();
  }
}

class Pool {
 public:
  ~Pool() { stop_workers(); }

  int32_t threads() const { return static_cast<int32_t>(workers_.size()) + 1; }

  int32_t resize(int32_t count) {
    stop_workers();
#if MHA_HAVE_THREADS
    try {
      for (int32_t index = 1; index < count; ++index)
        workers_.emplace_back([this, index, start = generation_.load()] { work(index, start); });
    } catch (const std::system_error&) {
      // No more threads (a Web Worker pool smaller than asked): run with those that started.
    }
#endif
    return threads();
  }

  // Runs body over the range with every thread, or serially when another caller is using the pool now.
  void run(int64_t count, int64_t grain, parallel::RangeBody body) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {
      ThreadScope scope(0);
      body(0, count, 0);
      return;
    }
    const int64_t units = (count + grain - 1) / grain;
    job_ = Job{&body, count, grain, units, std::min<int64_t>(units, int64_t(kChunksPerThread) * threads())};
    next_chunk_.store(0, std::memory_order_relaxed);
    remaining_.store(threads() - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_chunks(0);
    const auto all_done = [this] { return remaining_.load(std::memory_order_acquire) == 0; };
    if (!spin_until(all_done)) {
      std::unique_lock<std::mutex> lock(mutex_);
      finished_.wait(lock, all_done);
    }
  }

 private:
  struct Job {
    const parallel::RangeBody* body = nullptr;
    int64_t count = 0, grain = 1, units = 0, chunks = 0;
  };

  // Takes chunks of the job until none is left. Chunks are handed out first come, first served (several
  // per thread), so a thread the OS preempts delays the loop by one chunk, not by a whole share.
  void run_chunks(int32_t thread) {
    ThreadScope scope(thread);
    for (int64_t chunk; (chunk = next_chunk_.fetch_add(1, std::memory_order_relaxed)) < job_.chunks;) {
      const int64_t begin = std::min(job_.count, job_.units * chunk / job_.chunks * job_.grain);
      const int64_t end = std::min(job_.count, job_.units * (chunk + 1) / job_.chunks * job_.grain);
      if (begin < end) (*job_.body)(begin, end, thread);
    }
  }

  void work(int32_t index, uint64_t seen) {
    for (;;) {
      const auto new_job = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(new_job)) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, new_job);
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stopping_.load(std::memory_order_acquire)) return;
      run_chunks(index);
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_.notify_one();
      }
    }
  }

  void stop_workers() {
    if (workers_.empty()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_.store(true, std::memory_order_release);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
    stopping_.store(false, std::memory_order_release);
  }

  std::vector<std::thread> workers_;
  std::mutex busy_;   // held by the caller of run(): one job at a time
  std::mutex mutex_;  // guards the sleeping side of generation_ / remaining_
  std::condition_variable wake_, finished_;
  Job job_;  // written by run() before generation_ is bumped (release), read by workers after (acquire)
  std::atomic<uint64_t> generation_{0};
  std::atomic<int32_t> remaining_{0};
  std::atomic<int64_t> next_chunk_{0};
  std::atomic<bool> stopping_{false};
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

int32_t max_threads() {
#if !MHA_HAVE_THREADS
  return 1;
#else
#if defined(__EMSCRIPTEN__)
  const int32_t cores = emscripten_num_logical_cores();
#else
  const int32_t cores = static_cast<int32_t>(std::thread::hardware_concurrency());
#endif
  return std::clamp(cores, 1, kMaxThreads);
#endif
}

int32_t num_threads() { return pool().threads(); }

int32_t set_num_threads(int32_t count) {
  count = std::clamp(count, 1, max_threads());
  if (count == pool().threads()) return count;
  return pool().resize(count);
}

namespace parallel {

void for_range(int64_t count, int64_t grain, double cost_per_item, RangeBody body) {
  if (count <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (current_thread >= 0) {  // nested: the enclosing chunk already has its thread
    body(0, count, current_thread);
    return;
  }
  if (pool().threads() == 1 || count <= grain || double(count) * cost_per_item < kMinParallelWork) {
    ThreadScope scope(0);
    body(0, count, 0);
    return;
  }
  pool().run(count, grain, body);
}

}  // namespace parallel
}  // namespace mha
