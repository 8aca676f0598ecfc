// web/page-model.js in Node (the model worker's side of the page, without a worker): what compute(), explain()
// and presetText() send to the main thread for a GPT-2 model (austen-gpt), an encoder with an MLM head
// (distilbert-tiny) and a Llama-family model's config (llama_gqa_untied_bf16).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { loadModel } from '../../dist/index.js';
import { softmax } from '../../web/analysis.js';
import { PageModel, pageConfig } from '../../web/page-model.js';

const at = (path) => new URL(`../../${path}`, import.meta.url);
const SEED = "The animal didn't cross the street because it was tired";

describe('PageModel on austen-gpt', () => {
  let model, page;
  before(async () => {
    model = await loadModel(at('models/austen-gpt/'));
    page = new PageModel(model);
  });
  after(() => page.dispose());

  test('config, one run: the package run()s attention and top-5, delimiters, logits not sent', () => {
    assert.deepEqual(
      [page.config.family, page.config.modelType, page.config.nKvHead, page.config.nHead],
      ['gpt', 'gpt2', 8, 8],
    );
    const { a, b, predictionKind } = page.compute({ text: SEED });
    const direct = model.run(SEED);
    assert.deepEqual(a.run.attention, direct.attention);
    assert.deepEqual(a.run.tokens, direct.tokens);
    assert.deepEqual(a.predictions, model.topK(direct.logits, 5));
    assert.equal(a.run.logits, null);
    assert.equal(b, null);
    assert.equal(predictionKind, 'next');
    assert.equal(a.total, direct.ids.length);
    assert.equal(a.delimiters.length, direct.ids.length);
    const marked = page.compute({ text: 'It was tired. Then, it slept.' }).a;
    assert.deepEqual(
      marked.run.tokens.filter((_, n) => marked.delimiters[n]),
      ['.', ',', '.'],
    );
  });

  test("a head mask: the baseline probabilities are the unmasked run's for the masked top-5", () => {
    const mask = new Uint8Array(4 * 8).fill(1);
    mask[9] = 0;
    const { a } = page.compute({ text: SEED, headMask: mask });
    const baseline = softmax(model.run(SEED, { attention: false }).logits).weights;
    assert.deepEqual(
      a.baselineProbabilities,
      a.predictions.map((p) => baseline[p.id]),
    );
    assert.notDeepEqual(a.run.attention, model.run(SEED).attention, 'the ablation changed later layers');
  });

  test('a text over the context keeps its last nPositions tokens; B runs when asked', () => {
    const long = 'It is a truth universally acknowledged. '.repeat(40);
    const all = model.tokenizer.encode(long);
    const { a, b } = page.compute({ text: long, textB: SEED });
    assert.ok(all.length > 128);
    assert.deepEqual(a.run.ids, all.slice(all.length - 128));
    assert.equal(a.total, all.length);
    assert.deepEqual(b.run.attention, model.run(SEED).attention);
    assert.equal(page.compute({ text: '' }).a, null);
  });

  test('explain(): q, k, v of the ids asked, run again when the engine last ran others', () => {
    const ids = Array.from(model.tokenizer.encode(SEED));
    page.compute({ text: 'Something else entirely' });
    const got = page.explain({ ids, layer: 2 });
    model.run(ids);
    const direct = model.explain(2);
    assert.deepEqual([got.q, got.k, got.v], [direct.q, direct.k, direct.v]);
  });

  test('presetText(): the full-context text fills at most the context, in whole words', () => {
    const text = page.presetText('long');
    const count = model.tokenizer.encode(text).length;
    assert.ok(count <= 128 && count > 110, `${count} tokens`);
    const random = page.presetText('random', { length: 10, seed: 15 });
    const ids = model.tokenizer.encode(random);
    assert.deepEqual(Array.from(ids.slice(10)), Array.from(ids.slice(0, 10)), 'the same 10 tokens twice');
  });
});

test('PageModel on an encoder: [CLS]/[SEP] flagged, pieces readable, [MASK] guesses as the MLM logits rank them', async () => {
  const model = await loadModel(at('tests/fixtures/encoders/distilbert-tiny/'));
  const page = new PageModel(model);
  try {
    assert.equal(page.config.family, 'encoder');
    const text = 'the quick brown [MASK] jumps';
    const { a, predictionKind } = page.compute({ text });
    const direct = model.run(text);
    assert.equal(predictionKind, 'masked');
    assert.deepEqual(Array.from(a.run.special), Array.from(direct.special));
    assert.deepEqual(a.run.pieces, direct.tokens);
    assert.ok(a.run.tokens.every((token) => !token.startsWith('##')));
    const mask = direct.ids.indexOf(model.tokenizer.maskId);
    const row = direct.logits.subarray(mask * 1486, (mask + 1) * 1486);
    const best = Array.from(row.keys()).sort((x, y) => row[y] - row[x] || x - y);
    assert.deepEqual(
      a.predictions.map((p) => p.id),
      best.slice(0, 5),
    );
  } finally {
    page.dispose();
  }
});

test('PageModel refuses a Llama model without tokenizer.json, naming the file', async () => {
  const model = await loadModel(at('tests/fixtures/llama/llama_gqa_untied_bf16/'));
  try {
    assert.deepEqual(pageConfig(model), {
      family: 'llama',
      modelType: 'llama',
      nLayer: 2,
      nHead: 8,
      nKvHead: 2,
      nEmbd: 64,
      headDim: 8,
      nPositions: 128,
      vocabSize: 300,
      hasMlmHead: false,
    });
    assert.throws(() => new PageModel(model), /tokenizer\.json: the page needs the model's tokenizer\.json/);
  } finally {
    model.dispose();
  }
});
