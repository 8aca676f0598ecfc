// Reader for model.safetensors.index.json, the table of contents of a sharded checkpoint
// (model-00001-of-00003.safetensors, ...):
//   {"metadata": {"total_size": ...}, "weight_map": {"<tensor name>": "<shard file name>", ...}}
// Shard names come from an untrusted file: only plain file names (no directory part) are accepted.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"

namespace mha {

struct SafetensorsIndex {
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file name
  std::vector<std::string> shards;                // distinct shard names, in the order they first appear
};

// Throws FormatError("model.safetensors.index.json: <field>: expected ..., got ...").
SafetensorsIndex parse_safetensors_index(std::string_view json_text);

}  // namespace mha
