// Grouped-query attention with rotary embeddings against onnxruntime-web's GroupQueryAttention, one Node process,
// single thread, round-robin (bench/gqa-suite.mjs says what both peers compute and how they are cross-checked).
//
//   node --experimental-wasm-relaxed-simd bench/gqa.mjs [--iterations 25] [--warmup 5] [--peers simd,relaxed,ort]
//        [--simd-dist DIR] [--clock cpu|wall] [--cases 0,1,2,3] [--json FILE]
//
// --peers ort-qkv: onnxruntime-web with three Q, K, V projections into GroupQueryAttention instead of one packed.
// --simd-dist: the package folder whose builds are measured (default dist/; its SIMD128 build is the `simd` peer,
// its relaxed-SIMD build the `relaxed` one, which Node 20 runs only with --experimental-wasm-relaxed-simd).
// Clock: CPU time of this process by default (all peers single-threaded; see BENCHMARKS.md, "Which clock").
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

import { GQA_CASES, formatGqaTable, mhaGqaPeer, ortGqaPeer, runGqaCase } from './gqa-suite.mjs';
import { nodeLoaders } from './run.mjs';

const USAGE =
  'usage: node [--experimental-wasm-relaxed-simd] bench/gqa.mjs [--iterations N] [--warmup N] ' +
  '[--peers simd,relaxed,ort] [--simd-dist DIR] [--clock cpu|wall] [--cases 0,1,2,3] [--json FILE]';

function parse(argv) {
  const options = { iterations: 25, warmup: 5, peers: ['simd', 'relaxed', 'ort'], simdDist: null, clock: 'cpu' };
  options.cases = GQA_CASES.map((_, n) => n);
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg}: expected a value`);
      return argv[++i];
    };
    if (arg === '--iterations') options.iterations = Number(next());
    else if (arg === '--warmup') options.warmup = Number(next());
    else if (arg === '--peers') options.peers = next().split(',');
    else if (arg === '--simd-dist') options.simdDist = next();
    else if (arg === '--clock') options.clock = next();
    else if (arg === '--cases') options.cases = next().split(',').map(Number);
    else if (arg === '--json') options.json = next();
    else if (arg === '--help' || arg === '-h') return { help: true };
    else throw new Error(`unknown argument ${arg} (${USAGE})`);
  }
  if (!(options.iterations >= 1))
    throw new Error(`--iterations: expected a positive integer, got ${options.iterations}`);
  if (!['cpu', 'wall'].includes(options.clock)) throw new Error(`--clock: expected cpu or wall, got ${options.clock}`);
  for (const n of options.cases)
    if (!GQA_CASES[n]) throw new Error(`--cases: expected indices 0..${GQA_CASES.length - 1}, got ${n}`);
  for (const peer of options.peers)
    if (!['simd', 'relaxed', 'ort', 'ort-qkv'].includes(peer))
      throw new Error(`--peers: expected simd, relaxed, ort or ort-qkv, got ${peer}`);
  return options;
}

const cpuTime = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e3;
};
const loadText = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function loadPeers(options) {
  const folder = pathToFileURL(
    (options.simdDist ?? new URL('../dist/', import.meta.url).pathname).replace(/\/?$/, '/'),
  );
  const loaders = nodeLoaders({ simd: folder, relaxed: folder });
  const peers = [];
  for (const kind of options.peers) {
    const loaded = kind.startsWith('ort') ? await loaders.ort() : await loaders.mha(kind);
    if (loaded.skipped) {
      console.log(`skipping ${kind}: ${loaded.skipped}`);
      continue;
    }
    if (kind.startsWith('ort')) {
      peers.push(ortGqaPeer(loaded, 1, { packed: kind === 'ort' }));
      continue;
    }
    const library = loaded.library;
    await library.loadModule({ threads: 1, simd: kind === 'relaxed' ? 'relaxed' : 'baseline' });
    const info = await library.moduleInfo();
    if (kind === 'relaxed' && info.simd !== 'relaxed') {
      console.log(`skipping relaxed: ${info.simdReason}`);
      continue;
    }
    const flavour = info.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128';
    peers.push(mhaGqaPeer(`mha-wasm ${flavour}`, `mha-wasm ${flavour} (1 thread)`, library));
  }
  return peers;
}

async function main() {
  const options = parse(process.argv.slice(2));
  if (options.help) return console.log(USAGE);
  const peers = await loadPeers(options);
  const loadBefore = loadText();
  console.log(
    `grouped-query attention + rotary, causal, batch 1, no biases; ${os.cpus()[0]?.model}, ${os.cpus().length} cores, ` +
      `load ${loadBefore}; node ${process.versions.node}`,
  );
  console.log(`peers: ${peers.map((p) => p.version).join('; ')}`);
  console.log(
    `warm-up ${options.warmup}, then ${options.iterations} round-robin rounds; ${options.clock === 'cpu' ? 'CPU time of this process' : 'wall clock'}; ` +
      '"vs ORT" = ORT median / peer median (> 1: faster than ORT)',
  );
  const results = [];
  for (const n of options.cases) {
    const result = await runGqaCase(peers, GQA_CASES[n], { ...options, seed: n + 1, cpuTime });
    results.push(result);
    for (const line of formatGqaTable(result, options.clock)) console.log(line);
  }
  const loadAfter = loadText();
  console.log(`\nload average before ${loadBefore}, after ${loadAfter}`);
  if (options.json)
    writeFileSync(
      options.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpu: os.cpus()[0]?.model,
          node: process.versions.node,
          load: { before: loadBefore, after: loadAfter },
          options,
          peers: peers.map((p) => p.version),
          results,
        },
        null,
        2,
      ),
    );
}

await main();
