// Memory and speed of a GPT-2-small-shaped model (12 layers x 12 heads x 768, vocab 50,257, 1024 positions)
// with random weights, held F16 (16-bit in the wasm heap, widened while the gemm reads its panels), BF16 and
// F32. The model files are made here in memory (never written to disk, never committed); the F32 file holds the
// F16 file's values, so their logits must agree bit for bit (checked before timing).
// Prints per format: the file size, the engine's weightBytes and memoryBytes, the wasm heap (never shrinks, so
// each model runs in its own Node process), a 128-token forward with attention and a 1-token forward (every
// weight read once), single thread, median CPU time. With --baseline-dist DIR the F32 model also runs on another
// build of the package (e.g. the main branch's dist/) to compare the float32 path before and after.
//
//   node bench/weights.mjs [--iterations 5] [--formats F16,BF16,F32] [--baseline-dist DIR] [--simd auto|baseline]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '5' },
    formats: { type: 'string', default: 'F16,BF16,F32' },
    'baseline-dist': { type: 'string' },
    simd: { type: 'string', default: 'auto' },
    one: { type: 'string' }, // internal: "DTYPE DIST LABEL", one measurement in this process, JSON out
  },
});
const iterations = Number(args.iterations);
const root = new URL('../', import.meta.url);
const shape = { n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024, vocab_size: 50257 };

/** A safetensors file of GPT-2 tensors with random half-precision values, in `dtype` (F16, BF16, F32). */
function gpt2File(dtype, seed = 1) {
  const E = shape.n_embd;
  const tensors = [
    ['wte.weight', [shape.vocab_size, E], 0.1],
    ['wpe.weight', [shape.n_positions, E], 0.02],
  ];
  for (let l = 0; l < shape.n_layer; ++l) {
    const p = `h.${l}.`;
    tensors.push(
      [p + 'ln_1.weight', [E], 1],
      [p + 'ln_1.bias', [E], 0.1],
      [p + 'attn.c_attn.weight', [E, 3 * E], 0.05],
      [p + 'attn.c_attn.bias', [3 * E], 0.1],
      [p + 'attn.c_proj.weight', [E, E], 0.05],
      [p + 'attn.c_proj.bias', [E], 0.1],
      [p + 'ln_2.weight', [E], 1],
      [p + 'ln_2.bias', [E], 0.1],
      [p + 'mlp.c_fc.weight', [E, 4 * E], 0.05],
      [p + 'mlp.c_fc.bias', [4 * E], 0.1],
      [p + 'mlp.c_proj.weight', [4 * E, E], 0.03],
      [p + 'mlp.c_proj.bias', [E], 0.1],
    );
  }
  tensors.push(['ln_f.weight', [E], 1], ['ln_f.bias', [E], 0.1]);
  const width = dtype === 'F32' ? 4 : 2;
  const header = {};
  let offset = 0;
  for (const [name, dims] of tensors) {
    const bytes = dims.reduce((a, b) => a * b, 1) * width;
    header[name] = { dtype, shape: dims, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const file = new Uint8Array(8 + text.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(text.length), true);
  file.set(new TextEncoder().encode(text), 8);
  const data = new DataView(file.buffer, 8 + text.length);
  let state = seed >>> 0;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const f32 = new Float32Array(1),
    u32 = new Uint32Array(f32.buffer);
  let at = 0;
  for (const [, dims, scale] of tensors) {
    const count = dims.reduce((a, b) => a * b, 1);
    for (let i = 0; i < count; ++i, at += width) {
      // a value every format holds exactly: 8 significant bits, |x| in [2^-14, 2^15)
      f32[0] = (dims.length === 1 && scale === 1 ? 1 : 0) + scale * uniform();
      if (Math.abs(f32[0]) < 2 ** -14) f32[0] = 0;
      u32[0] &= 0xffff0000;
      const bits = u32[0] >>> 16;
      if (dtype === 'F32') data.setUint32(at, u32[0], true);
      else if (dtype === 'BF16') data.setUint16(at, bits, true);
      else data.setUint16(at, toHalf(f32[0]), true);
    }
  }
  return file;
}

/** The half with exactly the value of a float that has 8 significant bits and a half-range exponent (or 0). */
function toHalf(value) {
  if (value === 0) return 0;
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000,
    exponent = ((bits >>> 23) & 0xff) - 127 + 15,
    mantissa = (bits >>> 13) & 0x3ff;
  if (exponent <= 0 || exponent >= 31) throw new Error(`toHalf: ${value} is outside the normal half range`);
  return sign | (exponent << 10) | mantissa;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function measure(dist, dtype, file, label) {
  const pkg = await import(new URL('index.js', dist).href);
  await pkg.loadModule({ threads: 1, simd: args.simd });
  const info = await pkg.moduleInfo();
  const heapBefore = await pkg.wasmHeapBytes();
  const model = await pkg.GptModel.load({
    config: { model_type: 'gpt2', ...shape },
    weights: file,
    vocab: readFileSync(new URL('models/austen-gpt/vocab.json', root)),
    merges: readFileSync(new URL('models/austen-gpt/merges.txt', root)),
  });
  const heapAfterLoad = await pkg.wasmHeapBytes();
  const ids = Int32Array.from({ length: 128 }, (_, i) => (i * 7919) % 4096); // ids the austen-gpt tokenizer has
  const cpu = (body) => {
    const start = process.cpuUsage();
    const result = body();
    const used = process.cpuUsage(start);
    return [(used.user + used.system) / 1000, result];
  };
  const forward = [],
    one = [];
  let logits = null;
  for (let i = 0; i < iterations + 1; ++i) {
    const [ms, result] = cpu(() => model.run(ids, { attention: true }));
    const [msOne] = cpu(() => model.run(ids.subarray(0, 1), { attention: false }));
    if (i > 0) (forward.push(ms), one.push(msOne)); // the first round warms up
    logits = result.logits;
  }
  const row = {
    label,
    build: `${info.simd} ${info.build}`,
    file: mib(file.length),
    weightBytes: model.weightBytes === undefined ? '-' : mib(model.weightBytes),
    memoryBytes: model.memoryBytes === undefined ? '-' : mib(model.memoryBytes),
    heapGrowth: mib(heapAfterLoad - heapBefore),
    heap: mib(await pkg.wasmHeapBytes()),
    forward128Ms: median(forward).toFixed(0),
    forward1Ms: median(one).toFixed(1),
  };
  model.dispose();
  return { row, logits };
}

if (args.one) {
  const [dtype, dist, label] = args.one.split(' ');
  const { row } = await measure(new URL(dist), dtype, gpt2File(dtype), label);
  console.log(JSON.stringify(row));
} else {
  const rows = [];
  const runs = args.formats.split(',').map((dtype) => [dtype, new URL('dist/', root).href, `${dtype}`]);
  if (args['baseline-dist'] && runs.some(([dtype]) => dtype === 'F32'))
    runs.push(['F32', pathToFileURL(args['baseline-dist'].replace(/\/?$/, '/')).href, 'F32-baseline']);
  for (const one of runs) {
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--one', one.join(' ')],
      { maxBuffer: 1 << 20 },
    );
    rows.push(JSON.parse(out.toString().trim().split('\n').at(-1)));
  }
  const load = (await import('node:os')).loadavg()[0].toFixed(2);
  console.log(`GPT-2-small shape ${JSON.stringify(shape)}, 1 thread, CPU ms (median of ${iterations}); load ${load}`);
  console.table(rows);
}
