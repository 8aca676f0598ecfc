// A GPT-2-architecture transformer runtime over the attention layer of src/attention:
//   x = wte[token] + wpe[position]                                  [T, E]
//   for each block: x += Attn(LN_1(x)) (causal); x += MLP(LN_2(x))   MLP = c_proj(gelu_tanh(c_fc(.)))
//   logits = LN_f(x) . wte^T                                         [T, V] (tied LM head)
// Weights come from Hugging Face GPT-2 tensor names and Conv1D layouts ([in, out]), with or without
// the "transformer." prefix; see load(). F16/BF16 weights stay 16-bit; wte is held once, as the LM head's
// packed wte^T, and its rows are widened from there on lookup.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/gpt2_config.hpp"
#include "model/weights.hpp"  // NamedTensor, TensorLookup, safetensors_lookup

namespace mha {

class Gpt2Model {
 public:
  // Reads every tensor through `lookup`, checking each shape against `config`.
  // Throws FormatError naming the tensor, the expected and the actual shape, or the missing name.
  static Gpt2Model load(const Gpt2Config& config, const TensorLookup& lookup);
  ~Gpt2Model();
  Gpt2Model(Gpt2Model&&) noexcept;
  Gpt2Model& operator=(Gpt2Model&&) noexcept;

  const Gpt2Config& config() const;
  // Bytes of the weights as held (F16/BF16 matrices and embedding tables 16-bit, norms and biases float32), and
  // everything the model holds: the weights, the attention layers' scratch and the work buffers of the last run.
  size_t weight_bytes() const;
  size_t memory_bytes() const;

  struct RunOptions {
    bool attention = true;                  // fill RunOutputs::attention (the logits are the same either way)
    bool all_logits = false;                // logits for every position, else only the last one (same values)
    const uint8_t* head_enabled = nullptr;  // [n_layer * n_head], 0 = zero that head's output (ablation)
  };
  struct RunOutputs {
    std::vector<float> logits;     // [T, V] with all_logits, else [V] for the last position
    std::vector<float> attention;  // [n_layer, n_head, T, T] per-head causal attention weights
  };
  // Runs the model over token ids (positions 0..T-1; the KV cache is left as it is). Throws ArgumentError for
  // an empty or too long sequence (T > n_positions) or an id outside [0, vocab_size).
  void run(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs);

  // Incremental decoding with the model's KV cache (one per block): runs `count` new tokens at positions
  // cached_length() .. after the cached ones and appends them to the cache. Outputs as run() for the new
  // tokens: logits [count, V] (all_logits) or [V]; attention [L, H, count, cached_length() after the call].
  // Throws ArgumentError as run(), counting the cached tokens in the length (the cache is then unchanged).
  void run_cached(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs);
  void clear_cache();                   // forget every cached token
  void truncate_cache(int32_t length);  // keep the first `length` cached tokens (clamped to [0, cached_length()])
  int32_t cached_length() const;        // tokens in the cache

  // Greedy decoding: appends `new_tokens` ids, each the argmax (lowest id on a tie) of the last position's
  // logits. The prompt runs once through the KV cache (which this clears first), then one token per step.
  // Returns prompt + new ids.
  std::vector<int32_t> generate_greedy(const int32_t* tokens, int32_t count, int32_t new_tokens);

  // Per-head internals of one layer for the tokens of the last run() (or, after run_cached(), of every cached
  // token): q, k, v each [n_head, T, d_k] (q unscaled). Throws ArgumentError for a bad layer or when nothing
  // has run yet.
  void layer_qkv(int32_t layer, std::vector<float>& q, std::vector<float>& k, std::vector<float>& v);
  int32_t last_length() const;

 private:
  Gpt2Model();
  void forward(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs, bool use_cache);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mha
