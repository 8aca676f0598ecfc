#include "model/decoding.hpp"

#include "errors.hpp"

namespace mha {

void check_decoder_tokens(const int32_t* tokens, int32_t count, int32_t cached, int32_t limit,
                          const std::string& limit_name, int32_t vocab_size) {
  if (count <= 0) throw ArgumentError("tokens: expected at least 1 token, got " + std::to_string(count));
  if (int64_t(cached) + count > limit)
    throw ArgumentError("tokens: expected at most " + limit_name + " = " + std::to_string(limit) + " tokens" +
                        (cached ? " with the " + std::to_string(cached) + " cached ones" : std::string()) + ", got " +
                        std::to_string(int64_t(cached) + count));
  for (int32_t t = 0; t < count; ++t)
    if (tokens[t] < 0 || tokens[t] >= vocab_size)
      throw ArgumentError("tokens[" + std::to_string(t) + "]: expected an id in [0, " + std::to_string(vocab_size) +
                          "), got " + std::to_string(tokens[t]));
}

int32_t argmax_lowest(const float* logits, int32_t count) {
  int32_t best = 0;
  for (int32_t id = 1; id < count; ++id)
    if (logits[id] > logits[best]) best = id;  // strictly greater: the first maximum stays
  return best;
}

void check_new_tokens(int32_t new_tokens) {
  if (new_tokens < 0) throw ArgumentError("new_tokens: expected a count >= 0, got " + std::to_string(new_tokens));
}

}  // namespace mha
