// The WordPiece tokenizer against Hugging Face `tokenizers` (tests/fixtures/encoders/wordpiece_cases.json,
// made by make_wordpiece_cases.py): every case, in every setting, read both from vocab.txt +
// tokenizer_config.json and from tokenizer.json. Then the readers on hostile input.
#include <catch_amalgamated.hpp>
#include <fstream>
#include <sstream>

#include "attention/mha.hpp"
#include "errors.hpp"
#include "fixtures.hpp"
#include "io/json.hpp"
#include "text/wordpiece.hpp"

using namespace mha;
using Catch::Matchers::ContainsSubstring;
using mha::testing::read_text;
using mha::text::WordPieceEncoding;
using mha::text::WordPieceTokenizer;

namespace {

std::string encoders_dir() { return std::string(MHA_FIXTURES_DIR) + "/encoders/"; }

std::vector<int32_t> int_array(const json::Value& array) {
  std::vector<int32_t> out;
  for (const json::Value& v : array.array) out.push_back(int32_t(v.number));
  return out;
}

std::string escaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

WordPieceTokenizer vocab_tokenizer(const std::string& config_json) {
  return WordPieceTokenizer::from_vocab_txt(read_text(encoders_dir() + "vocab.txt"), config_json);
}

}  // namespace

TEST_CASE("WordPiece ids match tokenizers on every reference case", "[wordpiece][fixture]") {
  const json::Value reference = json::parse(read_text(encoders_dir() + "wordpiece_cases.json"));
  REQUIRE(reference.find("format")->string == "mha-wordpiece-cases");
  REQUIRE(reference.find("version")->number == 1);
  const json::Value& cases = *reference.find("cases");
  REQUIRE(cases.array.size() >= 2000);
  for (const auto& [setting, files] : reference.find("settings")->object) {
    const WordPieceTokenizer from_vocab =
        vocab_tokenizer(read_text(encoders_dir() + files.find("tokenizer_config")->string));
    const WordPieceTokenizer from_json =
        WordPieceTokenizer::from_tokenizer_json(read_text(encoders_dir() + files.find("tokenizer_json")->string));
    size_t checked = 0, mismatches = 0;
    for (const json::Value& c : cases.array) {
      const std::string& text = c.find("text")->string;
      const json::Value* pair = c.find("pair");
      const json::Value* max_length_value = c.find("max_length");
      const int32_t max_length = max_length_value ? int32_t(max_length_value->number) : 0;
      const json::Value& expected = *c.find(setting);
      const std::vector<int32_t> ids = int_array(*expected.find("ids"));
      const json::Value* truncated = expected.find("truncated");
      for (const WordPieceTokenizer* tokenizer : {&from_vocab, &from_json}) {
        const WordPieceEncoding e =
            pair ? tokenizer->encode_pair(text, pair->string, max_length) : tokenizer->encode(text, max_length);
        const bool same = e.ids == ids && e.truncated == (truncated != nullptr) &&
                          (!pair || e.type_ids == int_array(*expected.find("type_ids")));
        if (!same && ++mismatches <= 10) {
          INFO(setting << (tokenizer == &from_vocab ? " (vocab.txt)" : " (tokenizer.json)") << " text \""
                       << escaped(text) << "\"" << (pair ? " pair \"" + escaped(pair->string) + "\"" : "")
                       << " max_length " << max_length);
          CHECK(e.ids == ids);
          CHECK(e.truncated == (truncated != nullptr));
          if (pair) CHECK(e.type_ids == int_array(*expected.find("type_ids")));
        }
        ++checked;
      }
    }
    INFO(setting << ": " << mismatches << " of " << checked << " encodings differ");
    CHECK(mismatches == 0);
    CHECK(checked == 2 * cases.array.size());
  }
}

TEST_CASE("WordPiece ids match tokenizers on Bengali strings, cased and uncased", "[wordpiece][fixture][bengali]") {
  // tests/fixtures/encoders/bengali/cases.json (make_bengali_wordpiece.py): vocabularies trained by `tokenizers`
  // on Bengali + English; uncased strips accents (NFD, Mn dropped: the virama and several vowel signs go)
  const std::string dir = encoders_dir() + "bengali/";
  const json::Value reference = json::parse(read_text(dir + "cases.json"));
  REQUIRE(reference.find("format")->string == "mha-bengali-wordpiece");
  REQUIRE(reference.find("version")->number == 1);
  const json::Value& texts = *reference.find("texts");
  REQUIRE(texts.array.size() >= 500);
  for (const auto& [setting, files] : reference.find("settings")->object) {
    const WordPieceTokenizer from_vocab = WordPieceTokenizer::from_vocab_txt(
        read_text(dir + files.find("vocab")->string), read_text(dir + files.find("tokenizer_config")->string));
    const WordPieceTokenizer from_json =
        WordPieceTokenizer::from_tokenizer_json(read_text(dir + files.find("tokenizer_json")->string));
    const json::Value& expected = *reference.find("ids")->find(setting);
    size_t mismatches = 0;
    for (size_t n = 0; n < texts.array.size(); ++n) {
      const std::vector<int32_t> ids = int_array(expected.array[n]);
      for (const WordPieceTokenizer* tokenizer : {&from_vocab, &from_json}) {
        const WordPieceEncoding e = tokenizer->encode(texts.array[n].string, 0);
        if (e.ids != ids && ++mismatches <= 10) {
          INFO(setting << " text \"" << escaped(texts.array[n].string) << "\"");
          CHECK(e.ids == ids);
        }
      }
    }
    INFO(setting << ": " << mismatches << " of " << 2 * texts.array.size() << " encodings differ");
    CHECK(mismatches == 0);
  }
}

TEST_CASE("WordPiece steps on known inputs", "[wordpiece]") {
  const WordPieceTokenizer uncased = vocab_tokenizer("{\"do_lower_case\": true}");
  const WordPieceTokenizer cased = vocab_tokenizer("{\"do_lower_case\": false}");
  CHECK(uncased.normalize("H\xC3\xA9llo\tW\xC3\xB6rld\x01") == "hello world");  // é, ö stripped; tab; control
  CHECK(cased.normalize("H\xC3\xA9llo") == "H\xC3\xA9llo");
  CHECK(uncased.normalize("\xE4\xB8\xAD\xE6\x96\x87") == " \xE4\xB8\xAD  \xE6\x96\x87 ");  // 中文: spaced
  // Bengali: the virama U+09CD is a nonspacing mark, dropped with strip_accents (as tokenizers does)
  CHECK(uncased.normalize("\xE0\xA6\x95\xE0\xA7\x8D\xE0\xA6\xB7") == "\xE0\xA6\x95\xE0\xA6\xB7");
  CHECK(cased.normalize("\xE0\xA6\x95\xE0\xA7\x8D\xE0\xA6\xB7") == "\xE0\xA6\x95\xE0\xA7\x8D\xE0\xA6\xB7");
  CHECK(uncased.pre_tokenize("don't stop...now") ==
        std::vector<std::string>{"don", "'", "t", "stop", ".", ".", ".", "now"});
  // [CLS] A [SEP] B [SEP] with type ids, and truncation reported
  const WordPieceEncoding pair = uncased.encode_pair("animal", "street");
  CHECK(pair.ids.size() == 5);
  CHECK(pair.type_ids == std::vector<int32_t>{0, 0, 0, 1, 1});
  CHECK(pair.special == std::vector<uint8_t>{1, 0, 1, 0, 1});
  CHECK_FALSE(pair.truncated);
  const WordPieceEncoding cut = uncased.encode("animal street tired wide", 4);
  CHECK(cut.ids.size() == 4);
  CHECK(cut.truncated);
  CHECK(cut.untruncated_length == 6);
  CHECK_THROWS_WITH(uncased.encode_pair("a", "b", 2), ContainsSubstring("max_length: expected at least 3"));
  CHECK(uncased.token(uncased.unk_id()) == "[UNK]");
  CHECK(uncased.mask_id().has_value());
  // A word longer than max_input_chars_per_word (100) is one [UNK].
  const WordPieceEncoding long_word = uncased.encode(std::string(101, 'a'));
  CHECK(long_word.ids ==
        std::vector<int32_t>{*uncased.token_id("[CLS]"), uncased.unk_id(), *uncased.token_id("[SEP]")});
  CHECK_THROWS_AS(uncased.token(uncased.vocab_size()), ArgumentError);
}

TEST_CASE("WordPiece readers refuse hostile input with a clear message", "[wordpiece][errors]") {
  using R = WordPieceTokenizer;
  const std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n##b\n";
  CHECK_NOTHROW(R::from_vocab_txt(vocab));
  CHECK_THROWS_WITH(R::from_vocab_txt(""), ContainsSubstring("vocab.txt: expected one token per line"));
  CHECK_THROWS_WITH(R::from_vocab_txt("[CLS]\n[SEP]\n"), ContainsSubstring("unknown token \"[UNK]\""));
  CHECK_THROWS_WITH(R::from_vocab_txt("[UNK]\n[SEP]\n"), ContainsSubstring("class token \"[CLS]\""));
  CHECK_THROWS_WITH(R::from_vocab_txt("[UNK]\n\xff\xfe\n"), ContainsSubstring("vocab.txt: line 2: expected UTF-8"));
  CHECK_THROWS_WITH(R::from_vocab_txt(vocab, "[1, 2]"), ContainsSubstring("tokenizer_config.json: top level"));
  CHECK_THROWS_WITH(R::from_vocab_txt(vocab, "{\"do_lower_case\": "),
                    ContainsSubstring("tokenizer_config.json: not valid JSON"));
  CHECK_THROWS_WITH(R::from_vocab_txt(vocab, "{\"do_lower_case\": \"yes\"}"),
                    ContainsSubstring("do_lower_case: expected a boolean, got the string \"yes\""));
  CHECK_THROWS_WITH(R::from_vocab_txt(vocab, "{\"unk_token\": 5}"), ContainsSubstring("unk_token: expected a string"));
  CHECK_THROWS_WITH(R::from_vocab_txt(vocab, "{\"added_tokens_decoder\": {\"x\": {\"content\": \"q\"}}}"),
                    ContainsSubstring("expected a token id as key"));

  const auto json_with = [](const std::string& model, const std::string& rest = "") {
    return "{\"model\": " + model +
           ", \"normalizer\": {\"type\": \"BertNormalizer\"}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}" +
           rest + "}";
  };
  const std::string good_model =
      "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {\"[UNK]\": 0, \"a\": 1}}";
  CHECK_NOTHROW(R::from_tokenizer_json(json_with(good_model)));
  CHECK_THROWS_WITH(R::from_tokenizer_json("{}"), ContainsSubstring("tokenizer.json: model: missing"));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with("{\"type\": \"BPE\", \"vocab\": {}}")),
                    ContainsSubstring("model.type: expected \"WordPiece\""));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with("{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": "
                                                     "{\"[UNK]\": 0, \"a\": 0}}")),
                    ContainsSubstring("expected a distinct id, got 0"));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with("{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": "
                                                     "{\"[UNK]\": -1}}")),
                    ContainsSubstring("expected a token id"));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with("{\"type\": \"WordPiece\", \"unk_token\": \"?\", \"vocab\": "
                                                     "{\"[UNK]\": 0}}")),
                    ContainsSubstring("model.unk_token: expected a token of the vocabulary"));
  CHECK_THROWS_WITH(R::from_tokenizer_json("{\"model\": " + good_model +
                                           ", \"normalizer\": {\"type\": \"NFKC\"}, \"pre_tokenizer\": null}"),
                    ContainsSubstring("normalizer.type: expected \"BertNormalizer\""));
  CHECK_THROWS_WITH(
      R::from_tokenizer_json(json_with(good_model, ", \"post_processor\": {\"type\": \"RobertaProcessing\"}")),
      ContainsSubstring("post_processor.type: expected \"TemplateProcessing\" or \"BertProcessing\""));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with(good_model,
                                                     ", \"post_processor\": {\"type\": \"BertProcessing\", "
                                                     "\"cls\": [\"[CLS]\", 7], \"sep\": [\"[SEP]\", 0]}")),
                    ContainsSubstring("post_processor.cls[1]: expected a token id, an integer in [0, 2)"));
  // An id far beyond the tokens defined would make the id table huge: refused.
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with("{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": "
                                                     "{\"[UNK]\": 0, \"a\": 16000000}}")),
                    ContainsSubstring("model.vocab.\"a\": expected a token id, an integer in [0, 2)"));
  CHECK_THROWS_WITH(R::from_vocab_txt(vocab, "{\"added_tokens_decoder\": {\"9999999\": {\"content\": \"q\"}}}"),
                    ContainsSubstring("below the number of tokens 8"));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with(good_model,
                                                     ", \"added_tokens\": [{\"id\": 1, \"content\": "
                                                     "\"[X]\", \"single_word\": true}]")),
                    ContainsSubstring("added_tokens[0].single_word: only false is supported"));
  CHECK_THROWS_WITH(R::from_tokenizer_json(json_with(good_model,
                                                     ", \"post_processor\": {\"type\": "
                                                     "\"TemplateProcessing\", \"single\": [{\"Sequence\": "
                                                     "{\"id\": \"C\", \"type_id\": 0}}], \"pair\": [], "
                                                     "\"special_tokens\": {}}")),
                    ContainsSubstring("post_processor.single[0].Sequence.id: expected \"A\" or \"B\""));
  // Truncated and garbled bytes never crash the readers.
  const std::string full = read_text(encoders_dir() + "tokenizer_uncased.json");
  for (size_t cut = 0; cut < full.size(); cut += 997) {
    CHECK_THROWS_AS(R::from_tokenizer_json(full.substr(0, cut)), FormatError);
  }
  std::string garbled = full;
  for (size_t i = 17; i < garbled.size(); i += 101) garbled[i] = char(garbled[i] ^ 0x5A);
  try {
    R::from_tokenizer_json(garbled);
  } catch (const FormatError&) {
  }
}
