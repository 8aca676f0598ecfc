#include "model/bert.hpp"

#include <algorithm>
#include <cmath>

#include "attention/mha.hpp"
#include "errors.hpp"
#include "kernels/gemm.hpp"
#include "kernels/softmax.hpp"
#include "kernels/transformer_ops.hpp"
#include "model/layer_qkv.hpp"

namespace mha {

using kernels::PackedMatrix;

namespace {

// Hugging Face names of one architecture. `base` names live under the model prefix ("bert." or
// "distilbert."), which checkpoints of the bare model (BertModel, sentence-transformers) do not have;
// head names never have it.
struct TensorNames {
  const char* prefix;
  // embeddings
  const char *word, *position, *token_type, *embedding_norm;
  // per layer, after "<layers><N>."
  const char *layers, *query, *key, *value, *attention_out, *attention_norm, *ffn_in, *ffn_out, *output_norm;
  // heads (no prefix); the pooler is under the prefix
  const char *pooler, *head_transform, *head_norm, *decoder, *decoder_bias;
};

const TensorNames kBertNames = {
    "bert.",
    "embeddings.word_embeddings",
    "embeddings.position_embeddings",
    "embeddings.token_type_embeddings",
    "embeddings.LayerNorm",
    "encoder.layer.",
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "attention.output.LayerNorm",
    "intermediate.dense",
    "output.dense",
    "output.LayerNorm",
    "pooler.dense",
    "cls.predictions.transform.dense",
    "cls.predictions.transform.LayerNorm",
    "cls.predictions.decoder",
    "cls.predictions.bias",
};

const TensorNames kDistilBertNames = {
    "distilbert.",
    "embeddings.word_embeddings",
    "embeddings.position_embeddings",
    nullptr,
    "embeddings.LayerNorm",
    "transformer.layer.",
    "attention.q_lin",
    "attention.k_lin",
    "attention.v_lin",
    "attention.out_lin",
    "sa_layer_norm",
    "ffn.lin1",
    "ffn.lin2",
    "output_layer_norm",
    nullptr,
    "vocab_transform",
    "vocab_layer_norm",
    "vocab_projector",
    "vocab_projector.bias",
};

const TensorNames& names_of(EncoderArchitecture architecture) {
  return architecture == EncoderArchitecture::bert ? kBertNames : kDistilBertNames;
}

// Finds a tensor by its candidate names (first found wins) and checks its shape.
class TensorReader {
 public:
  TensorReader(const TensorLookup& lookup, const TensorNames& names) : lookup_(lookup), names_(names) {}

  // `name` under the model prefix or without it; "<x>.weight"/"<x>.bias" of a LayerNorm also as the
  // old "<x>.gamma"/"<x>.beta".
  std::optional<NamedTensor> find_base(const std::string& name, const std::vector<int64_t>& shape) const {
    return find({names_.prefix + name, name}, name, shape);
  }
  NamedTensor base(const std::string& name, const std::vector<int64_t>& shape) const {
    std::optional<NamedTensor> t = find_base(name, shape);
    if (!t) missing(name, std::string(" (also looked for ") + names_.prefix + name + ")");
    return std::move(*t);
  }
  // A LayerNorm's weight and bias under the model prefix, or without it, or as gamma/beta.
  void norm(const std::string& name, int64_t width, std::vector<float>& weight, std::vector<float>& bias,
            bool prefixed = true) const {
    const std::string p = prefixed ? names_.prefix : "";
    std::optional<NamedTensor> w =
        find({p + name + ".weight", name + ".weight", p + name + ".gamma", name + ".gamma"}, name + ".weight", {width});
    std::optional<NamedTensor> b =
        find({p + name + ".bias", name + ".bias", p + name + ".beta", name + ".beta"}, name + ".bias", {width});
    if (!w) missing(name + ".weight", " (also looked for " + p + name + ".weight and .gamma)");
    if (!b) missing(name + ".bias", " (also looked for " + p + name + ".bias and .beta)");
    weight = w->floats();
    bias = b->floats();
  }
  std::optional<NamedTensor> head(const std::string& name, const std::vector<int64_t>& shape) const {
    return find({name, names_.prefix + name}, name, shape);
  }
  [[noreturn]] void missing(const std::string& name, const std::string& also) const {
    throw FormatError("model.safetensors: missing tensor " + name + also);
  }

 private:
  std::optional<NamedTensor> find(const std::vector<std::string>& candidates, const std::string& shown,
                                  const std::vector<int64_t>& shape) const {
    for (const std::string& candidate : candidates) {
      std::optional<NamedTensor> t = lookup_(candidate);
      if (!t) continue;
      if (t->shape != shape)
        throw FormatError("model.safetensors: " + candidate + ": expected shape " + shape_text(shape) +
                          " for this config.json, got " + shape_text(t->shape));
      return t;
    }
    (void)shown;
    return std::nullopt;
  }
  const TensorLookup& lookup_;
  const TensorNames& names_;
};

void apply_activation(EncoderActivation activation, float* x, int64_t n) {
  if (activation == EncoderActivation::gelu_erf) {
    kernels::gelu_erf(x, n);
  } else {
    kernels::gelu_tanh(x, n);
  }
}

// A nn.Linear (weight [N, K], bias [N]) packed as the gemm's B = W^T [K, N].
void pack_linear(PackedMatrix& out, const NamedTensor& weight, const NamedTensor& bias) {
  const int32_t n = int32_t(weight.shape[0]), k = int32_t(weight.shape[1]);
  const std::vector<float> bias_values = bias.floats();
  pack_tensor(out, weight, 1, k, k, n, &bias_values);
}

struct Block {
  MultiheadAttention attention;  // query/key/value as in_proj, attention output dense as out_proj
  std::vector<float> attention_norm_weight, attention_norm_bias;  // [E]
  PackedMatrix ffn_in;                                            // W_1^T [E, I] + b_1 [I]
  PackedMatrix ffn_out;                                           // W_2^T [I, E] + b_2 [E]
  std::vector<float> output_norm_weight, output_norm_bias;        // [E]
  explicit Block(const AttentionConfig& c) : attention(c) {}
};

}  // namespace

struct BertModel::State {
  BertConfig config;
  EmbeddingTable word_embedding;                                  // [V, E] (packed as word^T: the tied decoder)
  EmbeddingTable position_embedding;                              // [P, E]
  std::vector<float> token_type_embedding;                        // [types, E] (empty for DistilBERT)
  std::vector<float> embedding_norm_weight, embedding_norm_bias;  // [E]
  std::vector<Block> blocks;
  bool has_pooler = false;
  std::vector<float> pooler_weight, pooler_bias;  // [E, E] (nn.Linear layout), [E]
  bool has_head = false;
  PackedMatrix head_transform;                          // [E, E] + bias
  std::vector<float> head_norm_weight, head_norm_bias;  // [E]
  PackedMatrix decoder;                                 // the file's own decoder^T [E, V]; empty = word^T (tied)
  std::vector<float> decoder_bias;                      // [V]
  // Work buffers of the last run.
  int32_t length = 0;
  std::vector<float> hidden;         // [T, E] the residual stream
  std::vector<float> attention_out;  // [T, E]
  std::vector<float> ffn_hidden;     // [T, I]
  std::vector<uint8_t> key_padding;  // [T] 1 = ignore that key
  std::vector<float> block_inputs;   // [L, T, E] each block's input, for layer_qkv
  std::vector<float> position_row;   // [E] position[t] widened
  const PackedMatrix& decoder_weight() const { return decoder.rows ? decoder : word_embedding.transposed; }
};

BertModel::BertModel() : state_(std::make_unique<State>()) {}
BertModel::~BertModel() = default;
BertModel::BertModel(BertModel&&) noexcept = default;
BertModel& BertModel::operator=(BertModel&&) noexcept = default;
const BertConfig& BertModel::config() const { return state_->config; }
bool BertModel::has_mlm_head() const { return state_->has_head; }
bool BertModel::has_pooler() const { return state_->has_pooler; }
int32_t BertModel::last_length() const { return state_->length; }

size_t BertModel::weight_bytes() const {
  const State& s = *state_;
  size_t bytes = s.word_embedding.memory_bytes() + s.position_embedding.memory_bytes() + s.decoder.memory_bytes() +
                 s.head_transform.memory_bytes() +
                 vector_bytes(s.token_type_embedding, s.embedding_norm_weight, s.embedding_norm_bias, s.pooler_weight,
                              s.pooler_bias, s.head_norm_weight, s.head_norm_bias, s.decoder_bias);
  for (const Block& b : s.blocks)
    bytes += b.attention.weight_bytes() + b.ffn_in.memory_bytes() + b.ffn_out.memory_bytes() +
             vector_bytes(b.attention_norm_weight, b.attention_norm_bias, b.output_norm_weight, b.output_norm_bias);
  return bytes;
}

size_t BertModel::memory_bytes() const {
  const State& s = *state_;
  size_t bytes = weight_bytes() +
                 vector_bytes(s.hidden, s.attention_out, s.ffn_hidden, s.key_padding, s.block_inputs, s.position_row);
  for (const Block& b : s.blocks) bytes += b.attention.memory_bytes() - b.attention.weight_bytes();
  return bytes;
}

BertModel BertModel::load(const BertConfig& config, const TensorLookup& lookup) {
  BertModel model;
  State& s = *model.state_;
  s.config = config;
  const TensorNames& n = names_of(config.architecture);
  const TensorReader reader(lookup, n);
  const int64_t E = config.hidden_size, V = config.vocab_size, P = config.max_position_embeddings,
                I = config.intermediate_size;
  s.word_embedding.load(reader.base(std::string(n.word) + ".weight", {V, E}));
  s.position_embedding.load(reader.base(std::string(n.position) + ".weight", {P, E}));
  if (config.architecture == EncoderArchitecture::bert)
    s.token_type_embedding = reader.base(std::string(n.token_type) + ".weight", {config.type_vocab_size, E}).floats();
  reader.norm(n.embedding_norm, E, s.embedding_norm_weight, s.embedding_norm_bias);

  s.blocks.reserve(config.num_hidden_layers);
  for (int32_t layer = 0; layer < config.num_hidden_layers; ++layer) {
    const std::string p = n.layers + std::to_string(layer) + ".";
    Block& block = s.blocks.emplace_back(AttentionConfig{config.hidden_size, config.num_attention_heads, 0, 0, true});
    const auto linear = [&](const char* name, int64_t out, int64_t in) {
      NamedTensor weight = reader.base(p + name + ".weight", {out, in});  // weight first: errors name it first
      return std::make_pair(std::move(weight), reader.base(p + name + ".bias", {out}));
    };
    const auto [q, q_bias] = linear(n.query, E, E);
    const auto [k, k_bias] = linear(n.key, E, E);
    const auto [v, v_bias] = linear(n.value, E, E);
    const auto [o, o_bias] = linear(n.attention_out, E, E);
    // in_proj [3E, E] = rows of W_q, W_k, W_v (nn.MultiheadAttention's layout)
    const NamedTensor in_proj = stacked_rows({&q, &k, &v});
    std::vector<float> in_bias;
    for (const NamedTensor* b : {&q_bias, &k_bias, &v_bias}) {
      const std::vector<float> values = b->floats();
      in_bias.insert(in_bias.end(), values.begin(), values.end());
    }
    const std::vector<float> out_bias = o_bias.floats();
    AttentionWeights w;
    w.in_proj_weight = in_proj.matrix();
    w.in_proj_bias = {in_bias.data(), in_bias.size()};
    w.out_proj_weight = o.matrix();
    w.out_proj_bias = {out_bias.data(), out_bias.size()};
    block.attention.load_weights(w);
    reader.norm(p + n.attention_norm, E, block.attention_norm_weight, block.attention_norm_bias);
    const auto [ffn_in, ffn_in_bias] = linear(n.ffn_in, I, E);
    const auto [ffn_out, ffn_out_bias] = linear(n.ffn_out, E, I);
    pack_linear(block.ffn_in, ffn_in, ffn_in_bias);
    pack_linear(block.ffn_out, ffn_out, ffn_out_bias);
    reader.norm(p + n.output_norm, E, block.output_norm_weight, block.output_norm_bias);
  }

  if (n.pooler) {
    std::optional<NamedTensor> weight = reader.find_base(std::string(n.pooler) + ".weight", {E, E});
    std::optional<NamedTensor> bias = reader.find_base(std::string(n.pooler) + ".bias", {E});
    if (weight && bias) {
      s.has_pooler = true;
      s.pooler_weight = weight->floats();
      s.pooler_bias = bias->floats();
    }
  }
  std::optional<NamedTensor> transform = reader.head(std::string(n.head_transform) + ".weight", {E, E});
  if (transform) {
    const std::optional<NamedTensor> transform_bias = reader.head(std::string(n.head_transform) + ".bias", {E});
    const std::optional<NamedTensor> decoder_bias = reader.head(n.decoder_bias, {V});
    if (!transform_bias) reader.missing(std::string(n.head_transform) + ".bias", " (the MLM head has its weight)");
    if (!decoder_bias) reader.missing(n.decoder_bias, " (the MLM head's output bias)");
    reader.norm(n.head_norm, E, s.head_norm_weight, s.head_norm_bias, false);
    pack_linear(s.head_transform, *transform, *transform_bias);
    // The decoder is tied to the word embeddings; a file may still carry its own copy.
    const std::optional<NamedTensor> decoder = reader.head(std::string(n.decoder) + ".weight", {V, E});
    if (decoder) pack_tensor(s.decoder, *decoder, 1, E, int32_t(E), int32_t(V));
    s.decoder_bias = decoder_bias->floats();
    s.has_head = true;
  }
  return model;
}

void BertModel::run(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs) {
  State& s = *state_;
  const BertConfig& c = s.config;
  if (count <= 0) throw ArgumentError("tokens: expected at least 1 token, got " + std::to_string(count));
  if (count > c.max_position_embeddings)
    throw ArgumentError("tokens: expected at most max_position_embeddings = " +
                        std::to_string(c.max_position_embeddings) + " tokens, got " + std::to_string(count));
  for (int32_t t = 0; t < count; ++t) {
    if (tokens[t] < 0 || tokens[t] >= c.vocab_size)
      throw ArgumentError("tokens[" + std::to_string(t) + "]: expected an id in [0, " + std::to_string(c.vocab_size) +
                          "), got " + std::to_string(tokens[t]));
    const int32_t type = options.token_type_ids ? options.token_type_ids[t] : 0;
    if (type < 0 || type >= std::max(c.type_vocab_size, 1) || (c.type_vocab_size == 0 && type != 0))
      throw ArgumentError("token_type_ids[" + std::to_string(t) + "]: expected a type in [0, " +
                          std::to_string(std::max(c.type_vocab_size, 1)) + ")" +
                          (c.type_vocab_size == 0 ? " (DistilBERT has no token types)" : "") + ", got " +
                          std::to_string(type));
  }
  const int32_t T = count, E = c.hidden_size, H = c.num_attention_heads, L = c.num_hidden_layers,
                I = c.intermediate_size, V = c.vocab_size;
  s.key_padding.assign(size_t(T), 0);
  int32_t real_tokens = T;
  if (options.attention_mask) {
    real_tokens = 0;
    for (int32_t t = 0; t < T; ++t) {
      s.key_padding[size_t(t)] = options.attention_mask[t] ? 0 : 1;
      real_tokens += options.attention_mask[t] ? 1 : 0;
    }
    if (real_tokens == 0) throw ArgumentError("attention_mask: expected at least one real token (1), got all 0");
  }
  s.length = 0;  // invalid until this run completes
  s.hidden.resize(size_t(T) * E);
  s.attention_out.resize(size_t(T) * E);
  s.ffn_hidden.resize(size_t(T) * I);
  s.block_inputs.resize(size_t(L) * T * E);
  outputs.attention.resize(options.attention ? size_t(L) * H * T * T : 0);
  outputs.hidden_states.resize(options.hidden_states ? size_t(L + 1) * T * E : 0);
  const auto record_hidden = [&](int32_t index) {
    if (options.hidden_states)
      std::copy(s.hidden.begin(), s.hidden.end(), outputs.hidden_states.begin() + size_t(index) * T * E);
  };

  // x = LN_emb(word[token] + position[t] + token_type[type])
  s.position_row.resize(size_t(E));
  for (int32_t t = 0; t < T; ++t) {
    float* x = s.hidden.data() + size_t(t) * E;
    s.word_embedding.row(x, tokens[t]);
    s.position_embedding.row(s.position_row.data(), t);
    for (int32_t e = 0; e < E; ++e) x[e] += s.position_row[size_t(e)];
    if (!s.token_type_embedding.empty()) {
      const int32_t type = options.token_type_ids ? options.token_type_ids[t] : 0;
      kernels::add_scaled_row(x, s.token_type_embedding.data() + int64_t(type) * E, E, 1.0f);
    }
  }
  kernels::layer_norm(s.hidden.data(), s.hidden.data(), T, E, s.embedding_norm_weight.data(),
                      s.embedding_norm_bias.data(), c.layer_norm_eps);
  record_hidden(0);

  for (int32_t layer = 0; layer < L; ++layer) {
    Block& block = s.blocks[layer];
    float* block_input = s.block_inputs.data() + size_t(layer) * T * E;
    std::copy(s.hidden.begin(), s.hidden.end(), block_input);
    // attention over every real key (no causal mask)
    AttentionInputs in;
    in.query = in.key = in.value = {block_input, size_t(T) * E};
    in.query_len = in.key_len = T;
    if (options.attention_mask) in.key_padding_mask = {s.key_padding.data(), s.key_padding.size()};
    AttentionOutputs out;
    out.output = s.attention_out.data();
    out.output_size = size_t(T) * E;
    if (options.attention) {
      out.weights_mode = WeightsMode::per_head;
      out.weights = outputs.attention.data() + size_t(layer) * H * T * T;
      out.weights_size = size_t(H) * T * T;
    }
    if (options.head_enabled) out.head_enabled = options.head_enabled + size_t(layer) * H;
    block.attention.forward(in, out);
    // x = LN_attn(x + attention)
    kernels::add_scaled_row(s.hidden.data(), s.attention_out.data(), T * E, 1.0f);
    kernels::layer_norm(s.hidden.data(), s.hidden.data(), T, E, block.attention_norm_weight.data(),
                        block.attention_norm_bias.data(), c.layer_norm_eps);
    // x = LN_out(x + W_2 gelu(W_1 x + b_1) + b_2)
    kernels::gemm(s.ffn_hidden.data(), I, s.hidden.data(), E, T, block.ffn_in);
    apply_activation(c.hidden_act, s.ffn_hidden.data(), int64_t(T) * I);
    kernels::gemm(s.attention_out.data(), E, s.ffn_hidden.data(), I, T, block.ffn_out);
    kernels::add_scaled_row(s.hidden.data(), s.attention_out.data(), T * E, 1.0f);
    kernels::layer_norm(s.hidden.data(), s.hidden.data(), T, E, block.output_norm_weight.data(),
                        block.output_norm_bias.data(), c.layer_norm_eps);
    record_hidden(layer + 1);
  }
  outputs.last_hidden_state = s.hidden;

  // sentence embedding: mean over real tokens, L2-normalised
  outputs.embedding.assign(size_t(E), 0.0f);
  for (int32_t t = 0; t < T; ++t)
    if (!s.key_padding[size_t(t)])
      kernels::add_scaled_row(outputs.embedding.data(), s.hidden.data() + size_t(t) * E, E, 1.0f / float(real_tokens));
  double norm = 0.0;
  for (float v : outputs.embedding) norm += double(v) * v;
  const float inv_norm = 1.0f / float(std::max(std::sqrt(norm), 1e-12));
  kernels::scale_row(outputs.embedding.data(), E, inv_norm);

  // pooler: tanh(W_p x[0] + b_p)
  outputs.pooled.clear();
  if (s.has_pooler) {
    outputs.pooled.resize(size_t(E));
    for (int32_t o = 0; o < E; ++o) {
      double sum = s.pooler_bias[size_t(o)];
      for (int32_t e = 0; e < E; ++e) sum += double(s.pooler_weight[size_t(o) * E + e]) * s.hidden[size_t(e)];
      outputs.pooled[size_t(o)] = float(std::tanh(sum));
    }
  }
  // MLM head: logits = LN_head(gelu(W_t x + b_t)) . word^T + bias
  outputs.logits.clear();
  if (s.has_head && options.logits) {
    kernels::gemm(s.attention_out.data(), E, s.hidden.data(), E, T, s.head_transform);
    apply_activation(c.hidden_act, s.attention_out.data(), int64_t(T) * E);
    kernels::layer_norm(s.attention_out.data(), s.attention_out.data(), T, E, s.head_norm_weight.data(),
                        s.head_norm_bias.data(), c.layer_norm_eps);
    outputs.logits.resize(size_t(T) * V);
    // . word^T, then + bias: the gemm would add the bias in the same rounding step (acc * 1 + bias)
    kernels::gemm(outputs.logits.data(), V, s.attention_out.data(), E, T, s.decoder_weight());
    for (int32_t t = 0; t < T; ++t)
      kernels::add_scaled_row(outputs.logits.data() + size_t(t) * V, s.decoder_bias.data(), V, 1.0f);
  }
  s.length = T;
}

void BertModel::layer_qkv(int32_t layer, std::vector<float>& q, std::vector<float>& k, std::vector<float>& v) {
  State& s = *state_;
  const int32_t n_layer = s.config.num_hidden_layers, in_range = std::clamp(layer, 0, n_layer - 1);
  project_layer_qkv(s.blocks[in_range].attention,
                    s.block_inputs.data() + size_t(in_range) * s.length * s.config.hidden_size, layer, n_layer,
                    s.length, s.config.hidden_size, q, k, v);
}

// ---- scalar reference ------------------------------------------------------------------------------

void bert_reference_forward(const BertConfig& c, const TensorLookup& file_lookup, const std::vector<int32_t>& tokens,
                            const std::vector<int32_t>& token_type_ids, const std::vector<uint8_t>& attention_mask,
                            BertModel::RunOutputs& outputs) {
  const TensorLookup lookup = float32_lookup(file_lookup);
  // Shapes: x [T, E]; per layer scores through reference_forward: weights [H, T, T]; ffn [T, I];
  // logits [T, V]; pooled [E].
  const TensorNames& n = names_of(c.architecture);
  const TensorReader reader(lookup, n);
  const int64_t T = int64_t(tokens.size()), E = c.hidden_size, I = c.intermediate_size, V = c.vocab_size,
                H = c.num_attention_heads;
  const auto gelu = [&](float v) {
    return c.hidden_act == EncoderActivation::gelu_erf ? kernels::gelu_erf_reference(v)
                                                       : kernels::gelu_tanh_reference(v);
  };
  const auto layer_norm = [&](std::vector<float>& x, const std::string& name, bool prefixed) {
    std::vector<float> weight, bias;
    reader.norm(name, E, weight, bias, prefixed);
    for (int64_t t = 0; t < int64_t(x.size()) / E; ++t) {
      double mean = 0, variance = 0;
      for (int64_t e = 0; e < E; ++e) mean += x[t * E + e];
      mean /= double(E);
      for (int64_t e = 0; e < E; ++e) variance += (x[t * E + e] - mean) * (x[t * E + e] - mean);
      variance /= double(E);
      for (int64_t e = 0; e < E; ++e)
        x[t * E + e] = float((x[t * E + e] - mean) / std::sqrt(variance + c.layer_norm_eps) * weight[e] + bias[e]);
    }
  };
  // y [T, out] = x [T, in] . W^T + b   (W [out, in], nn.Linear)
  const auto linear = [&](const std::vector<float>& x, const NamedTensor& w, const NamedTensor& b) {
    const int64_t out = w.shape[0], in = w.shape[1];
    std::vector<float> y(size_t(T * out));
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < out; ++o) {
        double sum = b.values[o];
        for (int64_t i = 0; i < in; ++i) sum += double(x[t * in + i]) * w.values[o * in + i];
        y[t * out + o] = float(sum);
      }
    return y;
  };
  // embeddings
  const NamedTensor word = reader.base(std::string(n.word) + ".weight", {V, E});
  const NamedTensor position = reader.base(std::string(n.position) + ".weight", {c.max_position_embeddings, E});
  std::vector<float> x(size_t(T * E));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t e = 0; e < E; ++e) x[t * E + e] = word.values[tokens[t] * E + e] + position.values[t * E + e];
  if (c.architecture == EncoderArchitecture::bert) {
    const NamedTensor types = reader.base(std::string(n.token_type) + ".weight", {c.type_vocab_size, E});
    for (int64_t t = 0; t < T; ++t)
      for (int64_t e = 0; e < E; ++e) x[t * E + e] += types.values[token_type_ids[t] * E + e];
  }
  layer_norm(x, n.embedding_norm, true);
  std::vector<uint8_t> key_padding(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) key_padding[t] = attention_mask[t] ? 0 : 1;
  outputs.attention.clear();
  for (int32_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    const std::string p = n.layers + std::to_string(layer) + ".";
    const auto weight = [&](const char* name, int64_t out, int64_t in) {
      return reader.base(p + name + ".weight", {out, in});
    };
    const auto bias = [&](const char* name, int64_t out) { return reader.base(p + name + ".bias", {out}); };
    std::vector<float> in_proj, in_bias;
    for (const char* name : {n.query, n.key, n.value}) {
      const NamedTensor w = weight(name, E, E), b = bias(name, E);
      in_proj.insert(in_proj.end(), w.values.begin(), w.values.end());
      in_bias.insert(in_bias.end(), b.values.begin(), b.values.end());
    }
    const NamedTensor o = weight(n.attention_out, E, E), o_bias = bias(n.attention_out, E);
    AttentionConfig config{int32_t(E), int32_t(H), 0, 0, true};
    AttentionWeights w;
    w.in_proj_weight = {in_proj.data(), in_proj.size()};
    w.in_proj_bias = {in_bias.data(), in_bias.size()};
    w.out_proj_weight = {o.values.data(), o.values.size()};
    w.out_proj_bias = {o_bias.values.data(), o_bias.values.size()};
    AttentionInputs in;
    in.query = in.key = in.value = {x.data(), x.size()};
    in.query_len = in.key_len = int32_t(T);
    in.key_padding_mask = {key_padding.data(), key_padding.size()};
    std::vector<float> attended(size_t(T * E)), weights(size_t(H * T * T));
    AttentionOutputs out;
    out.output = attended.data();
    out.output_size = attended.size();
    out.weights = weights.data();
    out.weights_size = weights.size();
    out.weights_mode = WeightsMode::per_head;
    reference_forward(config, w, in, out);
    outputs.attention.insert(outputs.attention.end(), weights.begin(), weights.end());
    for (size_t i = 0; i < x.size(); ++i) x[i] += attended[i];
    layer_norm(x, p + n.attention_norm, true);
    std::vector<float> hidden = linear(x, weight(n.ffn_in, I, E), bias(n.ffn_in, I));
    for (float& h : hidden) h = gelu(h);
    const std::vector<float> ffn = linear(hidden, weight(n.ffn_out, E, I), bias(n.ffn_out, E));
    for (size_t i = 0; i < x.size(); ++i) x[i] += ffn[i];
    layer_norm(x, p + n.output_norm, true);
  }
  outputs.last_hidden_state = x;
  outputs.pooled.clear();
  if (n.pooler) {
    const std::optional<NamedTensor> pw = reader.find_base(std::string(n.pooler) + ".weight", {E, E});
    const std::optional<NamedTensor> pb = reader.find_base(std::string(n.pooler) + ".bias", {E});
    if (pw && pb) {
      for (int64_t o = 0; o < E; ++o) {
        double sum = pb->values[o];
        for (int64_t e = 0; e < E; ++e) sum += double(pw->values[o * E + e]) * x[e];
        outputs.pooled.push_back(float(std::tanh(sum)));
      }
    }
  }
  outputs.logits.clear();
  const std::optional<NamedTensor> tw = reader.head(std::string(n.head_transform) + ".weight", {E, E});
  if (tw) {
    std::vector<float> t = linear(x, *tw, *reader.head(std::string(n.head_transform) + ".bias", {E}));
    for (float& v : t) v = gelu(v);
    layer_norm(t, n.head_norm, false);
    const std::optional<NamedTensor> decoder = reader.head(std::string(n.decoder) + ".weight", {V, E});
    outputs.logits = linear(t, decoder ? *decoder : word, *reader.head(n.decoder_bias, {V}));
  }
}

}  // namespace mha
