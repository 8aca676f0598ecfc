// Reader for the "MHAFIX01" tensor files written by tests/fixtures/*.py (format documented there).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mha::testing {

// The whole file as bytes (fixtures, model files); throws when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

struct FixtureTensor {
  uint8_t dtype = 0;  // 0 = f32, 1 = u8, 2 = i32
  std::vector<uint32_t> dims;
  std::vector<uint8_t> bytes;

  size_t count() const {
    size_t n = 1;
    for (uint32_t d : dims) n *= d;
    return n;
  }
  template <typename T>
  std::vector<T> as() const {
    std::vector<T> out(bytes.size() / sizeof(T));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
  }
};

inline std::map<std::string, FixtureTensor> read_fixture(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open fixture " + path);
  auto read = [&](void* dst, size_t n) {
    if (!file.read(static_cast<char*>(dst), static_cast<std::streamsize>(n)))
      throw std::runtime_error("truncated fixture " + path);
  };
  char magic[8];
  read(magic, 8);
  if (std::memcmp(magic, "MHAFIX01", 8) != 0) throw std::runtime_error("bad magic in " + path);
  uint32_t count = 0;
  read(&count, 4);
  std::map<std::string, FixtureTensor> tensors;
  for (uint32_t t = 0; t < count; ++t) {
    uint16_t name_length = 0;
    read(&name_length, 2);
    std::string name(name_length, '\0');
    read(name.data(), name_length);
    FixtureTensor tensor;
    uint8_t ndim = 0;
    read(&tensor.dtype, 1);
    read(&ndim, 1);
    tensor.dims.resize(ndim);
    read(tensor.dims.data(), ndim * sizeof(uint32_t));
    tensor.bytes.resize(tensor.count() * (tensor.dtype == 1 ? 1 : 4));
    read(tensor.bytes.data(), tensor.bytes.size());
    tensors[name] = std::move(tensor);
  }
  return tensors;
}

inline std::string fixture_path(const std::string& name) { return std::string(MHA_FIXTURES_DIR) + "/" + name; }

}  // namespace mha::testing
