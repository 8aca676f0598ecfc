// libFuzzer target: parse_gpt2_config on arbitrary bytes. Only FormatError may escape; an accepted
// config must satisfy every documented bound.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/gpt2_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const mha::Gpt2Config c = mha::parse_gpt2_config(std::string_view(reinterpret_cast<const char*>(data), size));
    const bool ok = c.n_layer >= 1 && c.n_layer <= 256 && c.n_head >= 1 && c.n_embd >= 1 && c.n_embd <= 16384 &&
                    c.n_embd % c.n_head == 0 && c.n_positions >= 1 && c.n_positions <= 65536 && c.vocab_size >= 1 &&
                    c.vocab_size <= 1000000 && c.layer_norm_epsilon > 0 &&
                    (c.activation_function == "gelu_new" || c.activation_function == "gelu_pytorch_tanh");
    if (!ok) std::abort();
  } catch (const mha::FormatError&) {
  }
  return 0;
}
