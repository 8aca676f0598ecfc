// What the decoder models (GPT-2, Llama family) share around their KV cache: the check of the tokens of a
// run against the model's length limit (counting the cached ones), and greedy decoding through the cache.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace mha {

// Throws ArgumentError unless 1 <= count, cached + count <= limit (the config field `limit_name`) and every
// id is in [0, vocab_size).
void check_decoder_tokens(const int32_t* tokens, int32_t count, int32_t cached, int32_t limit,
                          const std::string& limit_name, int32_t vocab_size);

// Throws ArgumentError for new_tokens < 0.
void check_new_tokens(int32_t new_tokens);

// The index of the largest value of logits [count], the lowest on a tie (as torch.argmax).
int32_t argmax_lowest(const float* logits, int32_t count);

// Greedy decoding with a decoder's KV cache (Gpt2Model, LlamaModel): clears the cache, runs the prompt tokens
// [count] once, then appends `new_tokens` ids, each argmax_lowest of the last logits, each run in turn except
// the last. Returns prompt + new ids. Throws ArgumentError for new_tokens < 0, or as Model::run_cached().
template <typename Model>
std::vector<int32_t> greedy_decode(Model& model, const int32_t* tokens, int32_t count, int32_t new_tokens) {
  check_new_tokens(new_tokens);
  std::vector<int32_t> sequence(tokens, tokens + std::max(count, 0));
  if (new_tokens == 0) return sequence;
  typename Model::RunOptions options;
  options.attention = false;
  typename Model::RunOutputs outputs;
  model.clear_cache();
  model.run_cached(sequence.data(), int32_t(sequence.size()), options, outputs);  // the prompt once
  for (int32_t generated = 0; generated < new_tokens; ++generated) {
    sequence.push_back(argmax_lowest(outputs.logits.data(), int32_t(outputs.logits.size())));
    if (generated + 1 < new_tokens) model.run_cached(&sequence.back(), 1, options, outputs);  // then one per step
  }
  return sequence;
}

}  // namespace mha
