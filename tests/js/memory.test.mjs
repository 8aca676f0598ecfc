// model.memoryBytes and weightBytes (the engine's own accounting) against the tensors of the files loaded:
// F16/BF16 matrices and embedding tables at 2 bytes a value, F32 at 4, norms and biases widened to 4, each
// embedding table once (a tied LM head reads it), the gemm's panels padded to 8 columns (the wasm builds'
// panel width: two 4-float registers).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EncoderModel, GptModel, LlamaModel } from '../../dist/index.js';

const PANEL = 8;
const padded = (columns) => Math.ceil(columns / PANEL) * PANEL;

/** The header of a safetensors file: [{ name, dtype, shape }]. */
function tensorsOf(path) {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString());
  return Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, { dtype, shape }]) => ({ name, dtype, shape }));
}

/**
 * Bytes the engine should hold for these tensors. columnsOf(name, shape) says which dimension of a matrix
 * becomes the packed columns (the output features, or the rows of an embedding table).
 */
function expectedWeightBytes(tensors, columnsOf) {
  let bytes = 0;
  for (const { name, dtype, shape } of tensors) {
    if (shape.length === 1) {
      bytes += shape[0] * 4;
      continue;
    }
    const columns = columnsOf(name, shape);
    const depth = (shape[0] * shape[1]) / columns;
    bytes += padded(columns) * depth * (dtype === 'F32' ? 4 : 2);
  }
  return bytes;
}

const fixtures = new URL('../fixtures/', import.meta.url);
const path = (relative) => fileURLToPath(new URL(relative, fixtures));

test('GptModel (F16 file): weightBytes is the tensors at 2 bytes a value, wte held once', async () => {
  const folder = fileURLToPath(new URL('../../models/austen-gpt/', import.meta.url));
  const model = await GptModel.load(folder);
  // what the loader reads (not a tied lm_head copy, not the causal-mask buffers of old checkpoints)
  const tensors = tensorsOf(`${folder}model.safetensors`).filter(
    ({ name }) => !/lm_head|\.attn\.(masked_)?bias$/.test(name),
  );
  // Conv1D weights are [in, out]: out is the packed width; wte and wpe [rows, E]: their rows are
  const want = expectedWeightBytes(tensors, (name, shape) => (/w[tp]e\.weight$/.test(name) ? shape[0] : shape[1]));
  assert.equal(model.weightBytes, want);
  const before = model.memoryBytes;
  assert.ok(before >= model.weightBytes, `memoryBytes ${before} counts the weights ${model.weightBytes}`);
  model.run('It is a truth universally acknowledged');
  assert.ok(model.memoryBytes > before, 'a run adds its work buffers');
  model.dispose();
  assert.throws(() => model.memoryBytes, /memoryBytes: this GptModel was disposed/);
});

for (const name of ['llama_mqa_tied_f32', 'llama_gqa_untied_bf16', 'llama_rope_linear_f16_sharded']) {
  test(`LlamaModel ${name}: weightBytes is the sum of the tensors' sizes`, async () => {
    const folder = path(`llama/${name}/`);
    const model = await LlamaModel.load(folder);
    const files = name.endsWith('sharded')
      ? Object.values(JSON.parse(readFileSync(`${folder}model.safetensors.index.json`)).weight_map)
      : ['model.safetensors'];
    const tensors = [...new Set(files)].flatMap((file) => tensorsOf(`${folder}${file}`));
    // nn.Linear [out, in] and the tables [V, E]: the first dimension is the packed width
    assert.equal(
      model.weightBytes,
      expectedWeightBytes(tensors, (_, shape) => shape[0]),
    );
    assert.ok(model.memoryBytes >= model.weightBytes);
    model.dispose();
  });
}

test('EncoderModel (F16 DistilBERT): weightBytes counts the tied decoder once', async () => {
  const folder = path('encoders/distilbert-tiny/');
  const model = await EncoderModel.load(folder);
  // nn.Linear [out, in] and the tables: the first dimension is the packed width
  const tensors = tensorsOf(`${folder}model.safetensors`).filter((t) => t.name !== 'vocab_projector.weight');
  assert.equal(
    model.weightBytes,
    expectedWeightBytes(tensors, (_, shape) => shape[0]),
  );
  model.dispose();
});
