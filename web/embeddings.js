// A model's input (token) embeddings for the head-kinds view's similarity measure (analysis.headKinds) and the
// walkthrough's first step: the embedding matrix of its model.safetensors (GPT-2 wte, BERT word_embeddings, Llama
// embed_tokens). The model worker (model-worker.js) reads it once per loaded model from the source it loaded
// (matrixOfSource: the folder's or the Hub's file, or the user's File, only the matrix's bytes kept) and answers
// the page's rows by id; a sharded Hub model or an unreadable file has none.

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

/**
 * The embedding matrix of a file read by ranges: read(start, end) -> Promise<ArrayBuffer> of bytes [start, end).
 * Only the header and the matrix are read (a File is sliced; nothing else of the weights is held).
 */
async function matrixByRanges(read) {
  const headerLength = Number(new DataView(await read(0, 8)).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(await read(8, 8 + headerLength)));
  const name = Object.keys(header).find((key) => TABLE.test(key));
  if (!name) return null;
  const { dtype, shape, data_offsets: offsets } = header[name];
  if (!BYTES[dtype] || shape.length !== 2) return null;
  const base = 8 + headerLength;
  return {
    bytes: new Uint8Array(await read(base + offsets[0], base + offsets[1])),
    dtype,
    vocab: shape[0],
    dim: shape[1],
  };
}

/** A URL's bytes: from the Hub loader's cache when it holds them (cacheName), else fetched; null when absent. */
async function fetchBuffer(url, cacheName) {
  const cached = cacheName && globalThis.caches ? await (await caches.open(cacheName)).match(url) : undefined;
  const response = cached ?? (await fetch(url));
  return response.ok ? response.arrayBuffer() : null;
}

/**
 * The embedding matrix of a model the worker loaded, from its source ({ kind: 'files', files } | { kind: 'folder',
 * url } | { kind: 'hub', id, revision, hubUrl }), or null when it has none that can be read. hubCache: the Hub
 * loader's cache name (its downloads are read from there, not again).
 */
export async function matrixOfSource(source, hubCache) {
  try {
    if (source.kind === 'files') {
      const file = [...source.files].find((f) => f.name === 'model.safetensors');
      return file ? await matrixByRanges((start, end) => file.slice(start, end).arrayBuffer()) : null;
    }
    const url =
      source.kind === 'folder'
        ? new URL('model.safetensors', source.url)
        : new URL(`${source.id}/resolve/${encodeURIComponent(source.revision)}/model.safetensors`, source.hubUrl);
    const buffer = await fetchBuffer(url.href, source.kind === 'hub' ? hubCache : null);
    return buffer && embeddingMatrix(buffer);
  } catch {
    return null;
  }
}
