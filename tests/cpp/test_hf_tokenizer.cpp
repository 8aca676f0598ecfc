// tokenizer.json (byte-level BPE) against Hugging Face `tokenizers`: four tokenizers trained by
// tests/fixtures/hf_tokenizer/make_hf_tokenizer_fixtures.py with SmolLM2's pre-tokenizer (individual digits,
// then ByteLevel without a prefix space, special tokens), with GPT-2's plus add_prefix_space and ignore_merges
// and a non-special added token, and with the Split patterns of Llama-3 (ignore_merges) and Qwen2; the ids
// `tokenizers` gave for over 2,000 strings each (held-out
// text and generated mixes of scripts, digit systems, white space, emoji and added tokens). Runs natively and
// as wasm.
#include <catch_amalgamated.hpp>
#include <fstream>
#include <sstream>

#include "errors.hpp"
#include "fixtures.hpp"
#include "io/json.hpp"
#include "text/hf_tokenizer.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

namespace {}  // namespace

TEST_CASE("tokenizer.json byte-level BPE gives the ids of Hugging Face tokenizers", "[llama][tokenizer]") {
  for (const char* name : {"smollm2_style", "gpt2_prefix", "llama3_style", "qwen2_style"}) {
    INFO(name);
    const std::string directory = fixture_path(std::string("hf_tokenizer/") + name);
    const text::HfTokenizer tokenizer = text::HfTokenizer::from_json(read_text(directory + "/tokenizer.json"));
    const json::Value cases = json::parse(read_text(directory + "/cases.json"));
    const json::Value& list = *cases.find("cases");
    REQUIRE(list.array.size() >= 2000);
    size_t mismatches = 0;
    for (const json::Value& entry : list.array) {
      const std::string& text = entry.array[0].string;
      std::vector<int32_t> want;
      for (const json::Value& id : entry.array[1].array) want.push_back(int32_t(id.number));
      const std::vector<int32_t> got = tokenizer.encode(text);
      if (got != want && ++mismatches <= 5) {
        INFO("text \"" << text << "\"");
        CHECK(got == want);
      }
      // Decoding gives the text back, with the space that add_prefix_space put in front (texts without added
      // tokens: those are segments of their own, each with its prefix).
      const bool prefixed = std::string(name) == "gpt2_prefix" && !text.empty() && text[0] != ' ';
      if (got == want && text.find('<') == std::string::npos)
        CHECK(tokenizer.decode(got) == (prefixed ? " " : "") + text);
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("tokenizer.json: added tokens, ids and refusals that name the field", "[llama][tokenizer]") {
  const text::HfTokenizer tokenizer =
      text::HfTokenizer::from_json(read_text(fixture_path("hf_tokenizer/smollm2_style/tokenizer.json")));
  CHECK(tokenizer.token_id("<|im_start|>") == 1);
  CHECK(tokenizer.encode("<|im_start|><|im_end|>") == std::vector<int32_t>{1, 2});
  CHECK(tokenizer.vocab_size() == 1200);
  CHECK(tokenizer.token_display(1) == "<|im_start|>");
  const std::vector<int32_t> spaced = tokenizer.encode(" 7");
  REQUIRE(spaced.size() == 2);  // " " and "7": digits are split off before the byte-level pattern
  CHECK(tokenizer.token_display(spaced[0]) == "\u2423");
  CHECK_THROWS_WITH(tokenizer.token_display(-1), ContainsSubstring("id: expected a token id"));
  CHECK_THROWS_WITH(tokenizer.decode({5, 1200}), ContainsSubstring("ids[1]: expected a token id of this tokenizer"));

  std::string json = read_text(fixture_path("hf_tokenizer/smollm2_style/tokenizer.json"));
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string copy = json;
    const size_t at = copy.find(from);
    REQUIRE(at != std::string::npos);
    return copy.replace(at, from.size(), to);
  };
  CHECK_THROWS_WITH(text::HfTokenizer::from_json(replaced("\"type\": \"Digits\"", "\"type\": \"Whitespace\"")),
                    ContainsSubstring("tokenizer.json: pre_tokenizer.pretokenizers[0].type: expected \"ByteLevel\", "
                                      "\"Digits\", \"Split\"") &&
                        ContainsSubstring("got the string \"Whitespace\""));
  const std::string llama3 = read_text(fixture_path("hf_tokenizer/llama3_style/tokenizer.json"));
  std::string other_pattern = llama3;
  other_pattern.replace(other_pattern.find("\\p{N}{1,3}"), 10, "\\p{N}{1,2}");
  CHECK_THROWS_WITH(text::HfTokenizer::from_json(other_pattern),
                    ContainsSubstring("pre_tokenizer.pretokenizers[0].pattern: expected the Regex of Llama-3's or "
                                      "Qwen2's tokenizer.json"));
  CHECK_THROWS_WITH(
      text::HfTokenizer::from_json(replaced("\"normalizer\": null", "\"normalizer\": {\"type\": \"NFC\"}")),
      ContainsSubstring("normalizer: expected null") && ContainsSubstring("NFC"));
  CHECK_THROWS_WITH(text::HfTokenizer::from_json(replaced("\"byte_fallback\": false", "\"byte_fallback\": true")),
                    ContainsSubstring("model.byte_fallback: expected false"));
  CHECK_THROWS_WITH(text::HfTokenizer::from_json(replaced("\"lstrip\": false", "\"lstrip\": true")),
                    ContainsSubstring("added_tokens[0].lstrip: expected false"));
  CHECK_THROWS_AS(text::HfTokenizer::from_json("{"), FormatError);
}
