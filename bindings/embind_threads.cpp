// Thread count of the engine (src/parallel). In the single-threaded module max_threads() is 1; the
// threaded one (MHA_THREADS) is started by the JS wrapper with a Web Worker pool sized for its count.
#include <emscripten/bind.h>

#include "parallel/parallel.hpp"

EMSCRIPTEN_BINDINGS(mha_threads) {
  emscripten::function("maxThreads", &mha::max_threads);
  emscripten::function("numThreads", &mha::num_threads);
  emscripten::function("setNumThreads", &mha::set_num_threads);
}
