// The seed's three kinds of head (analysis.headKinds) on hand-made attention with known answers: the
// neighbour proxy of syntax, the pronoun's weight on its antecedent (English and Bengali seed sentences),
// the weight on the most similar token by embedding cosine; each best head against chance and the label
// threshold. And the token-embedding reader of the similarity measure (web/embeddings.js), also as the model
// worker reads it from the user's files (by ranges of the File).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { findPronounCase, headKinds, labelThreshold, similarRows, wordSpans } from '../../web/analysis.js';
import { embeddingMatrix, embeddingRows, matrixOfSource } from '../../web/embeddings.js';
import { writeSafetensors } from './safetensors.mjs';

const close = (a, b, what, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Attention [nHeads, T, T] from one function per head: (i, j) -> weight. */
function attentionOf(T, heads) {
  const a = new Float32Array(heads.length * T * T);
  heads.forEach((f, h) => {
    for (let i = 0; i < T; ++i) for (let j = 0; j < T; ++j) a[(h * T + i) * T + j] = f(i, j);
  });
  return a;
}
const uniform = (causal, T) => (i, j) => (causal ? (j <= i ? 1 / (i + 1) : 0) : 1 / T);
const SEED = ['The', '␣animal', '␣didn', "'t", '␣cross', '␣the', '␣street', '␣because', '␣it', '␣was', '␣tired'];

describe('syntax: the neighbour proxy', () => {
  test('a previous-token head is the best and clears the threshold; a uniform one is at chance', () => {
    const T = 4;
    const previous = (i, j) => (i === 0 ? (j === 0 ? 1 : 0) : j === i - 1 ? 1 : 0);
    const attention = attentionOf(T, [uniform(true, T), previous]);
    const config = { nLayer: 1, nHead: 2 };
    const r = headKinds({ attention, config, tokens: ['a', 'b', 'c', 'd'], ids: [0, 1, 2, 3], skip: [0, 0, 0, 0] });
    const chance = (1 / 2 + 1 / 3 + 1 / 4) / 3;
    assert.deepEqual([r.syntax.best.layer, r.syntax.best.head], [0, 1]);
    close(r.syntax.best.score, 1, 'score', 1e-6);
    close(r.syntax.chance, chance, 'chance');
    close(r.syntax.threshold, labelThreshold(chance), 'threshold');
    assert.equal(r.syntax.clears, true);
    const flat = headKinds({
      attention: attentionOf(T, [uniform(true, T)]),
      config: { nLayer: 1, nHead: 1 },
      tokens: ['a', 'b', 'c', 'd'],
      ids: [0, 1, 2, 3],
      skip: [0, 0, 0, 0],
    });
    close(flat.syntax.best.score, chance, 'a uniform head scores chance', 1e-6);
    assert.equal(flat.syntax.clears, false);
  });
  test('an encoder counts both neighbours, and skipped tokens are neither queries nor keys', () => {
    const T = 4;
    const attention = attentionOf(T, [uniform(false, T)]);
    const r = headKinds({
      attention,
      config: { nLayer: 1, nHead: 1 },
      tokens: ['[CLS]', 'a', 'b', '[SEP]'],
      ids: [1, 5, 6, 2],
      skip: [1, 0, 0, 1],
      causal: false,
    });
    assert.deepEqual(r.syntax.rows, [
      { query: 1, keys: [2] },
      { query: 2, keys: [1] },
    ]);
    close(r.syntax.chance, 1 / 4, 'one neighbour each of a and b, of 4 keys');
    close(r.syntax.best.score, 1 / 4, 'uniform', 1e-6);
  });
});

describe('pronoun -> antecedent', () => {
  test('the seed sentence: "it" -> "animal" with tired, -> "street" with wide', () => {
    assert.deepEqual(findPronounCase(SEED).spans, {
      pronoun: { start: 8, end: 9 },
      antecedent: { start: 1, end: 2 },
      other: { start: 6, end: 7 },
    });
    const wide = [...SEED.slice(0, -1), '␣wide'];
    assert.equal(findPronounCase(wide).antecedent, 'street');
    assert.equal(findPronounCase(SEED.slice(0, -1)), null, 'no deciding word, no known antecedent');
  });
  test('Bengali WordPiece pieces spell the words', () => {
    const tokens = [
      '[CLS]',
      'জন্তু',
      '·টি',
      'রাস্তা',
      '·টি',
      'পার',
      'হয়নি',
      ',',
      'কারণ',
      'সেটি',
      'খুব',
      'ক্লান্ত',
      'ছিল',
      '।',
      '[SEP]',
    ];
    assert.deepEqual(wordSpans(tokens, 'জন্তুটি'), [{ start: 1, end: 3 }]);
    const found = findPronounCase(tokens);
    assert.deepEqual(
      [found.antecedent, found.spans.antecedent, found.spans.pronoun],
      ['জন্তুটি', { start: 1, end: 3 }, { start: 9, end: 10 }],
    );
  });
  test('the best head by weight on the antecedent, the other candidate beside it, chance 1 / (i + 1)', () => {
    const T = SEED.length;
    const resolver = (i, j) =>
      i !== 8 ? uniform(true, T)(i, j) : j === 1 ? 0.6 : j === 6 ? 0.1 : j <= 8 ? 0.3 / 7 : 0;
    const attention = attentionOf(T, [uniform(true, T), resolver]);
    const r = headKinds({
      attention,
      config: { nLayer: 1, nHead: 2 },
      tokens: SEED,
      ids: SEED.map((_, n) => n),
      skip: new Array(T).fill(0),
    });
    assert.deepEqual([r.pronoun.best.head, r.pronoun.words.antecedent, r.pronoun.words.other], [1, 'animal', 'street']);
    close(r.pronoun.best.score, 0.6, 'on animal', 1e-6);
    close(r.pronoun.best.other, 0.1, 'on street', 1e-6);
    close(r.pronoun.chance, 1 / 9, 'one piece of the 9 keys "it" sees');
    assert.equal(r.pronoun.clears, true);
  });
  test('a text without a known case says so', () => {
    const r = headKinds({
      attention: attentionOf(2, [uniform(true, 2)]),
      config: { nLayer: 1, nHead: 1 },
      tokens: ['a', 'b'],
      ids: [0, 1],
      skip: [0, 0],
    });
    assert.deepEqual(r.pronoun, { missing: 'pronoun' });
    assert.deepEqual(r.semantic, { missing: 'embeddings' });
  });
});

describe('semantic: the most similar token by embedding cosine', () => {
  // t0 (1, 0), t1 (0, 1), t2 (0.9, 0.1) like t0, t3 (0.1, 0.9) like t1
  const embeddings = Float32Array.from([1, 0, 0, 1, 0.9, 0.1, 0.1, 0.9]);
  test('earlier tokens only with the causal mask; a copy of the same id is left out', () => {
    const rows = similarRows(embeddings, 2, [0, 1, 2, 3], [0, 0, 0, 0], true);
    assert.deepEqual(
      rows.map((r) => [r.query, r.keys[0]]),
      [
        [1, 0],
        [2, 0],
        [3, 1],
      ],
    );
    const copies = similarRows(embeddings, 2, [7, 1, 7, 3], [0, 0, 0, 0], true);
    assert.deepEqual(
      copies.map((r) => [r.query, r.keys[0]]),
      [
        [1, 0],
        [2, 1],
        [3, 1],
      ],
    );
    const encoder = similarRows(embeddings, 2, [0, 1, 2, 3], [0, 0, 0, 0], false);
    assert.deepEqual(
      encoder.map((r) => [r.query, r.keys[0]]),
      [
        [0, 2],
        [1, 3],
        [2, 0],
        [3, 1],
      ],
    );
  });
  test('a head on the similar token scores 1 against chance', () => {
    const T = 4;
    const similar = (i, j) => (i === 0 ? (j === 0 ? 1 : 0) : j === [0, 0, 0, 1][i] ? 1 : 0);
    const attention = attentionOf(T, [uniform(true, T), similar]);
    const r = headKinds({
      attention,
      config: { nLayer: 1, nHead: 2 },
      tokens: ['a', 'b', 'c', 'd'],
      ids: [0, 1, 2, 3],
      skip: [0, 0, 0, 0],
      embeddings,
      dim: 2,
    });
    assert.equal(r.semantic.best.head, 1);
    close(r.semantic.best.score, 1, 'score', 1e-6);
    close(r.semantic.chance, (1 / 2 + 1 / 3 + 1 / 4) / 3, 'chance');
  });
});

test('embeddings.js reads the token embedding of a safetensors file (F32 and F16), rows by id', () => {
  const data = [1, 2, 3, 0.5, -0.25, 4, 8, -16, 0]; // vocabulary 3 x dim 3
  for (const dtype of ['F32', 'F16']) {
    const file = writeSafetensors(
      {
        'transformer.h.0.attn.c_attn.bias': { shape: [2], data: [9, 9] },
        'transformer.wte.weight': { shape: [3, 3], data },
      },
      { dtype },
    );
    const matrix = embeddingMatrix(file.buffer);
    assert.deepEqual([matrix.vocab, matrix.dim, matrix.dtype], [3, 3, dtype]);
    assert.deepEqual(Array.from(embeddingRows(matrix, [2, 0])), [8, -16, 0, 1, 2, 3]);
  }
  const none = writeSafetensors({ 'x.weight': { shape: [1, 1], data: [0] } });
  assert.throws(() => embeddingMatrix(none.buffer), /expected a token embedding/);
});

test("the worker's reader takes the matrix from a File by ranges, and gives null without one", async () => {
  const data = [1, -2, 0.5, 3, 0.25, -8]; // vocabulary 3 x dim 2
  const file = writeSafetensors(
    { 'model.norm.weight': { shape: [2], data: [1, 1] }, 'model.embed_tokens.weight': { shape: [3, 2], data } },
    { dtype: 'F16' }, // (these values are exact in F16)
  );
  const files = [new File(['{}'], 'config.json'), new File([file], 'model.safetensors')];
  const matrix = await matrixOfSource({ kind: 'files', files });
  assert.deepEqual([matrix.vocab, matrix.dim, matrix.dtype, matrix.bytes.length], [3, 2, 'F16', 12]);
  assert.deepEqual(Array.from(embeddingRows(matrix, [2, 0])), [0.25, -8, 1, -2]);
  const none = writeSafetensors({ 'x.weight': { shape: [1, 1], data: [0] } });
  assert.equal(await matrixOfSource({ kind: 'files', files: [new File([none], 'model.safetensors')] }), null);
  assert.equal(await matrixOfSource({ kind: 'files', files: [] }), null);
});
