// A model's input (token) embeddings for the head-kinds view's similarity measure (analysis.headKinds): the
// embedding matrix of its model.safetensors (GPT-2 wte, BERT word_embeddings), read once per model folder;
// only that matrix's bytes are kept, rows are decoded on demand. Models read from local files have none.

const TABLE = /(^|\.)(wte|word_embeddings|embed_tokens)\.weight$/;
const BYTES = { F32: 4, F16: 2, BF16: 2 };

/** The embedding matrix of a safetensors file: { bytes (the matrix alone), dtype, vocab, dim }; throws if absent. */
export function embeddingMatrix(buffer) {
  const view = new DataView(buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
  const name = Object.keys(header).find((key) => TABLE.test(key));
  if (!name) throw new Error('model.safetensors: expected a token embedding (wte / word_embeddings), found none');
  const { dtype, shape, data_offsets: offsets } = header[name];
  if (!BYTES[dtype] || shape.length !== 2)
    throw new Error(`${name}: expected a 2-d F32/F16/BF16 matrix, got ${dtype} ${shape}`);
  const start = 8 + headerLength + offsets[0];
  return {
    bytes: new Uint8Array(buffer.slice(start, 8 + headerLength + offsets[1])),
    dtype,
    vocab: shape[0],
    dim: shape[1],
  };
}

function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1,
    exponent = (h >>> 10) & 0x1f,
    mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The rows of `ids` as one Float32Array [ids.length, dim]. */
export function embeddingRows({ bytes, dtype, dim }, ids) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = BYTES[dtype];
  const read = {
    F32: (at) => view.getFloat32(at, true),
    F16: (at) => halfToFloat(view.getUint16(at, true)),
    BF16: (at) => new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0],
  }[dtype];
  const out = new Float32Array(ids.length * dim);
  ids.forEach((id, n) => {
    for (let d = 0; d < dim; ++d) out[n * dim + d] = read((id * dim + d) * size);
  });
  return out;
}

const cache = new Map(); // model folder -> Promise of its matrix (or null when it has none)
const loaded = new Map(); // model folder -> its matrix (or null), once the promise settled

/** The embedding matrix of a model folder on this page's server (cached), or null when it cannot be read. */
export function loadEmbeddings(modelUrl) {
  if (!cache.has(modelUrl)) {
    const url = new URL('model.safetensors', new URL(modelUrl, location.href));
    const load = fetch(url)
      .then((response) => (response.ok ? response.arrayBuffer() : null))
      .then((buffer) => buffer && embeddingMatrix(buffer))
      .catch(() => null);
    cache.set(modelUrl, load);
  }
  return cache.get(modelUrl);
}

/**
 * The matrix of a model folder now: the matrix, null (none: local files, or unreadable), or undefined while it
 * loads -- then onReady() is called once it has (the caller renders again).
 */
export function embeddingsNow(modelUrl, onReady, filesModel) {
  if (modelUrl === filesModel) return null;
  if (loaded.has(modelUrl)) return loaded.get(modelUrl);
  const first = !cache.has(modelUrl);
  const load = loadEmbeddings(modelUrl);
  if (first)
    load.then((matrix) => {
      loaded.set(modelUrl, matrix);
      onReady();
    });
  return undefined;
}
