// The Llama-family runtime against Hugging Face transformers: five tiny random-weight checkpoints written by
// tests/fixtures/llama/make_llama_fixtures.py (save_pretrained: config.json, F32/F16/BF16 safetensors, one
// sharded with its index) and what LlamaForCausalLM / Qwen2ForCausalLM computed on them (eager attention,
// float32): hidden states, per-head attentions and logits within 1e-4 relative (max abs diff printed on
// failure), the rotary inverse frequencies after rope_scaling, and greedy generation equal to generate().
// Runs natively and as wasm.
#include <algorithm>
#include <catch_amalgamated.hpp>
#include <fstream>
#include <sstream>

#include "compare.hpp"
#include "fixtures.hpp"
#include "model/llama.hpp"
#include "parallel/parallel.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

const char* const kModels[] = {"llama_mqa_tied_f32", "llama_gqa_untied_bf16", "llama_rope_linear_f16_sharded",
                               "llama3_scaling_bias_f32", "qwen2_bias_bf16"};
constexpr double kTolerance = 1e-4;

bool exists(const std::string& path) { return std::ifstream(path).good(); }

// A checkpoint directory read as a user's files would be: config.json, then one safetensors file or the
// shards its index names. Owns the bytes the parsed files point into.
struct Checkpoint {
  std::string directory;
  LlamaConfig config;
  std::map<std::string, std::string> bytes;  // file name -> contents
  std::map<std::string, SafetensorsFile> files;
  std::unique_ptr<LlamaModel> model;
  bool sharded = false;

  explicit Checkpoint(const std::string& name) : directory(fixture_path("llama/" + name)) {
    config = parse_llama_config(read_text(directory + "/config.json"));
    const std::string index_path = directory + "/model.safetensors.index.json";
    sharded = exists(index_path);
    if (!sharded) {
      parse("model.safetensors");
      model = std::make_unique<LlamaModel>(LlamaModel::load(config, safetensors_lookup(files.at("model.safetensors"))));
      return;
    }
    const SafetensorsIndex index = parse_safetensors_index(read_text(index_path));
    std::map<std::string, const SafetensorsFile*> shards;
    for (const std::string& shard : index.shards) {
      parse(shard);
      shards[shard] = &files.at(shard);
    }
    model = std::make_unique<LlamaModel>(LlamaModel::load(config, sharded_safetensors_lookup(index, shards)));
  }

 private:
  void parse(const std::string& file_name) {
    const std::string& data = bytes[file_name] = read_text(directory + "/" + file_name);
    files.emplace(file_name, SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  }
};

struct ThreadCount {
  explicit ThreadCount(int32_t count) { set_num_threads(count); }
  ~ThreadCount() { set_num_threads(1); }
};

}  // namespace

TEST_CASE("Llama-family checkpoints match transformers: hidden states, attentions, logits, greedy generation",
          "[llama][fixture]") {
  int32_t sharded_checkpoints = 0;
  double worst_relative = 0.0, worst_abs = 0.0;
  for (const char* name : kModels) {
    INFO(name);
    Checkpoint checkpoint(name);
    sharded_checkpoints += checkpoint.sharded;
    const LlamaConfig& c = checkpoint.config;
    auto reference = read_fixture(checkpoint.directory + "/reference.bin");
    REQUIRE(reference.at("format").as<int32_t>() == std::vector<int32_t>{1});

    // the rotary inverse frequencies after rope_scaling, as the model computed them
    const std::vector<float> inverse_frequencies = kernels::rotary_inverse_frequencies(c.rotary);
    const Comparison frequencies = compare(inverse_frequencies, reference.at("inv_freq").as<float>());
    INFO(frequencies.describe("inv_freq"));
    CHECK(frequencies.shapes_match);
    CHECK(frequencies.relative_error <= 1e-6);

    const int32_t sequences = reference.at("sequences").as<int32_t>().at(0);
    REQUIRE(sequences >= 3);
    for (int32_t sequence = 0; sequence < sequences; ++sequence) {
      const std::string prefix = "seq" + std::to_string(sequence) + "/";
      const std::vector<int32_t> ids = reference.at(prefix + "ids").as<int32_t>();
      INFO("sequence " << sequence << " (" << ids.size() << " tokens)");
      LlamaModel::RunOptions options;
      options.all_logits = true;
      options.hidden_states = true;
      LlamaModel::RunOutputs out;
      checkpoint.model->run(ids.data(), int32_t(ids.size()), options, out);
      const Comparison hidden = compare(out.hidden_states, reference.at(prefix + "hidden_states").as<float>());
      const Comparison attention = compare(out.attention, reference.at(prefix + "attentions").as<float>());
      const Comparison logits = compare(out.logits, reference.at(prefix + "logits").as<float>());
      INFO(hidden.describe("hidden states [L+1, T, E]"));
      INFO(attention.describe("attentions [L, H, T, T]"));
      INFO(logits.describe("logits [T, V]"));
      CHECK(hidden.shapes_match);
      CHECK(attention.shapes_match);
      CHECK(logits.shapes_match);
      CHECK(hidden.relative_error <= kTolerance);
      CHECK(attention.relative_error <= kTolerance);
      CHECK(logits.relative_error <= kTolerance);
      worst_relative =
          std::max({worst_relative, hidden.relative_error, attention.relative_error, logits.relative_error});
      worst_abs = std::max({worst_abs, hidden.max_abs_diff, attention.max_abs_diff, logits.max_abs_diff});

      // Only the last position's logits, no weights asked for: the same values.
      LlamaModel::RunOutputs last;
      checkpoint.model->run(ids.data(), int32_t(ids.size()), {false, false, false, nullptr}, last);
      REQUIRE(last.logits.size() == size_t(c.vocab_size));
      CHECK(std::equal(last.logits.begin(), last.logits.end(), out.logits.end() - c.vocab_size));

      // generate(do_sample=False): the prompt and 8 new ids
      const std::vector<int32_t> want = reference.at(prefix + "generated").as<int32_t>();
      const int32_t new_tokens = int32_t(want.size() - ids.size());
      CHECK(checkpoint.model->generate_greedy(ids.data(), int32_t(ids.size()), new_tokens) == want);
    }
  }
  CHECK(sharded_checkpoints == 1);
  INFO("worst over every checkpoint, sequence and output: relative " << worst_relative << ", max abs diff "
                                                                     << worst_abs);
  SUCCEED();
}

TEST_CASE("Llama runtime: results are bit-identical with 1 and 3 threads", "[llama]") {
  Checkpoint checkpoint("llama_gqa_untied_bf16");
  const std::vector<int32_t> ids = {3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26, 43, 38, 32, 79, 50, 28, 84, 19};
  LlamaModel::RunOptions options;
  options.all_logits = options.hidden_states = true;
  LlamaModel::RunOutputs serial, threaded;
  {
    ThreadCount threads(1);
    checkpoint.model->run(ids.data(), int32_t(ids.size()), options, serial);
  }
  ThreadCount threads(3);
  checkpoint.model->run(ids.data(), int32_t(ids.size()), options, threaded);
  CHECK(serial.logits == threaded.logits);
  CHECK(serial.attention == threaded.attention);
  CHECK(serial.hidden_states == threaded.hidden_states);
}

TEST_CASE("Llama runtime: argument and file errors name what is wrong", "[llama]") {
  Checkpoint checkpoint("llama_mqa_tied_f32");
  LlamaModel::RunOutputs out;
  const int32_t bad[] = {1, 300};
  CHECK_THROWS_WITH(checkpoint.model->run(bad, 2, {}, out),
                    ContainsSubstring("tokens[1]: expected an id in [0, 300), got 300"));
  CHECK_THROWS_WITH(checkpoint.model->run(bad, 0, {}, out), ContainsSubstring("expected at least 1 token"));
  std::vector<int32_t> long_sequence(129, 1);
  CHECK_THROWS_WITH(checkpoint.model->run(long_sequence.data(), 129, {}, out),
                    ContainsSubstring("at most max_position_embeddings = 128 tokens, got 129"));

  // a missing tensor and a wrong shape
  const SafetensorsFile& file = checkpoint.files.at("model.safetensors");
  const TensorLookup full = safetensors_lookup(file);
  const TensorLookup without_norm = [&](const std::string& name) -> std::optional<NamedTensor> {
    if (name == "model.layers.1.post_attention_layernorm.weight") return std::nullopt;
    return full(name);
  };
  CHECK_THROWS_WITH(LlamaModel::load(checkpoint.config, without_norm),
                    ContainsSubstring("missing tensor model.layers.1.post_attention_layernorm.weight"));
  LlamaConfig wider = checkpoint.config;
  wider.intermediate_size = 65;
  CHECK_THROWS_WITH(LlamaModel::load(wider, full),
                    ContainsSubstring("model.layers.0.mlp.gate_proj.weight: expected shape [65, 32]") &&
                        ContainsSubstring("got [64, 32]"));
  LlamaConfig untied = checkpoint.config;
  untied.tie_word_embeddings = false;  // the tied checkpoint has no lm_head.weight
  CHECK_THROWS_WITH(LlamaModel::load(untied, full), ContainsSubstring("missing tensor lm_head.weight"));

  // a sharded checkpoint whose index names a shard that was not given, or puts a tensor in the wrong shard
  const SafetensorsIndex index = parse_safetensors_index(
      R"({"metadata": {}, "weight_map": {"model.norm.weight": "a.safetensors", "lm_head.weight": "b.safetensors"}})");
  CHECK(index.shards == std::vector<std::string>{"a.safetensors", "b.safetensors"});
  CHECK_THROWS_WITH(sharded_safetensors_lookup(index, {{"a.safetensors", &file}}),
                    ContainsSubstring("the shard \"b.safetensors\" named by weight_map was not given"));
  const TensorLookup lookup = sharded_safetensors_lookup(index, {{"a.safetensors", &file}, {"b.safetensors", &file}});
  CHECK(lookup("model.norm.weight").has_value());
  CHECK_FALSE(lookup("model.embed_tokens.weight").has_value());
  CHECK_THROWS_WITH(lookup("lm_head.weight"), ContainsSubstring("b.safetensors: expected tensor lm_head.weight"));
  CHECK_THROWS_WITH(parse_safetensors_index(R"({"weight_map": {"x": "../x.safetensors"}})"),
                    ContainsSubstring("weight_map[\"x\"]: expected a plain file name, got \"../x.safetensors\""));
  CHECK_THROWS_WITH(parse_safetensors_index(R"({"metadata": {}})"), ContainsSubstring("weight_map: missing"));
}

TEST_CASE("parse_llama_config: the fixtures' fields, and refusals that name the unsupported field", "[llama]") {
  const LlamaConfig qwen2 = parse_llama_config(read_text(fixture_path("llama/qwen2_bias_bf16/config.json")));
  CHECK(qwen2.model_type == "qwen2");
  CHECK(qwen2.qkv_bias);
  CHECK_FALSE(qwen2.o_bias);
  CHECK(qwen2.tie_word_embeddings);
  CHECK(qwen2.num_key_value_heads == 2);
  CHECK(qwen2.head_dim == 8);
  CHECK(qwen2.rotary.base == 1000000.0f);
  const LlamaConfig llama3 = parse_llama_config(read_text(fixture_path("llama/llama3_scaling_bias_f32/config.json")));
  CHECK(llama3.rotary.scaling.type == kernels::RopeScalingType::llama3);
  CHECK(llama3.rotary.scaling.original_max_position_embeddings == 64);
  CHECK(llama3.qkv_bias);
  CHECK(llama3.o_bias);

  const std::string base = R"({"model_type": "MODEL", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 300,
    "max_position_embeddings": 128 EXTRA})";
  const auto config = [&](const std::string& model, const std::string& extra) {
    std::string text = base;
    text.replace(text.find("MODEL"), 5, model);
    text.replace(text.find(" EXTRA"), 6, extra.empty() ? "" : ", " + extra);
    return parse_llama_config(text);
  };
  const LlamaConfig defaults = config("llama", "");
  CHECK(defaults.rotary.base == 10000.0f);
  CHECK(defaults.rotary.dim == 8);
  CHECK(defaults.rms_norm_eps == 1e-6f);
  CHECK_FALSE(defaults.tie_word_embeddings);
  CHECK(config("mistral", R"("sliding_window": null)").model_type == "mistral");
  CHECK_THROWS_WITH(config("mistral", R"("sliding_window": 4096)"),
                    ContainsSubstring("config.json: sliding_window: expected null") && ContainsSubstring("got 4096"));
  CHECK_THROWS_WITH(config("qwen2", R"("use_sliding_window": true)"),
                    ContainsSubstring("config.json: use_sliding_window: only false is supported"));
  CHECK_THROWS_WITH(config("llama", R"("rope_scaling": {"rope_type": "yarn", "factor": 4.0})"),
                    ContainsSubstring("config.json: rope_scaling.rope_type: expected \"default\", \"linear\" or "
                                      "\"llama3\"") &&
                        ContainsSubstring("got the string \"yarn\""));
  CHECK_THROWS_WITH(config("llama", R"("rope_scaling": {"type": "dynamic", "factor": 2.0})"),
                    ContainsSubstring("rope_scaling.type:") && ContainsSubstring("\"dynamic\""));
  CHECK(config("llama", R"("rope_scaling": {"type": "linear", "factor": 2.0})").rotary.scaling.factor == 2.0f);
  CHECK_THROWS_WITH(config("llama", R"("rope_scaling": {"rope_type": "llama3", "factor": 8.0})"),
                    ContainsSubstring("rope_scaling.low_freq_factor: missing"));
  CHECK_THROWS_WITH(config("gpt2", ""), ContainsSubstring("model_type: expected \"llama\", \"qwen2\" or \"mistral\""));
  CHECK_THROWS_WITH(config("llama", R"("hidden_act": "gelu")"), ContainsSubstring("hidden_act: expected \"silu\""));
  CHECK_THROWS_WITH(config("llama", R"("mlp_bias": true)"), ContainsSubstring("mlp_bias: only false is supported"));
  CHECK_THROWS_WITH(config("llama", R"("head_dim": 16)"),
                    ContainsSubstring("head_dim: only hidden_size / num_attention_heads = 8 is supported, got 16"));
  CHECK_THROWS_WITH(config("llama", R"("partial_rotary_factor": 0.5)"), ContainsSubstring("partial_rotary_factor"));
  CHECK_THROWS_WITH(parse_llama_config(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 3, "vocab_size": 300,
    "max_position_embeddings": 128})"),
                    ContainsSubstring("num_key_value_heads: expected a divisor of num_attention_heads = 8, got 3"));
  CHECK_THROWS_WITH(parse_llama_config(R"({"model_type": "llama"})"), ContainsSubstring("num_hidden_layers: missing"));
}

TEST_CASE("Llama KV cache: a sequence run in chunks gives run()'s logits, attentions and hidden states (same bits)",
          "[llama][kv_cache]") {
  for (const char* name : {"llama_gqa_untied_bf16", "llama3_scaling_bias_f32", "qwen2_bias_bf16"}) {
    INFO(name);
    Checkpoint checkpoint(name);
    LlamaModel& model = *checkpoint.model;
    const LlamaConfig& c = checkpoint.config;
    const std::vector<int32_t> ids = {1, 64, 65, 66, 200, 201, 13, 8, 0, 299, 150, 151, 7, 7, 42};
    const int32_t T = int32_t(ids.size()), L = c.num_hidden_layers, H = c.num_attention_heads, E = c.hidden_size;
    const int32_t V = c.vocab_size;
    LlamaModel::RunOptions options;
    options.all_logits = options.hidden_states = true;
    LlamaModel::RunOutputs full;
    model.run(ids.data(), T, options, full);
    model.clear_cache();
    int32_t begin = 0;
    for (int32_t count : {5, 1, 1, 6, 2}) {
      INFO("tokens " << begin << ".." << begin + count - 1);
      LlamaModel::RunOutputs part;
      model.run_cached(ids.data() + begin, count, options, part);
      const int32_t keys = begin + count;
      REQUIRE(model.cached_length() == keys);
      REQUIRE(part.attention.size() == size_t(L) * H * count * keys);
      std::vector<float> want_logits(full.logits.begin() + size_t(begin) * V, full.logits.begin() + size_t(keys) * V);
      std::vector<float> want_attention, want_hidden;
      for (int32_t plane = 0; plane < L * H; ++plane)
        for (int32_t i = begin; i < keys; ++i) {
          const float* row = full.attention.data() + (size_t(plane) * T + i) * T;
          want_attention.insert(want_attention.end(), row, row + keys);
        }
      for (int32_t state = 0; state <= L; ++state)
        want_hidden.insert(want_hidden.end(), full.hidden_states.begin() + (size_t(state) * T + begin) * E,
                           full.hidden_states.begin() + (size_t(state) * T + keys) * E);
      const Comparison logits = compare(part.logits, want_logits), attention = compare(part.attention, want_attention);
      const Comparison hidden = compare(part.hidden_states, want_hidden);
      INFO(logits.describe("logits") << "; " << attention.describe("attention") << "; " << hidden.describe("hidden"));
      CHECK((logits.shapes_match && attention.shapes_match && hidden.shapes_match));
      CHECK(logits.relative_error <= 0);
      CHECK(attention.relative_error <= 0);
      CHECK(hidden.relative_error <= 0);
      begin = keys;
    }
    const int32_t one[] = {3};
    LlamaModel::RunOutputs out;
    std::vector<int32_t> long_prompt(size_t(c.max_position_embeddings - T), 5);
    model.run_cached(long_prompt.data(), int32_t(long_prompt.size()), {false, false, false, nullptr}, out);
    CHECK_THROWS_WITH(
        model.run_cached(one, 1, {}, out),
        ContainsSubstring("at most max_position_embeddings = 128 tokens with the 128 cached ones, got 129"));
    model.clear_cache();
    CHECK(model.cached_length() == 0);
  }
}

TEST_CASE("Llama KV cache: greedy generation through the cache equals re-running the whole sequence each step",
          "[llama][kv_cache]") {
  Checkpoint checkpoint("llama_rope_linear_f16_sharded");
  const std::vector<int32_t> prompt = {17, 250, 3, 99, 42, 7, 180};
  std::vector<int32_t> rerun = prompt;
  LlamaModel::RunOutputs out;
  for (int32_t step = 0; step < 12; ++step) {
    checkpoint.model->run(rerun.data(), int32_t(rerun.size()), {false, false, false, nullptr}, out);
    rerun.push_back(int32_t(std::max_element(out.logits.begin(), out.logits.end()) - out.logits.begin()));
  }
  CHECK(checkpoint.model->generate_greedy(prompt.data(), int32_t(prompt.size()), 12) == rerun);
}
