// config.json of a Hugging Face GPT-2: the published GPT-2 small values, the fallbacks and defaults,
// and an error naming the field with the expected and the actual value for everything else.
#include <catch_amalgamated.hpp>
#include <string>
#include <vector>

#include "model/gpt2_config.hpp"

using namespace mha;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::Equals;

namespace {

// The fields of GPT-2 small's config.json (n_ctx and n_positions both present, as published).
const std::string kGpt2Small = R"({
  "activation_function": "gelu_new",
  "architectures": ["GPT2LMHeadModel"],
  "attn_pdrop": 0.1,
  "bos_token_id": 50256,
  "embd_pdrop": 0.1,
  "eos_token_id": 50256,
  "initializer_range": 0.02,
  "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2",
  "n_ctx": 1024,
  "n_embd": 768,
  "n_head": 12,
  "n_layer": 12,
  "n_positions": 1024,
  "resid_pdrop": 0.1,
  "summary_activation": null,
  "summary_first_dropout": 0.1,
  "summary_proj_to_labels": true,
  "summary_type": "cls_index",
  "summary_use_proj": true,
  "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
  "vocab_size": 50257
})";

// A minimal valid config with `extra` members appended (they override nothing: keys must be new).
std::string minimal(const std::string& extra = "", const std::string& positions = "\"n_positions\": 8") {
  return "{\"n_layer\": 2, \"n_head\": 2, \"n_embd\": 8, \"vocab_size\": 10, " + positions +
         (extra.empty() ? "" : ", " + extra) + "}";
}

std::string error_of(const std::string& text) {
  try {
    parse_gpt2_config(text);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "";
}

// GPT-2 small with one field replaced (`value` is JSON text) or removed (`value` empty).
std::string gpt2_with(const std::string& field, const std::string& value) {
  std::string text = kGpt2Small;
  const std::string key = "\"" + field + "\": ";
  const size_t at = text.find(key);
  REQUIRE(at != std::string::npos);
  const size_t value_end = text.find_first_of(",\n", at + key.size());
  if (value.empty()) {
    text.erase(at, value_end + 1 - at);  // the member and its comma
  } else {
    text.replace(at + key.size(), value_end - at - key.size(), value);
  }
  return text;
}

}  // namespace

TEST_CASE("config: GPT-2 small", "[config]") {
  const Gpt2Config c = parse_gpt2_config(kGpt2Small);
  CHECK(c.n_layer == 12);
  CHECK(c.n_head == 12);
  CHECK(c.n_embd == 768);
  CHECK(c.n_positions == 1024);
  CHECK(c.vocab_size == 50257);
  CHECK(c.layer_norm_epsilon == 1e-5f);
  CHECK(c.activation_function == "gelu_new");
  CHECK(c.eos_token_ids == std::vector<int32_t>{50256});
}

TEST_CASE("config: eos_token_id, one id, a list or none", "[config]") {
  CHECK(parse_gpt2_config(minimal()).eos_token_ids.empty());
  CHECK(parse_gpt2_config(minimal("\"eos_token_id\": null")).eos_token_ids.empty());
  CHECK(parse_gpt2_config(minimal("\"eos_token_id\": [2, 7]")).eos_token_ids == std::vector<int32_t>{2, 7});
  CHECK(parse_gpt2_config(minimal("\"eos_token_id\": 50256")).eos_token_ids == std::vector<int32_t>{50256});
  CHECK_THAT(error_of(minimal("\"eos_token_id\": -1")),
             Equals("config.json: eos_token_id: expected a token id (an integer >= 0) or a list of them, got -1"));
  CHECK_THAT(error_of(minimal("\"eos_token_id\": [1, \"2\"]")), ContainsSubstring("eos_token_id: expected a token id"));
}

TEST_CASE("config: fallbacks and defaults", "[config]") {
  // n_ctx alone stands for n_positions; with both, n_positions wins (as in Hugging Face).
  CHECK(parse_gpt2_config(gpt2_with("n_positions", "")).n_positions == 1024);
  CHECK(parse_gpt2_config(minimal("\"n_ctx\": 16")).n_positions == 8);
  CHECK(parse_gpt2_config(minimal("", "\"n_ctx\": 16")).n_positions == 16);
  // Missing layer_norm_epsilon and activation_function take GPT-2's defaults.
  const Gpt2Config c = parse_gpt2_config(minimal());
  CHECK(c.layer_norm_epsilon == 1e-5f);
  CHECK(c.activation_function == "gelu_new");
  CHECK(c.n_layer == 2);
  CHECK(parse_gpt2_config(minimal("\"layer_norm_epsilon\": 1e-6")).layer_norm_epsilon == 1e-6f);
  CHECK(parse_gpt2_config(minimal("\"activation_function\": \"gelu_pytorch_tanh\"")).activation_function ==
        "gelu_pytorch_tanh");
  // Fields that keep the architecture are accepted; integers may be written as 12.0.
  CHECK(parse_gpt2_config(minimal("\"scale_attn_weights\": true, \"scale_attn_by_inverse_layer_idx\": false, "
                                  "\"add_cross_attention\": false, \"model_type\": \"gpt2\""))
            .n_head == 2);
  CHECK(parse_gpt2_config(gpt2_with("n_layer", "12.0")).n_layer == 12);
  // The largest accepted values.
  const Gpt2Config big = parse_gpt2_config(
      R"({"n_layer": 256, "n_head": 16, "n_embd": 16384, "n_positions": 65536, "vocab_size": 1000000})");
  CHECK(big.n_embd == 16384);
  CHECK(big.vocab_size == 1000000);
}

TEST_CASE("config: required integers", "[config]") {
  CHECK_THAT(error_of(gpt2_with("n_head", "-1")), Equals("config.json: n_head: expected a positive integer, got -1"));
  CHECK_THAT(error_of(gpt2_with("n_layer", "0")), Equals("config.json: n_layer: expected a positive integer, got 0"));
  CHECK_THAT(error_of(gpt2_with("n_embd", "76.8")),
             Equals("config.json: n_embd: expected a positive integer, got 76.8"));
  CHECK_THAT(error_of(gpt2_with("vocab_size", "\"50257\"")),
             Equals("config.json: vocab_size: expected a positive integer, got the string \"50257\""));
  CHECK_THAT(error_of(gpt2_with("n_positions", "null")),
             Equals("config.json: n_positions: expected a positive integer, got a value of type null"));
  CHECK_THAT(error_of(gpt2_with("n_layer", "true")),
             Equals("config.json: n_layer: expected a positive integer, got true"));
  CHECK_THAT(error_of(gpt2_with("n_head", "1e10")),
             Equals("config.json: n_head: expected a positive integer, got 10000000000"));
  CHECK_THAT(error_of(gpt2_with("n_layer", "")), Equals("config.json: n_layer: missing (expected a positive integer)"));
  CHECK_THAT(error_of("{\"n_layer\": 2, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 8}"),
             Equals("config.json: vocab_size: missing (expected a positive integer)"));
  CHECK_THAT(error_of(minimal("", "\"n_ctx\": 0")), Equals("config.json: n_ctx: expected a positive integer, got 0"));
  CHECK_THAT(error_of("{\"n_layer\": 2, \"n_head\": 2, \"n_embd\": 8, \"vocab_size\": 10}"),
             Equals("config.json: n_positions: missing (expected a positive integer; n_ctx is accepted too)"));
}

TEST_CASE("config: upper bounds and divisibility", "[config]") {
  CHECK_THAT(error_of(gpt2_with("n_layer", "257")), Equals("config.json: n_layer: expected at most 256, got 257"));
  CHECK_THAT(error_of(gpt2_with("n_embd", "16896")), Equals("config.json: n_embd: expected at most 16384, got 16896"));
  CHECK_THAT(error_of(gpt2_with("vocab_size", "1000001")),
             Equals("config.json: vocab_size: expected at most 1000000, got 1000001"));
  CHECK_THAT(error_of(gpt2_with("n_positions", "65537")),
             Equals("config.json: n_positions: expected at most 65536, got 65537"));
  CHECK_THAT(error_of(gpt2_with("n_head", "2000")), Equals("config.json: n_head: expected at most 1024, got 2000"));
  CHECK_THAT(error_of(gpt2_with("n_head", "7")),
             Equals("config.json: n_embd: expected a multiple of n_head = 7, got 768"));
  Gpt2ConfigLimits limits;
  limits.max_n_layer = 4;
  CHECK_THROWS_WITH(parse_gpt2_config(kGpt2Small, limits), Equals("config.json: n_layer: expected at most 4, got 12"));
}

TEST_CASE("config: optional fields", "[config]") {
  CHECK_THAT(error_of(gpt2_with("activation_function", "\"relu\"")),
             Equals("config.json: activation_function: expected \"gelu_new\" or \"gelu_pytorch_tanh\" (the tanh GELU "
                    "this project implements), got the string \"relu\""));
  CHECK_THAT(error_of(gpt2_with("activation_function", "\"gelu\"")), ContainsSubstring("got the string \"gelu\""));
  CHECK_THAT(error_of(gpt2_with("activation_function", "1")),
             ContainsSubstring("activation_function") && ContainsSubstring("got 1"));
  CHECK_THAT(error_of(gpt2_with("layer_norm_epsilon", "0")),
             Equals("config.json: layer_norm_epsilon: expected a positive number of at most 0.1, got 0"));
  CHECK_THAT(error_of(gpt2_with("layer_norm_epsilon", "-1e-5")), ContainsSubstring("got -1e-05"));
  CHECK_THAT(error_of(gpt2_with("layer_norm_epsilon", "1e-50")),
             ContainsSubstring("layer_norm_epsilon"));  // 0 as float
  CHECK_THAT(error_of(gpt2_with("layer_norm_epsilon", "\"1e-5\"")), ContainsSubstring("got the string \"1e-5\""));
  CHECK_THAT(error_of(gpt2_with("model_type", "\"llama\"")),
             Equals("config.json: model_type: expected \"gpt2\", got the string \"llama\""));
  CHECK_THAT(error_of(minimal("\"scale_attn_by_inverse_layer_idx\": true")),
             Equals("config.json: scale_attn_by_inverse_layer_idx: only false is supported, got true"));
  CHECK_THAT(error_of(minimal("\"scale_attn_weights\": false")),
             Equals("config.json: scale_attn_weights: only true is supported, got false"));
  CHECK_THAT(error_of(minimal("\"add_cross_attention\": 1")),
             Equals("config.json: add_cross_attention: expected a boolean, got 1"));
}

TEST_CASE("config: not JSON, or not an object", "[config]") {
  CHECK_THAT(error_of("{\"n_layer\": 12,}"),
             Equals("config.json: not valid JSON: json: unexpected '}', expected a string key at byte 15"));
  CHECK_THAT(error_of("[]"), Equals("config.json: top level: expected an object, got array"));
  CHECK_THAT(error_of(""), ContainsSubstring("config.json: not valid JSON"));
  CHECK_THAT(error_of(minimal("\"n_layer\": 3")), ContainsSubstring("duplicate key \"n_layer\""));
}
