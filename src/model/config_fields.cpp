#include "model/config_fields.hpp"

#include <cmath>

namespace mha::config_fields {

void fail(const std::string& field, const std::string& what) {
  throw FormatError("config.json: " + field + ": " + what);
}

json::Value parse_object(std::string_view json_text) {
  json::Value config;
  try {
    config = json::parse(json_text);
  } catch (const FormatError& error) {
    throw FormatError(std::string("config.json: not valid JSON: ") + error.what());
  }
  if (!config.is_object()) fail("top level", std::string("expected an object, got ") + json::type_name(config.type));
  return config;
}

int32_t positive_integer(const json::Value& value, const std::string& field, int32_t max) {
  // The range test comes first: it also keeps the cast below defined (and rejects NaN, which JSON
  // cannot express anyway).
  if (!value.is_number() || !(value.number >= 1 && value.number <= 2147483647.0) ||
      value.number != std::floor(value.number))
    fail(field, "expected a positive integer, got " + json::describe(value));
  if (value.number > max) fail(field, "expected at most " + std::to_string(max) + ", got " + json::describe(value));
  return static_cast<int32_t>(value.number);
}

int32_t required_integer(const json::Value& config, const char* field, int32_t max) {
  const json::Value* value = config.find(field);
  if (value == nullptr || value->is_null()) fail(field, "missing (expected a positive integer)");
  return positive_integer(*value, field, max);
}

void require_flag(const json::Value& config, const char* field, bool supported) {
  const json::Value* value = config.find(field);
  if (value == nullptr || value->is_null()) return;
  if (value->type != json::Value::Type::boolean) fail(field, "expected a boolean, got " + json::describe(*value));
  if (value->boolean != supported)
    fail(field, std::string("only ") + (supported ? "true" : "false") + " is supported, got " + json::describe(*value));
}

float optional_epsilon(const json::Value& config, const char* field, float fallback) {
  const json::Value* epsilon = config.find(field);
  if (epsilon == nullptr) return fallback;
  if (!epsilon->is_number() || !(epsilon->number > 0 && epsilon->number <= 0.1) ||
      static_cast<float>(epsilon->number) == 0.0f)
    fail(field, "expected a positive number of at most 0.1, got " + json::describe(*epsilon));
  return static_cast<float>(epsilon->number);
}

std::vector<int32_t> token_ids(const json::Value& config, const char* field) {
  const json::Value* value = config.find(field);
  if (value == nullptr || value->is_null()) return {};
  const auto id_of = [&](const json::Value& id) {
    if (!id.is_number() || !(id.number >= 0 && id.number <= 2147483647.0) || id.number != std::floor(id.number))
      fail(field, "expected a token id (an integer >= 0) or a list of them, got " + json::describe(*value));
    return static_cast<int32_t>(id.number);
  };
  if (!value->is_array()) return {id_of(*value)};
  std::vector<int32_t> ids;
  for (const json::Value& id : value->array) ids.push_back(id_of(id));
  return ids;
}

}  // namespace mha::config_fields
