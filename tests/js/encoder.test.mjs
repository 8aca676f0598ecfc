// EncoderModel and loadModel through the public API, on the Hugging Face fixtures of
// tests/fixtures/encoders (random BERT and DistilBERT saved by transformers, with their references).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { EncoderModel, GptModel, loadModel, ModelFormatError } from '../../dist/index.js';
import { readFixture } from './fixtures.mjs';

const encoders = new URL('../fixtures/encoders/', import.meta.url);

function maxRelativeError(actual, expected) {
  let diff = 0,
    scale = 0;
  for (let n = 0; n < expected.length; ++n) {
    diff = Math.max(diff, Math.abs(actual[n] - expected[n]));
    scale = Math.max(scale, Math.abs(expected[n]));
  }
  return diff / Math.max(scale, 1e-30);
}

for (const [folder, reference] of [
  ['bert-tiny', 'reference_bert.bin'],
  ['distilbert-tiny', 'reference_distilbert.bin'],
]) {
  test(`${folder}: loadModel dispatches on model_type and run() matches transformers`, async () => {
    const model = await loadModel(new URL(`${folder}/`, encoders));
    assert.ok(model instanceof EncoderModel);
    assert.equal(model.config.modelType, folder.startsWith('bert') ? 'bert' : 'distilbert');
    const fixture = readFixture(new URL(reference, encoders));
    const ids = fixture.get('single/input_ids').data;
    const text = "The animal didn't cross the street because it was tired";
    const r = model.run(text);
    assert.deepEqual(Array.from(r.ids), Array.from(ids)); // the tokenizer gives transformers' ids
    const T = ids.length,
      { nLayer, nHead, vocabSize } = model.config;
    assert.deepEqual(r.attentionShape, [nLayer, nHead, T, T]);
    assert.equal(r.tokens[0], '[CLS]');
    assert.equal(r.special[0], 1);
    assert.equal(r.special[T - 1], 1);
    assert.ok(maxRelativeError(r.attention, fixture.get('single/attentions').data) < 1e-4);
    assert.ok(maxRelativeError(r.embedding, fixture.get('single/embedding').data) < 1e-4);
    const positions = fixture.get('single/logits_positions').data;
    const logits = new Float32Array(positions.length * vocabSize);
    positions.forEach((p, n) => logits.set(r.logits.subarray(p * vocabSize, (p + 1) * vocabSize), n * vocabSize));
    assert.ok(maxRelativeError(logits, fixture.get('single/logits').data) < 1e-4);
    assert.ok(maxRelativeError(model.embed(text), r.embedding) < 1e-5); // streaming attention path: not bit-equal
    // a pair: token types from the tokenizer
    const pair = model.run({ text: "The animal didn't cross the street", pair: 'because it was too wide' });
    if (model.config.typeVocabSize > 0) assert.ok(pair.typeIds.includes(1));
    model.dispose();
  });
}

test('the tired/wide pair gives different rows for "it" in a bidirectional encoder', async () => {
  const model = await EncoderModel.load(new URL('bert-tiny/', encoders));
  const row = (text) => {
    const r = model.run(text);
    const i = r.tokens.indexOf('it'),
      T = r.ids.length;
    return Array.from(r.attention.subarray(i * T, i * T + i));
  };
  assert.notDeepEqual(
    row("The animal didn't cross the street because it was tired"),
    row("The animal didn't cross the street because it was wide"),
  );
  model.dispose();
});

test('loadModel gives a GptModel for model_type gpt2, and clear errors otherwise', async () => {
  const gpt = await loadModel(new URL('../../models/austen-gpt/', import.meta.url));
  assert.ok(gpt instanceof GptModel);
  gpt.dispose();
  const config = JSON.parse(readFileSync(new URL('bert-tiny/config.json', encoders), 'utf8'));
  await assert.rejects(
    loadModel({ config: { ...config, model_type: 'roberta' } }),
    (error) =>
      error instanceof ModelFormatError &&
      /model_type: expected one of "gpt2", "bert", "distilbert", "llama", "qwen2", "mistral", got "roberta"/.test(
        error.message,
      ),
  );
  await assert.rejects(
    EncoderModel.load({
      config: { ...config, position_embedding_type: 'relative_key' },
      weights: new URL('bert-tiny/model.safetensors', encoders),
      vocab: new URL('bert-tiny/vocab.txt', encoders),
    }),
    (error) => error instanceof ModelFormatError && /position_embedding_type: expected "absolute"/.test(error.message),
  );
  const zip = new Uint8Array(64);
  zip.set([0x50, 0x4b, 3, 4]);
  await assert.rejects(
    EncoderModel.load({ config, weights: zip, vocab: new URL('bert-tiny/vocab.txt', encoders) }),
    (error) => error instanceof ModelFormatError && /safe_serialization=True/.test(error.message),
  );
});

test("WordPiece through the package gives tokenizers' ids on every reference case (uncased)", async () => {
  const model = await EncoderModel.load(new URL('bert-tiny/', encoders));
  const reference = JSON.parse(readFileSync(new URL('wordpiece_cases.json', encoders), 'utf8'));
  let mismatches = 0;
  for (const c of reference.cases) {
    const e = model.tokenizer.encode(c.text, c.pair, c.max_length ?? 0);
    const want = c.uncased;
    const same =
      e.ids.length === want.ids.length &&
      e.ids.every((id, n) => id === want.ids[n]) &&
      e.truncated === (want.truncated === true) &&
      (c.pair === undefined || e.typeIds.every((t, n) => t === want.type_ids[n]));
    if (!same && ++mismatches <= 5)
      assert.fail(`${JSON.stringify(c.text)} / ${JSON.stringify(c.pair)}: got ${Array.from(e.ids)}, want ${want.ids}`);
  }
  assert.equal(mismatches, 0);
  assert.ok(reference.cases.length >= 2000);
  model.dispose();
});
