// Per-call cost of MultiHeadAttention.forward through the package, on the small shapes where the cost
// of the call itself (argument checks, Embind, heap staging, copies) is a large share of the time.
// Self-attention, batch 1, no masks, needWeights: false, the same input every call.
//
//   node bench/overhead.mjs [--dist DIR]... [--shapes 1x256x4,16x256x4,64x256x8] [--rounds 41] [--calls 0]
//
// Several --dist folders (package builds, e.g. main's and this branch's) are measured in one process,
// round-robin, so that load on a shared machine hits them alike. Each round times a burst of calls and
// divides by the count (--calls 0 picks a burst of about 20 ms per shape); the table shows the median
// per-call time over the rounds on both clocks: CPU time of this process (process.cpuUsage; all of it
// is one thread) and wall time. The difference between two builds at n = 1 is the call overhead saved.
// For builds that have it, a "core" row times the engine alone: the same call re-run on the inputs
// already staged in the wasm heap (no argument checks, no copies, no JavaScript wrapper).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import os from 'node:os';

function parseArgs(argv) {
  const options = {
    dists: [],
    shapes: [
      [1, 256, 4],
      [16, 256, 4],
      [64, 256, 8],
    ],
    rounds: 41,
    calls: 0,
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg}: expected a value`);
      return argv[++i];
    };
    if (arg === '--dist') options.dists.push(resolve(next()));
    else if (arg === '--shapes')
      options.shapes = next()
        .split(',')
        .map((s) => s.split('x').map(Number));
    else if (arg === '--rounds') options.rounds = Number(next());
    else if (arg === '--calls') options.calls = Number(next());
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/overhead.mjs [--dist DIR]... [--shapes NxExH,...] [--rounds N] [--calls N]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (options.dists.length === 0) options.dists.push(resolve(new URL('../dist', import.meta.url).pathname));
  for (const [n, E, H] of options.shapes)
    if (!(n >= 1 && E >= 1 && H >= 1 && E % H === 0)) throw new Error(`--shapes: bad shape ${n}x${E}x${H}`);
  return options;
}

// Deterministic data (mulberry32), unit-variance inputs and projections.
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
function problem(n, E, seed) {
  const rand = random(seed);
  const fill = (length, scale) => Float32Array.from({ length }, () => 2 * scale * rand());
  const limit = Math.sqrt(3 / E);
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

const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const wallMicros = () => Number(process.hrtime.bigint()) / 1e3;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const builds = [];
  for (const dir of options.dists) {
    const entry = pathToFileURL(`${dir}/index.js`);
    if (!existsSync(entry)) throw new Error(`--dist: no package build at ${entry.pathname}`);
    const attention = await import(pathToFileURL(`${dir}/attention.js`).href);
    builds.push({ dir, api: await import(entry.href), rerunLastCall: attention.rerunLastCall });
  }
  console.log(
    `node ${process.versions.node}, ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log('per-call time of forward(x, { needWeights: false }), median over rounds, microseconds\n');
  console.log(
    `${'(n, E, H)'.padEnd(16)} ${'build'.padEnd(40)} ${'calls'.padStart(6)} ${'cpu µs'.padStart(10)} ${'wall µs'.padStart(10)}`,
  );

  for (const [n, E, H] of options.shapes) {
    const { input, weights } = problem(n, E, 1000 + n * E + H);
    const layers = [];
    for (const build of builds) {
      const layer = await build.api.MultiHeadAttention.create({ embedDim: E, numHeads: H });
      layer.loadWeights(weights);
      layers.push(layer);
    }
    // Every build must give the same answer before it is timed.
    const outputs = layers.map((layer) => layer.forward(input, { needWeights: false }).output);
    for (const output of outputs.slice(1)) {
      let worst = 0;
      for (let i = 0; i < output.length; ++i) worst = Math.max(worst, Math.abs(output[i] - outputs[0][i]));
      if (!(worst <= 1e-4)) throw new Error(`builds disagree at ${n}x${E}x${H}: max abs diff ${worst}`);
    }
    // Warm up (V8 tiers up both the wrapper and the wasm), then size the burst to about 20 ms.
    let calls = options.calls;
    for (const layer of layers) {
      const start = wallMicros();
      let count = 0;
      while (wallMicros() - start < 300_000 || count < 50) {
        layer.forward(input, { needWeights: false });
        ++count;
      }
      if (!options.calls) calls = Math.max(calls, Math.ceil((20_000 * count) / (wallMicros() - start)));
    }
    // Runners: forward() of every build, then the engine alone where the build can re-run a call.
    const runners = layers.map((layer, b) => ({
      label: builds[b].dir,
      run: () => layer.forward(input, { needWeights: false }),
    }));
    layers.forEach((layer, b) => {
      const symbol = builds[b].rerunLastCall;
      if (!symbol) return;
      const rerun = layer[symbol]();
      runners.push({
        label: `${builds[b].dir} core`,
        run: () => {
          if (rerun() !== 0) throw new Error('engine failed');
        },
      });
    });
    const cpu = runners.map(() => []),
      wall = runners.map(() => []);
    for (let round = 0; round < options.rounds; ++round)
      runners.forEach(({ run }, r) => {
        const cpu0 = cpuMicros(),
          wall0 = wallMicros();
        for (let c = 0; c < calls; ++c) run();
        wall[r].push((wallMicros() - wall0) / calls);
        cpu[r].push((cpuMicros() - cpu0) / calls);
      });
    runners.forEach(({ label }, r) => {
      console.log(
        `${`(${n}, ${E}, ${H})`.padEnd(16)} ${label.slice(-40).padEnd(40)} ${String(calls).padStart(6)} ` +
          `${median(cpu[r]).toFixed(1).padStart(10)} ${median(wall[r]).toFixed(1).padStart(10)}`,
      );
    });
    for (const layer of layers) layer.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
