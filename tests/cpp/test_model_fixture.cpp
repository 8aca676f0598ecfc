// The project's trained model (models/<name>/, F16 safetensors) against the PyTorch reference that the
// training tools wrote (tests/fixtures/model/reference.json + reference.bin): token ids, logits at every
// position and every layer's per-head attention, to 1e-4 relative. Runs natively and as wasm.
#include <catch_amalgamated.hpp>
#include <cstring>
#include <fstream>
#include <sstream>

#include "compare.hpp"
#include "fixtures.hpp"
#include "io/json.hpp"
#include "model/gpt2.hpp"
#include "text/bpe.hpp"

using namespace mha;
using namespace mha::testing;

namespace {

int64_t product(const json::Value& shape) {
  int64_t n = 1;
  for (const json::Value& d : shape.array) n *= int64_t(d.number);
  return n;
}

}  // namespace

TEST_CASE("trained model matches its PyTorch reference", "[gpt2][fixture]") {
  const std::string fixtures = std::string(MHA_FIXTURES_DIR) + "/model/";
  const json::Value reference = json::parse(read_text(fixtures + "reference.json"));
  const std::string model_dir = std::string(MHA_FIXTURES_DIR) + "/../../" + reference.find("model_dir")->string + "/";
  const std::string weights = read_text(model_dir + "model.safetensors");
  const SafetensorsFile file = SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(weights.data()), weights.size());
  Gpt2Model model = Gpt2Model::load(parse_gpt2_config(read_text(model_dir + "config.json")), safetensors_lookup(file));
  const text::BpeTokenizer tokenizer =
      text::BpeTokenizer::from_files(read_text(model_dir + "vocab.json"), read_text(model_dir + "merges.txt"));
  const std::string binary = read_text(fixtures + reference.find("binary")->string);
  auto floats = [&](const json::Value& slice) {
    const size_t offset = size_t(slice.find("offset_bytes")->number), count = size_t(product(*slice.find("shape")));
    REQUIRE(offset + 4 * count <= binary.size());
    std::vector<float> values(count);
    std::memcpy(values.data(), binary.data() + offset, 4 * count);
    return values;
  };

  const json::Value& prompts = *reference.find("prompts");
  REQUIRE(prompts.array.size() >= 3);
  for (const json::Value& prompt : prompts.array) {
    const std::string& text = prompt.find("text")->string;
    INFO(text);
    std::vector<int32_t> ids;
    for (const json::Value& id : prompt.find("ids")->array) ids.push_back(int32_t(id.number));
    CHECK(tokenizer.encode(text) == ids);
    Gpt2Model::RunOutputs out;
    model.run(ids.data(), int32_t(ids.size()), {true, true, nullptr}, out);
    const Comparison logits = compare(out.logits, floats(*prompt.find("logits")));
    const Comparison attention = compare(out.attention, floats(*prompt.find("attention")));
    INFO(logits.describe("logits [T, V]"));
    INFO(attention.describe("attention [L, H, T, T]"));
    CHECK(logits.shapes_match);
    CHECK(attention.shapes_match);
    CHECK(logits.relative_error <= 1e-4);
    CHECK(attention.relative_error <= 1e-4);
  }
}
