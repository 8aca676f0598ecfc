// SIMD forward pass. All arithmetic goes through the kernels in src/kernels (gemm, softmax).
//
// Two paths with the same results:
// - materialising (the caller wants the attention weights): project Q, K, V for every head, then per
//   (b, h) the full score matrix [Lq, Lk], softmax, weights . V; then W_O.
// - streaming, flash-attention style (no weights wanted): one head at a time, project q_h, k_h, v_h,
//   then for each block of queries walk the keys block by block with an online softmax, and add the
//   head's share of the output projection, context_h . W_O^T[h*d_k:(h+1)*d_k, :], straight into the output.
//   Memory is O((Lq + Lk) * d_k) per head instead of O(Lq * Lk + (Lq + Lk) * E); with causal masks the
//   key blocks above the diagonal are skipped.
//
// Scratch buffers, reused across calls (grown, never shrunk):
//   materialising path
//     q        [B*Lq, E]  projected queries (unscaled; 1/sqrt(d_k) is applied by the scores gemm)
//     k, v     [B*Lk, E]  projected keys and values
//     scores   [Lq, Lk]   scores, then weights, of one (b, h)
//     context  [B*Lq, E]  concat over heads of weights . v
//   streaming path, one HeadScratch per thread:
//     q [Lq, d_k], k [Lk, d_k], v [Lk, d_k]   one head's projections
//     context [Lq, d_k]                       its attention output
//     block [kQueryBlock, kKeyBlock]          scores, then probabilities, of one tile
//     keys / values                           K_h^T [d_k, Lk] and V_h [Lk, d_k] packed for the gemm
//     (with several threads and enough heads, `context` [B*Lq, E] above gathers every head's output
//      before the output projection)
//   materialising path: packed_keys / packed_values, the same packing for the head in hand
//
// Grouped-query attention (H_kv < H kv heads): the key and value buffers have E_kv = H_kv * d_k columns and
// the query heads h of one group (h / (H / H_kv) the same) share one packing of their kv head's K^T and V;
// the streaming path projects each kv head once per batch item and then runs the group's query heads.
// Rotary embeddings are applied to q and k right after their projection (src/kernels/rotary.hpp), from a
// cos/sin table of positions position_offset .. position_offset + max(Lq, Lk) - 1 built once per call.
//
// Threads (src/parallel): the gemms split rows or panels; the materialising path splits the projections
// by (projection, head) and each head's attention by query rows; the streaming path gives whole groups (a
// kv head and its query heads) to threads when there are enough of them, else splits each head's query
// blocks. Every split keeps each element's arithmetic as in a serial run, so results are bit-identical
// whatever the thread count.
#include "attention/mha.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/gemm.hpp"
#include "kernels/rotary.hpp"
#include "kernels/softmax.hpp"
#include "parallel/parallel.hpp"

namespace mha {

using kernels::PackedMatrix;

// One head's work buffers of the streaming path; one set per thread.
struct HeadScratch {
  std::vector<float> q, k, v, context, block;
  PackedMatrix keys, values;
};

struct MultiheadAttention::State {
  AttentionConfig config;
  bool has_weights = false;
  // W^T of each input projection packed per head: w_q[h] is [in, d_k] (W's rows h*d_k.. transposed) with
  // the head's bias, so that a head can be projected alone and any d_k fits the panel grid. w_k and w_v
  // have one entry per kv head (H_kv).
  std::vector<PackedMatrix> w_q, w_k, w_v;
  std::vector<float> inverse_frequencies;  // rotary inv_freq [rotary.dim / 2]
  kernels::RotaryTable rotary;             // cos/sin of this call's positions
  PackedMatrix w_o;                        // W_O^T [E, E] with b_O; rows h*d_k.. multiply head h's context
  std::vector<float> q, k, v, scores, context;
  PackedMatrix packed_keys, packed_values;
  std::vector<HeadScratch> heads;  // [num_threads()]
};

namespace {

// Softmax of a score row [keys] whose keys from `visible` on are causally masked: over the first `visible`
// alone, the rest exactly 0. Both materialising paths (forward, forward_cached) normalise a row this way, so a
// token's weights do not depend on how many later keys the call holds (a cached run gives run()'s bits).
void softmax_visible(float* row, int64_t keys, int64_t visible) {
  visible = std::min(visible, keys);
  kernels::softmax_row(row, int32_t(visible));
  std::fill(row + visible, row + keys, 0.0f);
}

template <typename T>
T* grow(std::vector<T>& buffer, size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// Rotates one head's [rows, d_k] block (row stride ld) for the positions of the table's rows; no-op without rotary.
void rotate_head(float* x, int64_t ld, int32_t rows, int32_t d_k, const kernels::RotaryTable* table) {
  if (table) kernels::apply_rotary({x, ld, rows, 1, d_k}, *table);
}

// Tile sizes of the streaming path: a [32, 128] score tile (16 KB) stays in L1 next to its panels.
constexpr int32_t kQueryBlock = 32;
constexpr int32_t kKeyBlock = 128;  // a multiple of every gemm panel width
// Query rows a thread takes at a time in the materialising path (a whole gemm register tile or more).
constexpr int32_t kQueryRowGrain = 8;

// Applies the masks of one (b, h) to a tile of its scores: s[r * lds + c] is the (already scaled) score
// of query i0 + r against key j0 + c, for r < rows, c < cols.
void apply_masks(float* s, int64_t lds, const AttentionInputs& in, int64_t b, int64_t h, int64_t num_heads, int64_t i0,
                 int64_t rows, int64_t j0, int64_t cols) {
  const int64_t lq = in.query_len, lk = in.key_len;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const int64_t plane = in.attn_mask_layout == AttnMaskLayout::per_head ? (b * num_heads + h) * lq * lk : 0;
  if (in.attn_mask_float.data)
    for (int64_t r = 0; r < rows; ++r)
      kernels::add_scaled_row(s + r * lds, in.attn_mask_float.data + plane + (i0 + r) * lk + j0,
                              static_cast<int32_t>(cols), 1.0f);
  if (in.attn_mask_bool.data)
    for (int64_t r = 0; r < rows; ++r) {
      const uint8_t* mask = in.attn_mask_bool.data + plane + (i0 + r) * lk + j0;
      for (int64_t c = 0; c < cols; ++c)
        if (mask[c]) s[r * lds + c] = neg_inf;
    }
  if (in.key_padding_mask.data) {
    const uint8_t* padding = in.key_padding_mask.data + b * lk + j0;
    for (int64_t c = 0; c < cols; ++c)
      if (padding[c])
        for (int64_t r = 0; r < rows; ++r) s[r * lds + c] = neg_inf;
  }
  if (in.is_causal)  // key j is forbidden for query i when j > i
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = std::max<int64_t>(0, i0 + r + 1 - j0); c < cols; ++c) s[r * lds + c] = neg_inf;
}

// Streaming attention of one (b, h) for queries [query_begin, query_end): context [Lq, d_k] =
// softmax(q . K^T * scale + masks) . V, never holding more than one [kQueryBlock, kKeyBlock] tile of
// scores (`block`). q is [Lq, d_k]; keys and values are K_h^T [d_k, Lk] and V_h [Lk, d_k] packed. Rows
// whose keys are all forbidden get a context of 0. query_begin is a multiple of kQueryBlock.
void attend_streaming(float* context, const float* q, const PackedMatrix& keys, const PackedMatrix& values,
                      float* block, float scale, const AttentionInputs& in, int64_t b, int64_t h, int64_t num_heads,
                      int32_t query_begin, int32_t query_end) {
  const int32_t lk = in.key_len, d_k = values.cols;
  float running_max[kQueryBlock], running_sum[kQueryBlock];
  for (int32_t i0 = query_begin; i0 < query_end; i0 += kQueryBlock) {
    const int32_t rows = std::min(kQueryBlock, query_end - i0);
    float* out = context + int64_t(i0) * d_k;  // [rows, d_k]: sum_j p_ij v_j with p relative to running_max
    std::fill(out, out + int64_t(rows) * d_k, 0.0f);
    std::fill(running_max, running_max + rows, -std::numeric_limits<float>::infinity());
    std::fill(running_sum, running_sum + rows, 0.0f);
    // Causal: the last query of the block, i0 + rows - 1, sees keys up to itself; later keys are skipped.
    const int32_t key_end = in.is_causal ? std::min(lk, i0 + rows) : lk;
    for (int32_t j0 = 0; j0 < key_end; j0 += kKeyBlock) {
      const int32_t cols = std::min(kKeyBlock, key_end - j0);
      // scores tile [rows, cols] = q[i0.., :] . K^T[:, j0..] * scale, then masks
      kernels::gemm_block(block, kKeyBlock, q + int64_t(i0) * d_k, d_k, rows, keys, 0, d_k, j0, j0 + cols, scale,
                          false);
      apply_masks(block, kKeyBlock, in, b, h, num_heads, i0, rows, j0, cols);
      // online softmax: tile -> exp(s - running max); rescale what was accumulated under an older max
      for (int32_t r = 0; r < rows; ++r) {
        const float correction =
            kernels::softmax_online_step(block + int64_t(r) * kKeyBlock, cols, running_max[r], running_sum[r]);
        if (correction != 1.0f) kernels::scale_row(out + int64_t(r) * d_k, d_k, correction);
      }
      // out += p [rows, cols] . V[j0.., :]
      kernels::gemm_block(out, d_k, block, kKeyBlock, rows, values, j0, j0 + cols, 0, d_k, 1.0f, true);
    }
    for (int32_t r = 0; r < rows; ++r)  // normalise; a row with no allowed key stays 0
      kernels::scale_row(out + int64_t(r) * d_k, d_k, running_sum[r] > 0.0f ? 1.0f / running_sum[r] : 0.0f);
  }
}

// Packs the first `out_features` rows of an nn.Linear weight W [out, in] (in `in_features` columns) as the
// gemm's B = W^T [in, out], in the span's format; `bias` is [out_features] or null.
void pack_transposed(PackedMatrix& packed, const MatrixSpan& w, int32_t in_features, int32_t out_features,
                     const float* bias) {
  if (w.format == kernels::WeightFormat::f32)
    kernels::gemm_pack(packed, static_cast<const float*>(w.data), 1, in_features, in_features, out_features, bias);
  else
    kernels::gemm_pack(packed, static_cast<const uint16_t*>(w.data), w.format, 1, in_features, in_features,
                       out_features, bias);
}

}  // namespace

MultiheadAttention::MultiheadAttention(const AttentionConfig& config) : state_(std::make_unique<State>()) {
  validate_config(config);
  state_->config = config;
  if (!state_->config.kdim) state_->config.kdim = config.embed_dim;
  if (!state_->config.vdim) state_->config.vdim = config.embed_dim;
  if (!state_->config.num_kv_heads) state_->config.num_kv_heads = config.num_heads;
  if (config.rotary.dim) state_->inverse_frequencies = kernels::rotary_inverse_frequencies(config.rotary);
}
MultiheadAttention::~MultiheadAttention() = default;
MultiheadAttention::MultiheadAttention(MultiheadAttention&&) noexcept = default;
MultiheadAttention& MultiheadAttention::operator=(MultiheadAttention&&) noexcept = default;

const AttentionConfig& MultiheadAttention::config() const { return state_->config; }
bool MultiheadAttention::has_weights() const { return state_->has_weights; }

size_t MultiheadAttention::memory_bytes() const {
  const State& s = *state_;
  size_t bytes = s.w_o.memory_bytes() + s.packed_keys.memory_bytes() + s.packed_values.memory_bytes();
  for (const auto* heads : {&s.w_q, &s.w_k, &s.w_v})
    for (const PackedMatrix& m : *heads) bytes += m.memory_bytes();
  for (const std::vector<float>* buffer : {&s.q, &s.k, &s.v, &s.scores, &s.context}) bytes += buffer->capacity() * 4;
  for (const HeadScratch& h : s.heads) {
    for (const std::vector<float>* buffer : {&h.q, &h.k, &h.v, &h.context, &h.block}) bytes += buffer->capacity() * 4;
    bytes += h.keys.panels.capacity() * 4 + h.values.panels.capacity() * 4;
  }
  return bytes;
}

size_t MultiheadAttention::weight_bytes() const {
  const State& s = *state_;
  size_t bytes = s.w_o.memory_bytes();
  for (const auto* heads : {&s.w_q, &s.w_k, &s.w_v})
    for (const PackedMatrix& m : *heads) bytes += m.memory_bytes();
  return bytes;
}

void MultiheadAttention::load_weights(const AttentionWeights& w) {
  const AttentionConfig& c = state_->config;
  validate_weights(c, w);
  const int64_t e = c.embed_dim, e_kv = int64_t(c.num_kv_heads) * (e / c.num_heads);
  const MatrixSpan wq = w.in_proj_weight.data ? w.in_proj_weight : w.q_proj_weight;
  const MatrixSpan wk = w.in_proj_weight.data ? w.in_proj_weight.from(size_t(e * e)) : w.k_proj_weight;
  const MatrixSpan wv = w.in_proj_weight.data ? w.in_proj_weight.from(size_t(2 * e * e)) : w.v_proj_weight;
  const float* b_in = c.bias ? w.in_proj_bias.data : nullptr;
  // nn.Linear weight W [out, in] is packed as B = W^T [in, out], one head (d_k output columns) at a time.
  const int32_t d_k = c.embed_dim / c.num_heads;
  const auto pack_heads = [&](std::vector<PackedMatrix>& packed, const MatrixSpan& w, int32_t in_features,
                              const float* bias) {
    const int32_t heads = int32_t(packed.size());
    for (int32_t h = 0; h < heads; ++h)
      pack_transposed(packed[h], w.from(size_t(h) * d_k * in_features), in_features, d_k,
                      bias ? bias + int64_t(h) * d_k : nullptr);
  };
  state_->w_q.resize(c.num_heads);
  state_->w_k.resize(c.num_kv_heads);
  state_->w_v.resize(c.num_kv_heads);
  pack_heads(state_->w_q, wq, c.embed_dim, b_in);
  pack_heads(state_->w_k, wk, c.kdim, b_in ? b_in + e : nullptr);
  pack_heads(state_->w_v, wv, c.vdim, b_in ? b_in + e + e_kv : nullptr);
  pack_transposed(state_->w_o, w.out_proj_weight, c.embed_dim, c.embed_dim,
                  c.bias && c.out_bias ? w.out_proj_bias.data : nullptr);
  state_->has_weights = true;
}

void MultiheadAttention::forward(const AttentionInputs& in, const AttentionOutputs& out) {
  State& s = *state_;
  const AttentionConfig& c = s.config;
  validate_call(c, in, out);
  if (!s.has_weights) throw ArgumentError("weights: expected load_weights() before forward(), got none loaded");
  const int32_t B = in.batch, Lq = in.query_len, Lk = in.key_len, E = c.embed_dim, H = c.num_heads;
  const int32_t d_k = E / H, H_kv = c.num_kv_heads, E_kv = H_kv * d_k, group = H / H_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k));
  if (c.rotary.dim)
    kernels::rotary_table(s.rotary, c.rotary, s.inverse_frequencies, in.position_offset, std::max(Lq, Lk));
  const kernels::RotaryTable* rotary = c.rotary.dim ? &s.rotary : nullptr;

  if (out.weights_mode == WeightsMode::none) {
    forward_streaming(in, out);
    return;
  }

  // 1. Projections: [B*L, in] . W^T + b -> q [B*Lq, E], k and v [B*Lk, E_kv], head by head into columns h*d_k..;
  //    then rotary on q and k
  float* q = grow(s.q, size_t(B) * Lq * E);
  float* k = grow(s.k, size_t(B) * Lk * E_kv);
  float* v = grow(s.v, size_t(B) * Lk * E_kv);
  // H + 2*H_kv independent products, one per (projection, head): threads take whole products, which also
  // splits short sequences (a model run over a few tokens) that row chunks could not.
  const double rows_times_width = double(B) * std::max(Lq, Lk) * std::max({E, c.kdim, c.vdim});
  parallel::for_range(H + 2 * H_kv, 1, rows_times_width * d_k, [&](int64_t begin, int64_t end, int32_t) {
    for (int64_t task = begin; task < end; ++task) {
      if (task < H) {
        const int32_t h = int32_t(task);
        kernels::gemm(q + h * d_k, E, in.query.data, E, B * Lq, s.w_q[h]);
        for (int32_t b = 0; b < B; ++b) rotate_head(q + int64_t(b) * Lq * E + h * d_k, E, Lq, d_k, rotary);
      } else if (task < H + H_kv) {
        const int32_t kv = int32_t(task - H);
        kernels::gemm(k + kv * d_k, E_kv, in.key.data, c.kdim, B * Lk, s.w_k[kv]);
        for (int32_t b = 0; b < B; ++b) rotate_head(k + int64_t(b) * Lk * E_kv + kv * d_k, E_kv, Lk, d_k, rotary);
      } else {
        const int32_t kv = int32_t(task - H - H_kv);
        kernels::gemm(v + kv * d_k, E_kv, in.value.data, c.vdim, B * Lk, s.w_v[kv]);
      }
    }
  });

  float* scores = grow(s.scores, size_t(Lq) * Lk);
  float* context = grow(s.context, size_t(B) * Lq * E);
  if (out.weights_mode == WeightsMode::averaged) std::fill(out.weights, out.weights + out.weights_size, 0.0f);

  for (int32_t b = 0; b < B; ++b)
    for (int32_t h = 0; h < H; ++h) {
      const int64_t head_offset = int64_t(h) * d_k;
      float* context_bh = context + int64_t(b) * Lq * E + head_offset;  // [Lq, d_k], row stride E
      const bool enabled = !out.head_enabled || out.head_enabled[h];
      if (!enabled)  // ablated: context 0, weights still reported
        for (int32_t i = 0; i < Lq; ++i) std::fill_n(context_bh + int64_t(i) * E, d_k, 0.0f);
      // 2. scores [Lq, Lk] = Q_h . K_kv^T / sqrt(d_k), masked, softmax per row;
      // 3. context_h [Lq, d_k] = weights [Lq, Lk] . V_kv [Lk, d_k]
      // Threads take blocks of query rows: every row's scores, weights and context are its own.
      // The first query head of a group packs its kv head's K^T and V; the others reuse them.
      if (h % group == 0) {
        const int64_t kv_offset = int64_t(b) * Lk * E_kv + int64_t(h / group) * d_k;
        kernels::gemm_pack(s.packed_keys, k + kv_offset, 1, E_kv, d_k, Lk);
        kernels::gemm_pack(s.packed_values, v + kv_offset, E_kv, 1, Lk, d_k);
      }
      const float* q_bh = q + int64_t(b) * Lq * E + head_offset;
      parallel::for_range(Lq, kQueryRowGrain, 2.0 * Lk * d_k, [&](int64_t begin, int64_t end, int32_t) {
        const int32_t rows = int32_t(end - begin);
        float* scores_rows = scores + begin * Lk;
        kernels::gemm(scores_rows, Lk, q_bh + begin * E, E, rows, s.packed_keys, scale);
        apply_masks(scores_rows, Lk, in, b, h, H, begin, rows, 0, Lk);
        for (int32_t i = 0; i < rows; ++i)
          softmax_visible(scores_rows + int64_t(i) * Lk, Lk, in.is_causal ? begin + i + 1 : Lk);
        if (out.weights_mode == WeightsMode::per_head)
          std::copy(scores_rows, scores_rows + int64_t(rows) * Lk,
                    out.weights + ((int64_t(b) * H + h) * Lq + begin) * Lk);
        if (out.weights_mode == WeightsMode::averaged)
          kernels::add_scaled_row(out.weights + (int64_t(b) * Lq + begin) * Lk, scores_rows, rows * Lk, 1.0f / H);
        if (enabled) kernels::gemm(context_bh + begin * E, E, scores_rows, Lk, rows, s.packed_values);
      });
    }

  if (out.context) std::copy(context, context + size_t(B) * Lq * E, out.context);
  // 4. out [B*Lq, E] = context . W_O^T + b_O
  kernels::gemm(out.output, E, context, E, B * Lq, s.w_o);
}

namespace {

// What the streaming path reads besides the inputs: the packed projections and the rotary table (or null).
struct StreamingWeights {
  const std::vector<PackedMatrix>& w_q;  // [H]
  const std::vector<PackedMatrix>& w_k;  // [H_kv]
  const std::vector<PackedMatrix>& w_v;  // [H_kv]
  const kernels::RotaryTable* rotary;
};

// Streaming attention of the query heads that read kv head `kv`, in batch item b: K_kv and V_kv are projected
// (k rotated) and packed once into heads[thread], then for each query head h of the group with enabled(h),
// q_h is projected (and rotated), context_h [Lq, d_k] computed into heads[thread].context tile by tile, and
// deliver(h, context_h) called. Loops inside split across threads unless this already runs on one.
template <typename Enabled, typename Deliver>
void stream_group(std::vector<HeadScratch>& heads, int32_t thread, const StreamingWeights& weights,
                  const AttentionConfig& c, const AttentionInputs& in, int32_t b, int32_t kv, const Enabled& enabled,
                  const Deliver& deliver) {
  const int32_t Lq = in.query_len, Lk = in.key_len, E = c.embed_dim, H = c.num_heads, d_k = E / H;
  const int32_t group = H / c.num_kv_heads, first_head = kv * group;
  bool any_enabled = false;
  for (int32_t h = first_head; h < first_head + group; ++h) any_enabled = any_enabled || enabled(h);
  if (!any_enabled) return;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k));
  HeadScratch& w = heads[thread];
  // 1. the kv head's projections (rotary on k), then K^T and V packed for the gemm
  kernels::gemm(w.k.data(), d_k, in.key.data + int64_t(b) * Lk * c.kdim, c.kdim, Lk, weights.w_k[kv]);
  kernels::gemm(w.v.data(), d_k, in.value.data + int64_t(b) * Lk * c.vdim, c.vdim, Lk, weights.w_v[kv]);
  rotate_head(w.k.data(), d_k, Lk, d_k, weights.rotary);
  kernels::gemm_pack(w.keys, w.k.data(), 1, d_k, d_k, Lk);
  kernels::gemm_pack(w.values, w.v.data(), d_k, 1, Lk, d_k);
  for (int32_t h = first_head; h < first_head + group; ++h) {
    if (!enabled(h)) continue;
    // 2. q_h [Lq, d_k] (rotary), then context_h = softmax(q_h . K^T / sqrt(d_k) + masks) . V; each thread its tile
    kernels::gemm(w.q.data(), d_k, in.query.data + int64_t(b) * Lq * E, E, Lq, weights.w_q[h]);
    rotate_head(w.q.data(), d_k, Lq, d_k, weights.rotary);
    parallel::for_range(Lq, kQueryBlock, 2.0 * Lk * d_k, [&](int64_t begin, int64_t end, int32_t t) {
      attend_streaming(w.context.data(), w.q.data(), w.keys, w.values, heads[t].block.data(), scale, in, b, h, H,
                       int32_t(begin), int32_t(end));
    });
    deliver(h, static_cast<const float*>(w.context.data()));
  }
}

// Copies context_h [Lq, d_k] into columns h*d_k.. of a [Lq, E] matrix.
void scatter_head(float* target, int64_t ld, const float* context_h, int32_t rows, int32_t d_k) {
  for (int32_t i = 0; i < rows; ++i) std::copy_n(context_h + int64_t(i) * d_k, d_k, target + i * ld);
}

}  // namespace

void MultiheadAttention::forward_streaming(const AttentionInputs& in, const AttentionOutputs& out) {
  State& s = *state_;
  const AttentionConfig& c = s.config;
  const int32_t B = in.batch, Lq = in.query_len, Lk = in.key_len, E = c.embed_dim, H = c.num_heads;
  const int32_t d_k = E / H, H_kv = c.num_kv_heads, group = H / H_kv;
  const auto enabled = [&](int32_t h) { return !out.head_enabled || out.head_enabled[h]; };
  const StreamingWeights weights{s.w_q, s.w_k, s.w_v, c.rotary.dim ? &s.rotary : nullptr};
  // Every buffer a thread may touch is sized here, before any loop runs on workers.
  const int32_t threads = num_threads();
  if (s.heads.size() < size_t(threads)) s.heads.resize(threads);
  for (HeadScratch& w : s.heads) {
    grow(w.q, size_t(Lq) * d_k);
    grow(w.k, size_t(Lk) * d_k);
    grow(w.v, size_t(Lk) * d_k);
    grow(w.context, size_t(Lq) * d_k);
    grow(w.block, size_t(kQueryBlock) * kKeyBlock);
    kernels::gemm_reserve(w.keys, d_k, Lk);
    kernels::gemm_reserve(w.values, Lk, d_k);
  }
  const auto init_output_rows = [&](int64_t begin, int64_t end) {  // out rows start as b_O
    for (int64_t row = begin; row < end; ++row) {
      float* out_row = out.output + row * E;
      if (s.w_o.bias.empty())
        std::fill(out_row, out_row + E, 0.0f);
      else
        std::copy(s.w_o.bias.data(), s.w_o.bias.data() + E, out_row);
    }
  };
  if (out.context)  // ablated heads: context 0
    for (int32_t h = 0; h < H; ++h)
      if (!enabled(h))
        for (int64_t row = 0; row < int64_t(B) * Lq; ++row) std::fill_n(out.context + row * E + h * d_k, d_k, 0.0f);

  const double group_cost =
      2.0 * d_k * (group * (double(Lq) * E + 2.0 * Lq * Lk) + 2.0 * Lk * std::max(c.kdim, c.vdim));
  if (threads > 1 && int64_t(B) * H_kv >= 2 * threads) {
    // Threads take whole groups (a kv head and its query heads), each into its own HeadScratch; the heads'
    // outputs meet in `context` [B*Lq, E], then out = b_O + sum_h context_h . W_O^T[h*d_k.., :], rows split
    // between threads and heads added in order, as the serial loop below does.
    float* context = grow(s.context, size_t(B) * Lq * E);
    parallel::for_range(int64_t(B) * H_kv, 1, group_cost, [&](int64_t begin, int64_t end, int32_t thread) {
      for (int64_t pair = begin; pair < end; ++pair) {
        const int32_t b = int32_t(pair / H_kv), kv = int32_t(pair % H_kv);
        stream_group(s.heads, thread, weights, c, in, b, kv, enabled, [&](int32_t h, const float* context_h) {
          const int64_t offset = int64_t(b) * Lq * E + int64_t(h) * d_k;
          scatter_head(context + offset, E, context_h, Lq, d_k);
          if (out.context) scatter_head(out.context + offset, E, context_h, Lq, d_k);
        });
      }
    });
    parallel::for_range(int64_t(B) * Lq, kQueryBlock, double(E) * E, [&](int64_t begin, int64_t end, int32_t) {
      init_output_rows(begin, end);
      for (int32_t h = 0; h < H; ++h)
        if (enabled(h))
          kernels::gemm_block(out.output + begin * E, E, context + begin * E + int64_t(h) * d_k, E,
                              int32_t(end - begin), s.w_o, h * d_k, (h + 1) * d_k, 0, E, 1.0f, true);
    });
    return;
  }
  // One group at a time, one query head at a time (the loops inside split between threads, if any):
  // O((Lq + Lk) * d_k) memory.
  init_output_rows(0, int64_t(B) * Lq);
  for (int32_t b = 0; b < B; ++b)
    for (int32_t kv = 0; kv < H_kv; ++kv)
      stream_group(s.heads, 0, weights, c, in, b, kv, enabled, [&](int32_t h, const float* context_h) {
        if (out.context) scatter_head(out.context + int64_t(b) * Lq * E + int64_t(h) * d_k, E, context_h, Lq, d_k);
        // out += context_h . W_O^T[h*d_k:(h+1)*d_k, :]
        kernels::gemm_block(out.output + int64_t(b) * Lq * E, E, context_h, d_k, Lq, s.w_o, h * d_k, (h + 1) * d_k, 0,
                            E, 1.0f, true);
      });
}

void MultiheadAttention::forward_cached(const float* x, int32_t count, KvCache& cache, const AttentionOutputs& out) {
  State& s = *state_;
  const AttentionConfig& c = s.config;
  if (!s.has_weights) throw ArgumentError("weights: expected load_weights() before forward_cached(), got none loaded");
  if (c.kdim != c.embed_dim || c.vdim != c.embed_dim)
    throw ArgumentError("forward_cached: expected a self-attention layer (kdim == vdim == embed_dim)");
  if (x == nullptr) throw ArgumentError("x: expected [count, E] floats, got no buffer");
  const int32_t E = c.embed_dim, H = c.num_heads, d_k = E / H, H_kv = c.num_kv_heads, E_kv = H_kv * d_k;
  const int32_t group = H / H_kv, offset = cache.length;
  const int64_t expected_cache = int64_t(offset) * E_kv;
  if (offset < 0 || int64_t(cache.keys.size()) != expected_cache || int64_t(cache.values.size()) != expected_cache)
    throw ArgumentError("cache: expected keys and values of length * E_kv = " + std::to_string(expected_cache) +
                        " floats each, got " + std::to_string(cache.keys.size()) + " and " +
                        std::to_string(cache.values.size()));
  // The same checks as forward() for a [1, count, E] query over [1, T, E] keys.
  AttentionInputs shape;
  shape.query = shape.key = shape.value = {x, size_t(count) * E};
  shape.query_len = count;
  shape.key_len = count;
  validate_call(c, shape, {out.output, out.output_size, nullptr, 0, WeightsMode::none, out.context, out.context_size});
  const int32_t T = offset + count;
  if (out.weights_mode != WeightsMode::none) {
    const size_t want = attention_weights_size(c, out.weights_mode, 1, count, T);
    if (out.weights == nullptr || out.weights_size != want)
      throw ArgumentError(
          "weights: expected " + std::to_string(want) + " floats for " +
          (out.weights_mode == WeightsMode::per_head ? "[H, count, T] = " : "[count, T] = ") +
          (out.weights_mode == WeightsMode::per_head ? shape_text({H, count, T}) : shape_text({count, T})) + ", got " +
          std::to_string(out.weights_size));
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_k));
  if (c.rotary.dim) kernels::rotary_table(s.rotary, c.rotary, s.inverse_frequencies, offset, count);
  const kernels::RotaryTable* rotary = c.rotary.dim ? &s.rotary : nullptr;

  // 1. q [count, E] of the new tokens; their k and v appended to the cache's rows offset.. (rotary on q and k)
  float* q = grow(s.q, size_t(count) * E);
  cache.keys.resize(size_t(T) * E_kv);
  cache.values.resize(size_t(T) * E_kv);
  for (int32_t h = 0; h < H; ++h) {
    kernels::gemm(q + h * d_k, E, x, E, count, s.w_q[h]);
    rotate_head(q + h * d_k, E, count, d_k, rotary);
  }
  for (int32_t kv = 0; kv < H_kv; ++kv) {
    float* keys = cache.keys.data() + int64_t(offset) * E_kv + kv * d_k;
    kernels::gemm(keys, E_kv, x, E, count, s.w_k[kv]);
    rotate_head(keys, E_kv, count, d_k, rotary);
    kernels::gemm(cache.values.data() + int64_t(offset) * E_kv + kv * d_k, E_kv, x, E, count, s.w_v[kv]);
  }
  cache.length = T;

  // 2. per query head: scores [count, T] = q_h . K_kv^T / sqrt(d_k), causal (new token i sees keys up to
  //    offset + i), softmax; 3. context_h = weights . V_kv
  float* scores = grow(s.scores, size_t(count) * T);
  float* context = grow(s.context, size_t(count) * E);
  if (out.weights_mode == WeightsMode::averaged) std::fill(out.weights, out.weights + out.weights_size, 0.0f);
  for (int32_t h = 0; h < H; ++h) {
    const int64_t kv_offset = int64_t(h / group) * d_k;
    if (h % group == 0) {
      kernels::gemm_pack(s.packed_keys, cache.keys.data() + kv_offset, 1, E_kv, d_k, T);
      kernels::gemm_pack(s.packed_values, cache.values.data() + kv_offset, E_kv, 1, T, d_k);
    }
    kernels::gemm(scores, T, q + h * d_k, E, count, s.packed_keys, scale);
    for (int32_t i = 0; i < count; ++i) softmax_visible(scores + int64_t(i) * T, T, offset + i + 1);
    if (out.weights_mode == WeightsMode::per_head)
      std::copy(scores, scores + int64_t(count) * T, out.weights + int64_t(h) * count * T);
    if (out.weights_mode == WeightsMode::averaged) kernels::add_scaled_row(out.weights, scores, count * T, 1.0f / H);
    float* context_h = context + int64_t(h) * d_k;  // [count, d_k], row stride E
    if (!out.head_enabled || out.head_enabled[h])
      kernels::gemm(context_h, E, scores, T, count, s.packed_values);
    else
      for (int32_t i = 0; i < count; ++i) std::fill_n(context_h + int64_t(i) * E, d_k, 0.0f);
  }
  if (out.context) std::copy(context, context + size_t(count) * E, out.context);
  // 4. out [count, E] = context . W_O^T + b_O
  kernels::gemm(out.output, E, context, E, count, s.w_o);
}

void MultiheadAttention::project_qkv(const float* x, int32_t len, float* q, float* k, float* v) {
  State& s = *state_;
  const AttentionConfig& c = s.config;
  if (!s.has_weights) throw ArgumentError("weights: expected load_weights() before project_qkv(), got none loaded");
  if (len <= 0) throw ArgumentError("len: expected a positive integer, got " + std::to_string(len));
  if (c.kdim != c.embed_dim || c.vdim != c.embed_dim)
    throw ArgumentError("project_qkv: expected a self-attention layer (kdim == vdim == embed_dim)");
  const int32_t E = c.embed_dim, H = c.num_heads, d_k = E / H;
  if (c.rotary.dim) kernels::rotary_table(s.rotary, c.rotary, s.inverse_frequencies, 0, len);
  const kernels::RotaryTable* rotary = c.rotary.dim ? &s.rotary : nullptr;
  const std::vector<PackedMatrix>* weights[3] = {&s.w_q, &s.w_k, &s.w_v};
  float* targets[3] = {q, k, v};
  for (int which = 0; which < 3; ++which)
    for (size_t h = 0; h < weights[which]->size(); ++h) {  // [L, in] . W_h^T -> [L, d_k] at [h, :, :]
      float* head = targets[which] + int64_t(h) * len * d_k;
      kernels::gemm(head, d_k, x, E, len, (*weights[which])[h]);
      if (which < 2) rotate_head(head, d_k, len, d_k, rotary);
    }
}

}  // namespace mha
