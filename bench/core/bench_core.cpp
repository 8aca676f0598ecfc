// Roofline probes for the C++ core, built natively (AVX2/SSE per -march) and to wasm (SIMD128) with
// -DMHA_BUILD_BENCH=ON: target mha_bench. Prints, for the machine it runs on:
//   1. the peak of register-tiled GEMM microkernels (A and the packed B panel stay in L1, so only the
//      multiply-add throughput counts), for several tile shapes: the ceiling any projection can reach;
//   2. the library's own gemm on the projection shapes [n, d] . [d, d] (the 8·n·d² part of attention);
//   3. the whole forward pass (no weights returned) on the benchmark shapes, median of the iterations;
//   4. with --threads 1,2,...: the forward pass again for each thread count, on the wall clock (CPU time
//      adds up the threads), and the speed-up over the first count.
//
//   mha_bench [--iterations N] [--quick] [--no-probes] [--threads 1,2]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "attention/mha.hpp"
#include "kernels/gemm.hpp"
#include "kernels/simd.hpp"
#include "parallel/parallel.hpp"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
// CPU time of the Node process (user + system): wasm has no clock for it.
EM_JS(double, process_cpu_seconds, (), {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
});
#else
#include <ctime>
#endif

namespace {

using batch = xsimd::batch<float>;
constexpr int kLanes = static_cast<int>(batch::size);
// Every figure is CPU time of this (single-threaded) process, not wall time: the machine is shared, and
// on a loaded machine a call preempted by the scheduler would look slower than the code is. The probes
// (short bursts) are timed on the wall clock, whose resolution the CPU clocks do not have.
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

double cpu_seconds() {
#ifdef __EMSCRIPTEN__
  return process_cpu_seconds();
#else
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
#endif
}

double best_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// A probe tile: C[Rows, Regs*lanes] += A[Rows, depth] . panel[depth, Regs*lanes], broadcasting one A value
// per row and step. Accumulators live in registers for the whole depth loop. Never inlined: the caller
// only reads c[0], and inlined calls would let the compiler drop the other accumulators.
template <int Rows, int Regs>
__attribute__((noinline)) void probe_tile(float* c, const float* a, const float* panel, int depth) {
  batch acc[Rows][Regs];
  for (int r = 0; r < Rows; ++r)
    for (int g = 0; g < Regs; ++g) acc[r][g] = batch(0.0f);
  for (int k = 0; k < depth; ++k) {
    batch b[Regs];
    for (int g = 0; g < Regs; ++g) b[g] = batch::load_unaligned(panel + (k * Regs + g) * kLanes);
    for (int r = 0; r < Rows; ++r) {
      const batch a_rk(a[r * depth + k]);
      // the library's multiply-add: one f32x4.relaxed_madd in the relaxed build, mul + add in SIMD128
      for (int g = 0; g < Regs; ++g) acc[r][g] = mha::kernels::simd::madd(a_rk, b[g], acc[r][g]);
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int g = 0; g < Regs; ++g) acc[r][g].store_unaligned(c + (r * Regs + g) * kLanes);
}

// Best rate over many short bursts (~0.1 ms each): on a loaded, shared machine a burst that ran without
// being preempted shows what the core itself can do, while long windows measure the scheduler.
template <int Rows, int Regs>
double probe_peak(double min_seconds) {
  constexpr int depth = 256;  // A: Rows x 1 KB, panel: Regs x 4 KB -> L1
  constexpr int burst = 16;
  std::vector<float> a(Rows * depth, 0.5f), panel(depth * Regs * kLanes, 0.25f), c(Rows * Regs * kLanes);
  const double flops_per_burst = 2.0 * Rows * Regs * kLanes * depth * burst;
  double best = 0;
  const auto begin = clock_type::now();
  do {
    const auto start = clock_type::now();
    for (int i = 0; i < burst; ++i) {
      probe_tile<Rows, Regs>(c.data(), a.data(), panel.data(), depth);
      a[i] += c[0] * 1e-30f;  // a dependency so the calls cannot be merged or hoisted
    }
    best = std::max(best, flops_per_burst / seconds_since(start) / 1e9);
  } while (seconds_since(begin) < min_seconds);
  return best;
}

// One line of the probe table: tile Rows x (Regs registers of kLanes floats), best GFLOP/s.
template <int Rows, int Regs>
void print_probe(double min_seconds) {
  std::printf("  tile %2dx%-2d  %6.1f\n", Rows, Regs * kLanes, probe_peak<Rows, Regs>(min_seconds));
}

std::vector<float> random_vector(size_t n, std::mt19937& rng, float scale) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 15;
  bool quick = false, probes = true;
  std::vector<int> thread_counts;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc)
      iterations = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--no-probes"))
      probes = false;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      for (const char* p = argv[++i]; *p; p += *p == ',')
        thread_counts.push_back(int(std::strtol(p, const_cast<char**>(&p), 10)));
  }
  const double probe_seconds = quick ? 0.05 : 0.5;
  std::printf("arch %s, %d floats per register, gemm panel width %d\n", xsimd::default_arch::name(), kLanes,
              mha::kernels::gemm_panel_width());

  if (probes) {
    std::printf("\nGEMM microkernel peak (A and B in L1), GFLOP/s, best burst:\n");
    print_probe<4, 2>(probe_seconds);
    print_probe<6, 2>(probe_seconds);
    print_probe<2, 4>(probe_seconds);
    print_probe<3, 4>(probe_seconds);
    print_probe<5, 2>(probe_seconds);
    print_probe<7, 2>(probe_seconds);
    print_probe<4, 3>(probe_seconds);
    print_probe<8, 2>(probe_seconds);
    print_probe<5, 3>(probe_seconds);
    print_probe<10, 2>(probe_seconds);
    print_probe<12, 2>(probe_seconds);
    print_probe<6, 3>(probe_seconds);
    print_probe<8, 1>(probe_seconds);
  }

  std::mt19937 rng(1);
  struct Shape {
    int n, d, h;
  };
  std::vector<Shape> shapes = {{16, 256, 4}, {64, 256, 8}, {128, 512, 8}, {512, 768, 12}, {1024, 768, 12}};
  if (quick) shapes.resize(2);

  std::printf("\nlibrary gemm, projection x[n, d] . W^T[d, d] + b, GFLOP/s, CPU time (median, best of %d):\n",
              iterations);
  for (const Shape& s : shapes) {
    auto x = random_vector(size_t(s.n) * s.d, rng, 1.0f), w = random_vector(size_t(s.d) * s.d, rng, 0.05f);
    auto bias = random_vector(s.d, rng, 0.1f);
    std::vector<float> y(size_t(s.n) * s.d);
    mha::kernels::PackedMatrix packed;
    mha::kernels::gemm_pack(packed, w.data(), 1, s.d, s.d, s.d, bias.data());
    std::vector<double> times;
    for (int it = 0; it < iterations + 3; ++it) {
      const double start = cpu_seconds();
      mha::kernels::gemm(y.data(), s.d, x.data(), s.d, s.n, packed);
      if (it >= 3) times.push_back(cpu_seconds() - start);
    }
    const double flops = 2.0 * s.n * s.d * s.d;
    std::printf("  n %5d d %4d  %6.1f %6.1f\n", s.n, s.d, flops / median(times) / 1e9, flops / best_of(times) / 1e9);
  }

  // Forward pass of one shape: median and best seconds per call on `clock` (cpu_seconds or wall).
  const auto time_forward = [&](const Shape& s, bool wall_clock) {
    const int E = s.d;
    auto w_in = random_vector(size_t(3) * E * E, rng, std::sqrt(3.0f / E));
    auto b_in = random_vector(size_t(3) * E, rng, 0.1f);
    auto w_out = random_vector(size_t(E) * E, rng, std::sqrt(3.0f / E));
    auto b_out = random_vector(E, rng, 0.1f);
    auto x = random_vector(size_t(s.n) * E, rng, 1.7f);
    std::vector<float> y(size_t(s.n) * E);
    mha::MultiheadAttention attention({E, s.h});
    mha::AttentionWeights weights;
    weights.in_proj_weight = {w_in.data(), w_in.size()};
    weights.in_proj_bias = {b_in.data(), b_in.size()};
    weights.out_proj_weight = {w_out.data(), w_out.size()};
    weights.out_proj_bias = {b_out.data(), b_out.size()};
    attention.load_weights(weights);
    mha::AttentionInputs in;
    in.query = in.key = in.value = {x.data(), x.size()};
    in.query_len = in.key_len = s.n;
    mha::AttentionOutputs out;
    out.output = y.data();
    out.output_size = y.size();
    std::vector<double> times;
    for (int it = 0; it < iterations + 3; ++it) {
      const auto wall_start = clock_type::now();
      const double start = cpu_seconds();
      attention.forward(in, out);
      if (it >= 3) times.push_back(wall_clock ? seconds_since(wall_start) : cpu_seconds() - start);
    }
    return std::make_pair(median(times), best_of(times));
  };
  const auto flops_of = [](const Shape& s) { return 8.0 * s.n * s.d * s.d + 4.0 * s.n * s.n * s.d; };

  std::printf("\nforward pass, self-attention, no weights returned, CPU time (median and best of %d):\n", iterations);
  std::printf("  %-16s %9s %9s %9s %9s\n", "(n, d, heads)", "ms", "GFLOP/s", "best ms", "GFLOP/s");
  for (const Shape& s : shapes) {
    const auto [t, t_best] = time_forward(s, false);
    std::printf("  (%4d, %3d, %2d)  %9.3f %9.1f %9.3f %9.1f\n", s.n, s.d, s.h, t * 1e3, flops_of(s) / t / 1e9,
                t_best * 1e3, flops_of(s) / t_best / 1e9);
  }

  if (!thread_counts.empty()) {
    std::printf("\nforward pass by thread count, wall clock (median of %d; max_threads() = %d):\n", iterations,
                mha::max_threads());
    std::printf("  %-16s %8s %9s %9s %9s\n", "(n, d, heads)", "threads", "ms", "GFLOP/s", "speed-up");
    for (const Shape& s : shapes) {
      double first = 0.0;
      for (int wanted : thread_counts) {
        const int threads = mha::set_num_threads(wanted);
        const double t = time_forward(s, true).first;
        if (first == 0.0) first = t;
        std::printf("  (%4d, %3d, %2d)  %8d %9.3f %9.1f %8.2fx\n", s.n, s.d, s.h, threads, t * 1e3,
                    flops_of(s) / t / 1e9, first / t);
      }
    }
    mha::set_num_threads(1);
  }
  return 0;
}
