// generate() and the KV cache of run() through the public API, against Hugging Face transformers
// (tests/fixtures/generation/generation.json, written by make_generation_fixtures.py): greedy ids of
// generate(do_sample=False) on the random gpt2-tiny, on models/austen-gpt and on the Llama fixtures; the kept ids
// and renormalised probabilities of TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper. Then what only
// our code defines: seeds, frequencies of draws, stop ids, the callback, abort, a full context, and run() through
// the cache giving the bits of a run from scratch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { GptModel, LlamaModel } from '../../dist/index.js';
import { drawFrom, filteredDistribution, seededRandom } from '../../dist/generation.js';
import { readFixture } from './fixtures.mjs';

const repository = new URL('../../', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('tests/fixtures/generation/generation.json', repository), 'utf8'));
const tinyFolder = new URL('tests/fixtures/encoders/gpt2-tiny/', repository);
const austenFolder = fileURLToPath(new URL('models/austen-gpt/', repository));

// GPT-2's byte-level alphabet and 44 more tokens (<256> .. <299>) as a vocab.json with no merges: a tokenizer
// for gpt2-tiny's 300 ids (the fixtures give ids; the text only has to decode).
function byteVocab() {
  const printable = [];
  for (let b = 33; b <= 126; ++b) printable.push(b);
  for (let b = 161; b <= 172; ++b) printable.push(b);
  for (let b = 174; b <= 255; ++b) printable.push(b);
  const vocab = {};
  let extra = 0;
  for (let b = 0; b < 256; ++b) vocab[String.fromCodePoint(printable.includes(b) ? b : 256 + extra++)] = b;
  for (let id = 256; id < 300; ++id) vocab[`<${id}>`] = id;
  return new TextEncoder().encode(JSON.stringify(vocab));
}

function loadTiny() {
  return GptModel.load({
    config: new URL('config.json', tinyFolder),
    weights: new URL('model.safetensors', tinyFolder),
    vocab: byteVocab(),
    merges: new TextEncoder().encode('#version: 0.2\n'),
  });
}

test('greedy generate() gives the ids of transformers generate(do_sample=False): gpt2-tiny and austen-gpt', async () => {
  const models = { 'gpt2-tiny': await loadTiny(), 'austen-gpt': await GptModel.load(austenFolder) };
  for (const [name, entry] of Object.entries(fixture.greedy)) {
    const model = models[name];
    assert.deepEqual(model.config.eosTokenIds, entry.eos_token_id === null ? [50256] : [entry.eos_token_id]);
    for (const c of entry.cases) {
      const input = c.prompt ?? c.input_ids;
      if (c.prompt) assert.deepEqual(Array.from(model.tokenize(c.prompt).ids), c.input_ids);
      const steps = [];
      const out = await model.generate(input, { maxNewTokens: c.max_new_tokens, onToken: (s) => steps.push(s) });
      assert.deepEqual(Array.from(out.ids), c.generated, `${name}: ${input}`);
      assert.deepEqual(Array.from(out.newIds), c.generated.slice(c.input_ids.length));
      assert.equal(out.stopReason, c.stopped_at_eos ? 'stop' : 'length');
      assert.equal(out.text, model.tokenizer.decode(out.newIds));
      assert.equal(steps.map((s) => s.text).join(''), out.text); // the streamed pieces add up to the text
      assert.deepEqual(
        steps.map((s) => s.index),
        Array.from(out.newIds, (_, n) => c.input_ids.length + n),
      );
      assert.ok(steps.every((s) => s.attention === undefined));
    }
  }
  for (const model of Object.values(models)) model.dispose();
});

test('greedy generate() on the Llama fixtures gives transformers generate() ids (no tokenizer: text null)', async () => {
  for (const name of ['llama_mqa_tied_f32', 'llama_gqa_untied_bf16', 'qwen2_bias_bf16']) {
    const folder = new URL(`tests/fixtures/llama/${name}/`, repository);
    const model = await LlamaModel.load(fileURLToPath(folder));
    const reference = readFixture(new URL('reference.bin', folder));
    for (let s = 0; s < reference.get('sequences').data[0]; ++s) {
      const ids = reference.get(`seq${s}/ids`).data;
      const want = reference.get(`seq${s}/generated`).data;
      // the fixtures were made with eos_token_id None: stop: null leaves config.json's eos out
      const out = await model.generate(ids, { maxNewTokens: want.length - ids.length, stop: null });
      assert.deepEqual(out.ids, want, `${name} seq${s}`);
      assert.equal(out.text, null);
    }
    await assert.rejects(model.generate([1, 2], 3), {
      name: 'TypeError',
      message: /options: expected an object such as \{ maxNewTokens: 3 \}, got the number 3/,
    });
    model.dispose();
  }
});

test('filteredDistribution keeps the ids and gives the probabilities of transformers warpers (1e-6)', () => {
  const logits = Float32Array.from(fixture.warpers.logits);
  for (const c of fixture.warpers.cases) {
    const options = { temperature: c.temperature, topK: c.top_k, topP: c.top_p };
    const { ids, probabilities } = filteredDistribution(logits, options);
    assert.deepEqual(
      Array.from(ids).sort((a, b) => a - b),
      c.kept,
      JSON.stringify(options),
    );
    const full = new Float64Array(logits.length);
    ids.forEach((id, n) => (full[id] = probabilities[n]));
    let worst = 0;
    for (let id = 0; id < full.length; ++id) worst = Math.max(worst, Math.abs(full[id] - c.probabilities[id]));
    assert.ok(worst <= 1e-6, `${JSON.stringify(options)}: max abs difference ${worst}`);
  }
});

test('draws follow the filtered distribution (chi-square over 40,000 draws), a seed repeats them', () => {
  const logits = Float32Array.from(fixture.warpers.logits);
  const distribution = filteredDistribution(logits, { temperature: 1.3, topK: 40, topP: 0.8 });
  assert.equal(distribution.ids.length, 9);
  const draws = 40000,
    random = seededRandom(7);
  const counts = new Map();
  for (let n = 0; n < draws; ++n) {
    const id = drawFrom(distribution, random());
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let chiSquare = 0;
  distribution.ids.forEach((id, n) => {
    const expected = draws * distribution.probabilities[n];
    chiSquare += ((counts.get(id) ?? 0) - expected) ** 2 / expected;
  });
  assert.equal([...counts.keys()].filter((id) => !distribution.ids.includes(id)).length, 0); // only kept ids
  // 8 degrees of freedom: P(chi2 > 26.1) = 0.001. Sampling without renormalising, or from the unfiltered
  // distribution, or off by one id, gives thousands.
  assert.ok(chiSquare < 26.1, `chi-square ${chiSquare}`);
  const sequence = (seed) => Array.from({ length: 8 }, seededRandom(seed));
  assert.deepEqual(sequence(3), sequence(3));
  assert.notDeepEqual(sequence(3), sequence(4));
  assert.ok(sequence(0).every((u) => u >= 0 && u < 1));
});

test('sampling: a seed repeats the ids, other seeds differ; stop ids, onToken false, a full context', async () => {
  const model = await GptModel.load(austenFolder);
  const prompt = 'It is a truth universally acknowledged';
  const sample = (seed, extra = {}) =>
    model.generate(prompt, {
      doSample: true,
      temperature: 1.2,
      topK: 50,
      topP: 0.95,
      seed,
      maxNewTokens: 12,
      ...extra,
    });
  const first = await sample(1);
  assert.equal(first.newIds.length, 12);
  assert.deepEqual((await sample(1)).ids, first.ids);
  const others = await Promise.all([2, 3, 4].map((seed) => sample(seed)));
  for (const other of others) assert.notDeepEqual(other.newIds, first.newIds);
  const greedy = await model.generate(prompt, { maxNewTokens: 12 });
  assert.notDeepEqual(first.newIds, greedy.newIds);

  // a stop id ends generation with it; onToken returning false ends it after that token
  const stopAt = greedy.newIds[3];
  const stopped = await model.generate(prompt, { maxNewTokens: 12, stop: [stopAt] });
  assert.equal(stopped.stopReason, 'stop');
  assert.deepEqual(stopped.newIds, greedy.newIds.slice(0, greedy.newIds.indexOf(stopAt) + 1));
  let calls = 0;
  const early = await model.generate(prompt, { maxNewTokens: 12, onToken: () => ++calls < 2 });
  assert.equal(early.stopReason, 'callback');
  assert.deepEqual(early.newIds, greedy.newIds.slice(0, 2));

  // n_positions 128: generation stops with 'length' when the sequence fills the context
  const long = new Int32Array(120).fill(model.tokenize(' the').ids[0]);
  const full = await model.generate(long, { maxNewTokens: 50 });
  assert.equal(full.stopReason, 'length');
  assert.equal(full.ids.length, 128);
  await assert.rejects(model.generate(new Int32Array(128).fill(5)), {
    name: 'RangeError',
    message: 'input: expected fewer than nPositions = 128 tokens (room for a new one), got 128',
  });
  for (const [options, message] of [
    [{ maxNewTokens: 0 }, /options.maxNewTokens: expected an integer >= 1, got 0/],
    [{ temperature: 0 }, /options.temperature: expected a finite number > 0, got 0/],
    [{ topK: -1 }, /options.topK: expected an integer >= 0/],
    [{ topP: 1.5 }, /options.topP: expected a number in \(0, 1\]/],
    [{ seed: 2 ** 32 }, /options.seed: expected an integer in \[0, 2\^32\)/],
    [{ stop: 5 }, /options.stop: expected an array of token ids/],
    [{ top_k: 5 }, /top_k/],
  ])
    await assert.rejects(model.generate(prompt, options), { message });
  model.dispose();
});

test('abort mid-generation rejects with the reason; the model stays usable', async () => {
  const model = await GptModel.load(austenFolder);
  const prompt = 'Elizabeth looked at Mr. Darcy and';
  const greedy = await model.generate(prompt, { maxNewTokens: 10 });
  const controller = new AbortController();
  const seen = [];
  await assert.rejects(
    model.generate(prompt, {
      maxNewTokens: 10,
      signal: controller.signal,
      onToken: (step) => {
        seen.push(step.id);
        if (seen.length === 3) controller.abort(new Error('stopped by the test'));
      },
    }),
    { message: 'stopped by the test' },
  );
  assert.deepEqual(seen, Array.from(greedy.newIds.slice(0, 3)));
  await assert.rejects(model.generate(prompt, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.deepEqual((await model.generate(prompt, { maxNewTokens: 10 })).ids, greedy.ids);
  model.dispose();
});

test('attention: true streams each new token attention row, the row of a run() of the whole sequence', async () => {
  const model = await loadTiny();
  const { nLayer, nHead } = model.config;
  const steps = [];
  const out = await model.generate([17, 250, 3], { maxNewTokens: 5, attention: true, onToken: (s) => steps.push(s) });
  const T = out.ids.length;
  const whole = model.run(out.ids);
  for (const step of steps) {
    const keys = step.index + 1;
    assert.equal(step.attention.length, nLayer * nHead * keys);
    for (let plane = 0; plane < nLayer * nHead; ++plane) {
      const from = (plane * T + step.index) * T;
      assert.deepEqual(
        step.attention.subarray(plane * keys, (plane + 1) * keys),
        whole.attention.subarray(from, from + keys),
      );
    }
  }
  model.dispose();
});

test('run() reuses the KV cache and kept rows: every result has the bits of a run from scratch', async () => {
  const cached = await GptModel.load(austenFolder);
  const scratch = await GptModel.load(austenFolder);
  const { nLayer, nHead } = cached.config;
  const base = Array.from(cached.tokenize('It is a truth universally acknowledged, that a single man in').ids);
  const edited = base.slice();
  edited[5] = cached.tokenize(' woman').ids[0];
  const mask = new Uint8Array(nLayer * nHead).fill(1);
  mask[3] = 0;
  const sequences = [
    [base.slice(0, 6), {}],
    [base, {}], // grows: only the new tokens run
    [base, {}], // the same again
    [base.concat([13]), { allLogits: true }], // rows of all-position logits missing: from 0
    [base.concat([13, 14]), { allLogits: true }], // kept rows
    [edited, {}], // a changed token: from position 5
    [edited.slice(0, 8), { attention: false }], // shorter
    [edited.slice(0, 9), {}], // attention wanted again, rows not kept by the last run
    [edited.slice(0, 9), { headMask: mask }], // another mask: from 0
    [edited, { headMask: mask }],
    [edited, {}],
  ];
  for (const [ids, options] of sequences) {
    const got = cached.run(ids, options);
    scratch.clearCache();
    const want = scratch.run(ids, options);
    assert.deepEqual(got.logits, want.logits, `${ids.length} tokens ${JSON.stringify(options)}`);
    assert.deepEqual(got.attention, want.attention);
    assert.deepEqual(got.attentionShape, want.attentionShape);
    assert.deepEqual(cached.explain(2), scratch.explain(2));
  }
  cached.dispose();
  scratch.dispose();
});

test('LlamaModel run() through the cache: logits, attention and hidden states have the bits of a fresh run', async () => {
  const folder = fileURLToPath(new URL('tests/fixtures/llama/llama_gqa_untied_bf16/', repository));
  const cached = await LlamaModel.load(folder);
  const scratch = await LlamaModel.load(folder);
  const ids = [1, 64, 65, 66, 200, 201, 13, 8, 0, 299, 150];
  for (const [sequence, options] of [
    [ids.slice(0, 4), { hiddenStates: true, allLogits: true }],
    [ids, { hiddenStates: true, allLogits: true }],
    [[...ids.slice(0, 6), 7, 7], { hiddenStates: true }],
    [[...ids.slice(0, 6), 7, 7, 9], {}],
  ]) {
    const got = cached.run(sequence, options);
    scratch.clearCache();
    const want = scratch.run(sequence, options);
    for (const key of ['logits', 'attention', 'hiddenStates', 'logitsShape', 'hiddenStatesShape'])
      assert.deepEqual(got[key], want[key], `${sequence.length} tokens ${key}`);
  }
  cached.dispose();
  scratch.dispose();
});
