// Reader for the safetensors format (Hugging Face model weights) over bytes already in memory: in
// the browser they come from a fetch() into the wasm heap, so there is no file I/O here.
//
// Layout of a file:
//   [0, 8)          N, the header length, unsigned 64-bit little-endian
//   [8, 8 + N)      the header: a JSON object  name -> {"dtype": "F32", "shape": [d0, d1, ...],
//                   "data_offsets": [begin, end]}, plus an optional "__metadata__": {string: string}
//   [8 + N, size)   the data area; a tensor's bytes are [begin, end) relative to its start,
//                   row-major, little-endian
//
// Everything is validated by parse() before any tensor is read, and every problem is a FormatError
// naming the tensor and field with the expected and the actual value. A file may leave gaps between
// tensors and bytes after the last one (the reference writer does neither, but they are harmless);
// overlapping tensors are rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "kernels/widen.hpp"

namespace mha {

// Every dtype name of the safetensors specification. Only F32, F16 and BF16 convert to float32;
// the others are recognised (so their sizes are checked) but read_f32 rejects them.
enum class Dtype : uint8_t { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

const char* dtype_name(Dtype dtype);      // "F32", ...
size_t dtype_size(Dtype dtype);           // bytes per element
bool dtype_converts_to_f32(Dtype dtype);  // F32, F16, BF16

struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;   // [] is a scalar (one element); a 0 anywhere means no elements
  uint64_t num_elements = 0;    // product of shape
  uint64_t begin = 0, end = 0;  // byte range relative to the start of the data area; end - begin =
                                // num_elements * dtype_size(dtype)
};

struct SafetensorsLimits {
  uint64_t max_header_bytes = uint64_t{100} << 20;  // 100 MiB, as the reference implementation
  size_t max_tensors = 1 << 20;
  size_t max_rank = 16;
};

class SafetensorsFile {
 public:
  // Validates the whole file. The returned object keeps a pointer into `data`: the buffer must stay
  // alive and unchanged for as long as the object (or a copy of it) is used; it is never written.
  static SafetensorsFile parse(const uint8_t* data, size_t size, const SafetensorsLimits& limits = {});

  // The same checks with only the start of a file in memory: `available` bytes of a file of `size` bytes, at
  // least the header. The tensors' bytes are then read apart, one tensor at a time (a model loads without
  // holding the whole file): tensor_bytes() and the one-argument readers throw FormatError, the readers
  // below that take the tensor's bytes work.
  static SafetensorsFile parse_header(const uint8_t* data, size_t available, uint64_t size,
                                      const SafetensorsLimits& limits = {});

  // Tensors in header order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // nullptr when there is no tensor of that name.
  const TensorInfo* find(std::string_view name) const;
  // The "__metadata__" object (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The tensor's raw little-endian bytes, end - begin of them.
  const uint8_t* tensor_bytes(const TensorInfo& tensor) const;

  // The tensor converted to float32: F32 as is, F16 and BF16 exactly (every half and bfloat16 value,
  // subnormals, infinities and NaN payloads included, is a float32 value). Throws FormatError
  // "unsupported dtype" for the other dtypes.
  std::vector<float> read_f32(const TensorInfo& tensor) const;
  // Same into a caller's buffer of exactly tensor.num_elements floats (FormatError otherwise).
  void read_f32(const TensorInfo& tensor, float* out, size_t out_size) const;

  // The raw 16-bit values of an F16 or BF16 tensor (little-endian), for weights kept 16-bit in memory.
  // Throws FormatError for other dtypes.
  std::vector<uint16_t> read_bits16(const TensorInfo& tensor) const;

  // read_f32 and read_bits16 over the tensor's own bytes (end - begin of them) held apart from the file.
  std::vector<float> read_f32(const TensorInfo& tensor, const uint8_t* bytes) const;
  std::vector<uint16_t> read_bits16(const TensorInfo& tensor, const uint8_t* bytes) const;

  // Where the data area starts in the file (8 + header length) and its size.
  uint64_t data_offset() const { return data_offset_; }
  size_t data_size() const { return data_size_; }

 private:
  void check_range(const TensorInfo& tensor) const;  // FormatError unless the tensor's range is in the data area
  void decode_f32(const TensorInfo& tensor, const uint8_t* bytes, float* out, size_t out_size) const;
  const uint8_t* data_ = nullptr;  // start of the data area in the caller's buffer; null after parse_header()
  size_t data_size_ = 0;
  uint64_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// Exact conversions of one value (kernels/widen.hpp; exposed here for tests and for other readers).
using kernels::bfloat16_to_float;
using kernels::half_to_float;

}  // namespace mha
