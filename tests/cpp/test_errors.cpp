// Invalid arguments give an ArgumentError naming the argument, the expected and the actual value;
// the object keeps working afterwards.
#include <catch_amalgamated.hpp>

#include "errors.hpp"
#include "problem.hpp"

using namespace mha;
using namespace mha::testing;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("invalid configurations are rejected with a clear message", "[errors]") {
  CHECK_THROWS_WITH(MultiheadAttention(AttentionConfig{10, 3}), ContainsSubstring("embed_dim") &&
                                                                    ContainsSubstring("multiple of num_heads = 3") &&
                                                                    ContainsSubstring("got 10"));
  CHECK_THROWS_WITH(MultiheadAttention(AttentionConfig{0, 1}),
                    ContainsSubstring("embed_dim: expected a positive integer, got 0"));
  CHECK_THROWS_WITH(MultiheadAttention(AttentionConfig{8, -2}),
                    ContainsSubstring("num_heads: expected a positive integer, got -2"));
  CHECK_THROWS_WITH(MultiheadAttention(AttentionConfig{8, 2, -1}), ContainsSubstring("kdim"));
  CHECK_THROWS_AS(MultiheadAttention(AttentionConfig{8, 2, 0, 1 << 30}), ArgumentError);
}

TEST_CASE("wrong weight sizes are rejected", "[errors]") {
  ProblemShape s;
  Problem p(s);
  MultiheadAttention attention(p.config);
  AttentionWeights w = p.weights();
  w.in_proj_weight.size -= 1;
  CHECK_THROWS_WITH(attention.load_weights(w),
                    ContainsSubstring("in_proj_weight: expected 192 floats for [3E, E] = [24, 8], got 191"));
  w = p.weights();
  w.out_proj_bias = {};
  CHECK_THROWS_WITH(attention.load_weights(w),
                    ContainsSubstring("out_proj.bias: expected 8 floats") && ContainsSubstring("got no buffer"));
  CHECK_FALSE(attention.has_weights());
  Problem::Result r;
  CHECK_THROWS_WITH(attention.forward(p.inputs(), p.outputs(r)), ContainsSubstring("load_weights"));

  ProblemShape cross = s;
  cross.kdim = 5;
  Problem pc(cross);
  AttentionWeights wc = pc.weights();
  wc.in_proj_weight = {p.w_in.data(), p.w_in.size()};
  CHECK_THROWS_WITH(MultiheadAttention(pc.config).load_weights(wc), ContainsSubstring("kdim == vdim == embed_dim"));
}

TEST_CASE("wrong inputs are rejected and the object keeps working", "[errors]") {
  ProblemShape s;
  s.batch = 3;
  s.query_len = 4;
  s.key_len = 6;
  Problem p(s);
  MultiheadAttention attention(p.config);
  attention.load_weights(p.weights());
  Problem::Result r;

  AttentionInputs in = p.inputs();
  in.query.size -= 1;
  CHECK_THROWS_WITH(attention.forward(in, p.outputs(r)),
                    ContainsSubstring("query: expected 96 floats for [B, Lq, E] = [3, 4, 8], got 95"));
  in = p.inputs();
  in.key_len = 0;
  CHECK_THROWS_WITH(attention.forward(in, p.outputs(r)),
                    ContainsSubstring("key_len: expected a positive integer, got 0"));
  in = p.inputs();
  std::vector<uint8_t> mask(4 * 5);
  in.attn_mask_bool = {mask.data(), mask.size()};
  CHECK_THROWS_WITH(attention.forward(in, p.outputs(r)),
                    ContainsSubstring("attn_mask: expected 24 bytes for [Lq, Lk] = [4, 6], got 20"));
  in.attn_mask_layout = AttnMaskLayout::per_head;
  CHECK_THROWS_WITH(attention.forward(in, p.outputs(r)),
                    ContainsSubstring("attn_mask: expected 144 bytes for [B*H, Lq, Lk] = [6, 4, 6], got 20"));
  in = p.inputs();
  std::vector<uint8_t> padding(7);
  in.key_padding_mask = {padding.data(), padding.size()};
  CHECK_THROWS_WITH(attention.forward(in, p.outputs(r)), ContainsSubstring("key_padding_mask: expected 18 bytes"));
  AttentionOutputs out = p.outputs(r);
  out.weights_size = 5;
  CHECK_THROWS_WITH(attention.forward(p.inputs(), out),
                    ContainsSubstring("weights: expected 144 floats for [B, H, Lq, Lk]"));
  CHECK_THROWS_WITH(reference_forward(p.config, p.weights(), in, p.outputs(r)), ContainsSubstring("key_padding_mask"));

  // Still works, and agrees with the reference.
  Problem::Result fast, want;
  attention.forward(p.inputs(), p.outputs(fast));
  reference_forward(p.config, p.weights(), p.inputs(), p.outputs(want));
  for (size_t n = 0; n < want.output.size(); ++n) CHECK(fast.output[n] == Catch::Approx(want.output[n]).margin(1e-5));
}

TEST_CASE("one errors header: both error kinds and the shape text every message uses", "[errors]") {
  // src/errors.hpp holds ArgumentError, FormatError and shape_text, so that the readers (io/), the tokenizer (text/)
  // and the model (model/) need no header of the attention layer for their errors.
  CHECK(shape_text({3, 4, 8}) == "[3, 4, 8]");
  CHECK(shape_text(std::vector<int64_t>{}) == "[]");
  CHECK(shape_text(std::vector<int64_t>{50257, 768}) == "[50257, 768]");
  const auto argument_error = []() { throw ArgumentError("x: expected 1, got 2"); };
  const auto format_error = []() { throw FormatError("config.json: n_head: expected a positive integer, got 0"); };
  CHECK_THROWS_AS(argument_error(), std::invalid_argument);
  CHECK_THROWS_AS(format_error(), std::runtime_error);
  // the shapes in a validation message are written by that same function
  ProblemShape s;
  Problem p(s);
  MultiheadAttention attention(p.config);
  AttentionWeights w = p.weights();
  w.out_proj_weight.size += 1;
  CHECK_THROWS_WITH(attention.load_weights(w), ContainsSubstring("[E, E] = " + shape_text({8, 8})));
}
