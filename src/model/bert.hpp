// BERT and DistilBERT encoders over the attention layer of src/attention (no causal mask; a padding
// mask over keys). Post-LayerNorm blocks:
//   x = LN_emb(word[token] + position[t] + token_type[type])                  [T, E] (DistilBERT: no types)
//   for each block: x = LN_attn(x + Attn(x)); x = LN_out(x + W_2 gelu(W_1 x + b_1) + b_2)
//   MLM head (optional): logits = LN_head(gelu(W_t x + b_t)) . word^T + bias                [T, V]
//   pooler (optional, BERT): pooled = tanh(W_p x[0] + b_p)                                  [E]
//   sentence embedding: mean of x over unmasked positions, L2-normalised                    [E]
// Weights come from Hugging Face tensor names, with or without the "bert." / "distilbert." prefix (and
// the old "gamma"/"beta" LayerNorm names); see load(). GELU is the exact erf form unless config.json
// says "gelu_new" / "gelu_pytorch_tanh".
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/bert_config.hpp"
#include "model/gpt2.hpp"  // NamedTensor, TensorLookup, safetensors_lookup

namespace mha {

class BertModel {
 public:
  // Reads every tensor through `lookup`, checking each shape against `config`. The MLM head and the
  // pooler are loaded when their tensors are present (the decoder weight is tied to the word
  // embeddings unless the file has its own). Throws FormatError naming the tensor, the expected and the
  // actual shape, or the missing name with the alternatives looked for.
  static BertModel load(const BertConfig& config, const TensorLookup& lookup);
  ~BertModel();
  BertModel(BertModel&&) noexcept;
  BertModel& operator=(BertModel&&) noexcept;

  const BertConfig& config() const;
  // Bytes of the weights as held (F16/BF16 matrices and embedding tables 16-bit, the rest float32), and
  // everything the model holds: the weights, the attention layers' scratch and the work buffers of the last run.
  size_t weight_bytes() const;
  size_t memory_bytes() const;
  bool has_mlm_head() const;
  bool has_pooler() const;

  struct RunOptions {
    bool attention = true;                    // fill RunOutputs::attention
    bool hidden_states = false;               // fill RunOutputs::hidden_states (every layer)
    bool logits = true;                       // fill RunOutputs::logits when the model has an MLM head
    const int32_t* token_type_ids = nullptr;  // [T] segment ids (BERT), null = all 0
    const uint8_t* attention_mask = nullptr;  // [T] 1 = a real token, 0 = padding (never attended to); null = all 1
    const uint8_t* head_enabled = nullptr;    // [L * H], 0 = zero that head's output (ablation)
  };
  struct RunOutputs {
    std::vector<float> last_hidden_state;  // [T, E]
    std::vector<float> hidden_states;      // [L + 1, T, E]: embeddings output, then each block's output
    std::vector<float> attention;          // [L, H, T, T] per-head weights [layer][head][query][key]
    std::vector<float> logits;             // [T, V] MLM logits (empty without a head or options.logits)
    std::vector<float> pooled;             // [E] pooler output (empty without a pooler)
    std::vector<float> embedding;          // [E] mean over attention_mask positions, L2-normalised
  };
  // Runs the encoder over one sequence. Throws ArgumentError for an empty or too long sequence
  // (T > max_position_embeddings), an id outside [0, vocab_size), a token type outside
  // [0, type_vocab_size) (or any token type for DistilBERT), or a mask with no real token.
  void run(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs);

  // Per-head q, k, v [H, T, d_k] of one layer for the last run (q unscaled); as Gpt2Model::layer_qkv.
  void layer_qkv(int32_t layer, std::vector<float>& q, std::vector<float>& k, std::vector<float>& v);
  int32_t last_length() const;

 private:
  BertModel();
  struct State;
  std::unique_ptr<State> state_;
};

// A plain scalar forward pass of the same architecture (loops, std::erf, attention through
// reference_forward), for tests of the fast path: fills last_hidden_state, attention, logits, pooled.
void bert_reference_forward(const BertConfig& config, const TensorLookup& lookup, const std::vector<int32_t>& tokens,
                            const std::vector<int32_t>& token_type_ids, const std::vector<uint8_t>& attention_mask,
                            BertModel::RunOutputs& outputs);

}  // namespace mha
