// Writes safetensors files in memory for the tests (F32 or F16), the way Hugging Face's writer lays
// them out: u64 header length, JSON header padded to 8 bytes, tensors back to back.
export function floatToHalf(value) {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000,
    exponent = (bits >>> 23) & 0xff,
    mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = (mantissa | 0x800000) >>> (1 - e + 13);
    const rest = (mantissa | 0x800000) & ((1 << (1 - e + 13)) - 1),
      half = 1 << (1 - e + 12);
    return sign | (m + (rest > half || (rest === half && m & 1) ? 1 : 0));
  }
  let h = sign | (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h += 1;
  return h;
}

export function writeSafetensors(tensors, { dtype = 'F32' } = {}) {
  const header = { __metadata__: { format: 'pt' } };
  const chunks = [];
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    const bytes =
      dtype === 'F16'
        ? new Uint8Array(Uint16Array.from(data, floatToHalf).buffer)
        : new Uint8Array(Float32Array.from(data).buffer);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const file = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const chunk of chunks) {
    file.set(chunk, at);
    at += chunk.length;
  }
  return file;
}

/** Random GPT-2 weights with Hugging Face names (Conv1D layouts), as { name: { shape, data } }. */
export function randomGpt2Tensors(rng, { nLayer, nEmbd: E, nPositions, vocabSize }, prefix = '') {
  const t = {};
  const add = (name, shape, scale, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    t[prefix + name] = { shape, data: Float32Array.from({ length: n }, () => offset + scale * rng.normal()) };
  };
  add('wte.weight', [vocabSize, E], 0.1);
  add('wpe.weight', [nPositions, E], 0.02);
  for (let l = 0; l < nLayer; ++l) {
    const p = `h.${l}.`;
    add(p + 'ln_1.weight', [E], 0.1, 1);
    add(p + 'ln_1.bias', [E], 0.1);
    add(p + 'attn.c_attn.weight', [E, 3 * E], 0.2);
    add(p + 'attn.c_attn.bias', [3 * E], 0.1);
    add(p + 'attn.c_proj.weight', [E, E], 0.1);
    add(p + 'attn.c_proj.bias', [E], 0.1);
    add(p + 'ln_2.weight', [E], 0.1, 1);
    add(p + 'ln_2.bias', [E], 0.1);
    add(p + 'mlp.c_fc.weight', [E, 4 * E], 0.1);
    add(p + 'mlp.c_fc.bias', [4 * E], 0.1);
    add(p + 'mlp.c_proj.weight', [4 * E, E], 0.05);
    add(p + 'mlp.c_proj.bias', [E], 0.1);
  }
  add('ln_f.weight', [E], 0.1, 1);
  add('ln_f.bias', [E], 0.1);
  return t;
}
