// MultiHeadAttention with grouped-query heads (numKvHeads) and rotary embeddings against transformers'
// LlamaAttention (tests/fixtures/llama/attention.bin, written by make_attention_fixture.py): GQA 8/2 and MQA 4/1,
// causal, no biases; outputs and per-head weights at positions 0.., outputs at positions 5.. (positionOffset),
// and the KV cache path (forwardCached in chunks of 9, 1 and 2 against a DynamicCache), within 1e-4 relative.
// Then the cache's bookkeeping and the errors that name the argument.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MultiHeadAttention } from '../../dist/index.js';
import { readFixture, relativeDifference } from './fixtures.mjs';

const fixture = readFixture(new URL('../fixtures/llama/attention.bin', import.meta.url));
const T = 12;

function assertClose(actual, expected, what) {
  const { relative, maxDiff } = relativeDifference(actual, expected);
  assert.ok(relative <= 1e-4, `${what}: relative error ${relative}, max abs diff ${maxDiff}`);
}

async function layer(name) {
  const [E, H, Hkv] = fixture.get(`${name}/shape`).data;
  const mha = await MultiHeadAttention.create({
    embedDim: E,
    numHeads: H,
    numKvHeads: Hkv,
    bias: false,
    rotary: { base: fixture.get(`${name}/rope_theta`).data[0] },
  });
  mha.loadWeights({
    q_proj_weight: fixture.get(`${name}/q_proj`).data,
    k_proj_weight: fixture.get(`${name}/k_proj`).data,
    v_proj_weight: fixture.get(`${name}/v_proj`).data,
    'out_proj.weight': fixture.get(`${name}/o_proj`).data,
  });
  return { mha, E, H, Hkv };
}

for (const name of ['gqa', 'mqa']) {
  test(`${name}: forward and forwardCached match transformers' LlamaAttention`, async () => {
    const { mha, E, H, Hkv } = await layer(name);
    assert.deepEqual(
      [mha.config.numKvHeads, mha.config.rotary.dim, mha.config.rotary.interleaved],
      [Hkv, E / H, false],
    );
    const x = fixture.get(`${name}/x`).data;
    const full = mha.forward(x, { causal: true, averageWeights: false });
    assertClose(full.output, fixture.get(`${name}/output`).data, `${name} output`);
    assert.deepEqual(full.weightsShape, [1, H, T, T]);
    assertClose(full.weights, fixture.get(`${name}/attentions`).data, `${name} attentions`);
    const streaming = mha.forward(x, { causal: true, needWeights: false });
    assertClose(streaming.output, fixture.get(`${name}/output`).data, `${name} output without weights`);
    const shifted = mha.forward(x, { causal: true, needWeights: false, positionOffset: 5 });
    assertClose(shifted.output, fixture.get(`${name}/output_at5`).data, `${name} output at positions 5..`);

    const expected = fixture.get(`${name}/output_cached`).data;
    assert.equal(mha.cacheLength, 0);
    let begin = 0;
    for (const chunk of [9, 1, 2]) {
      const r = mha.forwardCached(x.subarray(begin * E, (begin + chunk) * E));
      assert.deepEqual(r.outputShape, [1, chunk, E]);
      assert.equal(r.cacheLength, begin + chunk);
      assertClose(r.output, expected.subarray(begin * E, (begin + chunk) * E), `${name} cached tokens ${begin}..`);
      begin += chunk;
    }
    // A changed suffix: back to 9 cached tokens, the last three again.
    mha.truncateCache(9);
    assert.equal(mha.cacheLength, 9);
    assertClose(
      mha.forwardCached(x.subarray(9 * E)).output,
      expected.subarray(9 * E),
      `${name} after truncateCache(9)`,
    );
    mha.truncateCache();
    assert.equal(mha.cacheLength, 0);
    mha.dispose();
  });
}

test('numKvHeads, rotary, positionOffset and the KV cache: errors name the argument, expected and actual', async () => {
  const create = (options) => MultiHeadAttention.create({ embedDim: 64, numHeads: 8, ...options });
  await assert.rejects(create({ numKvHeads: 3 }), {
    name: 'RangeError',
    message: 'numKvHeads: expected a divisor of numHeads = 8, got 3',
  });
  await assert.rejects(create({ numKvHeads: 2, kdim: 32 }), {
    name: 'RangeError',
    message: /^numKvHeads: grouped-query attention expects kdim == vdim == embedDim = 64, got kdim 32/,
  });
  await assert.rejects(create({ rotary: { dim: 7 } }), {
    name: 'RangeError',
    message: 'rotary.dim: expected an even number of at most headDim = 8, got 7',
  });
  await assert.rejects(create({ rotary: { base: 1 } }), {
    name: 'RangeError',
    message: 'rotary.base: expected a finite number > 1, got 1',
  });
  await assert.rejects(create({ rotary: { scaling: 'linear' } }), { name: 'TypeError', message: /rotary/ });
  const { mha, E } = await layer('gqa');
  assert.throws(
    () => mha.loadWeights({ in_proj_weight: new Float32Array(3 * E * E), 'out_proj.weight': new Float32Array(E * E) }),
    {
      name: 'RangeError',
      message: /^in_proj_weight: only valid without grouped-query attention/,
    },
  );
  assert.throws(
    () =>
      mha.loadWeights({
        q_proj_weight: new Float32Array(E * E),
        k_proj_weight: new Float32Array(E * E),
        v_proj_weight: new Float32Array(16 * E),
        'out_proj.weight': new Float32Array(E * E),
      }),
    {
      name: 'RangeError',
      message: `k_proj_weight: expected ${16 * E} floats for [E_kv, kdim] = [16, ${E}], got ${E * E}`,
    },
  );
  const x = fixture.get('gqa/x').data;
  assert.throws(() => mha.forward(x, { positionOffset: -1 }), {
    name: 'RangeError',
    message: 'positionOffset: expected an integer from 0 to 16777216, got -1',
  });
  assert.throws(() => mha.forwardCached(x.subarray(0, E - 1)), {
    name: 'RangeError',
    message: `x: expected a length that is a positive multiple of embedDim = ${E}, got ${E - 1}`,
  });
  mha.forwardCached(x.subarray(0, 2 * E));
  assert.throws(() => mha.truncateCache(3), {
    name: 'RangeError',
    message: 'length: expected an integer from 0 to cacheLength = 2, got 3',
  });
  mha.dispose();
  assert.throws(() => mha.cacheLength, {
    name: 'TypeError',
    message: /cacheLength: this MultiHeadAttention was disposed/,
  });
});
