// How the model loaders read weights: tensors by Hugging Face name (TensorLookup), kept in the file's width.
// F32 tensors arrive as float32; F16 and BF16 tensors arrive as their 16-bit values, which the loaders pack
// 16-bit for the gemm (kernels/gemm.hpp) and embedding tables keep 16-bit too (rows widened on lookup).
// Small tensors (norms, biases) are widened to float32 (floats()).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "attention/mha.hpp"  // MatrixSpan
#include "io/safetensors.hpp"
#include "kernels/gemm.hpp"

namespace mha {

struct NamedTensor {
  std::vector<int64_t> shape;
  kernels::WeightFormat format = kernels::WeightFormat::f32;
  std::vector<float> values;     // format f32: row-major values
  std::vector<uint16_t> bits16;  // format f16, bf16: row-major 16-bit values as stored

  size_t element_count() const { return format == kernels::WeightFormat::f32 ? values.size() : bits16.size(); }
  // The values as float32 (a widened copy for 16-bit tensors).
  std::vector<float> floats() const;
  // A view of the values in their format, valid while the tensor lives.
  MatrixSpan matrix() const;
};
// Returns the tensor of that name, or nothing when the file has no such tensor.
using TensorLookup = std::function<std::optional<NamedTensor>(const std::string& name)>;

// A lookup over a parsed safetensors file: F32 tensors as float32, F16 and BF16 as 16-bit values; other
// dtypes throw FormatError naming the tensor. The file object must outlive the lookup.
TensorLookup safetensors_lookup(const SafetensorsFile& file);
// A safetensors file read a piece at a time through `read(offset, size, out)` (copy the file's bytes
// [offset, offset + size) to out): the header at open(), then each tensor's bytes when it is looked up, so that
// loading never holds the whole file beside the weights made from it. The stream must outlive its lookup.
class SafetensorsStream {
 public:
  using ByteReader = std::function<void(uint64_t offset, size_t size, uint8_t* out)>;
  // Reads and validates the header of a file of `size` bytes. Throws FormatError as SafetensorsFile::parse.
  static SafetensorsStream open(ByteReader read, uint64_t size);
  const SafetensorsFile& header() const { return header_; }
  // As safetensors_lookup(), reading each tensor's bytes when asked for.
  TensorLookup lookup() const;

 private:
  ByteReader read_;
  std::vector<uint8_t> header_bytes_;  // the file's first 8 + header length bytes
  SafetensorsFile header_;
};

// The same tensors widened to float32 (for the scalar references).
TensorLookup float32_lookup(TensorLookup lookup);

// Packs B[k][n] = tensor[k*row_stride + n*col_stride] (k < rows, n < cols) in the tensor's format; `bias`
// [cols] or null. See kernels::gemm_pack.
void pack_tensor(kernels::PackedMatrix& out, const NamedTensor& tensor, int64_t row_stride, int64_t col_stride,
                 int32_t rows, int32_t cols, const std::vector<float>* bias = nullptr);

// A 2-D tensor [rows, cols] transposed to [cols, rows], in its format.
NamedTensor transposed(const NamedTensor& tensor);
// 2-D tensors with the same column count stacked by rows, in their common format (float32 if they differ).
NamedTensor stacked_rows(const std::vector<const NamedTensor*>& parts);

// An embedding table [count, width] kept in the file's format, packed as its transpose [width, count] so that
// a tied LM head multiplies by it directly: row(i) widens row i on lookup.
struct EmbeddingTable {
  kernels::PackedMatrix transposed;  // table^T [width, count]
  void load(const NamedTensor& table);
  int32_t count() const { return transposed.cols; }
  int32_t width() const { return transposed.rows; }
  // out[width] = table[index] as float32
  void row(float* out, int32_t index) const { kernels::gemm_packed_column(out, transposed, index); }
  size_t memory_bytes() const { return transposed.memory_bytes(); }
};

// Bytes held by float vectors (capacity), for the models' memory accounting.
template <typename... Vectors>
size_t vector_bytes(const Vectors&... vectors) {
  return (size_t(0) + ... + (vectors.capacity() * sizeof(typename Vectors::value_type)));
}

}  // namespace mha
