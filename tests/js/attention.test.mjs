// The public JS API of the attention layer: PyTorch golden vectors, a randomized comparison with an
// independent float64 JS reference, argument errors, and memory behaviour.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { forwardRecordLayout } from '../../dist/attention.js';
import { loadModule, MhaError, MultiHeadAttention, wasmHeapBytes } from '../../dist/index.js';
import { fixtureCases, readFixture } from './fixtures.mjs';
import { referenceAttention, relativeError, seededRandom } from './reference.mjs';

const golden = fixtureCases(readFixture(new URL('../fixtures/mha_golden.bin', import.meta.url)));

function randomLayer(rng, { embedDim, kdim = embedDim, vdim = embedDim, bias = true }) {
  const E = embedDim,
    s = 1 / Math.sqrt(E);
  const state =
    kdim === E && vdim === E
      ? { in_proj_weight: rng.floats(3 * E * E, s) }
      : {
          q_proj_weight: rng.floats(E * E, s),
          k_proj_weight: rng.floats(E * kdim, s),
          v_proj_weight: rng.floats(E * vdim, s),
        };
  state['out_proj.weight'] = rng.floats(E * E, s);
  if (bias) {
    state.in_proj_bias = rng.floats(3 * E, 0.5);
    state['out_proj.bias'] = rng.floats(E, 0.5);
  }
  return state;
}

describe('PyTorch golden vectors through the public API', () => {
  for (const [name, t] of golden) {
    test(name, async () => {
      const [E, H, kdim, vdim, bias, B, Lq, Lk, causal, maskKind, , weightsMode, hasPadding] = t.config;
      const mha = await MultiHeadAttention.create({ embedDim: E, numHeads: H, kdim, vdim, bias: bias === 1 });
      const state = {};
      for (const k of [
        'in_proj_weight',
        'q_proj_weight',
        'k_proj_weight',
        'v_proj_weight',
        'in_proj_bias',
        'out_proj.weight',
        'out_proj.bias',
      ])
        if (t[k]) state[k] = t[k];
      mha.loadWeights(state);
      const result = mha.forward(t.query, {
        key: t.key,
        value: t.value,
        batch: B,
        causal: causal === 1,
        keyPaddingMask: hasPadding ? t.key_padding_mask : undefined,
        attnMask: maskKind ? t.attn_mask : undefined,
        averageWeights: weightsMode === 2,
      });
      assert.deepEqual(result.outputShape, [B, Lq, E]);
      assert.deepEqual(result.weightsShape, weightsMode === 2 ? [B, Lq, Lk] : [B, H, Lq, Lk]);
      // torch: NaN for fully masked rows; ours: zero weights, zero context, so output = out_proj.bias
      const expected = t.output.map((x, n) => (Number.isNaN(x) ? (bias ? t['out_proj.bias'][n % E] : 0) : x));
      assert.ok(
        relativeError(result.output, expected) <= 1e-5,
        `output rel err ${relativeError(result.output, expected)}`,
      );
      assert.ok(
        relativeError(result.weights, t.weights) <= 1e-5,
        `weights rel err ${relativeError(result.weights, t.weights)}`,
      );
    });
  }
});

test('randomized shapes and options agree with the float64 JS reference to 1e-5', async () => {
  const rng = seededRandom(12345);
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];
  for (let trial = 0; trial < 150; ++trial) {
    const numHeads = rng.pick([1, 2, 4]);
    const embedDim = numHeads * rng.pick([1, 2, 3, 4, 8, 16]);
    const cross = rng.uniform() < 0.3;
    const kdim = cross ? rng.pick(sizes) : embedDim,
      vdim = cross ? rng.pick(sizes) : embedDim;
    const bias = rng.uniform() < 0.7;
    const B = rng.pick([1, 1, 2, 3]),
      Lq = rng.pick(sizes),
      Lk = cross ? rng.pick(sizes) : Lq;
    const config = { embedDim, numHeads, kdim, vdim, bias };
    const state = randomLayer(rng, config);
    const query = rng.floats(B * Lq * embedDim);
    const options = { batch: B, averageWeights: rng.uniform() < 0.5 };
    if (cross) {
      options.key = rng.floats(B * Lk * kdim);
      options.value = rng.floats(B * Lk * vdim);
    }
    if (rng.uniform() < 0.3) options.causal = true;
    if (rng.uniform() < 0.3)
      options.keyPaddingMask = Uint8Array.from({ length: B * Lk }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const maskChoice = rng.pick(['none', 'bool', 'float', 'boolPerHead', 'floatPerHead']);
    const planes = maskChoice.endsWith('PerHead') ? B * numHeads : 1;
    if (maskChoice !== 'none' && !(planes === 1 && maskChoice.endsWith('PerHead')))
      options.attnMask = maskChoice.startsWith('bool')
        ? Uint8Array.from({ length: planes * Lq * Lk }, () => (rng.uniform() < 0.3 ? 1 : 0))
        : rng.floats(planes * Lq * Lk, 2);
    if (rng.uniform() < 0.2) options.headMask = Uint8Array.from({ length: numHeads }, (_, h) => (h % 2 ? 0 : 1));
    const want = referenceAttention(config, state, query, options);
    const mha = await MultiHeadAttention.create(config);
    mha.loadWeights(state);
    const got = mha.forward(query, options);
    const context = JSON.stringify({
      trial,
      config,
      B,
      Lq,
      Lk,
      ...Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v?.length ?? v])),
    });
    assert.ok(
      relativeError(got.output, want.output) <= 1e-5,
      `output ${relativeError(got.output, want.output)} ${context}`,
    );
    const wantWeights = options.averageWeights ? want.averaged : want.perHead;
    assert.ok(relativeError(got.weights, wantWeights) <= 1e-5, `weights ${context}`);
  }
});

test('hand-computed 2-token case and simple properties', async () => {
  // identity projections, E = 2, 1 head: weights [[w, 1-w], [1-w, w]] with w = e^a/(e^a+1), a = 1/sqrt(2)
  const mha = await MultiHeadAttention.create({ embedDim: 2, numHeads: 1, bias: false });
  mha.loadWeights({
    in_proj_weight: Float32Array.of(1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1),
    'out_proj.weight': Float32Array.of(1, 0, 0, 1),
  });
  const x = Float32Array.of(1, 0, 0, 1);
  const w = Math.exp(Math.SQRT1_2) / (Math.exp(Math.SQRT1_2) + 1);
  const { output, weights } = mha.forward(x);
  [w, 1 - w, 1 - w, w].forEach((v, n) => {
    assert.ok(Math.abs(weights[n] - v) < 1e-6);
    assert.ok(Math.abs(output[n] - v) < 1e-6);
  });
  const causal = mha.forward(x, { causal: true, averageWeights: false });
  assert.deepEqual([...causal.weights.subarray(0, 2)], [1, 0]);
  // rows sum to 1 and the causal upper triangle is exactly 0 on a bigger random layer
  const rng = seededRandom(9);
  const big = await MultiHeadAttention.create({ embedDim: 16, numHeads: 4 });
  big.loadWeights(randomLayer(rng, { embedDim: 16, numHeads: 4 }));
  const r = big.forward(rng.floats(2 * 10 * 16), { batch: 2, causal: true, averageWeights: false });
  for (let row = 0; row < 2 * 4 * 10; ++row) {
    const p = r.weights.subarray(row * 10, row * 10 + 10);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    for (let j = (row % 10) + 1; j < 10; ++j) assert.equal(p[j], 0);
  }
  assert.equal(big.forward(rng.floats(16), { needWeights: false }).weights, null);
});

describe('argument errors name the argument, the expected and the actual value', () => {
  const E = 8;
  const good = () => randomLayer(seededRandom(3), { embedDim: E, numHeads: 2 });
  const cases = [
    ['create without options', () => MultiHeadAttention.create(), TypeError, /options: expected an object/],
    [
      'embedDim not divisible',
      () => MultiHeadAttention.create({ embedDim: 10, numHeads: 3 }),
      RangeError,
      /embedDim: expected a multiple of numHeads = 3, got 10/,
    ],
    [
      'non-integer numHeads',
      () => MultiHeadAttention.create({ embedDim: 8, numHeads: 2.5 }),
      RangeError,
      /numHeads: expected a positive integer, got 2.5/,
    ],
    [
      'zero embedDim',
      () => MultiHeadAttention.create({ embedDim: 0, numHeads: 1 }),
      RangeError,
      /embedDim: expected a positive integer, got 0/,
    ],
    [
      'string size',
      () => MultiHeadAttention.create({ embedDim: '8', numHeads: 1 }),
      TypeError,
      /embedDim: expected a positive integer, got "8"/,
    ],
    [
      'unknown option',
      () => MultiHeadAttention.create({ embedDim: 8, numHeads: 1, heads: 2 }),
      TypeError,
      /unknown option "heads"/,
    ],
    [
      'bias not boolean',
      () => MultiHeadAttention.create({ embedDim: 8, numHeads: 1, bias: 1 }),
      TypeError,
      /bias: expected a boolean, got 1/,
    ],
  ];
  for (const [name, call, type, pattern] of cases)
    test(name, async () => {
      await assert.rejects(call(), (e) => e instanceof type && pattern.test(e.message));
    });

  test('bad weights, bad inputs, bad masks, use after dispose; the module keeps working', async () => {
    const mha = await MultiHeadAttention.create({ embedDim: E, numHeads: 2 });
    const x = seededRandom(4).floats(3 * E);
    assert.throws(() => mha.forward(x), { name: 'TypeError', message: /expected loadWeights\(\) first/ });
    const state = good();
    assert.throws(() => mha.loadWeights({ ...state, in_proj_weight: new Float32Array(5) }), {
      name: 'RangeError',
      message: 'in_proj_weight: expected 192 floats for [3E, E] = [24, 8], got 5',
    });
    assert.throws(() => mha.loadWeights({ ...state, in_proj_weight: new Float64Array(192) }), {
      name: 'TypeError',
      message: /in_proj_weight: expected a Float32Array.*got Float64Array\(192\)/,
    });
    assert.throws(() => mha.loadWeights({ ...state, 'out_proj.bias': undefined }), {
      name: 'TypeError',
      message: /out_proj.bias: expected a Float32Array.*got undefined/,
    });
    assert.throws(() => mha.loadWeights({ ...state, extra: new Float32Array(1) }), {
      name: 'TypeError',
      message: /unknown weight "extra"/,
    });
    assert.throws(() => mha.loadWeights(null), { name: 'TypeError', message: /stateDict: expected an object/ });
    mha.loadWeights(state);
    assert.throws(() => mha.forward(new Float32Array(7)), {
      name: 'RangeError',
      message: 'query: expected a length that is a positive multiple of batch*embedDim = 1*8 = 8, got 7',
    });
    assert.throws(() => mha.forward([1, 2, 3]), {
      name: 'TypeError',
      message: /query: expected a Float32Array.*got Array\(3\)/,
    });
    assert.throws(() => mha.forward(x, { batch: 2 }), {
      name: 'RangeError',
      message: /batch\*embedDim = 2\*8 = 16, got 24/,
    });
    assert.throws(() => mha.forward(x, { batch: 0 }), {
      name: 'RangeError',
      message: 'batch: expected a positive integer, got 0',
    });
    assert.throws(() => mha.forward(x, { attnMask: new Uint8Array(8) }), {
      name: 'RangeError',
      message:
        /attnMask: expected 9 elements for \[Lq, Lk\] = \[3, 3\] or 18 for \[batch\*numHeads, Lq, Lk\] = \[2, 3, 3\], got Uint8Array\(8\)/,
    });
    assert.throws(() => mha.forward(x, { attnMask: 'yes' }), {
      name: 'TypeError',
      message:
        /attnMask: expected a Uint8Array or an Array of booleans \(true = not allowed\), or a Float32Array additive mask, .*got "yes"$/,
    });
    assert.throws(() => mha.forward(x, { keyPaddingMask: new Uint8Array(4) }), {
      name: 'RangeError',
      message: 'keyPaddingMask: expected 3 elements for [batch, Lk] = [1, 3], got 4',
    });
    assert.throws(() => mha.forward(x, { key: rng4(5 * E), value: rng4(4 * E) }), {
      name: 'RangeError',
      message: /value: expected 40 floats for \[batch, Lk, vdim\] = \[1, 5, 8\], got 32/,
    });
    assert.throws(() => mha.forward(x, { causal: 'true' }), {
      name: 'TypeError',
      message: 'causal: expected a boolean, got "true"',
    });
    assert.throws(() => mha.forward(x, { headMask: [1] }), {
      name: 'RangeError',
      message: /headMask: expected 2 elements/,
    });
    assert.throws(() => mha.forward(x, { cause: true }), { name: 'TypeError', message: /unknown option "cause"/ });
    // still correct after all of that
    const want = referenceAttention({ embedDim: E, numHeads: 2 }, state, x);
    assert.ok(relativeError(mha.forward(x).output, want.output) <= 1e-5);
    mha.dispose();
    mha.dispose(); // idempotent
    assert.throws(() => mha.forward(x), {
      name: 'TypeError',
      message: 'forward: this MultiHeadAttention was disposed',
    });
    assert.throws(() => mha.loadWeights(state), { name: 'TypeError', message: /disposed/ });
  });
  const rng4 = (n) => seededRandom(n).floats(n);

  test("every mask argument names the bad element's index, and a wrong typed array is told what is accepted", async () => {
    const mha = await MultiHeadAttention.create({ embedDim: E, numHeads: 2 });
    mha.loadWeights(good());
    const x = seededRandom(4).floats(3 * E); // Lq = Lk = 3
    const bad = [
      [{ keyPaddingMask: [0, 2, 0] }, 'RangeError', 'keyPaddingMask[1]: expected a boolean, 0 or 1, got 2'],
      [
        { keyPaddingMask: [false, true, 'yes'] },
        'TypeError',
        'keyPaddingMask[2]: expected a boolean, 0 or 1, got "yes"',
      ],
      [{ keyPaddingMask: [0, null, 0] }, 'TypeError', 'keyPaddingMask[1]: expected a boolean, 0 or 1, got null'],
      [
        { keyPaddingMask: new Float64Array(3) },
        'TypeError',
        'keyPaddingMask: expected a Uint8Array or an Array of booleans (or 0/1) [batch, Lk] = [1, 3], got Float64Array(3) (Float64Array is not accepted: convert it, e.g. Uint8Array.from(mask))',
      ],
      [
        { keyPaddingMask: new Float32Array(3) },
        'TypeError',
        /^keyPaddingMask: expected a Uint8Array or an Array of booleans .*got Float32Array\(3\) \(Float32Array is not accepted/,
      ],
      [{ headMask: [1, 0.5] }, 'RangeError', 'headMask[1]: expected a boolean, 0 or 1, got 0.5'],
      [
        { headMask: new Int32Array(2) },
        'TypeError',
        /^headMask: expected a Uint8Array or an Array of booleans \(or 0\/1\) \[numHeads\] = \[2\].*got Int32Array\(2\) \(Int32Array is not accepted/,
      ],
      [{ attnMask: [0, 0, 0, 0, 1, 0, 0, 0, -1] }, 'RangeError', 'attnMask[8]: expected a boolean, 0 or 1, got -1'],
      [
        { attnMask: new Float64Array(9) },
        'TypeError',
        'attnMask: expected a Uint8Array or an Array of booleans (true = not allowed), or a Float32Array additive mask, ' +
          '[Lq, Lk] = [3, 3] or [batch*numHeads, Lq, Lk] = [2, 3, 3], got Float64Array(9) (Float64Array is not accepted: convert it, e.g. Float32Array.from(mask) for an additive mask)',
      ],
      [
        { attnMask: new Int8Array(9) },
        'TypeError',
        /^attnMask: expected a Uint8Array or an Array of booleans \(true = not allowed\), or a Float32Array additive mask, .*got Int8Array\(9\)/,
      ],
      [
        { attnMask: Float32Array.of(0, 0, 0, 0, NaN, 0, 0, 0, 0) },
        'RangeError',
        'attnMask[4]: expected a finite number or -Infinity, got NaN',
      ],
    ];
    for (const [options, name, message] of bad)
      assert.throws(() => mha.forward(x, options), { name, message }, JSON.stringify(Object.keys(options)));
    // the accepted forms still work: Uint8Array, booleans, 0/1, Float32Array additive
    const plain = mha.forward(x).output;
    assert.deepEqual(mha.forward(x, { keyPaddingMask: [false, 0, false], headMask: [true, 1] }).output, plain);
    assert.deepEqual(mha.forward(x, { attnMask: new Float32Array(9) }).output, plain);
    assert.deepEqual(mha.forward(x, { attnMask: new Uint8Array(9) }).output, plain);
    mha.dispose();
  });

  test('an input too large for wasm memory is a RangeError before allocation', async () => {
    const mha = await MultiHeadAttention.create({ embedDim: 8, numHeads: 1 });
    mha.loadWeights(good().in_proj_weight ? { ...randomLayer(seededRandom(1), { embedDim: 8, numHeads: 1 }) } : {});
    const x = new Float32Array(8 * 40000); // Lq = Lk = 40000: weights alone would be 6.4 GB
    const before = await wasmHeapBytes();
    assert.throws(() => mha.forward(x), {
      name: 'RangeError',
      message:
        /needs [\d.]+ GiB of wasm memory.*more than the 4 GiB a wasm32 module can address; split the batch or the sequence/,
    });
    assert.equal(await wasmHeapBytes(), before);
    assert.equal(mha.forward(x.subarray(0, 16)).output.length, 16);
  });
});

test('reused staging: results stay copies across calls and shape changes; errors keep their order', async () => {
  const config = { embedDim: 8, numHeads: 2 };
  const rng = seededRandom(11);
  const state = randomLayer(rng, config);
  const mha = await MultiHeadAttention.create(config);
  mha.loadWeights(state);
  const check = (x, options = {}) => {
    const got = mha.forward(x, options),
      want = referenceAttention(config, state, x, options);
    assert.ok(relativeError(got.output, want.output) <= 1e-5, `output differs at ${x.length / 8} tokens`);
    return got;
  };
  // Small, larger (the staging block grows), small again (it is reused): every result stays correct.
  const small = rng.floats(3 * 8),
    large = rng.floats(40 * 8);
  const first = check(small);
  const kept = Float32Array.from(first.output);
  const second = check(large, { needWeights: false });
  check(small, { causal: true });
  assert.deepEqual(first.output, kept, 'a returned output must not change when the layer runs again');
  assert.equal(second.weights, null);
  assert.notEqual(first.output.buffer, second.output.buffer);
  // Weights rows of a call that needs more than the kept staging size (16 MiB: 2100^2 floats of weights)
  // still sum to 1, and the layer keeps working with small calls after it.
  const huge = mha.forward(rng.floats(2100 * 8));
  assert.deepEqual(huge.weightsShape, [1, 2100, 2100]);
  let rowSum = 0;
  for (let j = 0; j < 2100; ++j) rowSum += huge.weights[1234 * 2100 + j];
  assert.ok(Math.abs(rowSum - 1) < 1e-4, `row sum ${rowSum}`);
  check(small);
  // Non-finite values in key and value are found by the engine and named exactly.
  const key = rng.floats(5 * 8),
    value = rng.floats(5 * 8);
  key[17] = NaN;
  assert.throws(() => mha.forward(small, { key, value }), {
    name: 'RangeError',
    message: 'key[17]: expected a finite number, got NaN',
  });
  key[17] = 0.5;
  value[39] = -Infinity;
  assert.throws(() => mha.forward(small, { key, value }), {
    name: 'RangeError',
    message: 'value[39]: expected a finite number, got -Infinity',
  });
  // With two faults the first in the documented order wins: a NaN in query before a bad option value.
  const nan = Float32Array.from(small);
  nan[4] = NaN;
  assert.throws(() => mha.forward(nan, { causal: 'yes' }), {
    name: 'RangeError',
    message: 'query[4]: expected a finite number, got NaN',
  });
  assert.throws(() => mha.forward(small, { causal: 'yes' }), {
    name: 'TypeError',
    message: 'causal: expected a boolean, got "yes"',
  });
  check(small, { key: Float32Array.from(key), value: Float32Array.from(value).fill(0.25, 39) });
  mha.dispose();
});

test('memory: create/forward/dispose cycles and repeated forwards keep the heap size', async () => {
  const rng = seededRandom(5);
  const config = { embedDim: 32, numHeads: 4 };
  const state = randomLayer(rng, config);
  const x = rng.floats(16 * 32);
  const warm = await MultiHeadAttention.create(config);
  warm.loadWeights(state);
  warm.forward(x);
  warm[Symbol.dispose](); // what `using` calls (Node >= 22 syntax)
  assert.equal(warm.disposed, true);
  const start = await wasmHeapBytes();
  for (let n = 0; n < 10000; ++n) {
    const mha = await MultiHeadAttention.create(config);
    mha.loadWeights(state);
    mha.forward(x);
    mha.dispose();
  }
  const afterCycles = await wasmHeapBytes();
  const one = await MultiHeadAttention.create(config);
  one.loadWeights(state);
  for (let n = 0; n < 10000; ++n) one.forward(x);
  const afterForwards = await wasmHeapBytes();
  console.log(
    `# wasm heap: start ${start} B, after 10,000 create/forward/dispose ${afterCycles} B, after 10,000 forwards ${afterForwards} B`,
  );
  assert.equal(afterCycles, start);
  assert.equal(afterForwards, start);
});

test('the forward record layout comes from the engine, once, and a wrapper/engine mismatch is named', async () => {
  const module = await loadModule();
  const layout = forwardRecordLayout(module);
  assert.equal(forwardRecordLayout(module), layout, 'read once per module');
  // the engine's own values (bindings/embind_attention.cpp): slot indices in order, distinct flag bits
  assert.equal(layout.slotCount, 21);
  assert.deepEqual(
    Object.values(layout.slots).sort((a, b) => a - b),
    [...Array(21).keys()],
  );
  assert.equal(layout.slots.query, 0);
  assert.equal(layout.slots.flags, 19);
  assert.equal(layout.slots.positionOffset, 20);
  assert.deepEqual(layout.flags, { causal: 1, attnMaskIsFloat: 2, attnMaskPerHead: 4 });
  assert.deepEqual(layout.weightsModes, { none: 0, perHead: 1, averaged: 2 });
  assert.deepEqual(layout.status, { ok: 0, error: 1, nonFinite: 2 });
  const fake = (edit) => ({
    forwardRecordLayout: () => edit(JSON.parse(JSON.stringify(module.forwardRecordLayout()))),
  });
  assert.throws(
    () =>
      forwardRecordLayout(
        fake((l) => {
          delete l.slots.attnMask;
          return l;
        }),
      ),
    (e) =>
      e instanceof MhaError &&
      e.message === "the engine's forward record has no slots.attnMask: the .wasm does not match this wrapper",
  );
  assert.throws(
    () =>
      forwardRecordLayout(
        fake((l) => {
          l.slotCount = 22;
          return l;
        }),
      ),
    (e) => e instanceof MhaError && /has 22 slots, this wrapper writes 21/.test(e.message),
  );
});
