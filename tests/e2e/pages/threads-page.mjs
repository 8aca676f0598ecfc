// Threads in the browser (tests/e2e/threads.test.mjs): this page is cross-origin isolated (COOP/COEP from
// scripts/serve.mjs), so the package loads its threaded build. It runs the same work with 1 thread and
// with every thread, and publishes the results, their bit-for-bit comparison, the error against the JS
// float64 reference, and timings (recorded, never asserted) on globalThis.testResult.
import { GptModel, MultiHeadAttention, setThreadCount, threadCount } from '/dist/index.js';
import { referenceAttention, relativeError, seededRandom } from '/tests/js/reference.mjs';

const sameBits = (a, b) =>
  a.length === b.length && new Uint32Array(a.buffer).every((x, n) => x === new Uint32Array(b.buffer)[n]);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(repeats, body) {
  const times = [];
  for (let n = 0; n < repeats; ++n) {
    const start = performance.now();
    body();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function attentionCase(info) {
  // Large enough for every stage to be split between threads (see src/parallel).
  const E = 256,
    H = 4,
    L = 160;
  const random = seededRandom(11);
  const state = {
    in_proj_weight: random.floats(3 * E * E, 1 / 16),
    in_proj_bias: random.floats(3 * E, 0.1),
    'out_proj.weight': random.floats(E * E, 1 / 16),
    'out_proj.bias': random.floats(E, 0.1),
  };
  const x = random.floats(L * E);
  const mha = await MultiHeadAttention.create({ embedDim: E, numHeads: H });
  try {
    mha.loadWeights(state);
    const run = () => ({
      perHead: mha.forward(x, { causal: true, averageWeights: false }),
      streaming: mha.forward(x, { causal: true, needWeights: false }),
    });
    await setThreadCount(1);
    const one = run();
    await setThreadCount(info.maxThreads);
    const many = run();
    const want = referenceAttention({ embedDim: E, numHeads: H }, state, x, { causal: true });
    const big = new Float32Array(512 * 768),
      bigMha = await MultiHeadAttention.create({ embedDim: 768, numHeads: 12 });
    const bigRandom = seededRandom(12);
    bigMha.loadWeights({
      in_proj_weight: bigRandom.floats(3 * 768 * 768, 1 / 28),
      in_proj_bias: bigRandom.floats(3 * 768, 0.1),
      'out_proj.weight': bigRandom.floats(768 * 768, 1 / 28),
      'out_proj.bias': bigRandom.floats(768, 0.1),
    });
    big.set(bigRandom.floats(big.length));
    const msPerCall = {};
    for (const threads of [1, info.maxThreads, 1, info.maxThreads]) {
      await setThreadCount(threads);
      bigMha.forward(big, { needWeights: false }); // warm-up
      (msPerCall[threads] ??= []).push(await timed(5, () => bigMha.forward(big, { needWeights: false })));
    }
    bigMha.dispose();
    return {
      sameOutput: sameBits(one.perHead.output, many.perHead.output),
      sameWeights: sameBits(one.perHead.weights, many.perHead.weights),
      sameStreaming: sameBits(one.streaming.output, many.streaming.output),
      outputError: relativeError(many.perHead.output, want.output),
      weightsError: relativeError(many.perHead.weights, want.perHead),
      streamingError: relativeError(many.streaming.output, want.output),
      msPerCall512x768x12: msPerCall,
    };
  } finally {
    mha.dispose();
  }
}

async function modelCase(info) {
  const model = await GptModel.load('/models/austen-gpt/');
  try {
    const text =
      'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. However little known the feelings or views of such a man may be';
    const ids = model.tokenize(text).ids.slice(0, 32);
    await setThreadCount(1);
    const one = model.run(ids);
    await setThreadCount(info.maxThreads);
    const many = model.run(ids);
    const msPerRun = {};
    for (const threads of [1, info.maxThreads, 1, info.maxThreads]) {
      await setThreadCount(threads);
      (msPerRun[threads] ??= []).push(await timed(9, () => model.run(ids)));
    }
    return {
      tokens: ids.length,
      sameLogits: sameBits(one.logits, many.logits),
      sameAttention: sameBits(one.attention, many.attention),
      msPerRun32Tokens: msPerRun,
    };
  } finally {
    model.dispose();
  }
}

try {
  const info = await threadCount();
  const result = {
    ok: true,
    info,
    hardwareConcurrency: navigator.hardwareConcurrency,
    attention: await attentionCase(info),
  };
  result.model = await modelCase(info);
  document.querySelector('#result').textContent = JSON.stringify(result, null, 1);
  globalThis.testResult = result;
} catch (error) {
  globalThis.testResult = { ok: false, error: String(error?.stack ?? error) };
}
