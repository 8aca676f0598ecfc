// Safetensors validation: every number in the header is checked against the buffer before it is
// used, with 64-bit arithmetic that cannot overflow (sizes are bounded by the buffer size first).
#include "io/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/json.hpp"
#include "io/message_text.hpp"

namespace mha {
namespace {

using io_detail::number_text;
using io_detail::quoted;

[[noreturn]] void fail(const std::string& message) { throw FormatError("safetensors: " + message); }

struct DtypeEntry {
  const char* name;
  Dtype dtype;
  uint8_t size;
};
constexpr DtypeEntry kDtypes[] = {
    {"BOOL", Dtype::BOOL, 1},       {"U8", Dtype::U8, 1},   {"I8", Dtype::I8, 1},   {"F8_E5M2", Dtype::F8_E5M2, 1},
    {"F8_E4M3", Dtype::F8_E4M3, 1}, {"I16", Dtype::I16, 2}, {"U16", Dtype::U16, 2}, {"F16", Dtype::F16, 2},
    {"BF16", Dtype::BF16, 2},       {"I32", Dtype::I32, 4}, {"U32", Dtype::U32, 4}, {"F32", Dtype::F32, 4},
    {"F64", Dtype::F64, 8},         {"I64", Dtype::I64, 8}, {"U64", Dtype::U64, 8},
};

const DtypeEntry& dtype_entry(Dtype dtype) {
  for (const DtypeEntry& entry : kDtypes)
    if (entry.dtype == dtype) return entry;
  return kDtypes[0];  // unreachable for valid enum values
}

std::string tensor_label(std::string_view name) { return "tensor " + quoted(name); }

// What a JSON value is, for "got ..." in messages: numbers and short strings by value.
using json::describe;

// Largest integer read from the header; every valid offset and dimension is far below (the buffer
// is smaller), and doubles hold integers up to here exactly.
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

bool is_non_negative_integer(const json::Value& value) {
  return value.is_number() && value.number >= 0 && value.number <= kMaxExactInteger &&
         value.number == std::floor(value.number);
}

Dtype parse_dtype(const json::Value& value, std::string_view name) {
  if (!value.is_string()) fail(tensor_label(name) + ": dtype: expected a string, got " + describe(value));
  for (const DtypeEntry& entry : kDtypes)
    if (value.string == entry.name) return entry.dtype;
  fail(tensor_label(name) + ": dtype: unknown dtype " + quoted(value.string, 24) +
       " (expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)");
}

TensorInfo parse_tensor(std::string_view name, const json::Value& entry, size_t data_size,
                        const SafetensorsLimits& limits) {
  const std::string label = tensor_label(name);
  if (!entry.is_object())
    fail(label + ": expected an object with dtype, shape and data_offsets, got " + describe(entry));
  for (const auto& member : entry.object)
    if (member.first != "dtype" && member.first != "shape" && member.first != "data_offsets")
      fail(label + ": unexpected field " + quoted(member.first, 32) + " (expected only dtype, shape, data_offsets)");
  const json::Value* dtype = entry.find("dtype");
  const json::Value* shape = entry.find("shape");
  const json::Value* offsets = entry.find("data_offsets");
  if (dtype == nullptr) fail(label + ": missing field \"dtype\"");
  if (shape == nullptr) fail(label + ": missing field \"shape\"");
  if (offsets == nullptr) fail(label + ": missing field \"data_offsets\"");

  TensorInfo info;
  info.name = std::string(name);
  info.dtype = parse_dtype(*dtype, name);

  // shape: non-negative integers; the element count is checked against the data area size as it
  // grows, so the product never overflows (any count above the buffer size is invalid anyway,
  // unless a 0 dimension makes it empty).
  if (!shape->is_array()) fail(label + ": shape: expected an array of non-negative integers, got " + describe(*shape));
  if (shape->array.size() > limits.max_rank)
    fail(label + ": shape: expected at most " + std::to_string(limits.max_rank) + " dimensions, got " +
         std::to_string(shape->array.size()));
  bool has_zero = false;
  for (size_t i = 0; i < shape->array.size(); ++i) {
    const json::Value& dim = shape->array[i];
    if (!is_non_negative_integer(dim))
      fail(label + ": shape[" + std::to_string(i) + "]: expected a non-negative integer, got " + describe(dim));
    info.shape.push_back(static_cast<int64_t>(dim.number));
    has_zero = has_zero || dim.number == 0;
  }
  const uint64_t element_size = dtype_size(info.dtype);
  const uint64_t max_elements = data_size / element_size;
  uint64_t count = 1;
  if (has_zero) {
    count = 0;
  } else {
    for (int64_t dim : info.shape) {
      const uint64_t d = static_cast<uint64_t>(dim);
      if (count > max_elements / d)  // d >= 1 here
        fail(label + ": shape " + shape_text(info.shape) + " has more elements than the data area of " +
             std::to_string(data_size) + " bytes can hold as " + dtype_name(info.dtype));
      count *= d;
    }
  }
  info.num_elements = count;

  if (!offsets->is_array() || offsets->array.size() != 2)
    fail(label + ": data_offsets: expected an array of two integers [begin, end], got " +
         (offsets->is_array() ? "an array of " + std::to_string(offsets->array.size()) : describe(*offsets)));
  for (size_t i = 0; i < 2; ++i)
    if (!is_non_negative_integer(offsets->array[i]))
      fail(label + ": data_offsets[" + std::to_string(i) + "]: expected a non-negative integer, got " +
           describe(offsets->array[i]));
  info.begin = static_cast<uint64_t>(offsets->array[0].number);
  info.end = static_cast<uint64_t>(offsets->array[1].number);
  if (info.begin > info.end)
    fail(label + ": data_offsets: expected begin <= end, got [" + std::to_string(info.begin) + ", " +
         std::to_string(info.end) + "]");
  if (info.end > data_size)
    fail(label + ": data_offsets: end " + std::to_string(info.end) + " is beyond the data area of " +
         std::to_string(data_size) + " bytes");
  const uint64_t expected_bytes = count * element_size;  // <= data_size, no overflow
  if (info.end - info.begin != expected_bytes)
    fail(label + ": data_offsets: expected " + std::to_string(expected_bytes) + " bytes for " + dtype_name(info.dtype) +
         " " + shape_text(info.shape) + ", got " + std::to_string(info.end - info.begin) + " ([" +
         std::to_string(info.begin) + ", " + std::to_string(info.end) + "])");
  return info;
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

}  // namespace

const char* dtype_name(Dtype dtype) { return dtype_entry(dtype).name; }
size_t dtype_size(Dtype dtype) { return dtype_entry(dtype).size; }
bool dtype_converts_to_f32(Dtype dtype) { return dtype == Dtype::F32 || dtype == Dtype::F16 || dtype == Dtype::BF16; }

SafetensorsFile SafetensorsFile::parse(const uint8_t* data, size_t size, const SafetensorsLimits& limits) {
  return parse_header(data, size, size, limits);
}

SafetensorsFile SafetensorsFile::parse_header(const uint8_t* data, size_t available, uint64_t size,
                                              const SafetensorsLimits& limits) {
  if (data == nullptr && available != 0) fail("no buffer");
  if (available > size)
    fail("expected at most the file's " + std::to_string(size) + " bytes, got " + std::to_string(available));
  if (size < 8) fail("file of " + std::to_string(size) + " bytes is shorter than the 8-byte header length");
  if (available < 8)
    fail("expected the first 8 bytes of the file (the header length), got " + std::to_string(available));
  // A PyTorch checkpoint (pytorch_model.bin) is a zip archive (torch >= 1.6) or a raw pickle: say so and
  // how to convert it, rather than "header length ... is larger than ...".
  const bool zip = data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
  const bool pickle = data[0] == 0x80 && data[1] >= 2 && data[1] <= 5;
  if (zip || pickle)
    fail(std::string("expected a safetensors file, got a PyTorch checkpoint (") + (zip ? "zip" : "pickle") +
         ", as pytorch_model.bin); convert it once with Hugging Face transformers: load it with its class "
         "(e.g. BertForMaskedLM.from_pretrained(folder)) and call .save_pretrained(folder, safe_serialization=True), "
         "which writes model.safetensors");
  const uint64_t header_size = read_u64_le(data);
  if (header_size > limits.max_header_bytes)
    fail("header length " + std::to_string(header_size) + " is larger than the limit of " +
         std::to_string(limits.max_header_bytes) + " bytes");
  if (header_size > size - 8)
    fail("header length " + std::to_string(header_size) + " is larger than the " + std::to_string(size - 8) +
         " bytes after the length field (file size " + std::to_string(size) + ")");
  if (header_size > available - 8)
    fail("expected the whole header (" + std::to_string(8 + header_size) + " bytes), got the first " +
         std::to_string(available));

  const std::string_view header_text(reinterpret_cast<const char*>(data + 8), static_cast<size_t>(header_size));
  json::Value header;
  try {
    header = json::parse(header_text);
  } catch (const FormatError& error) {
    fail(std::string("header is not valid JSON (byte offsets count from the header start, file byte 8): ") +
         error.what());
  }
  if (!header.is_object()) fail(std::string("header: expected a JSON object, got ") + json::type_name(header.type));

  SafetensorsFile file;
  file.data_offset_ = 8 + header_size;
  file.data_ = available == size ? data + file.data_offset_ : nullptr;  // null: read a tensor at a time
  file.data_size_ = static_cast<size_t>(size - file.data_offset_);
  if (header.object.size() > limits.max_tensors + 1)
    fail("header: more than the limit of " + std::to_string(limits.max_tensors) + " tensors");

  for (const auto& [name, entry] : header.object) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail("__metadata__: expected an object of strings, got " + describe(entry));
      for (const auto& [key, value] : entry.object) {
        if (!value.is_string()) fail("__metadata__." + quoted(key, 32) + ": expected a string, got " + describe(value));
        file.metadata_.emplace(key, value.string);
      }
      continue;
    }
    file.index_.emplace(name, file.tensors_.size());  // names are unique: the JSON parser rejects duplicates
    file.tensors_.push_back(parse_tensor(name, entry, file.data_size_, limits));
  }

  // Overlaps: sort the non-empty ranges by begin; each must start at or after the previous end.
  std::vector<const TensorInfo*> by_offset;
  for (const TensorInfo& t : file.tensors_)
    if (t.end > t.begin) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& previous = *by_offset[i - 1];
    const TensorInfo& current = *by_offset[i];
    if (current.begin < previous.end)
      fail(tensor_label(current.name) + " bytes [" + std::to_string(current.begin) + ", " +
           std::to_string(current.end) + ") overlap " + tensor_label(previous.name) + " bytes [" +
           std::to_string(previous.begin) + ", " + std::to_string(previous.end) + ")");
  }
  return file;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? nullptr : &tensors_[found->second];
}

const uint8_t* SafetensorsFile::tensor_bytes(const TensorInfo& tensor) const {
  if (data_ == nullptr && data_size_ != 0)
    fail(tensor_label(tensor.name) + ": the data area is not in memory (parse_header): read its bytes apart");
  check_range(tensor);
  return data_ + tensor.begin;
}

void SafetensorsFile::check_range(const TensorInfo& tensor) const {
  // Re-checked so that a TensorInfo from another file (or edited by the caller) cannot read out of
  // bounds.
  if (tensor.begin > tensor.end || tensor.end > data_size_ || tensor.num_elements > data_size_ ||
      tensor.end - tensor.begin != tensor.num_elements * dtype_size(tensor.dtype))
    fail(tensor_label(tensor.name) + ": byte range [" + std::to_string(tensor.begin) + ", " +
         std::to_string(tensor.end) + ") does not belong to this file's data area of " + std::to_string(data_size_) +
         " bytes");
}

std::vector<float> SafetensorsFile::read_f32(const TensorInfo& tensor) const {
  tensor_bytes(tensor);  // validates num_elements before the allocation
  std::vector<float> out(static_cast<size_t>(tensor.num_elements));
  read_f32(tensor, out.data(), out.size());
  return out;
}

std::vector<uint16_t> SafetensorsFile::read_bits16(const TensorInfo& tensor) const {
  return read_bits16(tensor, tensor_bytes(tensor));  // validates num_elements before the allocation
}

std::vector<float> SafetensorsFile::read_f32(const TensorInfo& tensor, const uint8_t* bytes) const {
  check_range(tensor);  // validates num_elements before the allocation
  std::vector<float> out(static_cast<size_t>(tensor.num_elements));
  decode_f32(tensor, bytes, out.data(), out.size());
  return out;
}

std::vector<uint16_t> SafetensorsFile::read_bits16(const TensorInfo& tensor, const uint8_t* bytes) const {
  check_range(tensor);
  if (tensor.dtype != Dtype::F16 && tensor.dtype != Dtype::BF16)
    fail(tensor_label(tensor.name) + ": expected dtype F16 or BF16 for 16-bit weights, got " +
         dtype_name(tensor.dtype));
  std::vector<uint16_t> out(static_cast<size_t>(tensor.num_elements));
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
  return out;
}

void SafetensorsFile::read_f32(const TensorInfo& tensor, float* out, size_t out_size) const {
  decode_f32(tensor, tensor_bytes(tensor), out, out_size);
}

void SafetensorsFile::decode_f32(const TensorInfo& tensor, const uint8_t* bytes, float* out, size_t out_size) const {
  if (!dtype_converts_to_f32(tensor.dtype))
    fail(tensor_label(tensor.name) + ": unsupported dtype " + dtype_name(tensor.dtype) +
         " (only F32, F16 and BF16 convert to float32)");
  if (out_size != tensor.num_elements || (out == nullptr && out_size != 0))
    fail(tensor_label(tensor.name) + ": expected an output buffer of " + std::to_string(tensor.num_elements) +
         " floats, got " + (out == nullptr ? std::string("no buffer") : std::to_string(out_size)));
  const size_t n = out_size;
  switch (tensor.dtype) {
    case Dtype::F32:
      for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = bytes + 4 * i;
        const uint32_t bits = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
        std::memcpy(&out[i], &bits, sizeof bits);
      }
      break;
    case Dtype::F16:
      for (size_t i = 0; i < n; ++i)
        out[i] = half_to_float(static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8));
      break;
    case Dtype::BF16:
      for (size_t i = 0; i < n; ++i)
        out[i] = bfloat16_to_float(static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8));
      break;
    default:
      break;  // rejected above
  }
}

}  // namespace mha
