// Reader for the "MHAFIX01" tensor files (format in tests/fixtures/make_mha_golden.py).
import { readFileSync } from 'node:fs';

export function readFixture(url) {
  const bytes = readFileSync(url);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.subarray(0, 8).toString('latin1') !== 'MHAFIX01') throw new Error(`bad magic in ${url}`);
  let at = 8;
  const count = view.getUint32(at, true);
  at += 4;
  const tensors = new Map();
  for (let t = 0; t < count; ++t) {
    const nameLength = view.getUint16(at, true);
    const name = bytes.subarray(at + 2, at + 2 + nameLength).toString('utf8');
    at += 2 + nameLength;
    const dtype = view.getUint8(at),
      ndim = view.getUint8(at + 1);
    at += 2;
    const dims = [];
    for (let d = 0; d < ndim; ++d, at += 4) dims.push(view.getUint32(at, true));
    const n = dims.reduce((a, b) => a * b, 1);
    const width = dtype === 1 ? 1 : 4;
    const raw = new Uint8Array(bytes.subarray(at, at + n * width)); // copy: own, aligned buffer
    at += n * width;
    const data =
      dtype === 0
        ? new Float32Array(raw.buffer, raw.byteOffset, n)
        : dtype === 1
          ? new Uint8Array(raw.buffer, raw.byteOffset, n)
          : new Int32Array(raw.buffer, raw.byteOffset, n);
    tensors.set(name, { dims, data });
  }
  return tensors;
}

/** Groups "case/name" tensors by case. */
export function fixtureCases(tensors) {
  const cases = new Map();
  for (const [full, tensor] of tensors) {
    const [name, key] = [full.slice(0, full.indexOf('/')), full.slice(full.indexOf('/') + 1)];
    if (!cases.has(name)) cases.set(name, {});
    cases.get(name)[key] = tensor.data;
  }
  return cases;
}

// The Llama-family checkpoints of tests/fixtures/llama/ (make_llama_fixtures.py), each a folder with reference.bin.
export const LLAMA_FIXTURES = new URL('../fixtures/llama/', import.meta.url);
export const LLAMA_MODELS = [
  'llama_mqa_tied_f32',
  'llama_gqa_untied_bf16',
  'llama_rope_linear_f16_sharded',
  'llama3_scaling_bias_f32',
  'qwen2_bias_bf16',
];

/** Largest |actual - expected| and that over the largest |expected| (lengths must match). */
export function relativeDifference(actual, expected) {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length}, expected ${expected.length}`);
  let maxDiff = 0;
  let scale = 0;
  for (let n = 0; n < expected.length; ++n) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[n] - expected[n]));
    scale = Math.max(scale, Math.abs(expected[n]));
  }
  return { relative: maxDiff / scale, maxDiff };
}
