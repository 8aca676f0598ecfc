// libFuzzer target: parse a safetensors file from arbitrary bytes and read every tensor. Only
// FormatError may escape; whatever parse() accepts must be readable without touching memory outside
// the buffer (AddressSanitizer checks that: the bytes are copied into an allocation of exactly
// `size` bytes first).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size ? size : 1]);
  if (size) std::memcpy(copy.get(), data, size);
  try {
    const mha::SafetensorsFile file = mha::SafetensorsFile::parse(copy.get(), size);
    for (const mha::TensorInfo& tensor : file.tensors()) {
      if (file.find(tensor.name) != &tensor) std::abort();
      if (tensor.end > file.data_size() ||
          tensor.end - tensor.begin != tensor.num_elements * mha::dtype_size(tensor.dtype))
        std::abort();
      if (mha::dtype_converts_to_f32(tensor.dtype)) {
        const std::vector<float> values = file.read_f32(tensor);
        if (values.size() != tensor.num_elements) std::abort();
      } else {
        try {
          file.read_f32(tensor);
          std::abort();  // must have been rejected as unsupported
        } catch (const mha::FormatError&) {
        }
      }
    }
  } catch (const mha::FormatError&) {
  }
  return 0;
}
