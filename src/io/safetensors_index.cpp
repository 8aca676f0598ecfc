#include "io/safetensors_index.hpp"

#include <algorithm>

#include "io/json.hpp"
#include "io/message_text.hpp"

namespace mha {
namespace {

[[noreturn]] void fail(const std::string& what) { throw FormatError("model.safetensors.index.json: " + what); }

bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

SafetensorsIndex parse_safetensors_index(std::string_view json_text) {
  json::Value index;
  try {
    index = json::parse(json_text);
  } catch (const FormatError& error) {
    fail(std::string("not valid JSON: ") + error.what());
  }
  if (!index.is_object()) fail(std::string("top level: expected an object, got ") + json::type_name(index.type));
  const json::Value* weight_map = index.find("weight_map");
  if (weight_map == nullptr) fail("weight_map: missing (expected an object of tensor name -> shard file name)");
  if (!weight_map->is_object())
    fail(std::string("weight_map: expected an object, got ") + json::type_name(weight_map->type));
  SafetensorsIndex out;
  for (const auto& [name, shard] : weight_map->object) {
    const std::string field = "weight_map[" + io_detail::quoted(name) + "]";
    if (!shard.is_string()) fail(field + ": expected a shard file name, got " + json::type_name(shard.type));
    if (!plain_file_name(shard.string))
      fail(field + ": expected a plain file name, got " + io_detail::quoted(shard.string));
    out.weight_map[name] = shard.string;
    if (std::find(out.shards.begin(), out.shards.end(), shard.string) == out.shards.end())
      out.shards.push_back(shard.string);
  }
  if (out.shards.empty()) fail("weight_map: expected at least one tensor, got none");
  return out;
}

}  // namespace mha
