// LlamaModel through the public API on the transformers fixtures of tests/fixtures/llama (written by
// make_llama_fixtures.py): a folder path (one file, or the sharded one through its index) and the files given
// as bytes; logits, attentions and hidden states within 1e-4 relative, greedy generation equal to generate().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { LlamaModel, loadModel, ModelFormatError } from '../../dist/index.js';
import { LLAMA_FIXTURES, LLAMA_MODELS, readFixture, relativeDifference } from './fixtures.mjs';

for (const name of LLAMA_MODELS) {
  test(`${name}: logits, attentions, hidden states and greedy generation match transformers`, async () => {
    const model = await LlamaModel.load(fileURLToPath(new URL(`${name}/`, LLAMA_FIXTURES)));
    const reference = readFixture(new URL(`${name}/reference.bin`, LLAMA_FIXTURES));
    const { nLayer, nHead, hiddenSize, vocabSize } = model.config;
    for (let s = 0; s < reference.get('sequences').data[0]; ++s) {
      const ids = reference.get(`seq${s}/ids`).data;
      const T = ids.length;
      const r = model.run(ids, { allLogits: true, hiddenStates: true });
      assert.deepEqual(r.logitsShape, [T, vocabSize]);
      assert.deepEqual(r.attentionShape, [nLayer, nHead, T, T]);
      assert.deepEqual(r.hiddenStatesShape, [nLayer + 1, T, hiddenSize]);
      for (const [key, actual] of [
        ['logits', r.logits],
        ['attentions', r.attention],
        ['hidden_states', r.hiddenStates],
      ]) {
        const { relative, maxDiff } = relativeDifference(actual, reference.get(`seq${s}/${key}`).data);
        assert.ok(relative <= 1e-4, `${name} seq${s} ${key}: relative ${relative}, max abs diff ${maxDiff}`);
      }
      const generated = reference.get(`seq${s}/generated`).data;
      const out = await model.generate(ids, { maxNewTokens: generated.length - T, stop: null }); // made without eos
      assert.deepEqual(out.ids, generated);
    }
    model.dispose();
  });
}

test('LlamaModel: files as bytes, the kv head of each query head, and errors that name the field', async () => {
  const folder = new URL('llama_gqa_untied_bf16/', LLAMA_FIXTURES);
  const config = JSON.parse(readFileSync(new URL('config.json', folder), 'utf8'));
  const weights = readFileSync(new URL('model.safetensors', folder));
  const model = await LlamaModel.load({ config, weights });
  assert.equal(model.config.nKvHead, 2);
  assert.deepEqual(
    [0, 3, 4, 7].map((h) => model.kvHeadOf(h)),
    [0, 0, 1, 1],
  );
  assert.throws(() => model.run([1, 300]), {
    name: 'RangeError',
    message: 'ids[1]: expected an id in [0, 300), got 300',
  });
  model.dispose();
  assert.throws(() => model.run([1]), { name: 'TypeError', message: /run: this LlamaModel was disposed/ });
  await assert.rejects(
    LlamaModel.load({ config: { ...config, model_type: 'mistral', sliding_window: 4096 }, weights }),
    (error) => error instanceof ModelFormatError && /config\.json: sliding_window: expected null/.test(error.message),
  );
  await assert.rejects(
    LlamaModel.load({ config: { ...config, rope_scaling: { rope_type: 'yarn', factor: 4 } }, weights }),
    (error) => error instanceof ModelFormatError && /rope_scaling\.rope_type/.test(error.message),
  );
});

test('LlamaModel with tokenizer.json: text in, readable tokens out, the ids of Hugging Face tokenizers', async () => {
  const folder = new URL('llama_gqa_untied_bf16/', LLAMA_FIXTURES);
  const tokenizerFolder = new URL('../hf_tokenizer/smollm2_style/', LLAMA_FIXTURES);
  const config = JSON.parse(readFileSync(new URL('config.json', folder), 'utf8'));
  // the fixture model has 300 ids: keep the texts to tokens below that
  const model = await LlamaModel.load({
    config,
    weights: readFileSync(new URL('model.safetensors', folder)),
    tokenizer: readFileSync(new URL('tokenizer.json', tokenizerFolder)),
  });
  const cases = JSON.parse(readFileSync(new URL('cases.json', tokenizerFolder), 'utf8')).cases;
  for (const [text, ids] of cases.slice(0, 400)) assert.deepEqual(Array.from(model.tokenizer.encode(text)), ids, text);
  const text = 'the 12 in'; // the, Ġ, 1, 2, Ġin: ids 276, 223, 19, 20, 289
  const { ids, tokens } = model.tokenize(text);
  assert.deepEqual(Array.from(ids), [276, 223, 19, 20, 289]);
  assert.equal(model.tokenizer.decode(ids), text);
  const r = model.run(text);
  assert.deepEqual(r.ids, ids);
  assert.deepEqual(r.tokens, tokens);
  assert.ok(tokens.includes('1') && tokens.includes('2')); // digits one by one
  const generated = await model.generate(text, { maxNewTokens: 2, stop: null });
  assert.deepEqual(generated.ids.slice(0, ids.length), ids);
  assert.equal(generated.text, model.tokenizer.decode(generated.newIds));
  model.dispose();
  assert.throws(() => model.tokenizer, { name: 'TypeError' });
});

test('loadModel: model_type llama and qwen2 give a LlamaModel (a folder, sharded or not, and files as bytes)', async () => {
  for (const [name, modelType] of [
    ['llama_rope_linear_f16_sharded', 'llama'],
    ['qwen2_bias_bf16', 'qwen2'],
  ]) {
    const folder = fileURLToPath(new URL(`${name}/`, LLAMA_FIXTURES));
    const model = await loadModel(folder);
    assert.ok(model instanceof LlamaModel, name);
    assert.equal(model.config.modelType, modelType);
    assert.equal(model.tokenizer, null); // the fixtures have no tokenizer.json
    const direct = await LlamaModel.load(folder);
    const ids = [1, 2, 3, 4];
    const r = model.run(ids);
    assert.deepEqual(r.attentionShape, [model.config.nLayer, model.config.nHead, 4, 4]);
    assert.deepEqual(r.logits, direct.run(ids).logits);
    model.dispose();
    direct.dispose();
  }
  const folder = new URL('llama_gqa_untied_bf16/', LLAMA_FIXTURES);
  const model = await loadModel({
    config: readFileSync(new URL('config.json', folder)),
    weights: readFileSync(new URL('model.safetensors', folder)),
  });
  assert.ok(model instanceof LlamaModel);
  assert.equal(model.config.nKvHead, 2);
  model.dispose();
});
