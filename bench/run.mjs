// Side-by-side benchmark of one self-attention layer (torch.nn.MultiheadAttention, batch 1, no masks, no
// attention weights returned) in one Node process (bench/browser.mjs runs the same suite in headless Chromium):
//   mha-wasm SIMD128 build, its relaxed-SIMD build (FMA; Node 20 needs --experimental-wasm-relaxed-simd, which
//   scripts/bench.sh passes), mha-wasm scalar build (same C++ without -msimd128), plain JavaScript,
//   onnxruntime-web (com.microsoft Attention + MatMul + Add, wasm SIMD, 1 thread),
//   tfjs-backend-wasm (SIMD, 1 thread).
// Every peer's output is checked against ours (same weights, same input) before it is timed.
// Peers run round-robin (one call of each per round) so that load changes on a shared machine hit
// every peer alike; ratios are only meaningful within one run.
//
//   node bench/run.mjs [--iterations 15] [--warmup 5] [--quick] [--shapes 128x512x8,512x768x12]
//                      [--peers simd,relaxed,threads,scalar,js,ort,tfjs,baseline] [--ort-threads N] [--simd-dist DIR] [--threads-dist DIR] [--scalar-dist DIR]
//                      [--baseline-dist DIR]
//                      [--budget-seconds 20] [--causal] [--clock cpu|wall] [--json FILE]
//
// Clock: every call is timed twice, on the wall clock and as CPU time of this process (process.cpuUsage).
// All peers run single-threaded, so CPU time is the time the code needed; on a shared, loaded machine the
// wall clock also counts the time the scheduler gave to other processes. The table is ordered and its
// ratios computed on --clock (default cpu); the other clock's median is printed beside it.
//
// This file only says how Node loads the peers and reads its clocks; peers, measurement and table are in
// bench/suite.mjs.
import { cpSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

import { describeRun, failedRows, formatTable, loadPeers, parseArgs, runBenchmark } from './suite.mjs';

const here = new URL('./', import.meta.url);
const root = new URL('../', here);

const USAGE =
  'usage: node bench/run.mjs [--iterations N] [--warmup N] [--quick] [--shapes NxExH,...] ' +
  '[--peers simd,relaxed,threads,scalar,js,ort,tfjs,baseline] [--ort-threads N] [--simd-dist DIR] [--threads-dist DIR] [--scalar-dist DIR] [--baseline-dist DIR] ' +
  '[--budget-seconds S] [--causal] [--clock cpu|wall] [--json FILE]';

const folderUrl = (path) => pathToFileURL(path.replace(/\/?$/, '/'));

/** Read from the file: some packages' "exports" maps do not export their package.json. */
export function packageVersion(name) {
  const file = new URL(`node_modules/${name}/package.json`, here);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
}

export function nodeLoaders(dists) {
  return {
    runtime: `node ${process.versions.node}`,
    async mha(kind) {
      if (kind === 'threads')
        return {
          skipped:
            'the threaded builds start Web Workers: browsers only (see bench/browser.mjs, and mha_bench --threads for the core)',
        };
      const entry = new URL('index.js', dists[kind]);
      if (!existsSync(entry)) return { skipped: `no build at ${entry.pathname} (scripts/bench.sh builds it)` };
      // One package instance per peer (a package loads one build): peers that share a folder get copies.
      const copy = new URL(`build/bench/node-peers/${kind}/`, root);
      cpSync(dists[kind], copy, { recursive: true });
      return { library: await import(new URL('index.js', copy).href) };
    },
    async ort() {
      const version = packageVersion('onnxruntime-web');
      if (!version) return { skipped: 'not installed (npm install in bench/)' };
      const dist = new URL('node_modules/onnxruntime-web/dist/', here);
      const ort = await import(new URL('ort.node.min.mjs', dist).href);
      return { ort, version, wasmPaths: dist.href }; // Node: the .wasm sits next to the bundle
    },
    async tfjs() {
      const version = packageVersion('@tensorflow/tfjs-backend-wasm');
      if (!version || !packageVersion('@tensorflow/tfjs')) return { skipped: 'not installed (npm install in bench/)' };
      const require = createRequire(here);
      return {
        tf: await import(pathToFileURL(require.resolve('@tensorflow/tfjs')).href),
        backend: await import(pathToFileURL(require.resolve('@tensorflow/tfjs-backend-wasm')).href),
        version,
        wasmPaths: new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', here).pathname,
      };
    },
  };
}

// CPU time of this process in ms: all peers run single-threaded on this thread.
function cpuTime() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e3;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const dists = {
    simd: options.simdDist ? folderUrl(options.simdDist) : new URL('dist/', root),
    relaxed: options.simdDist ? folderUrl(options.simdDist) : new URL('dist/', root),
    threads: options.threadsDist ? folderUrl(options.threadsDist) : new URL('dist/', root),
    scalar: options.scalarDist ? folderUrl(options.scalarDist) : new URL('build/wasm-scalar/dist/', root),
    baseline: options.baselineDist ? folderUrl(options.baselineDist) : new URL('build/bench/baseline/dist/', root),
  };
  const peers = await loadPeers(options.peers, nodeLoaders(dists), console.log, options);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine =
    `machine: ${cpu}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ` + `node ${process.versions.node}`;
  for (const line of describeRun(options, peers, machine)) console.log(line);
  const results = await runBenchmark(peers, options, {
    cpuTime,
    warn: console.error,
    onShape: (result) => {
      for (const line of formatTable(result, options.clock)) console.log(line);
    },
  });
  if (options.json) {
    writeFileSync(
      options.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpu,
          node: process.versions.node,
          load: os.loadavg(),
          options: { ...options, simdDist: dists.simd.href, scalarDist: dists.scalar.href },
          peers: peers.map((p) => p.version),
          results,
        },
        null,
        2,
      ),
    );
    console.log(`\nwrote ${options.json}`);
  }
  const failures = failedRows(results);
  if (failures.length) {
    console.error(`\n${failures.length} peer result(s) did not match our output`);
    process.exitCode = 1;
  }
}

// Run when started as a script; bench/browser.mjs imports packageVersion from here, bench/gqa.mjs nodeLoaders.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
