// BERT and DistilBERT runtimes against Hugging Face transformers (tests/fixtures/encoders, made by
// make_model_fixtures.py): every layer's hidden states, every head's attention, MLM logits, the pooler
// and the mean-pooled embedding, to 1e-5 relative (see kTolerance), for a single text, a sentence pair (token types)
// and a right-padded batch (attention mask). Then the fast path against the scalar reference, the naming variants of
// real checkpoints, and the readers on bad input.
#include <catch_amalgamated.hpp>
#include <fstream>
#include <functional>
#include <sstream>

#include "attention/mha.hpp"
#include "compare.hpp"
#include "fixtures.hpp"
#include "model/bert.hpp"
#include "text/wordpiece.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

std::string encoders_dir() { return std::string(MHA_FIXTURES_DIR) + "/encoders/"; }

// A model folder held in memory: the safetensors bytes must outlive the parsed file and the lookup.
struct LoadedFolder {
  std::string config_text, weights;
  SafetensorsFile file;
  BertConfig config;
  explicit LoadedFolder(const std::string& folder)
      : config_text(read_text(encoders_dir() + folder + "/config.json")),
        weights(read_text(encoders_dir() + folder + "/model.safetensors")),
        file(SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(weights.data()), weights.size())),
        config(parse_bert_config(config_text)) {}
  TensorLookup lookup() const { return safetensors_lookup(file); }
};

// Row b of a [B, ...] fixture tensor.
std::vector<float> row(const FixtureTensor& t, size_t b) {
  const std::vector<float> all = t.as<float>();
  const size_t per_row = all.size() / t.dims[0];
  return std::vector<float>(all.begin() + b * per_row, all.begin() + (b + 1) * per_row);
}
std::vector<int32_t> int_row(const FixtureTensor& t, size_t b) {
  const std::vector<int32_t> all = t.as<int32_t>();
  const size_t per_row = all.size() / t.dims[0];
  return std::vector<int32_t>(all.begin() + b * per_row, all.begin() + (b + 1) * per_row);
}

struct WorstErrors {
  double hidden = 0, attention = 0, logits = 0, pooled = 0, embedding = 0;
};

// The issue asks for 1e-4; the tests hold 1e-5 because swapping the exact GELU for the tanh form changes
// these tiny models' outputs by only ~1.5e-4 relative (measured with transformers), too close to 1e-4 to be
// caught with certainty. Measured here: ~5e-7.
constexpr double kTolerance = 1e-5;

void check(const Comparison& c, const std::string& what, double& worst) {
  INFO(c.describe(what));
  CHECK(c.shapes_match);
  CHECK(c.relative_error <= kTolerance);
  worst = std::max(worst, c.relative_error);
}

WorstErrors check_against_transformers(const std::string& folder, const std::string& reference_file) {
  LoadedFolder loaded(folder);
  BertModel model = BertModel::load(loaded.config, loaded.lookup());
  const auto fixture = read_fixture(encoders_dir() + reference_file);
  REQUIRE(fixture.at("meta/version").as<int32_t>()[0] == 1);
  const bool bert = loaded.config.architecture == EncoderArchitecture::bert;
  CHECK(model.has_mlm_head());
  CHECK(model.has_pooler() == bert);
  // The folder's own tokenizer files (vocab.txt + tokenizer_config.json, and tokenizer.json where
  // transformers wrote one) give transformers' ids for the texts of make_model_fixtures.py.
  std::vector<text::WordPieceTokenizer> tokenizers;
  tokenizers.push_back(
      text::WordPieceTokenizer::from_vocab_txt(read_text(encoders_dir() + folder + "/vocab.txt"),
                                               read_text(encoders_dir() + folder + "/tokenizer_config.json")));
  if (std::ifstream(encoders_dir() + folder + "/tokenizer.json"))
    tokenizers.push_back(
        text::WordPieceTokenizer::from_tokenizer_json(read_text(encoders_dir() + folder + "/tokenizer.json")));
  CHECK(tokenizers.size() == (bert ? 1u : 2u));
  for (const text::WordPieceTokenizer& tokenizer : tokenizers) {
    CHECK(tokenizer.encode("The animal didn't cross the street because it was tired").ids ==
          fixture.at("single/input_ids").as<int32_t>());
    const text::WordPieceEncoding pair =
        tokenizer.encode_pair("The animal didn't cross the street", "because it was too wide");
    CHECK(pair.ids == fixture.at("pair/input_ids").as<int32_t>());
    if (bert) CHECK(pair.type_ids == fixture.at("pair/token_type_ids").as<int32_t>());
  }
  WorstErrors worst;
  for (const std::string case_name : {"single", "pair", "batch"}) {
    const FixtureTensor& ids = fixture.at(case_name + "/input_ids");
    const size_t B = ids.dims[0], T = ids.dims[1];
    const std::vector<int32_t> positions = fixture.at(case_name + "/logits_positions").as<int32_t>();
    for (size_t b = 0; b < B; ++b) {
      INFO(folder << " case " << case_name << " row " << b);
      const std::vector<int32_t> tokens = int_row(ids, b);
      const std::vector<int32_t> mask32 = int_row(fixture.at(case_name + "/attention_mask"), b);
      const std::vector<uint8_t> mask(mask32.begin(), mask32.end());
      std::vector<int32_t> types(T, 0);
      if (bert) types = int_row(fixture.at(case_name + "/token_type_ids"), b);
      if (bert && case_name == "pair") CHECK(std::count(types.begin(), types.end(), 1) > 0);
      if (case_name == "batch" && b == 0) CHECK(std::count(mask.begin(), mask.end(), 0) > 0);  // padded
      BertModel::RunOptions options;
      options.hidden_states = true;
      options.token_type_ids = bert ? types.data() : nullptr;
      options.attention_mask = mask.data();
      BertModel::RunOutputs out;
      model.run(tokens.data(), int32_t(T), options, out);
      check(compare(out.hidden_states, row(fixture.at(case_name + "/hidden_states"), b)), "hidden_states [L+1, T, E]",
            worst.hidden);
      check(compare(out.attention, row(fixture.at(case_name + "/attentions"), b)), "attentions [L, H, T, T]",
            worst.attention);
      const int32_t V = loaded.config.vocab_size;
      std::vector<float> logits_at;
      for (int32_t p : positions)
        logits_at.insert(logits_at.end(), out.logits.begin() + size_t(p) * V, out.logits.begin() + size_t(p + 1) * V);
      check(compare(logits_at, row(fixture.at(case_name + "/logits"), b)), "logits at positions [P, V]", worst.logits);
      if (bert)
        check(compare(out.pooled, row(fixture.at(case_name + "/pooler_output"), b)), "pooler_output [E]", worst.pooled);
      check(compare(out.embedding, row(fixture.at(case_name + "/embedding"), b)), "mean-pooled embedding [E]",
            worst.embedding);
    }
  }
  return worst;
}

void report(const std::string& name, const WorstErrors& w) {
  // Shown with -s (or on failure): the figures quoted in reports.
  INFO(name << " worst relative errors vs transformers: hidden " << w.hidden << ", attention " << w.attention
            << ", logits " << w.logits << ", pooled " << w.pooled << ", embedding " << w.embedding);
  CHECK(w.hidden <= kTolerance);
}

}  // namespace

TEST_CASE("BERT matches transformers' BertForPreTraining", "[bert][fixture]") {
  report("bert-tiny", check_against_transformers("bert-tiny", "reference_bert.bin"));
}

TEST_CASE("DistilBERT matches transformers' DistilBertForMaskedLM (F16 weights)", "[bert][distilbert][fixture]") {
  report("distilbert-tiny", check_against_transformers("distilbert-tiny", "reference_distilbert.bin"));
}

TEST_CASE("the encoder's fast path matches its scalar reference", "[bert]") {
  for (const std::string folder : {"bert-tiny", "distilbert-tiny"}) {
    LoadedFolder loaded(folder);
    BertModel model = BertModel::load(loaded.config, loaded.lookup());
    // 37 tokens: ragged against the SIMD width and the gemm panels; the last 5 padded.
    std::vector<int32_t> tokens, types;
    std::vector<uint8_t> mask;
    for (int32_t t = 0; t < 37; ++t) {
      tokens.push_back((t * 97 + 11) % loaded.config.vocab_size);
      types.push_back(loaded.config.type_vocab_size > 0 && t > 20 ? 1 : 0);
      mask.push_back(t < 32 ? 1 : 0);
    }
    BertModel::RunOptions options;
    options.token_type_ids = types.data();
    options.attention_mask = mask.data();
    BertModel::RunOutputs fast, slow;
    model.run(tokens.data(), int32_t(tokens.size()), options, fast);
    bert_reference_forward(loaded.config, loaded.lookup(), tokens, types, mask, slow);
    INFO(folder);
    double worst = 0;
    check(compare(fast.last_hidden_state, slow.last_hidden_state), "last_hidden_state", worst);
    check(compare(fast.attention, slow.attention), "attention", worst);
    check(compare(fast.logits, slow.logits), "logits", worst);
    check(compare(fast.pooled, slow.pooled), "pooled", worst);
    // padded keys get exactly zero weight
    for (size_t row_start = 0; row_start < fast.attention.size(); row_start += 37)
      for (size_t key = 32; key < 37; ++key) CHECK(fast.attention[row_start + key] == 0.0f);
  }
}

TEST_CASE("the encoder reads the naming variants of real checkpoints", "[bert]") {
  LoadedFolder loaded("bert-tiny");
  const TensorLookup original = loaded.lookup();
  BertModel reference_model = BertModel::load(loaded.config, original);
  // A bare BertModel file (sentence-transformers): no "bert." prefix, no heads; old gamma/beta names.
  const TensorLookup bare = [&](const std::string& name) -> std::optional<NamedTensor> {
    if (name.rfind("bert.", 0) == 0 || name.rfind("cls.", 0) == 0) return std::nullopt;
    const auto ends_with = [&](const std::string& suffix) {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name.find("LayerNorm") != std::string::npos && (ends_with(".weight") || ends_with(".bias")))
      return std::nullopt;
    std::string source = "bert." + name;
    if (ends_with(".gamma")) source = "bert." + name.substr(0, name.size() - 6) + ".weight";
    if (ends_with(".beta")) source = "bert." + name.substr(0, name.size() - 5) + ".bias";
    return original(source);
  };
  BertModel bare_model = BertModel::load(loaded.config, bare);
  CHECK_FALSE(bare_model.has_mlm_head());
  CHECK(bare_model.has_pooler());
  const std::vector<int32_t> tokens = {2, 100, 200, 300, 3};
  BertModel::RunOutputs a, b;
  reference_model.run(tokens.data(), 5, {}, a);
  bare_model.run(tokens.data(), 5, {}, b);
  CHECK(a.last_hidden_state == b.last_hidden_state);
  CHECK(a.embedding == b.embedding);
  CHECK(b.logits.empty());
}

TEST_CASE("the encoder refuses bad configs, weights and inputs with clear messages", "[bert][errors]") {
  LoadedFolder loaded("bert-tiny");
  const TensorLookup original = loaded.lookup();
  const auto without = [&](const std::string& skip) -> TensorLookup {
    return [&, skip](const std::string& name) -> std::optional<NamedTensor> {
      if (name == skip || name == "bert." + skip) return std::nullopt;
      return original(name);
    };
  };
  CHECK_THROWS_WITH(BertModel::load(loaded.config, without("encoder.layer.1.output.dense.weight")),
                    ContainsSubstring("missing tensor encoder.layer.1.output.dense.weight (also looked for "
                                      "bert.encoder.layer.1.output.dense.weight)"));
  BertConfig wrong = loaded.config;
  wrong.intermediate_size = 48;
  CHECK_THROWS_WITH(BertModel::load(wrong, original),
                    ContainsSubstring("bert.encoder.layer.0.intermediate.dense.weight: expected shape [48, 32] for "
                                      "this config.json, got [64, 32]"));
  // config.json
  const auto config_with = [&](const std::string& key, const std::string& value) {
    std::string text = loaded.config_text;
    const size_t at = text.find("\"" + key + "\"");
    REQUIRE(at != std::string::npos);
    const size_t colon = text.find(':', at), end = text.find_first_of(",\n}", colon);
    return text.substr(0, colon + 1) + " " + value + text.substr(end);
  };
  CHECK_THROWS_WITH(parse_bert_config(config_with("position_embedding_type", "\"relative_key\"")),
                    ContainsSubstring("position_embedding_type: expected \"absolute\""));
  CHECK_THROWS_WITH(parse_bert_config(config_with("hidden_act", "\"relu\"")),
                    ContainsSubstring("hidden_act: expected \"gelu\", \"gelu_new\" or \"gelu_pytorch_tanh\""));
  CHECK_THROWS_WITH(parse_bert_config(config_with("model_type", "\"roberta\"")),
                    ContainsSubstring("model_type: expected \"bert\" or \"distilbert\", got the string \"roberta\""));
  CHECK_THROWS_WITH(parse_bert_config(config_with("hidden_size", "30")),
                    ContainsSubstring("hidden_size: expected a multiple of the head count 4, got 30"));
  CHECK_THROWS_WITH(parse_bert_config(config_with("num_hidden_layers", "-1")),
                    ContainsSubstring("num_hidden_layers: expected an integer in [1, 256], got -1"));
  CHECK_THROWS_WITH(parse_bert_config("[]"), ContainsSubstring("config.json: top level: expected an object"));
  CHECK_THROWS_WITH(parse_bert_config("{\"model_type\": "), ContainsSubstring("config.json: not valid JSON"));
  CHECK(parse_bert_config(config_with("hidden_act", "\"gelu_new\"")).hidden_act == EncoderActivation::gelu_tanh);
  CHECK(config_model_type(loaded.config_text) == "bert");
  CHECK_THROWS_WITH(config_model_type("{}"), ContainsSubstring("model_type: missing"));
  // A PyTorch checkpoint given as model.safetensors: say how to convert it.
  const std::string zip = std::string("PK\x03\x04", 4) + std::string(60, '\0');
  CHECK_THROWS_WITH(SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(zip.data()), zip.size()),
                    ContainsSubstring("got a PyTorch checkpoint (zip, as pytorch_model.bin)") &&
                        ContainsSubstring("save_pretrained(folder, safe_serialization=True)"));
  // run() arguments
  BertModel model = BertModel::load(loaded.config, original);
  BertModel::RunOutputs out;
  const std::vector<int32_t> tokens = {2, 5, 3};
  const int32_t bad_types[] = {0, 2, 0};
  const uint8_t no_tokens[] = {0, 0, 0};
  BertModel::RunOptions options;
  options.token_type_ids = bad_types;
  CHECK_THROWS_WITH(model.run(tokens.data(), 3, options, out),
                    ContainsSubstring("token_type_ids[1]: expected a type in [0, 2), got 2"));
  options = {};
  options.attention_mask = no_tokens;
  CHECK_THROWS_WITH(model.run(tokens.data(), 3, options, out), ContainsSubstring("attention_mask: expected at least"));
  const std::vector<int32_t> too_long(65, 1);
  CHECK_THROWS_WITH(model.run(too_long.data(), 65, {}, out),
                    ContainsSubstring("expected at most max_position_embeddings = 64 tokens, got 65"));
  const int32_t bad_id = 1486;
  CHECK_THROWS_WITH(model.run(&bad_id, 1, {}, out), ContainsSubstring("tokens[0]: expected an id in [0, 1486)"));
  CHECK_THROWS_AS(model.layer_qkv(2, out.logits, out.pooled, out.embedding), ArgumentError);
}

TEST_CASE("tokenizer + encoder: the seed pair's 'it' rows differ", "[bert][fixture]") {
  LoadedFolder loaded("bert-tiny");
  BertModel model = BertModel::load(loaded.config, loaded.lookup());
  const text::WordPieceTokenizer tokenizer = text::WordPieceTokenizer::from_vocab_txt(
      read_text(encoders_dir() + "bert-tiny/vocab.txt"), read_text(encoders_dir() + "bert-tiny/tokenizer_config.json"));
  const auto it_row = [&](const std::string& text) {
    const text::WordPieceEncoding e = tokenizer.encode(text);
    const auto it = std::find(e.ids.begin(), e.ids.end(), *tokenizer.token_id("it"));
    REQUIRE(it != e.ids.end());
    const size_t T = e.ids.size(), position = size_t(it - e.ids.begin());
    BertModel::RunOutputs out;
    model.run(e.ids.data(), int32_t(T), {}, out);
    // layer 0, head 0, query "it", keys up to "it" (the shared prefix)
    return std::vector<float>(out.attention.begin() + position * T, out.attention.begin() + position * T + position);
  };
  const std::vector<float> tired = it_row("The animal didn't cross the street because it was tired");
  const std::vector<float> wide = it_row("The animal didn't cross the street because it was wide");
  CHECK(compare(tired, wide).max_abs_diff > 1e-6);  // bidirectional: the word after "it" changes its row
}
