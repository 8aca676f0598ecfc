// Argument checks shared by the reference and the SIMD forward pass. Each message names the argument,
// what was expected and what was received, e.g.
//   "query: expected 96 floats for [B, Lq, E] = [3, 4, 8], got 95"

#include "attention/mha.hpp"

namespace mha {
namespace {

[[noreturn]] void fail(const std::string& message) { throw ArgumentError(message); }

constexpr int64_t kMaxElements = int64_t{1} << 40;  // far beyond any memory, far below int64 overflow

// Checks that a buffer holds exactly the elements of `dims` (named `dim_names` for the message).
template <typename Span>
void check_size(const Span& span, const char* name, const char* dim_names, std::initializer_list<int64_t> dims,
                const char* unit) {
  int64_t expected = 1;
  for (int64_t d : dims) {
    if (expected > kMaxElements / d)
      fail(std::string(name) + ": the shape " + dim_names + " = " + shape_text(dims) + " has more than " +
           std::to_string(kMaxElements) + " elements");
    expected *= d;
  }
  if (span.data == nullptr)
    fail(std::string(name) + ": expected " + std::to_string(expected) + " " + unit + " for " + dim_names + " = " +
         shape_text(dims) + ", got no buffer");
  if (static_cast<int64_t>(span.size) != expected)
    fail(std::string(name) + ": expected " + std::to_string(expected) + " " + unit + " for " + dim_names + " = " +
         shape_text(dims) + ", got " + std::to_string(span.size));
}

// What a matrix span holds, for messages.
const char* unit(const MatrixSpan& span) { return span.format == kernels::WeightFormat::f32 ? "floats" : "values"; }

void check_positive(int64_t value, const char* name) {
  if (value <= 0) fail(std::string(name) + ": expected a positive integer, got " + std::to_string(value));
}

constexpr int64_t kMaxDimension = int64_t{1} << 24;  // keeps every product below in int64 and sane

}  // namespace

void validate_config(const AttentionConfig& c) {
  check_positive(c.embed_dim, "embed_dim");
  check_positive(c.num_heads, "num_heads");
  if (c.kdim < 0) fail("kdim: expected 0 (= embed_dim) or a positive integer, got " + std::to_string(c.kdim));
  if (c.vdim < 0) fail("vdim: expected 0 (= embed_dim) or a positive integer, got " + std::to_string(c.vdim));
  for (auto [value, name] : {std::pair<int64_t, const char*>{c.embed_dim, "embed_dim"},
                             {c.kdim, "kdim"},
                             {c.vdim, "vdim"},
                             {c.num_heads, "num_heads"}})
    if (value > kMaxDimension)
      fail(std::string(name) + ": expected at most " + std::to_string(kMaxDimension) + ", got " +
           std::to_string(value));
  if (c.embed_dim % c.num_heads != 0)
    fail("embed_dim: expected a multiple of num_heads = " + std::to_string(c.num_heads) + ", got " +
         std::to_string(c.embed_dim));
  if (c.num_kv_heads < 0 || (c.num_kv_heads > 0 && c.num_heads % c.num_kv_heads != 0))
    fail("num_kv_heads: expected 0 (= num_heads) or a divisor of num_heads = " + std::to_string(c.num_heads) +
         ", got " + std::to_string(c.num_kv_heads));
  kernels::validate_rotary(c.rotary, c.embed_dim / c.num_heads);
}

void validate_weights(const AttentionConfig& c, const AttentionWeights& w) {
  const int64_t e = c.embed_dim;
  const int64_t kdim = c.kdim ? c.kdim : e, vdim = c.vdim ? c.vdim : e;
  const int64_t kv_heads = c.num_kv_heads ? c.num_kv_heads : c.num_heads;
  if (kv_heads != c.num_heads) {  // grouped-query attention: narrower k and v projections
    const int64_t e_kv = kv_heads * (e / c.num_heads);
    if (w.in_proj_weight.data)
      fail("in_proj_weight: only valid when num_kv_heads == num_heads (got num_kv_heads " + std::to_string(kv_heads) +
           ", num_heads " + std::to_string(c.num_heads) + "); pass q_proj_weight, k_proj_weight and v_proj_weight");
    check_size(w.q_proj_weight, "q_proj_weight", "[E, E]", {e, e}, unit(w.q_proj_weight));
    check_size(w.k_proj_weight, "k_proj_weight", "[E_kv, kdim]", {e_kv, kdim}, unit(w.k_proj_weight));
    check_size(w.v_proj_weight, "v_proj_weight", "[E_kv, vdim]", {e_kv, vdim}, unit(w.v_proj_weight));
    if (c.bias)
      check_size(w.in_proj_bias, "in_proj_bias", "[E + 2 E_kv]", {e + 2 * e_kv}, "floats");
    else if (w.in_proj_bias.data)
      fail("in_proj_bias: expected none because bias = false, got a bias buffer");
  } else if (w.in_proj_weight.data) {
    if (kdim != e || vdim != e)
      fail("in_proj_weight: only valid when kdim == vdim == embed_dim (got kdim " + std::to_string(kdim) + ", vdim " +
           std::to_string(vdim) + ", embed_dim " + std::to_string(e) +
           "); pass q_proj_weight, k_proj_weight and v_proj_weight");
    check_size(w.in_proj_weight, "in_proj_weight", "[3E, E]", {3 * e, e}, unit(w.in_proj_weight));
  } else {
    check_size(w.q_proj_weight, "q_proj_weight", "[E, E]", {e, e}, unit(w.q_proj_weight));
    check_size(w.k_proj_weight, "k_proj_weight", "[E, kdim]", {e, kdim}, unit(w.k_proj_weight));
    check_size(w.v_proj_weight, "v_proj_weight", "[E, vdim]", {e, vdim}, unit(w.v_proj_weight));
  }
  check_size(w.out_proj_weight, "out_proj.weight", "[E, E]", {e, e}, unit(w.out_proj_weight));
  if (c.bias) {
    if (kv_heads == c.num_heads) check_size(w.in_proj_bias, "in_proj_bias", "[3E]", {3 * e}, "floats");
    if (c.out_bias)
      check_size(w.out_proj_bias, "out_proj.bias", "[E]", {e}, "floats");
    else if (w.out_proj_bias.data)
      fail("out_proj.bias: expected none because out_bias = false, got a bias buffer");
  } else if (w.in_proj_bias.data || w.out_proj_bias.data) {
    fail("in_proj_bias/out_proj.bias: expected none because bias = false, got a bias buffer");
  }
}

void validate_call(const AttentionConfig& c, const AttentionInputs& in, const AttentionOutputs& out) {
  check_positive(in.batch, "batch");
  check_positive(in.query_len, "query_len");
  check_positive(in.key_len, "key_len");
  for (auto [value, name] :
       {std::pair<int64_t, const char*>{in.batch, "batch"}, {in.query_len, "query_len"}, {in.key_len, "key_len"}})
    if (value > kMaxDimension)
      fail(std::string(name) + ": expected at most " + std::to_string(kMaxDimension) + ", got " +
           std::to_string(value));
  if (in.position_offset < 0 || in.position_offset > kMaxDimension)
    fail("position_offset: expected an integer in [0, " + std::to_string(kMaxDimension) + "], got " +
         std::to_string(in.position_offset));
  const int64_t b = in.batch, lq = in.query_len, lk = in.key_len, e = c.embed_dim, h = c.num_heads;
  const int64_t kdim = c.kdim ? c.kdim : e, vdim = c.vdim ? c.vdim : e;
  check_size(in.query, "query", "[B, Lq, E]", {b, lq, e}, "floats");
  check_size(in.key, "key", "[B, Lk, kdim]", {b, lk, kdim}, "floats");
  check_size(in.value, "value", "[B, Lk, vdim]", {b, lk, vdim}, "floats");
  if (in.key_padding_mask.data) check_size(in.key_padding_mask, "key_padding_mask", "[B, Lk]", {b, lk}, "bytes");
  if (in.attn_mask_bool.data && in.attn_mask_float.data)
    fail("attn_mask: expected either a boolean or a float mask, got both");
  if (in.attn_mask_layout != AttnMaskLayout::shared && in.attn_mask_layout != AttnMaskLayout::per_head)
    fail("attn_mask_layout: expected shared or per_head, got " + std::to_string(int(in.attn_mask_layout)));
  const bool shared = in.attn_mask_layout == AttnMaskLayout::shared;
  if (in.attn_mask_bool.data) {
    if (shared)
      check_size(in.attn_mask_bool, "attn_mask", "[Lq, Lk]", {lq, lk}, "bytes");
    else
      check_size(in.attn_mask_bool, "attn_mask", "[B*H, Lq, Lk]", {b * h, lq, lk}, "bytes");
  }
  if (in.attn_mask_float.data) {
    if (shared)
      check_size(in.attn_mask_float, "attn_mask", "[Lq, Lk]", {lq, lk}, "floats");
    else
      check_size(in.attn_mask_float, "attn_mask", "[B*H, Lq, Lk]", {b * h, lq, lk}, "floats");
  }
  check_size(FloatSpan{out.output, out.output_size}, "output", "[B, Lq, E]", {b, lq, e}, "floats");
  switch (out.weights_mode) {
    case WeightsMode::none:
      break;
    case WeightsMode::per_head:
      check_size(FloatSpan{out.weights, out.weights_size}, "weights", "[B, H, Lq, Lk]", {b, h, lq, lk}, "floats");
      break;
    case WeightsMode::averaged:
      check_size(FloatSpan{out.weights, out.weights_size}, "weights", "[B, Lq, Lk]", {b, lq, lk}, "floats");
      break;
    default:
      fail("weights_mode: expected none, per_head or averaged, got " + std::to_string(int(out.weights_mode)));
  }
  if (out.context) check_size(FloatSpan{out.context, out.context_size}, "context", "[B, Lq, E]", {b, lq, e}, "floats");
}

size_t attention_weights_size(const AttentionConfig& c, WeightsMode mode, int32_t batch, int32_t query_len,
                              int32_t key_len) {
  const size_t rows = static_cast<size_t>(batch) * query_len * key_len;
  switch (mode) {
    case WeightsMode::per_head:
      return rows * static_cast<size_t>(c.num_heads);
    case WeightsMode::averaged:
      return rows;
    default:
      return 0;
  }
}

}  // namespace mha
