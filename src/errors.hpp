// The two exception types of the engine, and the shape text their messages share. Every message names
// the argument, field or file, the expected and the actual value, e.g.
//   ArgumentError: "query: expected 96 floats for [B, Lq, E] = [3, 4, 8], got 95"
//   FormatError:   "model.safetensors: wte.weight: expected shape [50257, 768] for this config.json, got [50257, 32]"
// The Embind surfaces (bindings/guarded.hpp) turn them into the JS package's RangeError and ModelFormatError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace mha {

// Every invalid argument of a public entry point throws this. Objects stay usable after it.
class ArgumentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Thrown by every reader of untrusted bytes (JSON, safetensors, config.json, vocab/merges): the message says
// which file or field is wrong and where (byte offset or tensor name). Readers never crash or read out of
// bounds on hostile input.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A shape as messages write it: "[3, 4, 8]".
inline std::string shape_text(const int64_t* dims, size_t count) {
  std::string text = "[";
  for (size_t i = 0; i < count; ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}
inline std::string shape_text(const std::vector<int64_t>& dims) { return shape_text(dims.data(), dims.size()); }
inline std::string shape_text(std::initializer_list<int64_t> dims) { return shape_text(dims.begin(), dims.size()); }

}  // namespace mha
