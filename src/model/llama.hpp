// A Llama-family decoder (LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM without sliding window) over
// the attention layer of src/attention (grouped-query attention with rotary embeddings):
//   x = embed_tokens[token]                                                     [T, E]
//   for each layer: x += o_proj(Attn(RMSNorm_in(x)))        causal, rotary on q and k, H_kv kv heads
//                   x += down_proj(silu(gate_proj(h)) * up_proj(h)),  h = RMSNorm_post(x)      (I = MLP width)
//   logits = RMSNorm_final(x) . lm_head^T                                       [T, V] (lm_head = embed_tokens if tied)
// Weights come from Hugging Face tensor names (nn.Linear layout [out, in]); see load().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.hpp"
#include "io/safetensors_index.hpp"
#include "model/gpt2.hpp"  // TensorLookup, NamedTensor, safetensors_lookup
#include "model/llama_config.hpp"

namespace mha {

// A lookup over the shards of a sharded checkpoint: the index says which shard holds a tensor. `shards` maps
// every shard file name of the index to its parsed file (they must outlive the lookup). Throws FormatError
// naming the first shard of the index that is missing from `shards`; the lookup throws FormatError when the
// shard named by the index does not hold the tensor.
TensorLookup sharded_safetensors_lookup(const SafetensorsIndex& index,
                                        const std::map<std::string, const SafetensorsFile*>& shards);
// The same over one lookup per shard (e.g. SafetensorsStream::lookup()).
TensorLookup sharded_safetensors_lookup(const SafetensorsIndex& index,
                                        const std::map<std::string, TensorLookup>& shards);

class LlamaModel {
 public:
  // Reads every tensor through `lookup` ("model.embed_tokens.weight", "model.layers.N.self_attn.q_proj.weight",
  // ..., "model.norm.weight", "lm_head.weight" unless tie_word_embeddings), checking each shape against
  // `config`. Throws FormatError naming the tensor, the expected and the actual shape, or the missing name.
  static LlamaModel load(const LlamaConfig& config, const TensorLookup& lookup);
  ~LlamaModel();
  LlamaModel(LlamaModel&&) noexcept;
  LlamaModel& operator=(LlamaModel&&) noexcept;

  const LlamaConfig& config() const;
  // Bytes of the weights as held (F16/BF16 matrices and embedding tables 16-bit, norms and biases float32), and
  // everything the model holds: the weights, the KV cache, the attention layers' scratch and the work buffers.
  size_t weight_bytes() const;
  size_t memory_bytes() const;

  struct RunOptions {
    bool attention = true;                  // fill RunOutputs::attention (the logits are the same either way)
    bool all_logits = false;                // logits for every position, else only the last one (same values)
    bool hidden_states = false;             // fill RunOutputs::hidden_states
    const uint8_t* head_enabled = nullptr;  // [L * H], 0 = zero that query head's output (ablation)
  };
  struct RunOutputs {
    std::vector<float> logits;     // [T, V] with all_logits, else [V] for the last position
    std::vector<float> attention;  // [L, H, T, T] per-query-head causal attention weights
    // [L + 1, T, E] as transformers' output_hidden_states: the embeddings, the input of layers 1..L-1, and
    // the last layer's output after the final RMSNorm
    std::vector<float> hidden_states;
  };
  // Runs the model over token ids (positions 0..T-1). Throws ArgumentError for an empty or too long sequence
  // (T > max_position_embeddings) or an id outside [0, vocab_size).
  void run(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs);

  // Incremental decoding with the model's KV cache (one per layer): runs `count` new tokens at positions
  // cached_length() .. after the cached ones and appends them to the cache. Outputs as run() for the new
  // tokens: logits [count, V] (all_logits) or [V]; attention [L, H, count, cached_length() after the call];
  // hidden_states [L + 1, count, E]. Throws ArgumentError as run(), counting the cached tokens in the length.
  void run_cached(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs);
  void clear_cache();                   // forget every cached token
  void truncate_cache(int32_t length);  // keep the first `length` cached tokens (clamped to [0, cached_length()])
  int32_t cached_length() const;        // tokens in the cache

  // Greedy decoding: appends `new_tokens` ids, each the argmax (lowest id on a tie) of the last position's
  // logits. The prompt runs once through the KV cache (which this clears first), then one token per step.
  // Returns prompt + new ids.
  std::vector<int32_t> generate_greedy(const int32_t* tokens, int32_t count, int32_t new_tokens);

 private:
  LlamaModel();
  void forward(const int32_t* tokens, int32_t count, const RunOptions& options, RunOutputs& outputs, bool use_cache);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mha
