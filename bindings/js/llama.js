// Llama-family models (Llama, Qwen2, Mistral without sliding window) on the wasm engine: the Hugging Face file
// set (config.json, and model.safetensors or the shards model-0000x-of-0000y.safetensors named by
// model.safetensors.index.json; F32, F16 or BF16) and a forward pass that returns logits, every query head's
// attention and the hidden states. Text in through tokenizer.json (byte-level BPE with the pre-tokenizers of
// Llama-3, Qwen2, SmolLM2 and GPT-2), or token ids.
import {
  adopt,
  checkBoolean,
  checkOptions,
  checkPositiveInteger,
  describe,
  live,
  loadModule,
  locationUrl,
  ModelFormatError,
  throwEngineError,
  toBooleanMask,
  WasmObject,
  withHeap,
} from './runtime.js';
import { readSource, replaceLoneSurrogates } from './model.js';

const INDEX_NAME = 'model.safetensors.index.json';
const SINGLE_NAME = 'model.safetensors';
const TOKENIZER_NAME = 'tokenizer.json';

function wellFormed(text) {
  return typeof text.toWellFormed === 'function' ? text.toWellFormed() : replaceLoneSurrogates(text);
}

/** A Hugging Face tokenizer.json (byte-level BPE) on the wasm engine: the ids of `tokenizers`' encode(text, add_special_tokens=False). */
export class HfTokenizer extends WasmObject {
  #module;

  /** Loads tokenizer.json (URL, path, bytes or File). */
  static async load(source, { onProgress, maxBytes } = {}) {
    const module = await loadModule();
    return HfTokenizer.fromBytes(module, await readSource(source, TOKENIZER_NAME, { onProgress, maxBytes }));
  }

  static fromBytes(module, bytes) {
    const tokenizer = new HfTokenizer(module);
    let error = '';
    withHeap(module, [bytes], [], ([address]) => {
      error = tokenizer[live]('load').load(address, bytes.length);
    });
    if (error) {
      tokenizer.dispose();
      throwEngineError(error);
    }
    return tokenizer;
  }

  constructor(module) {
    if (!module?.HfTokenizer) throw new TypeError('HfTokenizer: use `await HfTokenizer.load(tokenizerJson)`');
    super();
    this.#module = module;
    this[adopt](new module.HfTokenizer(), 'HfTokenizer');
  }

  get vocabSize() {
    return this[live]('vocabSize').vocabSize();
  }

  /** Token ids of a string (no BOS or other special token is added). */
  encode(text) {
    const handle = this[live]('encode');
    if (typeof text !== 'string') throw new TypeError(`text: expected a string, got ${describe(text)}`);
    throwEngineError(handle.encode(wellFormed(text)));
    return new Int32Array(handle.ids());
  }

  /** The text of token ids (invalid UTF-8 from cut characters becomes U+FFFD). */
  decode(ids) {
    const handle = this[live]('decode');
    const array = toIds(ids, 'ids');
    let error = '';
    withHeap(this.#module, [array], [], ([address]) => {
      error = handle.decode(address, array.length);
    });
    throwEngineError(error);
    return new TextDecoder().decode(handle.text().slice());
  }

  /** A readable one-line form of a token for UIs (␣ for spaces, ↵ for newlines, <0xHH> for odd bytes). */
  tokenDisplay(id) {
    if (!Number.isInteger(id)) throw new TypeError(`id: expected an integer token id, got ${describe(id)}`);
    const text = this[live]('tokenDisplay').display(id);
    if (text.startsWith('\x01')) throwEngineError(text.slice(1));
    return text;
  }

  /** The id of a vocab key such as "Ġthe" or of an added token such as "<|im_start|>", or undefined. */
  tokenId(key) {
    if (typeof key !== 'string') throw new TypeError(`key: expected a string, got ${describe(key)}`);
    const id = this[live]('tokenId').tokenId(wellFormed(key));
    return id < 0 ? undefined : id;
  }
}

// Shard names come from a file: only plain names in the model's own folder are fetched.
function shardNames(indexBytes) {
  let index;
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes));
  } catch (error) {
    throw new ModelFormatError(`${INDEX_NAME}: not valid JSON (${error.message})`);
  }
  const map = index?.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map))
    throw new ModelFormatError(
      `${INDEX_NAME}: weight_map: expected an object of tensor name -> shard file name, got ${describe(map)}`,
    );
  const names = [...new Set(Object.values(map))];
  for (const name of names)
    if (typeof name !== 'string' || !/^[^/\\]+$/.test(name) || name === '.' || name === '..')
      throw new ModelFormatError(`${INDEX_NAME}: weight_map: expected plain shard file names, got ${describe(name)}`);
  return names;
}

// { config, index, shards: [[name, bytes]] } from a folder or from { config, weights } / { config, index, shards }.
async function readFiles(source, readOptions) {
  const read = (file, name) => readSource(file, name, readOptions);
  if (typeof source === 'string' || source instanceof URL) {
    const text = String(source);
    const folder = await locationUrl(/[\\/]$/.test(text) ? text : `${text}/`, 'source');
    const config = read(new URL('config.json', folder), 'config.json');
    let index = null;
    try {
      index = await read(new URL(INDEX_NAME, folder), INDEX_NAME);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // no index: one model.safetensors
    }
    let tokenizer = null;
    try {
      tokenizer = await read(new URL(TOKENIZER_NAME, folder), TOKENIZER_NAME);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // no tokenizer.json: token ids only
    }
    const names = index ? shardNames(index) : [SINGLE_NAME];
    const shards = await Promise.all(names.map(async (name) => [name, await read(new URL(name, folder), name)]));
    return { config: await config, index, shards, tokenizer };
  }
  if (source === null || typeof source !== 'object')
    throw new TypeError(
      `source: expected a folder URL or path, { config, weights } or { config, index, shards }, got ${describe(source)}`,
    );
  checkOptions(source, ['config', 'weights', 'index', 'shards', 'tokenizer'], 'source');
  if (source.config === undefined)
    throw new TypeError(
      'source.config: expected the config.json file (URL, path, bytes, File or object), got undefined',
    );
  const config = await read(source.config, 'config.json');
  const tokenizer = source.tokenizer === undefined ? null : await read(source.tokenizer, TOKENIZER_NAME);
  if (source.weights !== undefined) {
    if (source.index !== undefined || source.shards !== undefined)
      throw new TypeError('source: expected either weights (one file) or index and shards, got both');
    return { config, index: null, shards: [[SINGLE_NAME, await read(source.weights, SINGLE_NAME)]], tokenizer };
  }
  if (source.index === undefined || source.shards === null || typeof source.shards !== 'object')
    throw new TypeError(
      `source: expected weights, or index with shards { name: file }, got ${describe(source.index)} and ${describe(source.shards)}`,
    );
  const index = await read(source.index, INDEX_NAME);
  const shards = await Promise.all(
    shardNames(index).map(async (name) => {
      if (source.shards[name] === undefined)
        throw new TypeError(`source.shards["${name}"]: named by ${INDEX_NAME}, got undefined`);
      return [name, await read(source.shards[name], name)];
    }),
  );
  return { config, index, shards, tokenizer };
}

function toIds(ids, name) {
  if (ids instanceof Int32Array) return ids;
  if (Array.isArray(ids) || ArrayBuffer.isView(ids)) {
    for (let n = 0; n < ids.length; ++n)
      if (!Number.isInteger(ids[n]) || ids[n] < -(2 ** 31) || ids[n] >= 2 ** 31)
        throw new TypeError(`${name}[${n}]: expected an integer token id, got ${describe(ids[n])}`);
    return Int32Array.from(ids);
  }
  throw new TypeError(`${name}: expected an Int32Array or an array of token ids, got ${describe(ids)}`);
}

export class LlamaModel extends WasmObject {
  #module;
  #config;
  #tokenizer = null;

  /**
   * Loads a model from the Hugging Face file set: a folder (a URL, or in Node a path) holding config.json and
   * model.safetensors or model.safetensors.index.json with its shards, and optionally tokenizer.json; or
   * { config, weights, tokenizer? } or { config, index, shards: { name: file }, tokenizer? } as URLs, paths,
   * bytes or Files.
   * options.onProgress({ file, loaded, total }) reports bytes read; options.maxBytes caps each file.
   */
  static async load(source, options = {}) {
    const { onProgress, maxBytes } = checkOptions(options, ['onProgress', 'maxBytes'], 'options');
    if (onProgress !== undefined && typeof onProgress !== 'function')
      throw new TypeError(`onProgress: expected a function, got ${describe(onProgress)}`);
    if (maxBytes !== undefined) checkPositiveInteger(maxBytes, 'maxBytes', 2 ** 32);
    const files = await readFiles(source, { onProgress, maxBytes });
    const module = await loadModule();
    const tokenizer = files.tokenizer ? HfTokenizer.fromBytes(module, files.tokenizer) : null;
    try {
      const model = new LlamaModel(module, files);
      model.#tokenizer = tokenizer;
      return model;
    } catch (error) {
      tokenizer?.dispose();
      throw error;
    }
  }

  constructor(module, files) {
    if (!files?.config || !files?.shards) throw new TypeError('LlamaModel: use `await LlamaModel.load(source)`');
    super();
    this.#module = module;
    const h = new module.LlamaModel();
    const index = files.index ?? new Uint8Array(0);
    let error = '';
    // Every file stays on the heap for the whole load: addShard() only notes where each one lies.
    withHeap(
      module,
      [files.config, index, ...files.shards.map(([, bytes]) => bytes)],
      [],
      ([config, indexAddress, ...shards]) => {
        files.shards.forEach(([name, bytes], n) => h.addShard(name, shards[n], bytes.length));
        error = h.load(config, files.config.length, indexAddress, index.length);
      },
    );
    if (error) {
      h.delete();
      throwEngineError(error);
    }
    this.#config = Object.freeze({
      modelType: h.modelType(),
      nLayer: h.numLayers(),
      nHead: h.numHeads(),
      nKvHead: h.numKvHeads(),
      hiddenSize: h.hiddenSize(),
      intermediateSize: h.intermediateSize(),
      headDim: h.headDim(),
      vocabSize: h.vocabSize(),
      maxPositions: h.maxPositions(),
      ropeTheta: h.ropeTheta(),
      tieWordEmbeddings: h.tieWordEmbeddings(),
    });
    this[adopt](h, 'LlamaModel');
  }

  /** { modelType, nLayer, nHead, nKvHead, hiddenSize, intermediateSize, headDim, vocabSize, maxPositions, ropeTheta, tieWordEmbeddings } */
  get config() {
    return this.#config;
  }
  /** The tokenizer read from tokenizer.json, or null when none was given. */
  get tokenizer() {
    this[live]('tokenizer');
    return this.#tokenizer;
  }

  #requireTokenizer(method) {
    if (!this.#tokenizer)
      throw new TypeError(`${method}: a text needs tokenizer.json (none was loaded); pass token ids`);
    return this.#tokenizer;
  }

  #displayAll(ids) {
    return this.#tokenizer ? Array.from(ids, (id) => this.#tokenizer.tokenDisplay(id)) : null;
  }

  /** { ids, tokens }: the token ids of a text and their readable forms (needs tokenizer.json). */
  tokenize(text) {
    this[live]('tokenize');
    const ids = this.#requireTokenizer('tokenize').encode(text);
    return { ids, tokens: this.#displayAll(ids) };
  }

  /** Query head h reads kv head kvHeadOf(h) = floor(h / (nHead / nKvHead)). */
  kvHeadOf(head) {
    const { nHead, nKvHead } = this.#config;
    if (!Number.isInteger(head) || head < 0 || head >= nHead)
      throw new RangeError(`head: expected an integer in [0, ${nHead}), got ${describe(head)}`);
    return Math.floor(head / (nHead / nKvHead));
  }

  #checkIds(input, method) {
    const ids = typeof input === 'string' ? this.#requireTokenizer(method).encode(input) : toIds(input, 'ids');
    const { maxPositions, vocabSize } = this.#config;
    if (ids.length === 0) throw new RangeError('ids: expected at least 1 token, got 0');
    if (ids.length > maxPositions)
      throw new RangeError(`ids: expected at most maxPositions = ${maxPositions} tokens, got ${ids.length}`);
    for (let n = 0; n < ids.length; ++n)
      if (ids[n] < 0 || ids[n] >= vocabSize)
        throw new RangeError(`ids[${n}]: expected an id in [0, ${vocabSize}), got ${ids[n]}`);
    return ids;
  }

  /**
   * Runs the model on a text (with tokenizer.json) or token ids (positions 0..T-1), like GptModel.run. No BOS
   * is added to a text: put it in the ids where the model wants one. Returns copies:
   *   logits        [vocabSize] for the last position, or [T, vocabSize] with allLogits
   *   attention     [nLayer, nHead, T, T] causal per-query-head weights (null with attention: false)
   *   hiddenStates  [nLayer + 1, T, hiddenSize] as transformers' output_hidden_states (with hiddenStates: true)
   *   ids, tokens (readable forms; null without tokenizer.json), timeMs (the wasm forward pass alone).
   * options.headMask [nLayer * nHead]: 0 zeroes that query head's output before o_proj (ablation).
   */
  run(input, options) {
    const handle = this[live]('run');
    const o = checkOptions(options, ['attention', 'allLogits', 'hiddenStates', 'headMask'], 'run options');
    const ids = this.#checkIds(input, 'run');
    const { nLayer, nHead, hiddenSize, vocabSize } = this.#config;
    const attention = checkBoolean(o.attention, 'attention', true);
    const allLogits = checkBoolean(o.allLogits, 'allLogits', false);
    const hiddenStates = checkBoolean(o.hiddenStates, 'hiddenStates', false);
    const headMask =
      o.headMask === undefined || o.headMask === null
        ? null
        : toBooleanMask(
            o.headMask,
            'headMask',
            nLayer * nHead,
            `[nLayer * nHead] = [${nLayer * nHead}] (1 = keep, 0 = ablate)`,
          );
    let error = '',
      timeMs = 0;
    withHeap(this.#module, [ids, headMask], [], ([idsAddress, maskAddress]) => {
      const start = performance.now();
      error = handle.run(idsAddress, ids.length, attention, allLogits, hiddenStates, maskAddress);
      timeMs = performance.now() - start;
    });
    throwEngineError(error);
    const T = ids.length;
    return {
      ids,
      tokens: this.#displayAll(ids),
      logits: new Float32Array(handle.logits()),
      logitsShape: allLogits ? [T, vocabSize] : [vocabSize],
      attention: attention ? new Float32Array(handle.attention()) : null,
      attentionShape: attention ? [nLayer, nHead, T, T] : null,
      hiddenStates: hiddenStates ? new Float32Array(handle.hiddenStates()) : null,
      hiddenStatesShape: hiddenStates ? [nLayer + 1, T, hiddenSize] : null,
      timeMs,
    };
  }

  /**
   * Greedy decoding: the prompt followed by newTokens ids, each the argmax of the last logits. The prompt runs
   * once, then one token per step through the model's KV cache.
   */
  generate(input, newTokens) {
    const handle = this[live]('generate');
    const ids = this.#checkIds(input, 'generate');
    if (!Number.isInteger(newTokens) || newTokens < 0 || ids.length + newTokens > this.#config.maxPositions)
      throw new RangeError(
        `newTokens: expected an integer in [0, ${this.#config.maxPositions - ids.length}], got ${describe(newTokens)}`,
      );
    let error = '';
    withHeap(this.#module, [ids], [], ([idsAddress]) => {
      error = handle.generate(idsAddress, ids.length, newTokens);
    });
    throwEngineError(error);
    return new Int32Array(handle.generated());
  }

  /** Frees the model and its tokenizer. */
  dispose() {
    if (this.disposed) return;
    super.dispose();
    this.#tokenizer?.dispose();
  }
}
