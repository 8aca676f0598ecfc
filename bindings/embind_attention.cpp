// The thin Embind surface over the attention layer (one file per domain: embind_*.cpp). The JavaScript wrapper
// (bindings/js/attention.js) owns all the argument checking users see; this layer only moves pointers into the core and
// turns C++ exceptions into an error string or status, so that no exception crosses into JavaScript and no bad
// argument can abort the module.
//
// Buffers are passed as byte addresses into the wasm heap.
//
// forward() is the hot path and bypasses Embind: Embind's generic invoker (a closure over `arguments`, since the
// module is built with -sDYNAMIC_EXECUTION=0), its value_object conversion of a call record and its std::string
// return (a malloc and free per call) cost more than the whole core at small shapes. Instead each handle owns
//   - a ForwardRecord: fixed uint32 slots that the wrapper writes one call's arguments into; their names, the flag
//     bits, the weights modes and the status codes are defined here once and published to the wrapper by
//     forwardRecordLayout() (bindings/js/attention.js reads them, never copies them), and
//   - a staging block that holds the call's inputs and outputs, reused across calls (grown, never shrunk unless the
//     wrapper releases it after an unusually large call),
// and the wrapper calls two plain exports, mha_attention_staging(record, bytes) and mha_attention_forward(record).
// Both live and die with the Embind object, so dispose() and the FinalizationRegistry free them with it.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <new>
#include <string>
#include <xsimd/xsimd.hpp>

#include "attention/mha.hpp"
#include "guarded.hpp"

namespace {

using namespace mha;
using mha::bindings::guarded;

// Slots of the forward record: addresses (bytes) and lengths (elements) of every buffer of one call, 0 = absent.
enum ForwardSlot : uint32_t {
  kQuery,
  kQuerySize,
  kKey,
  kKeySize,
  kValue,
  kValueSize,
  kBatch,
  kQueryLength,
  kKeyLength,
  kKeyPaddingMask,
  kKeyPaddingMaskSize,
  kAttnMask,
  kAttnMaskSize,
  kHeadEnabled,
  kOutput,
  kOutputSize,
  kWeights,
  kWeightsSize,
  kWeightsMode,     // a WeightsMode (src/attention/mha.hpp)
  kFlags,           // kFlag* bits below
  kPositionOffset,  // rotary only: the position of query 0 and key 0
  kSlotCount
};
// The name the wrapper uses for each slot, in slot order.
struct SlotName {
  ForwardSlot slot;
  const char* name;
};
constexpr SlotName kSlotNames[] = {
    {kQuery, "query"},
    {kQuerySize, "querySize"},
    {kKey, "key"},
    {kKeySize, "keySize"},
    {kValue, "value"},
    {kValueSize, "valueSize"},
    {kBatch, "batch"},
    {kQueryLength, "queryLength"},
    {kKeyLength, "keyLength"},
    {kKeyPaddingMask, "keyPaddingMask"},
    {kKeyPaddingMaskSize, "keyPaddingMaskSize"},
    {kAttnMask, "attnMask"},
    {kAttnMaskSize, "attnMaskSize"},
    {kHeadEnabled, "headEnabled"},
    {kOutput, "output"},
    {kOutputSize, "outputSize"},
    {kWeights, "weights"},
    {kWeightsSize, "weightsSize"},
    {kWeightsMode, "weightsMode"},
    {kFlags, "flags"},
    {kPositionOffset, "positionOffset"},
};
constexpr bool slot_names_complete() {
  if (std::size(kSlotNames) != kSlotCount) return false;
  for (size_t n = 0; n < std::size(kSlotNames); ++n)
    if (kSlotNames[n].slot != n) return false;
  return true;
}
static_assert(slot_names_complete(), "kSlotNames names every ForwardSlot once, in order");

constexpr uint32_t kFlagCausal = 1, kFlagAttnMaskIsFloat = 2, kFlagAttnMaskPerHead = 4;

// What mha_attention_forward returns.
constexpr int32_t kForwardOk = 0, kForwardError = 1 /* message in lastError() */, kForwardNonFinite = 2;

class MultiHeadAttentionHandle;
struct ForwardRecord {
  uint32_t slots[kSlotCount] = {};
  MultiHeadAttentionHandle* owner = nullptr;
};

// Everything the wrapper must agree on about the forward record, as one object:
//   { slots: { query: 0, ... }, slotCount, flags: { causal, attnMaskIsFloat, attnMaskPerHead },
//     weightsModes: { none, perHead, averaged }, status: { ok, error, nonFinite } }
emscripten::val forward_record_layout() {
  using emscripten::val;
  val slots = val::object();
  for (const SlotName& entry : kSlotNames) slots.set(entry.name, static_cast<uint32_t>(entry.slot));
  val flags = val::object();
  flags.set("causal", kFlagCausal);
  flags.set("attnMaskIsFloat", kFlagAttnMaskIsFloat);
  flags.set("attnMaskPerHead", kFlagAttnMaskPerHead);
  val modes = val::object();
  modes.set("none", static_cast<uint32_t>(WeightsMode::none));
  modes.set("perHead", static_cast<uint32_t>(WeightsMode::per_head));
  modes.set("averaged", static_cast<uint32_t>(WeightsMode::averaged));
  val status = val::object();
  status.set("ok", kForwardOk);
  status.set("error", kForwardError);
  status.set("nonFinite", kForwardNonFinite);
  val layout = val::object();
  layout.set("slots", slots);
  layout.set("slotCount", static_cast<uint32_t>(kSlotCount));
  layout.set("flags", flags);
  layout.set("weightsModes", modes);
  layout.set("status", status);
  return layout;
}

// configure()'s argument: the layer's sizes (AttentionConfig without rotary scalings; 0 = the default).
struct LayerShape {
  int32_t embed_dim = 0, num_heads = 0, kdim = 0, vdim = 0, num_kv_heads = 0;
  bool bias = true;
  int32_t rotary_dim = 0;  // 0 = no rotary embeddings
  float rotary_base = 10000.0f;
  bool rotary_interleaved = false;
};

struct WeightBuffers {
  uintptr_t in_proj_weight = 0, q_proj_weight = 0, k_proj_weight = 0, v_proj_weight = 0;
  uintptr_t in_proj_bias = 0, out_proj_weight = 0, out_proj_bias = 0;
  uint32_t in_proj_weight_size = 0, q_proj_weight_size = 0, k_proj_weight_size = 0, v_proj_weight_size = 0;
  uint32_t in_proj_bias_size = 0, out_proj_weight_size = 0, out_proj_bias_size = 0;
};

FloatSpan float_span(uintptr_t address, uint32_t size) {
  return {reinterpret_cast<const float*>(address), address ? size : 0};
}
MaskSpan mask_span(uintptr_t address, uint32_t size) {
  return {reinterpret_cast<const uint8_t*>(address), address ? size : 0};
}

// True when any of the `count` floats at `data` is NaN or +-infinity: x - x is +0 for a finite x and NaN otherwise,
// and OR-ing those bit patterns stays 0 only if every one is 0. The wrapper checks inputs here (SIMD, one pass) rather
// than element by element in JavaScript, and only looks for the offending index when this says there is one.
bool has_non_finite(const float* data, size_t count) {
  using batch = xsimd::batch<float>;
  constexpr size_t lanes = batch::size;
  batch any0(0.0f), any1(0.0f);
  size_t n = 0;
  for (; n + 2 * lanes <= count; n += 2 * lanes) {
    const batch x0 = batch::load_unaligned(data + n), x1 = batch::load_unaligned(data + n + lanes);
    any0 = any0 | (x0 - x0);
    any1 = any1 | (x1 - x1);
  }
  bool found = xsimd::any((any0 | any1) != batch(0.0f));
  for (; n < count; ++n) found |= !(data[n] - data[n] == 0.0f);
  return found;
}

// The Embind object behind the wrapper's MultiHeadAttention.
class MultiHeadAttentionHandle {
 public:
  MultiHeadAttentionHandle() { record_.owner = this; }
  MultiHeadAttentionHandle(const MultiHeadAttentionHandle&) = delete;
  MultiHeadAttentionHandle& operator=(const MultiHeadAttentionHandle&) = delete;

  std::string configure(const LayerShape& shape) {
    return guarded([&] {
      AttentionConfig config{shape.embed_dim, shape.num_heads, shape.kdim, shape.vdim, shape.bias};
      config.num_kv_heads = shape.num_kv_heads;
      config.rotary.dim = shape.rotary_dim;
      config.rotary.base = shape.rotary_base;
      config.rotary.interleaved = shape.rotary_interleaved;
      attention_ = std::make_unique<MultiheadAttention>(config);
      cache_.clear();
    });
  }

  std::string load_weights(const WeightBuffers& b) {
    return guarded([&] {
      AttentionWeights w;
      w.in_proj_weight = float_span(b.in_proj_weight, b.in_proj_weight_size);
      w.q_proj_weight = float_span(b.q_proj_weight, b.q_proj_weight_size);
      w.k_proj_weight = float_span(b.k_proj_weight, b.k_proj_weight_size);
      w.v_proj_weight = float_span(b.v_proj_weight, b.v_proj_weight_size);
      w.in_proj_bias = float_span(b.in_proj_bias, b.in_proj_bias_size);
      w.out_proj_weight = float_span(b.out_proj_weight, b.out_proj_weight_size);
      w.out_proj_bias = float_span(b.out_proj_bias, b.out_proj_bias_size);
      require().load_weights(w);
    });
  }

  uintptr_t record_address() { return reinterpret_cast<uintptr_t>(&record_); }
  const std::string& last_error() const { return last_error_; }

  // Makes the staging block at least `bytes` long (contents not kept) and returns its address, 0 when memory is
  // exhausted; 0 bytes releases it.
  uintptr_t staging(uint32_t bytes) {
    if (bytes > staging_bytes_ || bytes == 0) {
      staging_.reset();
      staging_bytes_ = 0;
      if (bytes == 0) return 0;
      const size_t rounded = (size_t(bytes) + 15) / 16 * 16;
      staging_.reset(static_cast<uint8_t*>(std::aligned_alloc(16, rounded)));
      if (!staging_) return 0;
      staging_bytes_ = bytes;
    }
    return reinterpret_cast<uintptr_t>(staging_.get());
  }

  int32_t forward() {
    const uint32_t* slot = record_.slots;
    const auto floats = [&](ForwardSlot address, ForwardSlot size) { return float_span(slot[address], slot[size]); };
    AttentionInputs in;
    in.query = floats(kQuery, kQuerySize);
    in.key = floats(kKey, kKeySize);
    in.value = floats(kValue, kValueSize);
    if (has_non_finite(in.query.data, in.query.size) ||
        (in.key.data != in.query.data && has_non_finite(in.key.data, in.key.size)) ||
        (in.value.data != in.key.data && has_non_finite(in.value.data, in.value.size)))
      return kForwardNonFinite;  // the wrapper finds and names the value
    last_error_ = guarded([&] {
      const uint32_t flags = slot[kFlags];
      in.batch = static_cast<int32_t>(slot[kBatch]);
      in.query_len = static_cast<int32_t>(slot[kQueryLength]);
      in.key_len = static_cast<int32_t>(slot[kKeyLength]);
      in.is_causal = flags & kFlagCausal;
      in.key_padding_mask = mask_span(slot[kKeyPaddingMask], slot[kKeyPaddingMaskSize]);
      if (flags & kFlagAttnMaskIsFloat)
        in.attn_mask_float = floats(kAttnMask, kAttnMaskSize);
      else
        in.attn_mask_bool = mask_span(slot[kAttnMask], slot[kAttnMaskSize]);
      in.attn_mask_layout = flags & kFlagAttnMaskPerHead ? AttnMaskLayout::per_head : AttnMaskLayout::shared;
      AttentionOutputs out;
      out.output = reinterpret_cast<float*>(uintptr_t{slot[kOutput]});
      out.output_size = slot[kOutputSize];
      out.weights = reinterpret_cast<float*>(uintptr_t{slot[kWeights]});
      out.weights_size = slot[kWeightsSize];
      out.weights_mode = static_cast<WeightsMode>(slot[kWeightsMode]);
      out.head_enabled = reinterpret_cast<const uint8_t*>(uintptr_t{slot[kHeadEnabled]});
      in.position_offset = static_cast<int32_t>(slot[kPositionOffset]);
      require().forward(in, out);
    });
    return last_error_.empty() ? kForwardOk : kForwardError;
  }

  // Incremental decoding over the layer's own KV cache: x [count, E] at the staging block's start, output
  // [count, E] at `output` (MultiheadAttention::forward_cached, no weights). Returns the error or "".
  std::string forward_cached(uintptr_t x, int32_t count, uintptr_t output, uint32_t output_size) {
    return guarded([&] {
      AttentionOutputs out;
      out.output = reinterpret_cast<float*>(output);
      out.output_size = output_size;
      require().forward_cached(reinterpret_cast<const float*>(x), count, cache_, out);
    });
  }
  int32_t cache_length() const { return cache_.length; }
  // Keeps the first `length` cached tokens (the caller checked 0 <= length <= cache_length()).
  void truncate_cache(int32_t length) {
    const size_t kv_width = cache_.length ? cache_.keys.size() / size_t(cache_.length) : 0;  // E_kv
    cache_.length = length;
    cache_.keys.resize(size_t(length) * kv_width);
    cache_.values.resize(size_t(length) * kv_width);
  }

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  MultiheadAttention& require() {
    if (!attention_) throw ArgumentError("attention: expected configure() first");
    return *attention_;
  }
  std::unique_ptr<MultiheadAttention> attention_;
  KvCache cache_;  // forward_cached's keys and values
  ForwardRecord record_;
  std::unique_ptr<uint8_t, FreeDeleter> staging_;
  uint32_t staging_bytes_ = 0;
  std::string last_error_;
};

}  // namespace

// The hot path (see the top of this file). `record` is a handle's recordAddress().
extern "C" {
EMSCRIPTEN_KEEPALIVE uintptr_t mha_attention_staging(ForwardRecord* record, uint32_t bytes) {
  return record->owner->staging(bytes);
}
EMSCRIPTEN_KEEPALIVE int32_t mha_attention_forward(ForwardRecord* record) { return record->owner->forward(); }
}

EMSCRIPTEN_BINDINGS(mha_wasm) {
  using namespace emscripten;
  value_object<LayerShape>("LayerShape")
      .field("embedDim", &LayerShape::embed_dim)
      .field("numHeads", &LayerShape::num_heads)
      .field("kdim", &LayerShape::kdim)
      .field("vdim", &LayerShape::vdim)
      .field("numKvHeads", &LayerShape::num_kv_heads)
      .field("bias", &LayerShape::bias)
      .field("rotaryDim", &LayerShape::rotary_dim)
      .field("rotaryBase", &LayerShape::rotary_base)
      .field("rotaryInterleaved", &LayerShape::rotary_interleaved);
  value_object<WeightBuffers>("WeightBuffers")
      .field("inProjWeight", &WeightBuffers::in_proj_weight)
      .field("inProjWeightSize", &WeightBuffers::in_proj_weight_size)
      .field("qProjWeight", &WeightBuffers::q_proj_weight)
      .field("qProjWeightSize", &WeightBuffers::q_proj_weight_size)
      .field("kProjWeight", &WeightBuffers::k_proj_weight)
      .field("kProjWeightSize", &WeightBuffers::k_proj_weight_size)
      .field("vProjWeight", &WeightBuffers::v_proj_weight)
      .field("vProjWeightSize", &WeightBuffers::v_proj_weight_size)
      .field("inProjBias", &WeightBuffers::in_proj_bias)
      .field("inProjBiasSize", &WeightBuffers::in_proj_bias_size)
      .field("outProjWeight", &WeightBuffers::out_proj_weight)
      .field("outProjWeightSize", &WeightBuffers::out_proj_weight_size)
      .field("outProjBias", &WeightBuffers::out_proj_bias)
      .field("outProjBiasSize", &WeightBuffers::out_proj_bias_size);
  class_<MultiHeadAttentionHandle>("MultiHeadAttention")
      .constructor<>()
      .function("configure", &MultiHeadAttentionHandle::configure)
      .function("loadWeights", &MultiHeadAttentionHandle::load_weights)
      .function("recordAddress", &MultiHeadAttentionHandle::record_address)
      .function("lastError", &MultiHeadAttentionHandle::last_error)
      .function("forwardCached", &MultiHeadAttentionHandle::forward_cached)
      .function("cacheLength", &MultiHeadAttentionHandle::cache_length)
      .function("truncateCache", &MultiHeadAttentionHandle::truncate_cache);
  function("forwardRecordLayout", &forward_record_layout);
}
