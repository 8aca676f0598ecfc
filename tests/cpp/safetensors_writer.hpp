// Builds safetensors files in memory for the tests (valid ones, and broken ones from a hand-written
// header), plus exact float32 -> float16 / bfloat16 rounding (round to nearest, ties to even).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace mha::testing {

inline uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float bits_float(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// IEEE binary16 nearest to `value`, ties to even; overflow gives infinity, NaN stays NaN (quiet).
inline uint16_t float_to_half(float value) {
  const uint32_t bits = float_bits(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) return sign | 0x7E00 | ((magnitude >> 13) & 0x3FF);  // NaN, quiet bit set
  // 65520 = 65504 + half an ulp: from there on (ties to even goes up: 65504's mantissa is odd) it is inf.
  if (magnitude >= 0x477FF000) return sign | 0x7C00;
  if (magnitude < 0x38800000) {
    // Below 2^-14: a subnormal half (or 0) counts units of 2^-24. Scaling by 2^24 is exact and
    // nearbyint rounds ties to even in the default rounding mode; 1024 units is the smallest normal,
    // whose bit pattern is also 1024.
    const float units = std::nearbyint(std::fabs(value) * 16777216.0f);
    return sign | static_cast<uint16_t>(units);
  }
  // Normal: rebias the exponent, keep the top 10 mantissa bits, round on the 13 dropped ones; a carry
  // out of the mantissa correctly bumps the exponent.
  uint32_t half = ((((magnitude >> 23) - 127 + 15) << 10) | ((magnitude >> 13) & 0x3FF));
  const uint32_t dropped = magnitude & 0x1FFF;
  if (dropped > 0x1000 || (dropped == 0x1000 && (half & 1))) ++half;
  return sign | static_cast<uint16_t>(half);
}

// bfloat16 nearest to `value`, ties to even (the top 16 bits of a float32, rounded).
inline uint16_t float_to_bfloat16(float value) {
  const uint32_t bits = float_bits(value);
  if ((bits & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  const uint32_t rounded = bits + 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(rounded >> 16);
}

inline void append_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

inline std::vector<uint8_t> bytes_f32(const std::vector<float>& values) {
  std::vector<uint8_t> out;
  for (float v : values) {
    const uint32_t bits = float_bits(v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  return out;
}
inline std::vector<uint8_t> bytes_f16(const std::vector<float>& values) {
  std::vector<uint8_t> out;
  for (float v : values) append_u16(out, float_to_half(v));
  return out;
}
inline std::vector<uint8_t> bytes_bf16(const std::vector<float>& values) {
  std::vector<uint8_t> out;
  for (float v : values) append_u16(out, float_to_bfloat16(v));
  return out;
}

// A file from a literal header text and data area: the 8-byte length, the header, the data.
inline std::vector<uint8_t> safetensors_from_header(const std::string& header, const std::vector<uint8_t>& data = {}) {
  std::vector<uint8_t> file;
  const uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) file.push_back(static_cast<uint8_t>(length >> (8 * i)));
  file.insert(file.end(), header.begin(), header.end());
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

struct TensorSpec {
  std::string name;  // written as is: no characters that need JSON escaping
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

// A valid file: tensors stored back to back in the given order, the header padded with spaces to a
// multiple of 8 bytes as the reference writer does.
inline std::vector<uint8_t> write_safetensors(const std::vector<TensorSpec>& tensors,
                                              const std::map<std::string, std::string>& metadata = {}) {
  std::string header = "{";
  const char* separator = "";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    const char* inner = "";
    for (const auto& [key, value] : metadata) {
      header += inner + ("\"" + key + "\":\"" + value + "\"");
      inner = ",";
    }
    header += "}";
    separator = ",";
  }
  std::vector<uint8_t> data;
  for (const TensorSpec& t : tensors) {
    header += separator + ("\"" + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[");
    for (size_t i = 0; i < t.shape.size(); ++i) header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
              std::to_string(data.size() + t.bytes.size()) + "]}";
    data.insert(data.end(), t.bytes.begin(), t.bytes.end());
    separator = ",";
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  return safetensors_from_header(header, data);
}

}  // namespace mha::testing
