#include "model/llama.hpp"

#include <algorithm>

#include "attention/mha.hpp"
#include "errors.hpp"
#include "io/message_text.hpp"
#include "kernels/gemm.hpp"
#include "kernels/softmax.hpp"
#include "kernels/transformer_ops.hpp"
#include "model/decoding.hpp"
#include "model/layer_qkv.hpp"

namespace mha {

using kernels::PackedMatrix;

namespace {

struct Layer {
  std::vector<float> input_norm, post_attention_norm;  // RMSNorm weights [E]
  MultiheadAttention attention;                        // q/k/v/o_proj, grouped, rotary
  KvCache cache;                                       // keys and values of the tokens run_cached() has seen
  PackedMatrix gate, up;                               // gate_proj^T, up_proj^T [E, I]
  PackedMatrix down;                                   // down_proj^T [I, E]
  explicit Layer(const AttentionConfig& c) : attention(c) {}
};

NamedTensor require(const TensorLookup& lookup, const std::string& name, const std::vector<int64_t>& shape) {
  std::optional<NamedTensor> tensor = lookup(name);
  if (!tensor) throw FormatError("model.safetensors: missing tensor " + name);
  if (tensor->shape != shape)
    throw FormatError("model.safetensors: " + name + ": expected shape " + shape_text(shape) +
                      " for this config.json, got " + shape_text(tensor->shape));
  return std::move(*tensor);
}

}  // namespace

TensorLookup sharded_safetensors_lookup(const SafetensorsIndex& index,
                                        const std::map<std::string, const SafetensorsFile*>& shards) {
  std::map<std::string, TensorLookup> lookups;
  for (const auto& [name, file] : shards)
    if (file) lookups[name] = safetensors_lookup(*file);
  return sharded_safetensors_lookup(index, lookups);
}

TensorLookup sharded_safetensors_lookup(const SafetensorsIndex& index,
                                        const std::map<std::string, TensorLookup>& shards) {
  for (const std::string& shard : index.shards)
    if (shards.find(shard) == shards.end() || !shards.at(shard))
      throw FormatError("model.safetensors.index.json: the shard " + io_detail::quoted(shard) +
                        " named by weight_map was not given");
  return [index, shards](const std::string& name) -> std::optional<NamedTensor> {
    const auto entry = index.weight_map.find(name);
    if (entry == index.weight_map.end()) return std::nullopt;
    std::optional<NamedTensor> tensor = shards.at(entry->second)(name);
    if (!tensor)
      throw FormatError(entry->second + ": expected tensor " + name + " (model.safetensors.index.json puts it here), " +
                        "got a shard without it");
    return tensor;
  };
}

struct LlamaModel::State {
  LlamaConfig config;
  EmbeddingTable embed_tokens;  // [V, E], packed as its transpose: also the LM head when tied
  std::vector<Layer> layers;
  std::vector<float> final_norm;  // [E]
  PackedMatrix lm_head;           // lm_head^T [E, V] (empty when tied)
  const PackedMatrix& head() const { return config.tie_word_embeddings ? embed_tokens.transposed : lm_head; }
  // Work buffers of the last run.
  std::vector<float> residual, normed, attention_out, gate, up;  // [T, E], [T, E], [T, E], [T, I], [T, I]
  std::vector<float> unreported_weights;                         // [T, T] weights nobody asked for (see run)
};

LlamaModel::LlamaModel() : state_(std::make_unique<State>()) {}
LlamaModel::~LlamaModel() = default;
LlamaModel::LlamaModel(LlamaModel&&) noexcept = default;
LlamaModel& LlamaModel::operator=(LlamaModel&&) noexcept = default;
const LlamaConfig& LlamaModel::config() const { return state_->config; }

LlamaModel LlamaModel::load(const LlamaConfig& config, const TensorLookup& lookup) {
  LlamaModel model;
  State& s = *model.state_;
  s.config = config;
  const int64_t E = config.hidden_size, V = config.vocab_size, I = config.intermediate_size;
  const int64_t E_kv = int64_t(config.num_key_value_heads) * config.head_dim;
  s.embed_tokens.load(require(lookup, "model.embed_tokens.weight", {V, E}));
  s.final_norm = require(lookup, "model.norm.weight", {E}).floats();
  if (!config.tie_word_embeddings)
    pack_tensor(s.lm_head, require(lookup, "lm_head.weight", {V, E}), 1, E, int32_t(E), int32_t(V));

  AttentionConfig attention_config{int32_t(E), config.num_attention_heads, 0, 0, config.qkv_bias};
  attention_config.num_kv_heads = config.num_key_value_heads;
  attention_config.out_bias = config.o_bias;
  attention_config.rotary = config.rotary;
  s.layers.reserve(config.num_hidden_layers);
  for (int32_t index = 0; index < config.num_hidden_layers; ++index) {
    const std::string p = "model.layers." + std::to_string(index) + ".";
    Layer& layer = s.layers.emplace_back(attention_config);
    layer.input_norm = require(lookup, p + "input_layernorm.weight", {E}).floats();
    layer.post_attention_norm = require(lookup, p + "post_attention_layernorm.weight", {E}).floats();
    const NamedTensor q = require(lookup, p + "self_attn.q_proj.weight", {E, E});
    const NamedTensor k = require(lookup, p + "self_attn.k_proj.weight", {E_kv, E});
    const NamedTensor v = require(lookup, p + "self_attn.v_proj.weight", {E_kv, E});
    const NamedTensor o = require(lookup, p + "self_attn.o_proj.weight", {E, E});
    AttentionWeights w;
    w.q_proj_weight = q.matrix();
    w.k_proj_weight = k.matrix();
    w.v_proj_weight = v.matrix();
    w.out_proj_weight = o.matrix();
    std::vector<float> qkv_bias;  // [E + 2 E_kv]: q, k, v
    std::vector<float> o_bias;
    if (config.qkv_bias) {
      for (const auto& [name, size] :
           {std::pair<const char*, int64_t>{"q_proj", E}, {"k_proj", E_kv}, {"v_proj", E_kv}}) {
        const std::vector<float> bias = require(lookup, p + "self_attn." + name + ".bias", {size}).floats();
        qkv_bias.insert(qkv_bias.end(), bias.begin(), bias.end());
      }
      w.in_proj_bias = {qkv_bias.data(), qkv_bias.size()};
    }
    if (config.o_bias) {
      o_bias = require(lookup, p + "self_attn.o_proj.bias", {E}).floats();
      w.out_proj_bias = {o_bias.data(), o_bias.size()};
    }
    layer.attention.load_weights(w);
    // nn.Linear W [out, in] packed as W^T [in, out]
    const NamedTensor gate = require(lookup, p + "mlp.gate_proj.weight", {I, E});
    const NamedTensor up = require(lookup, p + "mlp.up_proj.weight", {I, E});
    const NamedTensor down = require(lookup, p + "mlp.down_proj.weight", {E, I});
    pack_tensor(layer.gate, gate, 1, E, int32_t(E), int32_t(I));
    pack_tensor(layer.up, up, 1, E, int32_t(E), int32_t(I));
    pack_tensor(layer.down, down, 1, I, int32_t(I), int32_t(E));
  }
  return model;
}

void LlamaModel::run(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs) {
  forward(tokens, count, options, outputs, false);
}

void LlamaModel::run_cached(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs) {
  forward(tokens, count, options, outputs, true);
}

void LlamaModel::clear_cache() { truncate_cache(0); }

void LlamaModel::truncate_cache(int32_t length) {
  const int32_t kept = std::clamp(length, 0, cached_length());
  for (Layer& layer : state_->layers) layer.cache.truncate(kept);
}

size_t LlamaModel::weight_bytes() const {
  const State& s = *state_;
  size_t bytes = s.embed_tokens.memory_bytes() + s.lm_head.memory_bytes() + vector_bytes(s.final_norm);
  for (const Layer& l : s.layers)
    bytes += vector_bytes(l.input_norm, l.post_attention_norm) + l.attention.weight_bytes() + l.gate.memory_bytes() +
             l.up.memory_bytes() + l.down.memory_bytes();
  return bytes;
}

size_t LlamaModel::memory_bytes() const {
  const State& s = *state_;
  size_t bytes =
      weight_bytes() + vector_bytes(s.residual, s.normed, s.attention_out, s.gate, s.up, s.unreported_weights);
  for (const Layer& l : s.layers)
    bytes += l.attention.memory_bytes() - l.attention.weight_bytes() + vector_bytes(l.cache.keys, l.cache.values);
  return bytes;
}

int32_t LlamaModel::cached_length() const { return state_->layers.empty() ? 0 : state_->layers[0].cache.length; }

void LlamaModel::forward(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs,
                         bool use_cache) {
  State& s = *state_;
  const LlamaConfig& c = s.config;
  const int32_t cached = use_cache ? cached_length() : 0;
  check_decoder_tokens(tokens, count, cached, c.max_position_embeddings, "max_position_embeddings", c.vocab_size);
  const int32_t T = count, E = c.hidden_size, H = c.num_attention_heads, L = c.num_hidden_layers;
  const int32_t V = c.vocab_size, I = c.intermediate_size, keys = cached + T;  // keys each token may see
  s.residual.resize(size_t(T) * E);
  s.normed.resize(size_t(T) * E);
  s.attention_out.resize(size_t(T) * E);
  s.gate.resize(size_t(T) * I);
  s.up.resize(size_t(T) * I);
  outputs.attention.resize(options.attention ? size_t(L) * H * T * keys : 0);
  outputs.hidden_states.resize(options.hidden_states ? size_t(L + 1) * T * E : 0);
  const auto record_hidden = [&](int32_t index, const float* rows) {
    if (options.hidden_states)
      std::copy(rows, rows + size_t(T) * E, outputs.hidden_states.data() + size_t(index) * T * E);
  };

  // x = embed_tokens[token]
  for (int32_t t = 0; t < T; ++t) s.embed_tokens.row(s.residual.data() + size_t(t) * E, tokens[t]);
  for (int32_t index = 0; index < L; ++index) {
    record_hidden(index, s.residual.data());
    Layer& layer = s.layers[index];
    // x += o_proj(attention(RMSNorm_in(x)))
    kernels::rms_norm(s.normed.data(), s.residual.data(), T, E, layer.input_norm.data(), c.rms_norm_eps);
    AttentionInputs in;
    in.query = in.key = in.value = {s.normed.data(), size_t(T) * E};
    in.query_len = in.key_len = T;
    in.is_causal = true;
    const AttentionOutputs out = layer_attention_outputs(
        s.attention_out.data(), size_t(T) * E,
        options.attention ? outputs.attention.data() + size_t(index) * H * T * keys : nullptr, H, T, keys,
        s.unreported_weights, options.head_enabled ? options.head_enabled + size_t(index) * H : nullptr);
    if (use_cache)
      layer.attention.forward_cached(s.normed.data(), T, layer.cache, out);
    else
      layer.attention.forward(in, out);
    kernels::add_scaled_row(s.residual.data(), s.attention_out.data(), T * E, 1.0f);
    // x += down_proj(silu(gate_proj(h)) * up_proj(h)), h = RMSNorm_post(x)
    kernels::rms_norm(s.normed.data(), s.residual.data(), T, E, layer.post_attention_norm.data(), c.rms_norm_eps);
    kernels::gemm(s.gate.data(), I, s.normed.data(), E, T, layer.gate);
    kernels::gemm(s.up.data(), I, s.normed.data(), E, T, layer.up);
    kernels::silu_mul(s.gate.data(), s.gate.data(), s.up.data(), int64_t(T) * I);
    kernels::gemm(s.attention_out.data(), E, s.gate.data(), I, T, layer.down);
    kernels::add_scaled_row(s.residual.data(), s.attention_out.data(), T * E, 1.0f);
  }
  // logits = RMSNorm_final(x) . lm_head^T, for every position or only the last (all rows when the hidden
  // states are wanted: the last of them is the normalised stream)
  const int32_t first = options.all_logits || options.hidden_states ? 0 : T - 1;
  kernels::rms_norm(s.normed.data(), s.residual.data() + size_t(first) * E, T - first, E, s.final_norm.data(),
                    c.rms_norm_eps);
  record_hidden(L, s.normed.data());
  const int32_t logit_first = options.all_logits ? 0 : T - 1, rows = T - logit_first;
  outputs.logits.resize(size_t(rows) * V);
  kernels::gemm(outputs.logits.data(), V, s.normed.data() + size_t(logit_first - first) * E, E, rows, s.head());
}

std::vector<int32_t> LlamaModel::generate_greedy(const int32_t* tokens, int32_t count, int32_t new_tokens) {
  return greedy_decode(*this, tokens, count, new_tokens);
}

}  // namespace mha
