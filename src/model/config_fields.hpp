// Readers of config.json fields that every architecture's config parser shares. Each failure is a
// FormatError "config.json: <field>: <what was expected>, got <what the file has>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/json.hpp"

namespace mha::config_fields {

[[noreturn]] void fail(const std::string& field, const std::string& what);

// The whole file, which must be one JSON object.
json::Value parse_object(std::string_view json_text);

// A whole number in [1, max] ("expected a positive integer" / "expected at most max").
int32_t positive_integer(const json::Value& value, const std::string& field, int32_t max);
// The same for a field that must be present (null counts as absent).
int32_t required_integer(const json::Value& config, const char* field, int32_t max);

// An optional boolean that must keep the value this project implements (absent or null = fine).
void require_flag(const json::Value& config, const char* field, bool supported);

// An optional epsilon added to a variance: positive, at most 0.1 and not 0 as a float; `fallback` when absent.
float optional_epsilon(const json::Value& config, const char* field, float fallback);

// Token ids of an optional field that holds one id or a list of them (eos_token_id): absent or null = none.
// Ids are kept as given (an id past the vocabulary never matches a token); each must be an integer >= 0.
std::vector<int32_t> token_ids(const json::Value& config, const char* field);

}  // namespace mha::config_fields
