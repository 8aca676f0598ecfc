#include "model/weights.hpp"

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

TensorLookup safetensors_lookup(const SafetensorsFile& file) {
  return [&file](const std::string& name) -> std::optional<NamedTensor> {
    const TensorInfo* info = file.find(name);
    if (!info) return std::nullopt;
    NamedTensor tensor;
    tensor.shape = info->shape;
    switch (info->dtype) {
      case Dtype::F32:
        tensor.values = file.read_f32(*info);
        break;
      case Dtype::F16:
      case Dtype::BF16:
        tensor.format = info->dtype == Dtype::F16 ? WeightFormat::f16 : WeightFormat::bf16;
        tensor.bits16 = file.read_bits16(*info);
        break;
      default:
        throw FormatError("model.safetensors: " + name + ": expected dtype F32, F16 or BF16, got " +
                          dtype_name(info->dtype));
    }
    return tensor;
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
