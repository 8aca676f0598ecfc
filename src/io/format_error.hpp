// Error thrown by every reader of untrusted bytes (JSON, safetensors, config.json, vocab/merges).
// The message says which file or field is wrong and where (byte offset or tensor name), with the
// expected and the actual value. Readers never crash or read out of bounds on hostile input.
#pragma once

#include <stdexcept>

namespace mha {

class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mha
