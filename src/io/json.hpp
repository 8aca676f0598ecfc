// A strict JSON (RFC 8259) parser for the model files: config.json, vocab.json and safetensors
// headers. Untrusted input: depth and size are bounded, every error is a FormatError with the byte
// offset, and the parser never reads past the end of the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errors.hpp"

namespace mha::json {

struct Value {
  enum class Type : uint8_t { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0.0;
  std::string string;  // UTF-8, escapes decoded
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // in file order; duplicate keys are rejected

  bool is_null() const { return type == Type::null; }
  bool is_number() const { return type == Type::number; }
  bool is_string() const { return type == Type::string; }
  bool is_array() const { return type == Type::array; }
  bool is_object() const { return type == Type::object; }
  // Member lookup in an object (nullptr when absent or when this is not an object).
  const Value* find(std::string_view key) const;
};

struct ParseLimits {
  size_t max_bytes = size_t{256} << 20;  // longer texts are rejected before parsing
  int32_t max_depth = 64;                // nesting of arrays/objects
  // Values (scalars, arrays, objects; keys not counted) in the document. A parsed value takes ~50-100
  // bytes, so without this bound "[0,0,0,..." could turn a 100 MB safetensors header into ~5 GB.
  size_t max_values = size_t{1} << 22;
};

// Parses a whole document (surrounding whitespace allowed, nothing else after the value).
// Throws FormatError("json: <what> at byte <offset>").
Value parse(std::string_view text, const ParseLimits& limits = {});

// Short name of a type for error messages ("object", "number", ...).
const char* type_name(Value::Type type);

// A value as an error message shows it: 42, the string "abc" (cut at 32 characters), true, or
// "a value of type array".
std::string describe(const Value& value);

}  // namespace mha::json
