// Trust: property-based checks (fast-check) against the float64 JS reference, random garbage arguments,
// the numerics policy, long runs, determinism, and use from worker_threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';

import { MultiHeadAttention, wasmHeapBytes } from '../../dist/index.js';
import { referenceAttention, relativeError, seededRandom } from './reference.mjs';

function randomState(rng, E, kdim = E, vdim = E, bias = true) {
  const s = 1 / Math.sqrt(E);
  const state =
    kdim === E && vdim === E
      ? { in_proj_weight: rng.floats(3 * E * E, s) }
      : {
          q_proj_weight: rng.floats(E * E, s),
          k_proj_weight: rng.floats(E * kdim, s),
          v_proj_weight: rng.floats(E * vdim, s),
        };
  state['out_proj.weight'] = rng.floats(E * E, s);
  if (bias) Object.assign(state, { in_proj_bias: rng.floats(3 * E, 0.5), 'out_proj.bias': rng.floats(E, 0.5) });
  return state;
}

test('property: any shape and option mix agrees with the float64 reference', async () => {
  const problem = fc.record({
    heads: fc.integer({ min: 1, max: 4 }),
    headDim: fc.integer({ min: 1, max: 9 }),
    kdim: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    vdim: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    bias: fc.boolean(),
    batch: fc.integer({ min: 1, max: 3 }),
    lq: fc.integer({ min: 1, max: 12 }),
    lk: fc.integer({ min: 1, max: 12 }),
    causal: fc.boolean(),
    padding: fc.boolean(),
    mask: fc.constantFrom('none', 'bool', 'float', 'boolPerHead', 'floatPerHead'),
    average: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  await fc.assert(
    fc.asyncProperty(problem, async (p) => {
      const E = p.heads * p.headDim,
        kdim = p.kdim ?? E,
        vdim = p.vdim ?? E;
      const cross = kdim !== E || vdim !== E || p.lq !== p.lk;
      const rng = seededRandom(p.seed);
      const config = { embedDim: E, numHeads: p.heads, kdim, vdim, bias: p.bias };
      const state = randomState(rng, E, kdim, vdim, p.bias);
      const query = rng.floats(p.batch * p.lq * E);
      const options = { batch: p.batch, causal: p.causal, averageWeights: p.average };
      if (cross)
        Object.assign(options, { key: rng.floats(p.batch * p.lk * kdim), value: rng.floats(p.batch * p.lk * vdim) });
      const lk = cross ? p.lk : p.lq;
      if (p.padding)
        options.keyPaddingMask = Uint8Array.from({ length: p.batch * lk }, () => (rng.uniform() < 0.3 ? 1 : 0));
      const planes = p.mask.endsWith('PerHead') ? p.batch * p.heads : 1;
      if (p.mask !== 'none' && !(p.mask.endsWith('PerHead') && planes === 1))
        options.attnMask = p.mask.startsWith('bool')
          ? Uint8Array.from({ length: planes * p.lq * lk }, () => (rng.uniform() < 0.3 ? 1 : 0))
          : rng.floats(planes * p.lq * lk, 2);
      const mha = await MultiHeadAttention.create(config);
      try {
        mha.loadWeights(state);
        const got = mha.forward(query, options);
        const want = referenceAttention(config, state, query, options);
        return (
          relativeError(got.output, want.output) <= 1e-5 &&
          relativeError(got.weights, p.average ? want.averaged : want.perHead) <= 1e-5
        );
      } finally {
        mha.dispose();
      }
    }),
    { numRuns: 300, seed: 20261127 },
  );
});

test('property: random garbage arguments only ever throw TypeError or RangeError, and nothing breaks', async () => {
  const mha = await MultiHeadAttention.create({ embedDim: 8, numHeads: 2 });
  const rng = seededRandom(77);
  const state = randomState(rng, 8);
  mha.loadWeights(state);
  const x = rng.floats(3 * 8);
  const good = mha.forward(x).output;
  const garbage = fc.oneof(
    fc.anything(),
    fc.float32Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(fc.boolean(), { maxLength: 20 }),
    fc.integer(),
    fc.double(),
  );
  const optionBag = fc.dictionary(
    fc.constantFrom(
      'key',
      'value',
      'batch',
      'causal',
      'keyPaddingMask',
      'attnMask',
      'needWeights',
      'averageWeights',
      'headMask',
      'bogus',
    ),
    garbage,
    { maxKeys: 4 },
  );
  let thrown = 0;
  fc.assert(
    fc.property(garbage, fc.option(optionBag), (query, options) => {
      try {
        mha.forward(query, options ?? undefined);
      } catch (error) {
        thrown++;
        return error instanceof TypeError || error instanceof RangeError;
      }
      return true;
    }),
    { numRuns: 2000, seed: 7 },
  );
  fc.assert(
    fc.property(garbage, (anything) => {
      try {
        mha.loadWeights(anything);
      } catch (error) {
        return error instanceof TypeError || error instanceof RangeError;
      }
      return true;
    }),
    { numRuns: 500, seed: 8 },
  );
  await fc.assert(
    fc.asyncProperty(garbage, async (anything) => {
      try {
        (await MultiHeadAttention.create(anything)).dispose();
      } catch (error) {
        return error instanceof TypeError || error instanceof RangeError;
      }
      return true;
    }),
    { numRuns: 500, seed: 9 },
  );
  console.log(`# ${thrown} of 2000 garbage forward calls were refused with TypeError/RangeError`);
  assert.deepEqual(Array.from(mha.forward(x).output), Array.from(good), 'still computes the same result');
  mha.dispose();
});

test('numerics: NaN/Infinity refused, -Infinity masks allowed, 1e4 exact, 1e30 never crashes', async () => {
  const rng = seededRandom(11);
  const state = randomState(rng, 8);
  const mha = await MultiHeadAttention.create({ embedDim: 8, numHeads: 2 });
  mha.loadWeights(state);
  const x = rng.floats(4 * 8);
  const nan = x.slice();
  nan[13] = NaN;
  assert.throws(() => mha.forward(nan), {
    name: 'RangeError',
    message: 'query[13]: expected a finite number, got NaN',
  });
  const inf = x.slice();
  inf[2] = Infinity;
  assert.throws(() => mha.forward(inf), {
    name: 'RangeError',
    message: 'query[2]: expected a finite number, got Infinity',
  });
  assert.throws(
    () => mha.loadWeights({ ...state, in_proj_bias: Float32Array.of(...state.in_proj_bias.slice(0, 23), NaN) }),
    { name: 'RangeError', message: 'in_proj_bias[23]: expected a finite number, got NaN' },
  );
  const mask = new Float32Array(16);
  mask[1] = -Infinity;
  assert.equal(mha.forward(x, { attnMask: mask, averageWeights: false }).weights[1], 0);
  mask[1] = Infinity;
  assert.throws(() => mha.forward(x, { attnMask: mask }), {
    name: 'RangeError',
    message: 'attnMask[1]: expected a finite number or -Infinity, got Infinity',
  });
  // every key masked for query 2: weights 0, output = out_proj.bias
  const padded = mha.forward(x, { attnMask: Uint8Array.from({ length: 16 }, (_, n) => (n >= 8 && n < 12 ? 1 : 0)) });
  assert.deepEqual(Array.from(padded.weights.subarray(8, 12)), [0, 0, 0, 0]);
  for (let e = 0; e < 8; ++e) assert.ok(Math.abs(padded.output[16 + e] - state['out_proj.bias'][e]) < 1e-6);
  // |x| = 1e4: scores ~1e8; still agrees with the float64 reference
  const big = x.map((v) => v * 1e4);
  const want = referenceAttention({ embedDim: 8, numHeads: 2 }, state, big);
  const got = mha.forward(big);
  assert.ok(got.output.every(Number.isFinite));
  assert.ok(relativeError(got.output, want.output) <= 1e-4);
  // |x| = 1e30: q.k overflows float32; documented as NaN rows, and the module is unharmed
  const huge = mha.forward(x.map((v) => v * 1e30));
  assert.ok(
    huge.output.some((v) => !Number.isFinite(v)),
    'overflowing scores are documented to give non-finite rows',
  );
  assert.deepEqual(Array.from(mha.forward(x).output), Array.from(mha.forward(x).output));
  // denormal inputs are plain numbers to the engine
  const tiny = mha.forward(x.map((v) => v * 1e-40));
  assert.ok(tiny.output.every(Number.isFinite));
  mha.dispose();
});

test('long run: 100,000 forwards on one instance keep the heap; results bit-identical; instances independent', async () => {
  const rng = seededRandom(21);
  const stateA = randomState(rng, 16),
    stateB = randomState(rng, 24, 24, 24, false);
  const a = await MultiHeadAttention.create({ embedDim: 16, numHeads: 4 });
  const b = await MultiHeadAttention.create({ embedDim: 24, numHeads: 3, bias: false });
  a.loadWeights(stateA);
  b.loadWeights(stateB);
  const xa = rng.floats(4 * 16),
    xb = rng.floats(6 * 24);
  const aloneA = a.forward(xa, { causal: true }).output,
    aloneB = b.forward(xb).output;
  const heapBefore = await wasmHeapBytes();
  const start = performance.now();
  for (let n = 0; n < 100000; ++n) {
    const r = n % 2 ? b.forward(xb) : a.forward(xa, { causal: true });
    if (n % 9973 === 0) assert.deepEqual(Array.from(r.output), Array.from(n % 2 ? aloneB : aloneA), `forward ${n}`);
  }
  const seconds = (performance.now() - start) / 1000;
  const heapAfter = await wasmHeapBytes();
  console.log(
    `# 100,000 interleaved forwards in ${seconds.toFixed(1)} s; wasm heap ${heapBefore} -> ${heapAfter} bytes`,
  );
  assert.equal(heapAfter, heapBefore);
  assert.deepEqual(Array.from(a.forward(xa, { causal: true }).output), Array.from(aloneA));
  a.dispose();
  b.dispose();
});

test('works from worker_threads, with the same bits as the main thread', async () => {
  const rng = seededRandom(5);
  const state = randomState(rng, 16);
  const x = rng.floats(5 * 16);
  const main = await MultiHeadAttention.create({ embedDim: 16, numHeads: 2 });
  main.loadWeights(state);
  const expected = Array.from(main.forward(x, { causal: true }).output);
  main.dispose();
  const source = `
    import { parentPort, workerData } from 'node:worker_threads';
    const { MultiHeadAttention } = await import(workerData.url);
    const mha = await MultiHeadAttention.create({ embedDim: 16, numHeads: 2 });
    mha.loadWeights(workerData.state);
    parentPort.postMessage(Array.from(mha.forward(workerData.x, { causal: true }).output));
    mha.dispose();`;
  const url = new URL('../../dist/index.js', import.meta.url).href;
  const results = await Promise.all(
    [0, 1].map(
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(source, { eval: true, type: 'module', workerData: { url, state, x } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  for (const r of results) assert.deepEqual(r, expected);
});
