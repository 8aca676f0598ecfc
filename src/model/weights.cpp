#include "model/weights.hpp"

#include <algorithm>
#include <utility>

#include "errors.hpp"

namespace mha {

using kernels::WeightFormat;

std::vector<float> NamedTensor::floats() const {
  if (format == WeightFormat::f32) return values;
  std::vector<float> out(bits16.size());
  kernels::widen(out.data(), bits16.data(), int64_t(bits16.size()), format);
  return out;
}

MatrixSpan NamedTensor::matrix() const {
  if (format == WeightFormat::f32) return {values.data(), values.size()};
  return {bits16.data(), bits16.size(), format};
}

namespace {

// The tensor `info` of `file` in its own width; `bytes` are its bytes held apart, or null to read them from the
// file.
NamedTensor tensor_of(const SafetensorsFile& file, const TensorInfo& info, const uint8_t* bytes) {
  NamedTensor tensor;
  tensor.shape = info.shape;
  switch (info.dtype) {
    case Dtype::F32:
      tensor.values = bytes ? file.read_f32(info, bytes) : file.read_f32(info);
      break;
    case Dtype::F16:
    case Dtype::BF16:
      tensor.format = info.dtype == Dtype::F16 ? WeightFormat::f16 : WeightFormat::bf16;
      tensor.bits16 = bytes ? file.read_bits16(info, bytes) : file.read_bits16(info);
      break;
    default:
      throw FormatError("model.safetensors: " + info.name + ": expected dtype F32, F16 or BF16, got " +
                        dtype_name(info.dtype));
  }
  return tensor;
}

}  // namespace

TensorLookup safetensors_lookup(const SafetensorsFile& file) {
  return [&file](const std::string& name) -> std::optional<NamedTensor> {
    const TensorInfo* info = file.find(name);
    if (!info) return std::nullopt;
    return tensor_of(file, *info, nullptr);
  };
}

SafetensorsStream SafetensorsStream::open(ByteReader read, uint64_t size) {
  SafetensorsStream stream;
  stream.read_ = std::move(read);
  uint8_t length[8] = {};
  if (size >= 8) stream.read_(0, 8, length);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | length[i];
  // parse_header() checks the length against the file size and the limits before this much is read
  const uint64_t wanted = size >= 8 && header_size <= size - 8 && header_size <= SafetensorsLimits{}.max_header_bytes
                              ? 8 + header_size
                              : std::min<uint64_t>(size, 8);
  stream.header_bytes_.resize(size_t(wanted));
  if (wanted) stream.read_(0, size_t(wanted), stream.header_bytes_.data());
  stream.header_ = SafetensorsFile::parse_header(stream.header_bytes_.data(), stream.header_bytes_.size(), size);
  return stream;
}

TensorLookup SafetensorsStream::lookup() const {
  return [this](const std::string& name) -> std::optional<NamedTensor> {
    const TensorInfo* info = header_.find(name);
    if (!info) return std::nullopt;
    std::vector<uint8_t> bytes(size_t(info->end - info->begin));  // parse_header() bounded it by the file size
    if (!bytes.empty()) read_(header_.data_offset() + info->begin, bytes.size(), bytes.data());
    static const uint8_t kNoBytes = 0;  // an empty tensor's bytes: not null, which would mean "from the file"
    return tensor_of(header_, *info, bytes.empty() ? &kNoBytes : bytes.data());
  };
}

TensorLookup float32_lookup(TensorLookup lookup) {
  return [lookup = std::move(lookup)](const std::string& name) -> std::optional<NamedTensor> {
    std::optional<NamedTensor> tensor = lookup(name);
    if (tensor && tensor->format != WeightFormat::f32) {
      tensor->values = tensor->floats();
      tensor->bits16 = {};
      tensor->format = WeightFormat::f32;
    }
    return tensor;
  };
}

void pack_tensor(kernels::PackedMatrix& out, const NamedTensor& tensor, int64_t row_stride, int64_t col_stride,
                 int32_t rows, int32_t cols, const std::vector<float>* bias) {
  const float* bias_values = bias ? bias->data() : nullptr;
  if (tensor.format == WeightFormat::f32)
    kernels::gemm_pack(out, tensor.values.data(), row_stride, col_stride, rows, cols, bias_values);
  else
    kernels::gemm_pack(out, tensor.bits16.data(), tensor.format, row_stride, col_stride, rows, cols, bias_values);
}

namespace {

template <typename T>
std::vector<T> transpose(const std::vector<T>& in, int64_t rows, int64_t cols) {
  std::vector<T> out(in.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[size_t(c * rows + r)] = in[size_t(r * cols + c)];
  return out;
}

}  // namespace

NamedTensor transposed(const NamedTensor& tensor) {
  const int64_t rows = tensor.shape.at(0), cols = tensor.shape.at(1);
  NamedTensor out;
  out.shape = {cols, rows};
  out.format = tensor.format;
  if (tensor.format == WeightFormat::f32)
    out.values = transpose(tensor.values, rows, cols);
  else
    out.bits16 = transpose(tensor.bits16, rows, cols);
  return out;
}

NamedTensor stacked_rows(const std::vector<const NamedTensor*>& parts) {
  NamedTensor out;
  out.format = parts.at(0)->format;
  for (const NamedTensor* part : parts)
    if (part->format != out.format) out.format = WeightFormat::f32;
  out.shape = {0, parts.at(0)->shape.at(1)};
  for (const NamedTensor* part : parts) {
    out.shape[0] += part->shape.at(0);
    if (out.format != WeightFormat::f32) {
      out.bits16.insert(out.bits16.end(), part->bits16.begin(), part->bits16.end());
    } else {
      const std::vector<float> values = part->floats();
      out.values.insert(out.values.end(), values.begin(), values.end());
    }
  }
  return out;
}

void EmbeddingTable::load(const NamedTensor& table) {
  const int64_t count = table.shape.at(0), width = table.shape.at(1);
  pack_tensor(transposed, table, 1, width, int32_t(width), int32_t(count));
}

}  // namespace mha
