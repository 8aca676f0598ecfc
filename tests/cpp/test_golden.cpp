// PyTorch golden vectors (tests/fixtures/make_mha_golden.py): both paths must match torch to 1e-5.
#include <catch_amalgamated.hpp>
#include <set>

#include "attention/mha.hpp"
#include "compare.hpp"
#include "fixtures.hpp"

using namespace mha;
using namespace mha::testing;

TEST_CASE("matches torch.nn.MultiheadAttention golden vectors", "[attention][golden]") {
  const auto tensors = read_fixture(fixture_path("mha_golden.bin"));
  std::set<std::string> cases;
  for (const auto& [name, tensor] : tensors) cases.insert(name.substr(0, name.find('/')));
  REQUIRE(cases.size() >= 10);

  for (const std::string& name : cases) {
    auto has = [&](const char* key) { return tensors.count(name + "/" + key) > 0; };
    auto floats = [&](const char* key) { return tensors.at(name + "/" + key).as<float>(); };
    auto bytes = [&](const char* key) { return tensors.at(name + "/" + key).bytes; };
    const std::vector<int32_t> cfg = tensors.at(name + "/config").as<int32_t>();
    const AttentionConfig config{cfg[0], cfg[1], cfg[2], cfg[3], cfg[4] != 0};
    const int32_t batch = cfg[5], lq = cfg[6], lk = cfg[7], mask_kind = cfg[9];

    std::map<std::string, std::vector<float>> keep;  // owns the float buffers the spans point into
    auto span = [&](const char* key) -> FloatSpan {
      if (!has(key)) return {};
      auto& v = keep[key] = floats(key);
      return {v.data(), v.size()};
    };
    AttentionWeights weights;
    weights.in_proj_weight = span("in_proj_weight");
    weights.q_proj_weight = span("q_proj_weight");
    weights.k_proj_weight = span("k_proj_weight");
    weights.v_proj_weight = span("v_proj_weight");
    weights.in_proj_bias = span("in_proj_bias");
    weights.out_proj_weight = span("out_proj.weight");
    weights.out_proj_bias = span("out_proj.bias");

    AttentionInputs in;
    in.query = span("query");
    in.key = span("key");
    in.value = span("value");
    in.batch = batch;
    in.query_len = lq;
    in.key_len = lk;
    in.is_causal = cfg[8] != 0;
    in.attn_mask_layout = cfg[10] ? AttnMaskLayout::per_head : AttnMaskLayout::shared;
    std::vector<uint8_t> padding, mask_bool;
    if (cfg[12]) {
      padding = bytes("key_padding_mask");
      in.key_padding_mask = {padding.data(), padding.size()};
    }
    if (mask_kind == 1) {
      mask_bool = bytes("attn_mask");
      in.attn_mask_bool = {mask_bool.data(), mask_bool.size()};
    }
    if (mask_kind == 2) in.attn_mask_float = span("attn_mask");

    const std::vector<float> want_output = floats("output"), want_weights = floats("weights");
    const WeightsMode mode = cfg[11] == 2 ? WeightsMode::averaged : WeightsMode::per_head;
    for (int path = 0; path < 2; ++path) {
      std::vector<float> output(want_output.size()), attention(want_weights.size());
      AttentionOutputs out;
      out.output = output.data();
      out.output_size = output.size();
      out.weights = attention.data();
      out.weights_size = attention.size();
      out.weights_mode = mode;
      if (path == 0) {
        reference_forward(config, weights, in, out);
      } else {
        MultiheadAttention fast(config);
        fast.load_weights(weights);
        fast.forward(in, out);
      }
      // torch gives NaN for a fully masked row; we define zero weights and a zero head context there,
      // so the output row is the output-projection bias.
      std::vector<float> expected_output = want_output;
      for (size_t n = 0; n < expected_output.size(); ++n)
        if (std::isnan(expected_output[n])) expected_output[n] = config.bias ? keep["out_proj.bias"][n % cfg[0]] : 0.0f;
      const Comparison o = compare(output, expected_output);
      const Comparison w = compare(attention, want_weights, /*nan_means_zero=*/true);
      INFO(name << (path ? " (simd)" : " (reference)"));
      INFO(o.describe("output"));
      INFO(w.describe("weights"));
      CHECK(o.relative_error <= 1e-5);
      CHECK(w.relative_error <= 1e-5);
    }
  }
}
