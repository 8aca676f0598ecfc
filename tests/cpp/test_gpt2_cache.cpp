// The GPT-2 runtime's KV cache and greedy decoding: a sequence run in chunks through the cache gives what one
// run() of the whole sequence gives (logits, every head's attention rows, explain()'s q/k/v), truncation reruns
// from a changed token, and generate_greedy() gives the ids of transformers' generate(do_sample=False) on
// tests/fixtures/generation/generation.json (written by make_generation_fixtures.py): the random gpt2-tiny
// and models/austen-gpt. Runs natively and as wasm.
#include <catch_amalgamated.hpp>

#include "compare.hpp"
#include "fixtures.hpp"
#include "io/json.hpp"
#include "model/gpt2.hpp"
#include "model/llama.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

// Chunks through the cache give run()'s bits: every row's arithmetic is independent of the rows beside it
// (the gemms' row splits) and a causal row is normalised over its visible keys alone (softmax_visible).
constexpr double kCachedTolerance = 0;  // bit-identical

// A model folder read as a user's files would be (the bytes stay alive as long as the model reads them).
struct Gpt2Folder {
  std::string weights;
  std::unique_ptr<Gpt2Model> model;
  explicit Gpt2Folder(const std::string& directory) : weights(read_text(directory + "/model.safetensors")) {
    const SafetensorsFile file =
        SafetensorsFile::parse(reinterpret_cast<const uint8_t*>(weights.data()), weights.size());
    model = std::make_unique<Gpt2Model>(
        Gpt2Model::load(parse_gpt2_config(read_text(directory + "/config.json")), safetensors_lookup(file)));
  }
};

std::string repository_path(const std::string& path) { return std::string(MHA_FIXTURES_DIR) + "/../../" + path; }

std::vector<int32_t> ints(const json::Value& array) {
  std::vector<int32_t> values;
  for (const json::Value& v : array.array) values.push_back(int32_t(v.number));
  return values;
}

// Rows begin..end-1 of every [T, T] plane of attention [planes, T, T], each cut to `keys` columns.
std::vector<float> attention_rows(const std::vector<float>& attention, int32_t planes, int32_t T, int32_t begin,
                                  int32_t end, int32_t keys) {
  std::vector<float> rows;
  for (int32_t plane = 0; plane < planes; ++plane)
    for (int32_t i = begin; i < end; ++i) {
      const float* row = attention.data() + (size_t(plane) * T + i) * T;
      rows.insert(rows.end(), row, row + keys);
    }
  return rows;
}

}  // namespace

TEST_CASE("GPT-2 KV cache: a sequence run in chunks gives run()'s logits, attention rows and q/k/v",
          "[gpt2][kv_cache]") {
  Gpt2Folder folder(repository_path("models/austen-gpt"));
  Gpt2Model& model = *folder.model;
  const Gpt2Config& c = model.config();
  const std::vector<int32_t> ids = {464, 1000, 17, 3, 4094, 250, 251, 900, 13, 8, 0, 4095, 1500, 1501, 7, 7, 42};
  const int32_t T = int32_t(ids.size()), L = c.n_layer, H = c.n_head, V = c.vocab_size;
  Gpt2Model::RunOutputs full;
  model.run(ids.data(), T, {true, true, nullptr}, full);
  std::vector<float> full_q, full_k, full_v;
  model.layer_qkv(2, full_q, full_k, full_v);
  double worst = 0;
  for (bool attention : {true, false}) {
    model.clear_cache();
    int32_t begin = 0;
    for (int32_t count : {5, 1, 1, 8, 2}) {
      INFO("attention " << attention << ", tokens " << begin << ".." << begin + count - 1);
      Gpt2Model::RunOutputs part;
      model.run_cached(ids.data() + begin, count, {attention, true, nullptr}, part);
      const int32_t keys = begin + count;
      REQUIRE(model.cached_length() == keys);
      const std::vector<float> want_logits(full.logits.begin() + size_t(begin) * V,
                                           full.logits.begin() + size_t(keys) * V);
      const Comparison logits = compare(part.logits, want_logits);
      INFO(logits.describe("logits [count, V]"));
      CHECK(logits.shapes_match);
      CHECK(logits.relative_error <= kCachedTolerance);
      worst = std::max(worst, logits.relative_error);
      if (attention) {
        const Comparison rows = compare(part.attention, attention_rows(full.attention, L * H, T, begin, keys, keys));
        INFO(rows.describe("attention [L, H, count, keys]"));
        CHECK(rows.shapes_match);
        CHECK(rows.relative_error <= kCachedTolerance);
        worst = std::max(worst, rows.relative_error);
      } else {
        CHECK(part.attention.empty());
      }
      begin = keys;
    }
  }
  // explain() after cached runs sees every cached token
  std::vector<float> q, k, v;
  model.layer_qkv(2, q, k, v);
  CHECK(model.last_length() == T);
  for (const auto& [got, want] : {std::pair{&q, &full_q}, {&k, &full_k}, {&v, &full_v}}) {
    const Comparison qkv = compare(*got, *want);
    INFO(qkv.describe("q/k/v of layer 2"));
    CHECK(qkv.shapes_match);
    CHECK(qkv.relative_error <= kCachedTolerance);
  }
  INFO("worst relative difference of cached runs to run(): " << worst);
  CHECK(worst <= kCachedTolerance);
}

TEST_CASE("GPT-2 KV cache: truncating reruns from a changed token; the length limit counts cached tokens",
          "[gpt2][kv_cache]") {
  Gpt2Folder folder(repository_path("tests/fixtures/encoders/gpt2-tiny"));
  Gpt2Model& model = *folder.model;
  const int32_t V = model.config().vocab_size;
  std::vector<int32_t> ids = {17, 250, 3, 99, 42, 7, 180, 1, 2, 3};
  Gpt2Model::RunOutputs cached, full;
  model.run_cached(ids.data(), int32_t(ids.size()), {false, false, nullptr}, cached);
  ids[6] = 181;  // a changed token: keep 6, rerun 4
  model.truncate_cache(6);
  CHECK(model.cached_length() == 6);
  model.run_cached(ids.data() + 6, 4, {false, false, nullptr}, cached);
  model.run(ids.data(), int32_t(ids.size()), {false, false, nullptr}, full);
  REQUIRE(cached.logits.size() == size_t(V));
  const Comparison logits = compare(cached.logits, full.logits);
  INFO(logits.describe("last logits"));
  CHECK(logits.relative_error <= kCachedTolerance);
  model.truncate_cache(99);  // clamped
  CHECK(model.cached_length() == 10);

  std::vector<int32_t> rest(22, 5);  // n_positions is 32
  model.run_cached(rest.data(), 22, {false, false, nullptr}, cached);
  CHECK_THROWS_WITH(
      model.run_cached(rest.data(), 1, {}, cached),
      ContainsSubstring("tokens: expected at most n_positions = 32 tokens with the 32 cached ones, got 33"));
  CHECK(model.cached_length() == 32);
  CHECK_THROWS_WITH(model.run_cached(rest.data(), 0, {}, cached), ContainsSubstring("expected at least 1 token"));
  model.clear_cache();
  CHECK(model.cached_length() == 0);
  const int32_t bad[] = {3, 300};
  CHECK_THROWS_WITH(model.run_cached(bad, 2, {}, cached),
                    ContainsSubstring("tokens[1]: expected an id in [0, 300), got 300"));
  CHECK(model.cached_length() == 0);
}

TEST_CASE("GPT-2 generate_greedy gives transformers' generate(do_sample=False) ids", "[gpt2][hf][generate]") {
  const json::Value fixture = json::parse(read_text(fixture_path("generation/generation.json")));
  REQUIRE(fixture.find("version")->number == 1);
  size_t cases = 0;
  for (const auto& [name, entry] : fixture.find("greedy")->object) {
    Gpt2Folder folder(repository_path(entry.find("folder")->string));
    for (const json::Value& c : entry.find("cases")->array) {
      const std::vector<int32_t> prompt = ints(*c.find("input_ids")), want = ints(*c.find("generated"));
      INFO(name << ": a prompt of " << prompt.size() << " tokens, smallest margin "
                << c.find("smallest_margin")->number);
      // transformers stops after the eos id; generate_greedy knows no eos, so it runs as many steps
      const int32_t steps = int32_t(want.size() - prompt.size());
      CHECK(folder.model->generate_greedy(prompt.data(), int32_t(prompt.size()), steps) == want);
      ++cases;
    }
  }
  CHECK(cases >= 6);
}

TEST_CASE("GPT-2 greedy generation through the cache equals re-running the whole sequence each step",
          "[gpt2][kv_cache][generate]") {
  Gpt2Folder folder(repository_path("tests/fixtures/encoders/gpt2-tiny"));
  const std::vector<int32_t> prompt = {17, 250, 3};
  std::vector<int32_t> rerun = prompt;
  Gpt2Model::RunOutputs out;
  for (int32_t step = 0; step < 20; ++step) {
    folder.model->run(rerun.data(), int32_t(rerun.size()), {false, false, nullptr}, out);
    rerun.push_back(int32_t(std::max_element(out.logits.begin(), out.logits.end()) - out.logits.begin()));
  }
  CHECK(folder.model->generate_greedy(prompt.data(), int32_t(prompt.size()), 20) == rerun);
  CHECK(folder.model->cached_length() == 22);  // the last new id is not run
  CHECK_THROWS_WITH(folder.model->generate_greedy(prompt.data(), 3, -1),
                    ContainsSubstring("new_tokens: expected a count >= 0, got -1"));
  // n_positions 32: the 33rd id is the prediction at position 31 (it is never run); a 34th is refused
  CHECK(folder.model->generate_greedy(prompt.data(), 3, 30).size() == 33);
  CHECK_THROWS_WITH(folder.model->generate_greedy(prompt.data(), 3, 31),
                    ContainsSubstring("at most n_positions = 32 tokens with the 32 cached ones, got 33"));
}
