// The GPT-2 runtime: a randomly initialised model with GPT-2 small's width (768, 12 heads) but two
// layers, written as a Hugging Face-named safetensors file in memory, against a plain scalar GPT-2
// written here from the architecture's definition (attention through reference_forward).
// The comparison with PyTorch itself is in test_model_fixture.cpp (the project's trained model).
#include <catch_amalgamated.hpp>
#include <cmath>
#include <random>

#include "attention/mha.hpp"
#include "compare.hpp"
#include "model/gpt2.hpp"
#include "parallel/parallel.hpp"
#include "safetensors_writer.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

struct RandomGpt2 {
  Gpt2Config config;
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> tensors;  // without prefix

  RandomGpt2(int32_t layers, int32_t heads, int32_t width, int32_t positions, int32_t vocab, uint32_t seed) {
    config.n_layer = layers;
    config.n_head = heads;
    config.n_embd = width;
    config.n_positions = positions;
    config.vocab_size = vocab;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t E = width;
    auto add = [&](const std::string& name, std::vector<int64_t> shape, float scale, float offset = 0.0f) {
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<float> values(static_cast<size_t>(n));
      // rounded through float16 so that F16 and F32 files hold the same values
      for (float& v : values) v = half_to_float(float_to_half(offset + scale * normal(rng)));
      tensors[name] = {shape, values};
    };
    add("wte.weight", {vocab, E}, 0.1f);
    add("wpe.weight", {positions, E}, 0.02f);
    for (int32_t l = 0; l < layers; ++l) {
      const std::string p = "h." + std::to_string(l) + ".";
      add(p + "ln_1.weight", {E}, 0.1f, 1.0f);
      add(p + "ln_1.bias", {E}, 0.1f);
      add(p + "attn.c_attn.weight", {E, 3 * E}, 0.05f);
      add(p + "attn.c_attn.bias", {3 * E}, 0.1f);
      add(p + "attn.c_proj.weight", {E, E}, 0.05f);
      add(p + "attn.c_proj.bias", {E}, 0.1f);
      add(p + "ln_2.weight", {E}, 0.1f, 1.0f);
      add(p + "ln_2.bias", {E}, 0.1f);
      add(p + "mlp.c_fc.weight", {E, 4 * E}, 0.05f);
      add(p + "mlp.c_fc.bias", {4 * E}, 0.1f);
      add(p + "mlp.c_proj.weight", {4 * E, E}, 0.03f);
      add(p + "mlp.c_proj.bias", {E}, 0.1f);
    }
    add("ln_f.weight", {E}, 0.1f, 1.0f);
    add("ln_f.bias", {E}, 0.1f);
  }

  std::vector<uint8_t> file(const std::string& prefix, const std::string& dtype = "F16",
                            const std::string& skip = "") const {
    std::vector<TensorSpec> specs;
    for (const auto& [name, tensor] : tensors) {
      if (name == skip) continue;
      specs.push_back({prefix + name, dtype, tensor.first,
                       dtype == "F16"    ? bytes_f16(tensor.second)
                       : dtype == "BF16" ? bytes_bf16(tensor.second)
                                         : bytes_f32(tensor.second)});
    }
    return write_safetensors(specs, {{"format", "pt"}});
  }
  const std::vector<float>& at(const std::string& name) const { return tensors.at(name).second; }

  // Plain GPT-2 forward, logits [T, V] (attention via the scalar reference of src/attention).
  std::vector<float> reference_logits(const std::vector<int32_t>& ids, std::vector<float>& attention) const {
    const int64_t T = int64_t(ids.size()), E = config.n_embd, V = config.vocab_size, H = config.n_head;
    std::vector<float> x(size_t(T * E));
    for (int64_t t = 0; t < T; ++t)
      for (int64_t e = 0; e < E; ++e) x[t * E + e] = at("wte.weight")[ids[t] * E + e] + at("wpe.weight")[t * E + e];
    auto layer_norm = [&](const std::vector<float>& in, const std::string& name) {
      std::vector<float> out(in.size());
      const std::vector<float>&gamma = at(name + ".weight"), &beta = at(name + ".bias");
      for (int64_t t = 0; t < int64_t(in.size()) / E; ++t) {
        double mean = 0, var = 0;
        for (int64_t e = 0; e < E; ++e) mean += in[t * E + e];
        mean /= E;
        for (int64_t e = 0; e < E; ++e) var += (in[t * E + e] - mean) * (in[t * E + e] - mean);
        var /= E;
        for (int64_t e = 0; e < E; ++e)
          out[t * E + e] = float((in[t * E + e] - mean) / std::sqrt(var + 1e-5) * gamma[e] + beta[e]);
      }
      return out;
    };
    auto conv1d = [&](const std::vector<float>& in, const std::string& name, int64_t n_in, int64_t n_out) {
      std::vector<float> out(size_t(T * n_out));
      const std::vector<float>&weight = at(name + ".weight"), &bias = at(name + ".bias");
      for (int64_t t = 0; t < T; ++t)
        for (int64_t o = 0; o < n_out; ++o) {
          double sum = bias[o];
          for (int64_t i = 0; i < n_in; ++i) sum += double(in[t * n_in + i]) * weight[i * n_out + o];
          out[t * n_out + o] = float(sum);
        }
      return out;
    };
    attention.clear();
    for (int32_t l = 0; l < config.n_layer; ++l) {
      const std::string p = "h." + std::to_string(l) + ".";
      const std::vector<float> h = layer_norm(x, p + "ln_1");
      // the attention layer, written directly from q, k, v = split(c_attn(h)); causal softmax
      const std::vector<float> qkv = conv1d(h, p + "attn.c_attn", E, 3 * E);
      const int64_t dk = E / H;
      std::vector<float> context(size_t(T * E));
      for (int64_t hd = 0; hd < H; ++hd)
        for (int64_t i = 0; i < T; ++i) {
          std::vector<double> w(size_t(T), 0.0);
          double max = -INFINITY, sum = 0;
          for (int64_t j = 0; j <= i; ++j) {
            double dot = 0;
            for (int64_t d = 0; d < dk; ++d)
              dot += double(qkv[i * 3 * E + hd * dk + d]) * qkv[j * 3 * E + E + hd * dk + d];
            w[j] = dot / std::sqrt(double(dk));
            max = std::max(max, w[j]);
          }
          for (int64_t j = 0; j <= i; ++j) sum += (w[j] = std::exp(w[j] - max));
          for (int64_t j = 0; j < T; ++j) {
            w[j] /= sum;
            attention.push_back(float(w[j]));
          }
          for (int64_t d = 0; d < dk; ++d) {
            double acc = 0;
            for (int64_t j = 0; j <= i; ++j) acc += w[j] * qkv[j * 3 * E + 2 * E + hd * dk + d];
            context[i * E + hd * dk + d] = float(acc);
          }
        }
      const std::vector<float> a = conv1d(context, p + "attn.c_proj", E, E);
      for (size_t n = 0; n < x.size(); ++n) x[n] += a[n];
      std::vector<float> m = conv1d(layer_norm(x, p + "ln_2"), p + "mlp.c_fc", E, 4 * E);
      for (float& v : m) v = float(0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * double(v) * v * v))));
      const std::vector<float> mlp = conv1d(m, p + "mlp.c_proj", 4 * E, E);
      for (size_t n = 0; n < x.size(); ++n) x[n] += mlp[n];
    }
    const std::vector<float> final_x = layer_norm(x, "ln_f");
    std::vector<float> logits(size_t(T * V));
    const std::vector<float>& wte = at("wte.weight");
    for (int64_t t = 0; t < T; ++t)
      for (int64_t v = 0; v < V; ++v) {
        double sum = 0;
        for (int64_t e = 0; e < E; ++e) sum += double(final_x[t * E + e]) * wte[v * E + e];
        logits[t * V + v] = float(sum);
      }
    return logits;
  }
};

Gpt2Model load_model(const RandomGpt2& random, const std::vector<uint8_t>& bytes) {
  const SafetensorsFile file = SafetensorsFile::parse(bytes.data(), bytes.size());
  return Gpt2Model::load(random.config, safetensors_lookup(file));
}

}  // namespace

TEST_CASE("GPT-2 runtime matches a plain GPT-2 on a random GPT-2-small-width model", "[gpt2]") {
  // GPT-2 small's width and heads (768, 12), 2 layers instead of 12, a small vocabulary.
  const RandomGpt2 random(2, 12, 768, 1024, 300, 42);
  const std::vector<int32_t> ids = {5, 17, 299, 0, 42, 42, 7, 100, 250};
  std::vector<float> want_attention;
  const std::vector<float> want_logits = random.reference_logits(ids, want_attention);

  for (const std::string prefix : {"transformer.", ""}) {
    CAPTURE(prefix);
    Gpt2Model model = load_model(random, random.file(prefix));
    Gpt2Model::RunOutputs out;
    model.run(ids.data(), int32_t(ids.size()), {true, true, nullptr}, out);
    const Comparison logits = compare(out.logits, want_logits);
    INFO(logits.describe("logits"));
    CHECK(logits.shapes_match);
    CHECK(logits.relative_error <= 1e-4);
    const Comparison attention = compare(out.attention, want_attention);
    INFO(attention.describe("attention [L, H, T, T]"));
    CHECK(attention.shapes_match);
    CHECK(attention.relative_error <= 1e-4);
    // last-position logits only
    Gpt2Model::RunOutputs last;
    model.run(ids.data(), int32_t(ids.size()), {false, false, nullptr}, last);
    REQUIRE(last.logits.size() == 300);
    CHECK(compare(last.logits.data(), want_logits.data() + 8 * 300, 300).relative_error <= 1e-4);
    CHECK(last.attention.empty());
  }
}

TEST_CASE("GPT-2 runtime: per-head q, k, v and head ablation", "[gpt2]") {
  const RandomGpt2 random(2, 4, 32, 16, 50, 7);
  Gpt2Model model = load_model(random, random.file(""));
  const std::vector<int32_t> ids = {1, 2, 3, 4, 5};
  Gpt2Model::RunOutputs full;
  model.run(ids.data(), 5, {true, false, nullptr}, full);
  std::vector<float> q, k, v;
  model.layer_qkv(1, q, k, v);
  REQUIRE(q.size() == 5 * 32);
  // the attention weights of layer 1 head 2 row 3 recomputed from q and k
  const int H = 4, T = 5, dk = 8, head = 2, i = 3;
  std::vector<double> scores(i + 1);
  double max = -INFINITY, sum = 0;
  for (int j = 0; j <= i; ++j) {
    double dot = 0;
    for (int d = 0; d < dk; ++d) dot += double(q[(head * T + i) * dk + d]) * k[(head * T + j) * dk + d];
    scores[j] = dot / std::sqrt(double(dk));
    max = std::max(max, scores[j]);
  }
  for (double& s : scores) sum += (s = std::exp(s - max));
  for (int j = 0; j <= i; ++j)
    CHECK(full.attention[((1 * H + head) * T + i) * T + j] == Catch::Approx(scores[j] / sum).margin(1e-5));

  // Ablating head 0 of layer 0 changes layer 1's attention and the logits, not layer 0's attention.
  std::vector<uint8_t> enabled(8, 1);
  enabled[0] = 0;
  Gpt2Model::RunOutputs ablated;
  model.run(ids.data(), 5, {true, false, enabled.data()}, ablated);
  CHECK(compare(ablated.attention.data(), full.attention.data(), 4 * 25).max_abs_diff == 0.0);
  CHECK(compare(ablated.attention.data() + 100, full.attention.data() + 100, 100).max_abs_diff > 1e-4);
  CHECK(compare(ablated.logits, full.logits).max_abs_diff > 1e-4);
}

TEST_CASE("GPT-2 runtime: bad files and bad tokens give clear errors", "[gpt2][errors]") {
  const RandomGpt2 random(1, 2, 8, 4, 10, 3);
  CHECK_THROWS_WITH(load_model(random, random.file("", "F16", "h.0.mlp.c_fc.bias")),
                    ContainsSubstring("missing tensor h.0.mlp.c_fc.bias"));
  Gpt2Config wider = random.config;
  wider.n_embd = 16;
  const std::vector<uint8_t> bytes = random.file("");
  const SafetensorsFile file = SafetensorsFile::parse(bytes.data(), bytes.size());
  CHECK_THROWS_WITH(Gpt2Model::load(wider, safetensors_lookup(file)),
                    ContainsSubstring("wte.weight: expected shape [10, 16] for this config.json, got [10, 8]"));
  std::vector<TensorSpec> specs = {{"wte.weight", "I32", {10, 8}, std::vector<uint8_t>(320)}};
  const std::vector<uint8_t> int_file = write_safetensors(specs);
  const SafetensorsFile ints = SafetensorsFile::parse(int_file.data(), int_file.size());
  CHECK_THROWS_WITH(Gpt2Model::load(random.config, safetensors_lookup(ints)),
                    ContainsSubstring("wte.weight: expected dtype F32, F16 or BF16, got I32"));

  Gpt2Model model = load_model(random, random.file("transformer.", "F32"));
  Gpt2Model::RunOutputs out;
  const int32_t bad[] = {1, 10};
  CHECK_THROWS_WITH(model.run(bad, 2, {}, out), ContainsSubstring("tokens[1]: expected an id in [0, 10), got 10"));
  const int32_t many[] = {1, 2, 3, 4, 5};
  CHECK_THROWS_WITH(model.run(many, 5, {}, out), ContainsSubstring("at most n_positions = 4 tokens, got 5"));
  CHECK_THROWS_WITH(model.run(many, 0, {}, out), ContainsSubstring("at least 1 token"));
  std::vector<float> q, k, v;
  CHECK_THROWS_WITH(model.layer_qkv(0, q, k, v), ContainsSubstring("run() first"));
  model.run(many, 4, {}, out);  // still works
  CHECK(out.logits.size() == 10);
  CHECK_THROWS_WITH(model.layer_qkv(1, q, k, v), ContainsSubstring("layer: expected an index in [0, 1), got 1"));
}

TEST_CASE("GPT-2 runtime: one path, one answer: the last logits row is the same whatever was asked for", "[gpt2]") {
  // Before: with attention off the layers took the streaming path, whose last row differed by ~1e-5.
  const RandomGpt2 random(2, 12, 768, 1024, 300, 42);
  Gpt2Model model = load_model(random, random.file(""));
  const int32_t V = 300;
  for (const int32_t threads : {1, 2}) {
    set_num_threads(threads);
    for (const int32_t T : {1, 3, 9, 40}) {
      CAPTURE(threads, T);
      std::vector<int32_t> ids(static_cast<size_t>(T));
      for (int32_t t = 0; t < T; ++t) ids[t] = (t * 37 + 5) % V;
      Gpt2Model::RunOutputs reference;  // the default of the JS API: attention, last row only
      model.run(ids.data(), T, {true, false, nullptr}, reference);
      REQUIRE(reference.logits.size() == size_t(V));
      for (const bool attention : {true, false})
        for (const bool all_logits : {true, false}) {
          CAPTURE(attention, all_logits);
          Gpt2Model::RunOutputs out;
          model.run(ids.data(), T, {attention, all_logits, nullptr}, out);
          REQUIRE(out.logits.size() == size_t(all_logits ? T * V : V));
          const Comparison last =
              compare(out.logits.data() + (all_logits ? size_t(T - 1) * V : 0), reference.logits.data(), V);
          INFO(last.describe("last logits row"));
          CHECK(last.max_abs_diff == 0.0);
        }
    }
  }
  set_num_threads(1);
}

TEST_CASE("GPT-2 runtime: F16 and BF16 weights stay 16-bit and give the float32 file's logits bit for bit",
          "[gpt2][memory]") {
  // Every matrix width a multiple of 32 (the widest gemm panel, AVX-512): no padding, so the bytes held are
  // exactly the tensors' sizes: matrices and embedding tables at 2 bytes a value (4 from an F32 file), norms
  // and biases widened to 4.
  RandomGpt2 random(2, 2, 64, 32, 96, 5);
  const std::vector<int32_t> ids = {3, 95, 0, 17, 17, 40, 8};
  for (const std::string dtype : {"F16", "BF16"}) {
    CAPTURE(dtype);
    if (dtype == "BF16")  // values a bfloat16 can hold, so that the F32 file holds the same ones
      for (auto& entry : random.tensors)
        for (float& v : entry.second.second) v = bfloat16_to_float(float_to_bfloat16(v));
    size_t want16 = 0, want32 = 0;
    for (const auto& [name, tensor] : random.tensors) {
      size_t count = 1;
      for (int64_t d : tensor.first) count *= size_t(d);
      want16 += count * (tensor.first.size() == 2 ? 2 : 4);
      want32 += count * 4;
    }
    Gpt2Model narrow = load_model(random, random.file("", dtype));
    Gpt2Model wide = load_model(random, random.file("", "F32"));
    CHECK(narrow.weight_bytes() == want16);
    CHECK(wide.weight_bytes() == want32);
    for (const int32_t threads : {1, 3}) {
      CAPTURE(threads);
      set_num_threads(threads);
      Gpt2Model::RunOutputs from16, from32;
      narrow.run(ids.data(), int32_t(ids.size()), {true, true, nullptr}, from16);
      wide.run(ids.data(), int32_t(ids.size()), {true, true, nullptr}, from32);
      CHECK(from16.logits == from32.logits);
      CHECK(from16.attention == from32.attention);
      CHECK(narrow.memory_bytes() > narrow.weight_bytes());
    }
    set_num_threads(1);
  }
}

TEST_CASE("GPT-2 runtime: a file read a tensor at a time loads the same model as the whole file", "[gpt2][memory]") {
  const RandomGpt2 random(2, 4, 32, 16, 50, 9);
  const std::vector<uint8_t> bytes = random.file("transformer.");
  size_t largest_read = 0, reads = 0;
  const auto read = [&](uint64_t offset, size_t size, uint8_t* out) {
    REQUIRE(offset + size <= bytes.size());
    std::copy_n(bytes.data() + offset, size, out);
    largest_read = std::max(largest_read, size);
    ++reads;
  };
  const SafetensorsStream stream = SafetensorsStream::open(read, bytes.size());
  Gpt2Model streamed = Gpt2Model::load(random.config, stream.lookup());
  Gpt2Model whole = load_model(random, bytes);
  // the header, then one tensor at a time: never more than the largest tensor (c_fc, 32 x 128 halves) at once
  const size_t header = stream.header().data_offset();  // 8 + the header length
  CHECK(largest_read == std::max<size_t>(header, 32 * 128 * 2));
  CHECK(reads == 2 + random.tensors.size());
  const std::vector<int32_t> ids = {1, 49, 3};
  Gpt2Model::RunOutputs a, b;
  streamed.run(ids.data(), 3, {true, true, nullptr}, a);
  whole.run(ids.data(), 3, {true, true, nullptr}, b);
  CHECK(a.logits == b.logits);
  CHECK(streamed.weight_bytes() == whole.weight_bytes());

  // The header's checks still name what is wrong, before any tensor is read.
  std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + 100);
  const auto read_truncated = [&](uint64_t offset, size_t size, uint8_t* out) {
    std::copy_n(truncated.data() + offset, size, out);
  };
  CHECK_THROWS_WITH(SafetensorsStream::open(read_truncated, truncated.size()),
                    ContainsSubstring("is larger than the 92 bytes after the length field (file size 100)"));
  const SafetensorsFile header_only = SafetensorsFile::parse_header(bytes.data(), header, bytes.size());
  CHECK_THROWS_WITH(header_only.read_f32(*header_only.find("transformer.wte.weight")),
                    ContainsSubstring("the data area is not in memory"));
}
