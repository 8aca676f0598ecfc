// One Llama-family attention layer (grouped-query heads, rotary embeddings, causal, no biases) side by side with
// onnxruntime-web's com.microsoft.GroupQueryAttention (do_rotary) on the same weights and inputs: a prefill of T
// tokens, and one decoded token over a KV cache of `past` tokens. Environment-independent (no node: modules, no
// DOM), like bench/suite.mjs; bench/gqa.mjs runs it in Node.
//
// Both peers compute, per case:
//   q = x W_q^T [T, E], k = x W_k^T and v = x W_v^T [T, E_kv]; q and k rotated (rotate_half, rope_theta = base) at
//   positions past .. past + T - 1; query head h reads kv head h / (H / H_kv); causal softmax(q k^T / sqrt(d_k)) v;
//   out = context W_O^T.
// Ours: MultiHeadAttention { numKvHeads, rotary, bias: false }: forward(x, { causal, needWeights: false }) for the
// prefill; forwardCached() over a cache filled with the same `past` tokens for the decode (truncateCache(past)
// before each timed call, so every call decodes token `past`). ORT: MatMul (packed QKV) -> GroupQueryAttention ->
// MatMul (bench/onnx.mjs); its decode feeds the present_key/present_value of its own prefill of the same tokens.
import { groupQueryAttentionModel } from './onnx.mjs';

// (T, d, heads, kv heads) of the issue: SmolLM2-135M's layer (rope_theta 1e5) and Qwen2.5-0.5B's (1e6, but
// without Qwen2's q/k/v biases here).
export const GQA_CASES = [
  { label: 'prefill 128', T: 128, past: 0, E: 576, H: 9, Hkv: 3, base: 1e5 },
  { label: 'prefill 512', T: 512, past: 0, E: 896, H: 14, Hkv: 2, base: 1e6 },
  { label: 'decode @512', T: 1, past: 512, E: 576, H: 9, Hkv: 3, base: 1e5 },
  { label: 'decode @512', T: 1, past: 512, E: 896, H: 14, Hkv: 2, base: 1e6 },
];
export const CROSS_CHECK_TOLERANCE = 1e-4; // max |ours - ORT| / max |ORT|

// FLOPs of one call: projections 2·T·E·(2E + 2E_kv), scores and P·V over the T·past + T(T+1)/2 visible pairs.
export function gqaFlops({ T, past, E, Hkv, H }) {
  const kvWidth = (Hkv * E) / H;
  return 2 * T * E * (2 * E + 2 * kvWidth) + 4 * E * (T * past + (T * (T + 1)) / 2);
}

function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** Weights (nn.Linear layout), the prefix of `past` tokens and the T new tokens of one case. */
export function makeGqaProblem({ T, past, E, H, Hkv }, seed) {
  const rand = random(seed);
  const fill = (length, scale) => Float32Array.from({ length }, () => 2 * scale * rand());
  const limit = Math.sqrt(3 / E),
    kvWidth = (Hkv * E) / H;
  return {
    weights: {
      q_proj: fill(E * E, limit),
      k_proj: fill(kvWidth * E, limit),
      v_proj: fill(kvWidth * E, limit),
      o_proj: fill(E * E, limit),
    },
    prefix: past ? fill(past * E, Math.sqrt(3)) : null,
    input: fill(T * E, Math.sqrt(3)),
  };
}

/**
 * cos and sin [positions, d_k / 2] of rotate_half rotary embeddings as Hugging Face forms them: inv_freq_i =
 * base^(-2i/d_k) rounded to float32, angle = float32(position · inv_freq_i).
 */
export function rotaryCaches(headDim, base, positions) {
  const half = headDim / 2;
  const cos = new Float32Array(positions * half),
    sin = new Float32Array(positions * half);
  for (let i = 0; i < half; ++i) {
    const inverseFrequency = Math.fround(base ** ((-2 * i) / headDim));
    for (let p = 0; p < positions; ++p) {
      const angle = Math.fround(p * inverseFrequency);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** Our layer from `library` (an imported dist/index.js whose module is loaded). */
export function mhaGqaPeer(name, version, library) {
  return {
    name,
    version,
    async setup(problem, c) {
      const mha = await library.MultiHeadAttention.create({
        embedDim: c.E,
        numHeads: c.H,
        numKvHeads: c.Hkv,
        bias: false,
        rotary: { base: c.base },
      });
      const { q_proj, k_proj, v_proj, o_proj } = problem.weights;
      mha.loadWeights({
        q_proj_weight: q_proj,
        k_proj_weight: k_proj,
        v_proj_weight: v_proj,
        'out_proj.weight': o_proj,
      });
      if (!c.past)
        return {
          run: () => mha.forward(problem.input, { causal: true, needWeights: false }).output,
          dispose: () => mha.dispose(),
        };
      mha.forwardCached(problem.prefix);
      return {
        run: () => {
          mha.truncateCache(c.past);
          return mha.forwardCached(problem.input).output;
        },
        dispose: () => mha.dispose(),
      };
    },
  };
}

/**
 * onnxruntime-web (wasm, SIMD, `threads` intra-op threads), as in bench/suite.mjs's ortPeer. `packed`: one QKV
 * projection into GQA's packed query input (default), or three projections into its query, key and value.
 */
export function ortGqaPeer({ ort, version, wasmPaths }, threads = 1, { packed = true } = {}) {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.logLevel = 'error';
  const sessionOptions = {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  };
  return {
    name: packed ? 'onnxruntime-web' : 'onnxruntime-web, Q/K/V',
    version: `onnxruntime-web ${version} (wasm SIMD, ${threads} thread${threads === 1 ? '' : 's'}, ${packed ? 'packed QKV' : 'separate Q, K, V'})`,
    async setup(problem, c) {
      const dK = c.E / c.H;
      const { cos, sin } = rotaryCaches(dK, c.base, Math.max(1024, c.past + c.T));
      const common = {
        embedDim: c.E,
        numHeads: c.H,
        numKvHeads: c.Hkv,
        interleaved: false,
        weights: problem.weights,
        packed,
      };
      const create = (seqLen, pastLength) =>
        ort.InferenceSession.create(
          groupQueryAttentionModel({ ...common, seqLen, pastLength, cos, sin }),
          sessionOptions,
        );
      const session = await create(c.T, c.past);
      const feeds = { input: new ort.Tensor('float32', problem.input, [1, c.T, c.E]) };
      if (c.past) {
        // The cache: the present_key/present_value of ORT's own prefill of the same prefix.
        const prefill = await create(c.past, 0);
        const result = await prefill.run({ input: new ort.Tensor('float32', problem.prefix, [1, c.past, c.E]) });
        feeds.past_key = result.present_key;
        feeds.past_value = result.present_value;
        await prefill.release();
      }
      return {
        run: async () => (await session.run(feeds)).output.data,
        dispose: () => session.release(),
      };
    },
  };
}

// max |a - b| / max |reference|
export function relativeError(reference, other) {
  let maxDiff = 0,
    maxRef = 0;
  for (let i = 0; i < reference.length; ++i) {
    maxDiff = Math.max(maxDiff, Math.abs(reference[i] - other[i]));
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
  }
  return maxDiff / (maxRef || 1);
}

function summarise(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => {
    const position = (sorted.length - 1) * q,
      lo = Math.floor(position),
      hi = Math.ceil(position);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
  };
  return { median: at(0.5), p10: at(0.1), p90: at(0.9) };
}

/**
 * One case: every peer's output is compared with the reference peer's (ORT when present, else the first),
 * then `warmup` calls each, then `iterations` round-robin rounds (one call of each peer per round).
 * Returns { case, gflop, rows: [{ peer, error, wall, cpu }] }; throws when an output differs by more than
 * CROSS_CHECK_TOLERANCE.
 */
export async function runGqaCase(peers, c, { iterations, warmup, seed, cpuTime = null }) {
  const problem = makeGqaProblem(c, seed);
  const live = [];
  for (const peer of peers) live.push({ peer, instance: await peer.setup(problem, c), wall: [], cpu: [] });
  const reference = live.find((e) => e.peer.name === 'onnxruntime-web') ?? live[0];
  const expected = await reference.instance.run();
  for (const entry of live) {
    const output = await entry.instance.run();
    if (output.length !== c.T * c.E)
      throw new Error(`${entry.peer.name}: output has ${output.length} floats, expected ${c.T * c.E}`);
    entry.error = relativeError(expected, output);
    if (!(entry.error <= CROSS_CHECK_TOLERANCE))
      throw new Error(
        `${entry.peer.name} at ${c.label} (${c.E}, ${c.H}/${c.Hkv}): output differs from ${reference.peer.name} by ` +
          `${entry.error.toExponential(2)} relative (tolerance ${CROSS_CHECK_TOLERANCE})`,
      );
  }
  for (let w = 0; w < warmup; ++w) for (const entry of live) await entry.instance.run();
  for (let round = 0; round < iterations; ++round)
    for (const entry of live) {
      const cpuStart = cpuTime?.(),
        start = performance.now();
      await entry.instance.run();
      entry.wall.push(performance.now() - start);
      if (cpuTime) entry.cpu.push(cpuTime() - cpuStart);
    }
  for (const entry of live) await entry.instance.dispose();
  return {
    case: c,
    gflop: gqaFlops(c) / 1e9,
    reference: reference.peer.name,
    rows: live.map((e) => ({
      peer: e.peer.name,
      error: e.error,
      wall: summarise(e.wall),
      cpu: cpuTime ? summarise(e.cpu) : null,
    })),
  };
}

/** The table of one case as lines; ratios against ORT on `clock`. */
export function formatGqaTable({ case: c, gflop, reference, rows }, clock) {
  const ort = rows.find((r) => r.peer === 'onnxruntime-web');
  const lines = [
    `\n${c.label}: T ${c.T}, past ${c.past}, d ${c.E}, heads ${c.H}, kv heads ${c.Hkv}, rope_theta ${c.base} ` +
      `(${(gflop * 1e3).toFixed(1)} MFLOP per call; errors relative to ${reference})`,
    `  ${'peer'.padEnd(26)}${`${clock} ms`.padStart(10)}${'p10–p90'.padStart(18)}${'GFLOP/s'.padStart(9)}` +
      `${'vs ORT'.padStart(8)}${(clock === 'cpu' ? 'wall ms' : 'cpu ms').padStart(10)}${'rel. err'.padStart(10)}`,
  ];
  for (const row of rows) {
    const t = row[clock],
      other = row[clock === 'cpu' ? 'wall' : 'cpu'];
    const ratio = ort ? ort[clock].median / t.median : NaN;
    lines.push(
      `  ${row.peer.padEnd(26)}${t.median.toFixed(3).padStart(10)}` +
        `${`${t.p10.toFixed(3)}–${t.p90.toFixed(3)}`.padStart(18)}${(gflop / (t.median / 1e3)).toFixed(1).padStart(9)}` +
        `${(Number.isFinite(ratio) ? ratio.toFixed(2) + 'x' : '-').padStart(8)}` +
        `${(other ? other.median.toFixed(3) : '-').padStart(10)}` +
        `${(row.error === 0 ? 'ref' : row.error.toExponential(1)).padStart(10)}`,
    );
  }
  return lines;
}
