// The environment-independent core of the side-by-side benchmark, shared by the Node runner
// (bench/run.mjs) and the headless-Chromium runner (bench/browser.mjs, which runs this module inside
// bench/page/): options, deterministic problems, the peers, the round-robin measurement and the table.
// Nothing here imports node: modules or touches the DOM. What differs between the environments comes in as
// parameters: how each library is loaded (`loaders` of loadPeers) and which clocks exist (`cpuTime` of
// runBenchmark: Node has the process's CPU time, a browser page only the wall clock).
import { plainAttention } from './plain.mjs';
import { attentionModel } from './onnx.mjs';

// ---- options ---------------------------------------------------------------------------------------
export const DEFAULT_SHAPES = [
  [16, 256, 4],
  [64, 256, 8],
  [128, 512, 8],
  [512, 768, 12],
  [1024, 768, 12],
];
export const QUICK_SHAPES = [
  [16, 256, 4],
  [64, 256, 8],
];
export const DEFAULT_PEERS = ['simd', 'relaxed', 'threads', 'scalar', 'js', 'ort', 'tfjs'];

// Builds of this package that can take part (`simd` picks one of the package's builds, see loadModule);
// `baseline` is another build (e.g. before a kernel change): --peers simd,baseline --baseline-dist DIR.
const MHA_BUILDS = {
  simd: { name: 'mha-wasm SIMD128', flavour: 'SIMD128', threads: 1, simd: 'baseline' },
  relaxed: { name: 'mha-wasm relaxed SIMD', flavour: 'relaxed SIMD (FMA)', threads: 1, simd: 'relaxed' },
  threads: { name: 'mha-wasm, threads', flavour: 'pthreads', threads: 'auto', simd: 'auto' },
  scalar: { name: 'mha-wasm scalar', flavour: 'scalar (no -msimd128)', threads: 1, simd: 'baseline' }, // one build only
  baseline: { name: 'mha-wasm baseline', flavour: 'baseline build', threads: 1 },
};
export const PEER_NAMES = ['simd', 'relaxed', 'threads', 'scalar', 'baseline', 'js', 'ort', 'tfjs'];

/**
 * The command line shared by both runners. Folders (--simd-dist, ...) stay strings (null when not given):
 * each runner resolves them its own way. `clocks` lists the clocks the environment has, the first being the
 * default. Returns { help: true } for --help.
 */
export function parseArgs(argv, { clocks = ['cpu', 'wall'] } = {}) {
  const options = {
    iterations: 15,
    warmup: 5,
    quick: false,
    shapes: null,
    peers: DEFAULT_PEERS,
    simdDist: null,
    threadsDist: null,
    scalarDist: null,
    baselineDist: null,
    ortThreads: 1,
    budgetSeconds: 20,
    causal: false,
    json: null,
    clock: clocks[0],
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg}: expected a value`);
      return argv[++i];
    };
    if (arg === '--iterations') options.iterations = Number(next());
    else if (arg === '--warmup') options.warmup = Number(next());
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--causal') options.causal = true;
    else if (arg === '--shapes')
      options.shapes = next()
        .split(',')
        .map((s) => s.split('x').map(Number));
    else if (arg === '--peers') options.peers = next().split(',');
    else if (arg === '--simd-dist') options.simdDist = next();
    else if (arg === '--threads-dist') options.threadsDist = next();
    else if (arg === '--scalar-dist') options.scalarDist = next();
    else if (arg === '--baseline-dist') options.baselineDist = next();
    else if (arg === '--ort-threads') options.ortThreads = Number(next());
    else if (arg === '--budget-seconds') options.budgetSeconds = Number(next());
    else if (arg === '--json') options.json = next();
    else if (arg === '--clock') options.clock = next();
    else if (arg === '--help' || arg === '-h') return { help: true };
    else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (!options.shapes) options.shapes = options.quick ? QUICK_SHAPES : DEFAULT_SHAPES;
  if (options.quick) options.warmup = Math.min(options.warmup, 1);
  if (!(options.iterations >= 1)) throw new Error('--iterations: expected a positive integer');
  for (const shape of options.shapes)
    if (shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v > 0) || shape[1] % shape[2])
      throw new Error(`--shapes: expected NxExH with H dividing E, got ${shape.join('x')}`);
  if (!clocks.includes(options.clock)) throw new Error(`--clock: expected ${clocks.join(' or ')}`);
  const unknown = options.peers.filter((name) => !PEER_NAMES.includes(name));
  if (unknown.length) throw new Error(`--peers: unknown peer "${unknown[0]}"; expected ${PEER_NAMES.join(', ')}`);
  return options;
}

// ---- deterministic data ----------------------------------------------------------------------------
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
function makeProblem(n, E, seed) {
  const rand = random(seed);
  const fill = (length, scale) => Float32Array.from({ length }, () => 2 * scale * rand());
  const limit = Math.sqrt(3 / E); // unit-variance projections of unit-variance inputs
  return {
    input: fill(n * E, Math.sqrt(3)),
    weights: {
      in_proj_weight: fill(3 * E * E, limit),
      in_proj_bias: fill(3 * E, 0.1),
      'out_proj.weight': fill(E * E, limit),
      'out_proj.bias': fill(E, 0.1),
    },
  };
}

// ---- peers -----------------------------------------------------------------------------------------
// Each peer: { name, version, setup(problem, shape, causal) -> { run(), dispose(), read? } | null }
// run() returns the output [n, E] (or something read() turns into it); null = not applicable to the options.

/** A build of this package; `library` is its imported dist/index.js. */
export async function mhaPeer({ name, flavour, threads, simd }, library) {
  const { MultiHeadAttention } = library;
  // The first loadModule() of a build decides its threads and instruction set: 1 thread for the
  // single-threaded peers, every core for the threaded one (which needs a cross-origin-isolated page;
  // elsewhere the peer is skipped); a peer whose instruction set the engine refuses is skipped too.
  // (builds from before these options existed, e.g. a --baseline-dist, are loaded without them)
  await library.loadModule(library.moduleInfo && simd ? { threads, simd } : { threads });
  const info = library.threadCount
    ? await library.threadCount()
    : { build: 'single', threads: 1, reason: 'no threads in this build' };
  if (threads !== 1 && info.build !== 'threaded') return { name, skipped: info.reason };
  if (simd === 'relaxed' && info.simd !== 'relaxed') return { name, skipped: info.simdReason };
  const simdText =
    info.simd && !flavour.startsWith('scalar') ? `${info.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128'}, ` : '';
  return {
    name,
    version: `mha-wasm ${flavour} (${simdText}${info.threads} thread${info.threads === 1 ? '' : 's'})`,
    async setup({ input, weights }, [, E, H], causal) {
      const mha = await MultiHeadAttention.create({ embedDim: E, numHeads: H });
      mha.loadWeights(weights);
      return {
        run: () => mha.forward(input, { needWeights: false, causal }).output,
        dispose: () => mha.dispose(),
      };
    },
  };
}

/** Plain JavaScript; `runtime` names the engine it runs on ("node 20.20.0", "Chromium 156..."). */
export function plainPeer(runtime) {
  return {
    name: 'plain JS',
    version: runtime,
    async setup({ input, weights }, [n, E, H], causal) {
      if (causal) return null;
      return { run: () => plainAttention(input, n, E, H, weights), dispose() {} };
    },
  };
}

/**
 * onnxruntime-web's wasm backend, no proxy worker; `wasmPaths`: the folder of its .wasm/.mjs. `threads`
 * (--ort-threads, default 1) is fixed for the whole page or process: ORT starts its workers once.
 */
export function ortPeer({ ort, version, wasmPaths }, threads = 1) {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.logLevel = 'error';
  return {
    name: 'onnxruntime-web',
    version: `onnxruntime-web ${version} (wasm SIMD, ${threads} thread${threads === 1 ? '' : 's'})`,
    async setup({ input, weights }, [n, E, H], causal) {
      const model = attentionModel({ seqLen: n, embedDim: E, numHeads: H, causal, weights });
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
      });
      return {
        run: async () => {
          const result = await session.run({ input: new ort.Tensor('float32', input, [1, n, E]) });
          return result.output.data;
        },
        dispose: () => session.release(),
      };
    },
  };
}

/**
 * tfjs-backend-wasm, one thread. `tf`: tfjs (or tfjs-core: only core ops are used), `backend`: the imported
 * tfjs-backend-wasm, `wasmPaths`: the folder of its .wasm files. Its multi-threaded binary is turned off so
 * that a cross-origin-isolated page loads the same single-threaded SIMD binary as Node does.
 */
export async function tfjsPeer({ tf, backend, version, wasmPaths }) {
  backend.setWasmPaths(wasmPaths);
  backend.setThreadsCount?.(1);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return {
    name: 'tfjs-backend-wasm',
    version: `tfjs-backend-wasm ${version} (${simd ? 'SIMD' : 'no SIMD'}, ${backend.getThreadsCount?.() ?? 1} thread)`,
    async setup({ input, weights }, [n, E, H], causal) {
      const dK = E / H;
      // Ops as functions (tf.add(a, b), not a.add(b)): tfjs-core alone does not register the chained forms.
      // nn.Linear weights transposed once, like the other peers' packing at load time.
      const wQkv = tf.tidy(() => tf.transpose(tf.tensor2d(weights.in_proj_weight, [3 * E, E])));
      const bQkv = tf.tensor1d(weights.in_proj_bias);
      const wOut = tf.tidy(() => tf.transpose(tf.tensor2d(weights['out_proj.weight'], [E, E])));
      const bOut = tf.tensor1d(weights['out_proj.bias']);
      const causalMask = causal
        ? tf.tidy(() => tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([n, n]), -1, 0), 1), 1e9))
        : null;
      const heads = (t) => tf.transpose(tf.reshape(t, [n, H, dK]), [1, 0, 2]); // [n, E] -> [H, n, dK]
      return {
        run: () =>
          tf.tidy(() => {
            const x = tf.tensor2d(input, [n, E]);
            const qkv = tf.add(tf.matMul(x, wQkv), bQkv); // [n, 3E]
            const [q, k, v] = tf.split(qkv, 3, 1).map(heads);
            let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dK)); // [H, n, n]
            if (causalMask) scores = tf.add(scores, causalMask);
            const context = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [1, 0, 2]), [n, E]);
            return tf.add(tf.matMul(context, wOut), bOut);
          }),
        dispose: () => [wQkv, bQkv, wOut, bOut, causalMask].forEach((t) => t?.dispose()),
        read: (tensor) => {
          const data = tensor.dataSync();
          tensor.dispose();
          return data;
        },
      };
    },
  };
}

/**
 * Loads the peers named in `names`, in that order. `loaders` says how, per environment:
 *   mha(kind)  -> { library } | { skipped: reason }     kind: simd, relaxed, threads, scalar or baseline
 *   ort()      -> { ort, version, wasmPaths } | { skipped }
 *   tfjs()     -> { tf, backend, version, wasmPaths } | { skipped }
 *   runtime    the engine plain JS runs on, as text
 * Peers that cannot be loaded are reported through `log` and left out.
 */
export async function loadPeers(names, loaders, log, { ortThreads = 1 } = {}) {
  const peers = [];
  for (const kind of names) {
    let peer;
    if (MHA_BUILDS[kind]) {
      const loaded = await loaders.mha(kind);
      peer = loaded.skipped
        ? { name: MHA_BUILDS[kind].name, skipped: loaded.skipped }
        : await mhaPeer(MHA_BUILDS[kind], loaded.library);
    } else if (kind === 'js') {
      peer = plainPeer(loaders.runtime);
    } else if (kind === 'ort') {
      const loaded = await loaders.ort();
      peer = loaded.skipped ? { name: 'onnxruntime-web', skipped: loaded.skipped } : ortPeer(loaded, ortThreads);
    } else if (kind === 'tfjs') {
      const loaded = await loaders.tfjs();
      peer = loaded.skipped ? { name: 'tfjs-backend-wasm', skipped: loaded.skipped } : await tfjsPeer(loaded);
    } else {
      throw new Error(`--peers: unknown peer "${kind}"; expected ${PEER_NAMES.join(', ')}`);
    }
    if (peer.skipped) log(`skipping ${peer.name}: ${peer.skipped}`);
    else peers.push(peer);
  }
  return peers;
}

// ---- measuring -------------------------------------------------------------------------------------
export const flops = (n, d) => 8 * n * d * d + 4 * n * n * d;

function quantile(sorted, q) {
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position),
    hi = Math.ceil(position);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

// max |a - b| / max |reference|: scale-free, and strict enough to catch a wrong head split or scale.
function relativeError(reference, other) {
  let maxDiff = 0,
    maxRef = 0;
  for (let i = 0; i < reference.length; ++i) {
    maxDiff = Math.max(maxDiff, Math.abs(reference[i] - other[i]));
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
  }
  return maxDiff / (maxRef || 1);
}

async function call(instance) {
  const result = await instance.run();
  return instance.read ? instance.read(result) : result;
}

function summarise(times) {
  const sorted = [...times].sort((a, b) => a - b);
  if (!sorted.length) return { median: NaN, p10: NaN, p90: NaN, min: NaN, max: NaN };
  return {
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

// Rows of one shape: { peer, error, failed, iterations, wall, cpu } (cpu is null without a CPU clock), or
// { peer, note } for a peer that does not apply.
async function benchmarkShape(peers, shape, options, seed, { cpuTime, warn }) {
  const [n, E] = shape;
  const problem = makeProblem(n, E, seed);
  const live = [];
  const rows = [];
  for (const peer of peers) {
    const instance = await peer.setup(problem, shape, options.causal);
    if (!instance) {
      rows.push({ peer: peer.name, note: 'not applicable' });
      continue;
    }
    live.push({ peer, instance, times: [], cpuTimes: [], spent: 0 });
  }
  // Correctness first: every peer against the first one (our SIMD build when present).
  const reference = live.length ? await call(live[0].instance) : null;
  for (const entry of live) {
    const output = await call(entry.instance);
    if (output.length !== n * E)
      throw new Error(`${entry.peer.name}: output has ${output.length} floats, expected ${n * E}`);
    entry.error = relativeError(reference, output);
    if (!(entry.error < 2e-3)) {
      entry.failed = true;
      warn(
        `  ${entry.peer.name} at ${shape.join('x')}: output differs from ${live[0].peer.name} (relative error ${entry.error.toExponential(2)}); not timed`,
      );
    }
  }
  const timed = live.filter((e) => !e.failed);
  // Warm-up (V8 tiers wasm up from a baseline compiler), then round-robin timed calls.
  for (let w = 0; w < options.warmup; ++w)
    for (const entry of timed)
      if (entry.spent < options.budgetSeconds * 250) {
        const start = performance.now();
        await call(entry.instance);
        entry.spent += performance.now() - start;
      }
  for (const entry of timed) entry.spent = 0;
  for (let round = 0; round < options.iterations; ++round)
    for (const entry of timed) {
      // A slow peer stops early once it has used its time budget (at least 3 calls), so that the plain-JS
      // floor cannot take minutes; its iteration count is printed.
      if (entry.times.length >= 3 && entry.spent > options.budgetSeconds * 1000) continue;
      const cpuStart = cpuTime?.();
      const start = performance.now();
      await call(entry.instance);
      const elapsed = performance.now() - start;
      if (cpuTime) entry.cpuTimes.push(cpuTime() - cpuStart);
      entry.times.push(elapsed);
      entry.spent += elapsed;
    }
  for (const entry of live) {
    entry.instance.dispose();
    rows.push({
      peer: entry.peer.name,
      error: entry.error,
      failed: entry.failed ?? false,
      iterations: entry.times.length,
      wall: summarise(entry.times),
      cpu: cpuTime ? summarise(entry.cpuTimes) : null,
    });
  }
  return rows;
}

/**
 * Runs every shape of `options` over `peers`; returns [{ shape, gflop, rows }].
 *   cpuTime()        CPU time of this process in ms, or null where there is none (a browser page)
 *   onShapeStart(shape), onShape(result)   progress callbacks (may be async)
 *   warn(line)       output mismatches
 */
export async function runBenchmark(
  peers,
  options,
  { cpuTime = null, onShapeStart, onShape, warn = console.warn } = {},
) {
  const results = [];
  let seed = 1;
  for (const shape of options.shapes) {
    await onShapeStart?.(shape);
    const rows = await benchmarkShape(peers, shape, options, seed++, { cpuTime, warn });
    const result = { shape, gflop: flops(shape[0], shape[1]) / 1e9, rows };
    results.push(result);
    await onShape?.(result);
  }
  return results;
}

// ---- report ----------------------------------------------------------------------------------------
function pad(text, width, right = false) {
  text = String(text);
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The lines that introduce a run; `environment` is one line naming the machine and engine. */
export function describeRun(options, peers, environment) {
  const clockText = options.clock === 'cpu' ? 'CPU time of this process' : 'wall clock';
  return [
    `mha-wasm benchmark: self-attention, batch 1, ${options.causal ? 'causal' : 'no mask'}, needWeights: false`,
    environment,
    `peers: ${peers.map((p) => p.version).join('; ')}`,
    `warm-up ${options.warmup}, then ${options.iterations} round-robin iterations (slow peers stop after ${options.budgetSeconds} s, at least 3)`,
    `FLOPs = 8·n·d² + 4·n²·d; times are ${clockText}; GFLOP/s from the median; ` +
      '"vs ORT" = ORT median / peer median (> 1 is faster than ORT)',
  ];
}

/** The table of one shape as lines. The other clock's median is shown when it was measured. */
export function formatTable({ shape, gflop, rows }, clock) {
  const [n, E, H] = shape;
  const other = clock === 'cpu' ? 'wall' : 'cpu';
  const showOther = rows.some((r) => r[other]);
  const ort = rows.find((r) => r.peer === 'onnxruntime-web' && !r.failed && r.iterations);
  const lines = [`\n(n, d, heads) = (${n}, ${E}, ${H}): ${(gflop * 1e3).toFixed(1)} MFLOP per call`];
  lines.push(
    `  ${pad('peer', 18)}${pad(`${clock} ms`, 10, true)}${pad('p10–p90', 18, true)}${pad('GFLOP/s', 9, true)}` +
      `${pad('vs ORT', 8, true)}${showOther ? pad(`${other} ms`, 10, true) : ''}${pad('iters', 7, true)}${pad('rel. err', 10, true)}`,
  );
  for (const row of rows) {
    if (row.note || row.failed) {
      lines.push(
        `  ${pad(row.peer, 18)}${pad(row.note ?? `output mismatch (${row.error.toExponential(1)})`, 40, true)}`,
      );
      continue;
    }
    const t = row[clock];
    const speedup = ort ? ort[clock].median / t.median : NaN;
    lines.push(
      `  ${pad(row.peer, 18)}${pad(t.median.toFixed(2), 10, true)}` +
        `${pad(`${t.p10.toFixed(2)}–${t.p90.toFixed(2)}`, 18, true)}${pad((gflop / (t.median / 1e3)).toFixed(1), 9, true)}` +
        `${pad(Number.isFinite(speedup) ? speedup.toFixed(2) + 'x' : '-', 8, true)}` +
        `${showOther ? pad(row[other].median.toFixed(2), 10, true) : ''}` +
        `${pad(row.iterations, 7, true)}${pad(row.error === 0 ? 'ref' : row.error.toExponential(1), 10, true)}`,
    );
  }
  return lines;
}

/** Output mismatches across all results (each one makes a runner exit with status 1). */
export const failedRows = (results) => results.flatMap((r) => r.rows.filter((row) => row.failed));
