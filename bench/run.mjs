// Side-by-side benchmark of one self-attention layer (torch.nn.MultiheadAttention, batch 1, no masks, no
// attention weights returned) in one Node process:
//   mha-wasm SIMD build, mha-wasm scalar build (same C++ without -msimd128), plain JavaScript,
//   onnxruntime-web (com.microsoft Attention + MatMul + Add, wasm SIMD, 1 thread),
//   tfjs-backend-wasm (SIMD, 1 thread).
// Every peer's output is checked against ours (same weights, same input) before it is timed.
// Peers run round-robin (one call of each per round) so that load changes on a shared machine hit
// every peer alike; ratios are only meaningful within one run.
//
//   node bench/run.mjs [--iterations 15] [--warmup 5] [--quick] [--shapes 128x512x8,512x768x12]
//                      [--peers simd,scalar,js,ort,tfjs,baseline] [--simd-dist DIR] [--scalar-dist DIR]
//                      [--baseline-dist DIR]
//                      [--budget-seconds 20] [--causal] [--clock cpu|wall] [--json FILE]
//
// Clock: every call is timed twice, on the wall clock and as CPU time of this process (process.cpuUsage).
// All peers run single-threaded, so CPU time is the time the code needed; on a shared, loaded machine the
// wall clock also counts the time the scheduler gave to other processes. The table is ordered and its
// ratios computed on --clock (default cpu); the other clock's median is printed beside it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import os from 'node:os';

import { plainAttention } from './plain.mjs';
import { attentionModel } from './onnx.mjs';

const here = new URL('./', import.meta.url);
const root = new URL('../', here);

// ---- options ---------------------------------------------------------------------------------------
const DEFAULT_SHAPES = [[16, 256, 4], [64, 256, 8], [128, 512, 8], [512, 768, 12], [1024, 768, 12]];
const QUICK_SHAPES = [[16, 256, 4], [64, 256, 8]];

function parseArgs(argv) {
  const options = {
    iterations: 15, warmup: 5, quick: false, shapes: null, peers: ['simd', 'scalar', 'js', 'ort', 'tfjs'],
    simdDist: new URL('dist/', root), scalarDist: new URL('build/wasm-scalar/dist/', root),
    budgetSeconds: 20, causal: false, json: null, clock: 'cpu',
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
    else if (arg === '--shapes') options.shapes = next().split(',').map((s) => s.split('x').map(Number));
    else if (arg === '--peers') options.peers = next().split(',');
    else if (arg === '--simd-dist') options.simdDist = pathToFileURL(next().replace(/\/?$/, '/'));
    else if (arg === '--scalar-dist') options.scalarDist = pathToFileURL(next().replace(/\/?$/, '/'));
    else if (arg === '--baseline-dist') options.baselineDist = pathToFileURL(next().replace(/\/?$/, '/'));
    else if (arg === '--budget-seconds') options.budgetSeconds = Number(next());
    else if (arg === '--json') options.json = next();
    else if (arg === '--clock') options.clock = next();
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/run.mjs [--iterations N] [--warmup N] [--quick] [--shapes NxExH,...] ' +
        '[--peers simd,scalar,js,ort,tfjs,baseline] [--simd-dist DIR] [--scalar-dist DIR] [--baseline-dist DIR] [--budget-seconds S] [--causal] [--clock cpu|wall] [--json FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (!options.shapes) options.shapes = options.quick ? QUICK_SHAPES : DEFAULT_SHAPES;
  if (options.quick) options.warmup = Math.min(options.warmup, 1);
  if (!(options.iterations >= 1)) throw new Error('--iterations: expected a positive integer');
  if (!['cpu', 'wall'].includes(options.clock)) throw new Error('--clock: expected cpu or wall');
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
      in_proj_weight: fill(3 * E * E, limit), in_proj_bias: fill(3 * E, 0.1),
      'out_proj.weight': fill(E * E, limit), 'out_proj.bias': fill(E, 0.1),
    },
  };
}

// ---- peers -----------------------------------------------------------------------------------------
// Each peer: { name, version, setup(problem, shape) -> { run(): Float32Array (the output [n, E]), dispose() } }

async function mhaPeer(name, distUrl, flavour) {
  const entry = new URL('index.js', distUrl);
  if (!existsSync(entry)) return { name, skipped: `no build at ${entry.pathname} (scripts/bench.sh builds it)` };
  const { MultiHeadAttention } = await import(entry.href);
  return {
    name, version: `mha-wasm ${flavour}`,
    async setup({ input, weights }, [n, E, H], causal) {
      const mha = await MultiHeadAttention.create({ embedDim: E, numHeads: H });
      mha.loadWeights(weights);
      return {
        run: () => mha.forward(input, { needWeights: false, causal }).output,
        dispose: () => mha.dispose(),
      };
    },
  };
}

function plainPeer() {
  return {
    name: 'plain JS', version: `node ${process.versions.node}`,
    async setup({ input, weights }, [n, E, H], causal) {
      if (causal) return null;
      return { run: () => plainAttention(input, n, E, H, weights), dispose() {} };
    },
  };
}

// Read from the file: some packages' "exports" maps do not export their package.json.
function packageVersion(name) {
  const file = new URL(`node_modules/${name}/package.json`, here);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
}

async function ortPeer() {
  const version = packageVersion('onnxruntime-web');
  if (!version) return { name: 'onnxruntime-web', skipped: 'not installed (npm install in bench/)' };
  const dist = new URL('node_modules/onnxruntime-web/dist/', here);
  const ort = await import(new URL('ort.node.min.mjs', dist).href);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = dist.href; // Node: the .wasm sits next to the bundle
  ort.env.logLevel = 'error';
  return {
    name: 'onnxruntime-web', version: `onnxruntime-web ${version} (wasm SIMD, 1 thread)`,
    async setup({ input, weights }, [n, E, H], causal) {
      const model = attentionModel({ seqLen: n, embedDim: E, numHeads: H, causal, weights });
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ['wasm'], graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1,
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

async function tfjsPeer() {
  const version = packageVersion('@tensorflow/tfjs-backend-wasm');
  if (!version || !packageVersion('@tensorflow/tfjs')) return { name: 'tfjs-backend-wasm', skipped: 'not installed (npm install in bench/)' };
  const require = createRequire(here);
  const tf = await import(pathToFileURL(require.resolve('@tensorflow/tfjs')).href);
  const backend = await import(pathToFileURL(require.resolve('@tensorflow/tfjs-backend-wasm')).href);
  backend.setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', here).pathname);
  backend.setThreadsCount?.(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return {
    name: 'tfjs-backend-wasm', version: `tfjs-backend-wasm ${version} (${simd ? 'SIMD' : 'no SIMD'}, ${backend.getThreadsCount?.() ?? 1} thread)`,
    async setup({ input, weights }, [n, E, H], causal) {
      const dK = E / H;
      // nn.Linear weights transposed once, like the other peers' packing at load time.
      const wQkv = tf.tidy(() => tf.tensor2d(weights.in_proj_weight, [3 * E, E]).transpose());
      const bQkv = tf.tensor1d(weights.in_proj_bias);
      const wOut = tf.tidy(() => tf.tensor2d(weights['out_proj.weight'], [E, E]).transpose());
      const bOut = tf.tensor1d(weights['out_proj.bias']);
      const causalMask = causal ? tf.tidy(() => tf.linalg.bandPart(tf.ones([n, n]), -1, 0).sub(1).mul(1e9)) : null;
      const heads = (t) => t.reshape([n, H, dK]).transpose([1, 0, 2]); // [n, E] -> [H, n, dK]
      return {
        run: () => tf.tidy(() => {
          const x = tf.tensor2d(input, [n, E]);
          const qkv = tf.matMul(x, wQkv).add(bQkv); // [n, 3E]
          const [q, k, v] = tf.split(qkv, 3, 1).map(heads);
          let scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dK)); // [H, n, n]
          if (causalMask) scores = scores.add(causalMask);
          const context = tf.matMul(tf.softmax(scores), v).transpose([1, 0, 2]).reshape([n, E]);
          return tf.matMul(context, wOut).add(bOut);
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

// ---- measuring -------------------------------------------------------------------------------------
const flops = (n, d) => 8 * n * d * d + 4 * n * n * d;

function quantile(sorted, q) {
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position), hi = Math.ceil(position);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

// max |a - b| / max |reference|: scale-free, and strict enough to catch a wrong head split or scale.
function relativeError(reference, other) {
  let maxDiff = 0, maxRef = 0;
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

async function benchmarkShape(peers, shape, options, seed) {
  const [n, E, H] = shape;
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
    if (output.length !== n * E) throw new Error(`${entry.peer.name}: output has ${output.length} floats, expected ${n * E}`);
    entry.error = relativeError(reference, output);
    if (!(entry.error < 2e-3)) {
      entry.failed = true;
      console.error(`  ${entry.peer.name} at ${shape.join('x')}: output differs from ${live[0].peer.name} (relative error ${entry.error.toExponential(2)}); not timed`);
    }
  }
  const timed = live.filter((e) => !e.failed);
  // Warm-up (V8 tiers wasm up from a baseline compiler), then round-robin timed calls.
  for (let w = 0; w < options.warmup; ++w)
    for (const entry of timed) if (entry.spent < options.budgetSeconds * 250) {
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
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await call(entry.instance);
      const elapsed = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      entry.times.push(elapsed);
      entry.cpuTimes.push((cpu.user + cpu.system) / 1e3);
      entry.spent += elapsed;
    }
  for (const entry of live) {
    entry.instance.dispose();
    const wall = [...entry.times].sort((a, b) => a - b);
    const cpu = [...entry.cpuTimes].sort((a, b) => a - b);
    const summary = (sorted) => (sorted.length ? {
      median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9),
      min: sorted[0], max: sorted[sorted.length - 1],
    } : { median: NaN, p10: NaN, p90: NaN, min: NaN, max: NaN });
    rows.push({
      peer: entry.peer.name, error: entry.error, failed: entry.failed ?? false, iterations: wall.length,
      wall: summary(wall), cpu: summary(cpu),
    });
  }
  return rows;
}

// ---- report ----------------------------------------------------------------------------------------
function pad(text, width, right = false) {
  text = String(text);
  return right ? text.padStart(width) : text.padEnd(width);
}

function printTable(shape, rows, clock) {
  const [n, E, H] = shape;
  const gflop = flops(n, E) / 1e9;
  const other = clock === 'cpu' ? 'wall' : 'cpu';
  const ort = rows.find((r) => r.peer === 'onnxruntime-web' && !r.failed && r.iterations);
  console.log(`\n(n, d, heads) = (${n}, ${E}, ${H}): ${(gflop * 1e3).toFixed(1)} MFLOP per call`);
  console.log(`  ${pad('peer', 18)}${pad(`${clock} ms`, 10, true)}${pad('p10–p90', 18, true)}${pad('GFLOP/s', 9, true)}` +
    `${pad('vs ORT', 8, true)}${pad(`${other} ms`, 10, true)}${pad('iters', 7, true)}${pad('rel. err', 10, true)}`);
  for (const row of rows) {
    if (row.note || row.failed) {
      console.log(`  ${pad(row.peer, 18)}${pad(row.note ?? `output mismatch (${row.error.toExponential(1)})`, 40, true)}`);
      continue;
    }
    const t = row[clock];
    const speedup = ort ? ort[clock].median / t.median : NaN;
    console.log(`  ${pad(row.peer, 18)}${pad(t.median.toFixed(2), 10, true)}` +
      `${pad(`${t.p10.toFixed(2)}–${t.p90.toFixed(2)}`, 18, true)}${pad((gflop / (t.median / 1e3)).toFixed(1), 9, true)}` +
      `${pad(Number.isFinite(speedup) ? speedup.toFixed(2) + 'x' : '-', 8, true)}${pad(row[other].median.toFixed(2), 10, true)}` +
      `${pad(row.iterations, 7, true)}${pad(row.error === 0 ? 'ref' : row.error.toExponential(1), 10, true)}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const factories = {
    simd: () => mhaPeer('mha-wasm SIMD', options.simdDist, 'SIMD128'),
    scalar: () => mhaPeer('mha-wasm scalar', options.scalarDist, 'scalar (no -msimd128)'),
    // another build of this package (e.g. before a kernel change): --peers simd,baseline --baseline-dist DIR
    baseline: () => mhaPeer('mha-wasm baseline', options.baselineDist ?? new URL('build/bench/baseline/dist/', root),
      'baseline build'),
    js: () => plainPeer(),
    ort: () => ortPeer(),
    tfjs: () => tfjsPeer(),
  };
  const peers = [];
  for (const name of options.peers) {
    if (!factories[name]) throw new Error(`--peers: unknown peer "${name}"; expected ${Object.keys(factories).join(', ')}`);
    const peer = await factories[name]();
    if (peer.skipped) console.log(`skipping ${peer.name}: ${peer.skipped}`);
    else peers.push(peer);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`mha-wasm benchmark: self-attention, batch 1, ${options.causal ? 'causal' : 'no mask'}, needWeights: false`);
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.versions.node}`);
  console.log(`peers: ${peers.map((p) => p.version).join('; ')}`);
  console.log(`warm-up ${options.warmup}, then ${options.iterations} round-robin iterations (slow peers stop after ${options.budgetSeconds} s, at least 3)`);
  console.log(`FLOPs = 8·n·d² + 4·n²·d; times are ${options.clock === 'cpu' ? 'CPU time of this process' : 'wall clock'}; GFLOP/s from the median; ` +
    '"vs ORT" = ORT median / peer median (> 1 is faster than ORT)');
  const results = [];
  let seed = 1;
  for (const shape of options.shapes) {
    const rows = await benchmarkShape(peers, shape, options, seed++);
    printTable(shape, rows, options.clock);
    results.push({ shape, gflop: flops(shape[0], shape[1]) / 1e9, rows });
  }
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ date: new Date().toISOString(), cpu, node: process.versions.node,
      load: os.loadavg(), options: { ...options, simdDist: options.simdDist.href, scalarDist: options.scalarDist.href },
      peers: peers.map((p) => p.version), results }, null, 2));
    console.log(`\nwrote ${options.json}`);
  }
  const failures = results.flatMap((r) => r.rows.filter((row) => row.failed));
  if (failures.length) {
    console.error(`\n${failures.length} peer result(s) did not match our output`);
    process.exitCode = 1;
  }
}

await main();
