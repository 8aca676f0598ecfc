#include "model/gpt2.hpp"

#include <algorithm>

#include "attention/mha.hpp"
#include "errors.hpp"
#include "kernels/gemm.hpp"
#include "kernels/softmax.hpp"
#include "kernels/transformer_ops.hpp"
#include "model/decoding.hpp"
#include "model/layer_qkv.hpp"

namespace mha {

using kernels::PackedMatrix;

namespace {

struct Block {
  std::vector<float> ln_1_weight, ln_1_bias, ln_2_weight, ln_2_bias;  // [E]
  MultiheadAttention attention;                                       // c_attn / c_proj as in/out_proj
  PackedMatrix mlp_fc;                                                // [E, 4E] + bias [4E]
  PackedMatrix mlp_proj;                                              // [4E, E] + bias [E]
  KvCache cache;                       // keys and values of the tokens run_cached() has seen
  std::vector<float> cached_ln_1_out;  // [cache.length, E] their LN_1 outputs, for layer_qkv
  explicit Block(const AttentionConfig& c) : attention(c) {}
};

// Looks a tensor up under its Hugging Face name, with or without the "transformer." prefix.
NamedTensor require(const TensorLookup& lookup, const std::string& name, const std::vector<int64_t>& shape) {
  std::optional<NamedTensor> tensor = lookup("transformer." + name);
  if (!tensor) tensor = lookup(name);
  if (!tensor)
    throw FormatError("model.safetensors: missing tensor " + name + " (also looked for transformer." + name + ")");
  if (tensor->shape != shape)
    throw FormatError("model.safetensors: " + name + ": expected shape " + shape_text(shape) +
                      " for this config.json, got " + shape_text(tensor->shape));
  return std::move(*tensor);
}

}  // namespace

struct Gpt2Model::State {
  Gpt2Config config;
  EmbeddingTable token_embedding;     // wte [V, E], packed as wte^T [E, V]: also the LM head
  EmbeddingTable position_embedding;  // wpe [P, E]
  std::vector<Block> blocks;
  std::vector<float> ln_f_weight, ln_f_bias;
  // Work buffers of the last run (T tokens run, `keys` positions seen: T + the cached ones).
  int32_t length = 0;        // positions of the last run() or of the cache after run_cached(); 0 = none
  bool last_cached = false;  // whether the last run went through the cache (where layer_qkv's inputs are)
  std::vector<float> residual, normed, attention_out, hidden;  // [T, E], [T, E], [T, E], [T, 4E]
  std::vector<float> ln_1_inputs;                              // [L, T, E] LN_1 outputs of run(), for layer_qkv
  std::vector<float> unreported_weights;                       // [T, keys] weights nobody asked for (see run)
  std::vector<float> position_row;                             // [E] wpe[t] widened
};

Gpt2Model::Gpt2Model() : state_(std::make_unique<State>()) {}
Gpt2Model::~Gpt2Model() = default;
Gpt2Model::Gpt2Model(Gpt2Model&&) noexcept = default;
Gpt2Model& Gpt2Model::operator=(Gpt2Model&&) noexcept = default;
const Gpt2Config& Gpt2Model::config() const { return state_->config; }
int32_t Gpt2Model::last_length() const { return state_->length; }

size_t Gpt2Model::weight_bytes() const {
  const State& s = *state_;
  size_t bytes =
      s.token_embedding.memory_bytes() + s.position_embedding.memory_bytes() + vector_bytes(s.ln_f_weight, s.ln_f_bias);
  for (const Block& b : s.blocks)
    bytes += vector_bytes(b.ln_1_weight, b.ln_1_bias, b.ln_2_weight, b.ln_2_bias) + b.attention.weight_bytes() +
             b.mlp_fc.memory_bytes() + b.mlp_proj.memory_bytes();
  return bytes;
}

size_t Gpt2Model::memory_bytes() const {
  const State& s = *state_;
  size_t bytes = weight_bytes() + vector_bytes(s.residual, s.normed, s.attention_out, s.hidden, s.ln_1_inputs,
                                               s.unreported_weights, s.position_row);
  for (const Block& b : s.blocks)
    bytes += b.attention.memory_bytes() - b.attention.weight_bytes() +
             vector_bytes(b.cache.keys, b.cache.values, b.cached_ln_1_out);
  return bytes;
}

Gpt2Model Gpt2Model::load(const Gpt2Config& config, const TensorLookup& lookup) {
  Gpt2Model model;
  State& s = *model.state_;
  s.config = config;
  const int64_t E = config.n_embd, V = config.vocab_size, P = config.n_positions;
  s.token_embedding.load(require(lookup, "wte.weight", {V, E}));
  s.position_embedding.load(require(lookup, "wpe.weight", {P, E}));
  s.ln_f_weight = require(lookup, "ln_f.weight", {E}).floats();
  s.ln_f_bias = require(lookup, "ln_f.bias", {E}).floats();

  s.blocks.reserve(config.n_layer);
  for (int32_t layer = 0; layer < config.n_layer; ++layer) {
    const std::string p = "h." + std::to_string(layer) + ".";
    Block& block = s.blocks.emplace_back(AttentionConfig{config.n_embd, config.n_head, 0, 0, true});
    block.ln_1_weight = require(lookup, p + "ln_1.weight", {E}).floats();
    block.ln_1_bias = require(lookup, p + "ln_1.bias", {E}).floats();
    block.ln_2_weight = require(lookup, p + "ln_2.weight", {E}).floats();
    block.ln_2_bias = require(lookup, p + "ln_2.bias", {E}).floats();
    // Conv1D stores W as [in, out]; nn.MultiheadAttention wants in_proj_weight [3E, E] = W^T.
    const NamedTensor in_proj = transposed(require(lookup, p + "attn.c_attn.weight", {E, 3 * E}));
    const std::vector<float> in_proj_bias = require(lookup, p + "attn.c_attn.bias", {3 * E}).floats();
    const NamedTensor out_proj = transposed(require(lookup, p + "attn.c_proj.weight", {E, E}));
    const std::vector<float> out_proj_bias = require(lookup, p + "attn.c_proj.bias", {E}).floats();
    AttentionWeights w;
    w.in_proj_weight = in_proj.matrix();
    w.in_proj_bias = {in_proj_bias.data(), in_proj_bias.size()};
    w.out_proj_weight = out_proj.matrix();
    w.out_proj_bias = {out_proj_bias.data(), out_proj_bias.size()};
    block.attention.load_weights(w);
    // MLP weights are already [in, out], the gemm's B layout.
    const NamedTensor fc = require(lookup, p + "mlp.c_fc.weight", {E, 4 * E});
    const std::vector<float> fc_bias = require(lookup, p + "mlp.c_fc.bias", {4 * E}).floats();
    const NamedTensor proj = require(lookup, p + "mlp.c_proj.weight", {4 * E, E});
    const std::vector<float> proj_bias = require(lookup, p + "mlp.c_proj.bias", {E}).floats();
    pack_tensor(block.mlp_fc, fc, 4 * E, 1, int32_t(E), int32_t(4 * E), &fc_bias);
    pack_tensor(block.mlp_proj, proj, E, 1, int32_t(4 * E), int32_t(E), &proj_bias);
  }
  return model;
}

void Gpt2Model::run(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs) {
  forward(tokens, count, options, outputs, false);
}

void Gpt2Model::run_cached(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs) {
  forward(tokens, count, options, outputs, true);
}

void Gpt2Model::clear_cache() { truncate_cache(0); }

void Gpt2Model::truncate_cache(int32_t length) {
  State& s = *state_;
  const int32_t kept = std::clamp(length, 0, cached_length());
  for (Block& block : s.blocks) {
    block.cache.truncate(kept);
    block.cached_ln_1_out.resize(size_t(kept) * s.config.n_embd);
  }
  if (s.last_cached) s.length = kept;
}

int32_t Gpt2Model::cached_length() const { return state_->blocks.empty() ? 0 : state_->blocks[0].cache.length; }

void Gpt2Model::forward(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs,
                        bool use_cache) {
  State& s = *state_;
  const Gpt2Config& c = s.config;
  const int32_t cached = use_cache ? cached_length() : 0;
  check_decoder_tokens(tokens, count, cached, c.n_positions, "n_positions", c.vocab_size);
  const int32_t T = count, E = c.n_embd, H = c.n_head, L = c.n_layer, V = c.vocab_size;
  const int32_t keys = cached + T;  // keys each token may see
  s.length = 0;                     // invalid until this run completes
  s.last_cached = use_cache;
  s.residual.resize(size_t(T) * E);
  s.normed.resize(size_t(T) * E);
  s.attention_out.resize(size_t(T) * E);
  s.hidden.resize(size_t(T) * 4 * E);
  if (!use_cache) s.ln_1_inputs.resize(size_t(L) * T * E);
  outputs.attention.resize(options.attention ? size_t(L) * H * T * keys : 0);

  // x = wte[token] + wpe[position]
  s.position_row.resize(size_t(E));
  for (int32_t t = 0; t < T; ++t) {
    float* x = s.residual.data() + size_t(t) * E;
    s.token_embedding.row(x, tokens[t]);
    s.position_embedding.row(s.position_row.data(), cached + t);
    for (int32_t e = 0; e < E; ++e) x[e] += s.position_row[size_t(e)];
  }
  for (int32_t layer = 0; layer < L; ++layer) {
    Block& block = s.blocks[layer];
    // LN_1 outputs [T, E] go where layer_qkv finds them: after the cached tokens' or in run()'s [L, T, E]
    if (use_cache) block.cached_ln_1_out.resize(size_t(keys) * E);
    float* ln_1_out =
        use_cache ? block.cached_ln_1_out.data() + size_t(cached) * E : s.ln_1_inputs.data() + size_t(layer) * T * E;
    kernels::layer_norm(ln_1_out, s.residual.data(), T, E, block.ln_1_weight.data(), block.ln_1_bias.data(),
                        c.layer_norm_epsilon);
    const AttentionOutputs out = layer_attention_outputs(
        s.attention_out.data(), size_t(T) * E,
        options.attention ? outputs.attention.data() + size_t(layer) * H * T * keys : nullptr, H, T, keys,
        s.unreported_weights, options.head_enabled ? options.head_enabled + size_t(layer) * H : nullptr);
    if (use_cache) {
      block.attention.forward_cached(ln_1_out, T, block.cache, out);
    } else {
      AttentionInputs in;
      in.query = in.key = in.value = {ln_1_out, size_t(T) * E};
      in.query_len = in.key_len = T;
      in.is_causal = true;
      block.attention.forward(in, out);
    }
    kernels::add_scaled_row(s.residual.data(), s.attention_out.data(), T * E, 1.0f);
    // MLP: x += gelu(LN_2(x) . W_fc + b_fc) . W_proj + b_proj
    kernels::layer_norm(s.normed.data(), s.residual.data(), T, E, block.ln_2_weight.data(), block.ln_2_bias.data(),
                        c.layer_norm_epsilon);
    kernels::gemm(s.hidden.data(), 4 * E, s.normed.data(), E, T, block.mlp_fc);
    kernels::gelu_tanh(s.hidden.data(), int64_t(T) * 4 * E);
    kernels::gemm(s.attention_out.data(), E, s.hidden.data(), 4 * E, T, block.mlp_proj);
    kernels::add_scaled_row(s.residual.data(), s.attention_out.data(), T * E, 1.0f);
  }
  // logits = LN_f(x) . wte^T, for every position or only the last: the LM head runs for those rows alone
  const int32_t first = options.all_logits ? 0 : T - 1, rows = T - first;
  kernels::layer_norm(s.normed.data(), s.residual.data() + size_t(first) * E, rows, E, s.ln_f_weight.data(),
                      s.ln_f_bias.data(), c.layer_norm_epsilon);
  outputs.logits.resize(size_t(rows) * V);
  kernels::gemm(outputs.logits.data(), V, s.normed.data(), E, rows, s.token_embedding.transposed);
  s.length = keys;
}

std::vector<int32_t> Gpt2Model::generate_greedy(const int32_t* tokens, int32_t count, int32_t new_tokens) {
  return greedy_decode(*this, tokens, count, new_tokens);
}

void Gpt2Model::layer_qkv(int32_t layer, std::vector<float>& q, std::vector<float>& k, std::vector<float>& v) {
  State& s = *state_;
  const int32_t n_layer = s.config.n_layer, in_range = std::clamp(layer, 0, n_layer - 1);
  Block& block = s.blocks[in_range];
  const float* inputs = s.last_cached ? block.cached_ln_1_out.data()
                                      : s.ln_1_inputs.data() + size_t(in_range) * s.length * s.config.n_embd;
  project_layer_qkv(block.attention, inputs, layer, n_layer, s.length, s.config.n_embd, q, k, v);
}

}  // namespace mha
