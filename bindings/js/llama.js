// Llama-family models (Llama, Qwen2, Mistral without sliding window) on the wasm engine: the Hugging Face file
// set (config.json, and model.safetensors or the shards model-0000x-of-0000y.safetensors named by
// model.safetensors.index.json; F32, F16 or BF16) and a forward pass that returns logits, every query head's
// attention and the hidden states. Text in through tokenizer.json (byte-level BPE with the pre-tokenizers of
// Llama-3, Qwen2, SmolLM2 and GPT-2), or token ids.
import {
  checkBoolean,
  checkOptions,
  describe,
  heapReader,
  live,
  loadModule,
  locationUrl,
  ModelFormatError,
} from './runtime.js';
import { ByteBpeTokenizer, checkLoadOptions, loadBytes, readSource } from './model.js';
import { headMaskOf } from './model-base.js';
import { DecoderModel, idsOf, runDecoder } from './decoder.js';

export const INDEX_NAME = 'model.safetensors.index.json';
const SINGLE_NAME = 'model.safetensors';
const TOKENIZER_NAME = 'tokenizer.json';

/** A Hugging Face tokenizer.json (byte-level BPE) on the wasm engine: the ids of `tokenizers`' encode(text, add_special_tokens=False). */
export class HfTokenizer extends ByteBpeTokenizer {
  /** Loads tokenizer.json (URL, path, bytes or File). */
  static async load(source, { onProgress, maxBytes } = {}) {
    const module = await loadModule();
    return HfTokenizer.fromBytes(module, await readSource(source, TOKENIZER_NAME, { onProgress, maxBytes }));
  }

  static fromBytes(module, bytes) {
    return new HfTokenizer(module)[loadBytes]([bytes], ([address], handle) => handle.load(address, bytes.length));
  }

  constructor(module) {
    if (!module?.HfTokenizer) throw new TypeError('HfTokenizer: use `await HfTokenizer.load(tokenizerJson)`');
    super(module, 'HfTokenizer');
  }
}

// Shard names come from a file: only plain names in the model's own folder are fetched.
export function shardNames(indexBytes) {
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

export class LlamaModel extends DecoderModel {
  /**
   * Loads a model from the Hugging Face file set: a folder (a URL, or in Node a path) holding config.json and
   * model.safetensors or model.safetensors.index.json with its shards, and optionally tokenizer.json; or
   * { config, weights, tokenizer? } or { config, index, shards: { name: file }, tokenizer? } as URLs, paths,
   * bytes or Files.
   * options.onProgress({ file, loaded, total }) reports bytes read; options.maxBytes caps each file;
   * options.signal aborts the load.
   */
  static async load(source, options = {}) {
    const { onProgress, maxBytes, signal } = checkLoadOptions(options);
    const files = await readFiles(source, { onProgress, maxBytes, signal });
    const module = await loadModule();
    const tokenizer = files.tokenizer ? HfTokenizer.fromBytes(module, files.tokenizer) : null;
    try {
      return new LlamaModel(module, files, tokenizer);
    } catch (error) {
      tokenizer?.dispose();
      throw error;
    }
  }

  // files: { config, index (or null), shards: [[name, bytes]] }; tokenizer: an HfTokenizer or null.
  constructor(module, files, tokenizer = null) {
    if (!files?.config || !files?.shards) throw new TypeError('LlamaModel: use `await LlamaModel.load(source)`');
    const handle = new module.LlamaModel();
    const index = files.index ?? new Uint8Array(0);
    super(module, {
      handle,
      kind: 'LlamaModel',
      // The shards stay here: the engine reads each one a tensor at a time during load() (heapReader), so that
      // wasm memory never holds a whole file beside the weights made from it.
      files: [files.config, index],
      load: ([config, indexAddress]) => {
        for (const [name, bytes] of files.shards) handle.addShard(name, heapReader(module, bytes), bytes.length);
        return handle.load(config, files.config.length, indexAddress, index.length);
      },
      // config: { modelType, nLayer, nHead, nKvHead, hiddenSize, intermediateSize, headDim, vocabSize,
      // maxPositions, ropeTheta, tieWordEmbeddings, eosTokenIds }
      readConfig: (h) => ({
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
        eosTokenIds: Object.freeze(h.eosTokenIds()),
      }),
      limitName: 'maxPositions',
      runEngine: (h, r) => h.run(r.ids, r.count, r.attention, r.allLogits, r.hiddenStates, r.mask, true),
      tokenizer, // tokenizer.json may list added tokens past vocab_size's padding: not checked
    });
  }

  #requireTokenizer(method) {
    if (!this.tokenizer)
      throw new TypeError(`${method}: a text needs tokenizer.json (none was loaded); pass token ids`);
    return this.tokenizer;
  }

  #displayAll(ids) {
    return this.tokenizer ? Array.from(ids, (id) => this.tokenizer.tokenDisplay(id)) : null;
  }

  /** { ids, tokens }: the token ids of a text and their readable forms (needs tokenizer.json). */
  tokenize(text) {
    this[live]('tokenize');
    const ids = this.#requireTokenizer('tokenize').encode(text);
    return { ids, tokens: this.#displayAll(ids) };
  }

  /** Query head h reads kv head kvHeadOf(h) = floor(h / (nHead / nKvHead)). */
  kvHeadOf(head) {
    const { nHead, nKvHead } = this.config;
    if (!Number.isInteger(head) || head < 0 || head >= nHead)
      throw new RangeError(`head: expected an integer in [0, ${nHead}), got ${describe(head)}`);
    return Math.floor(head / (nHead / nKvHead));
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
    this[live]('run');
    const o = checkOptions(options, ['attention', 'allLogits', 'hiddenStates', 'headMask'], 'run options');
    const ids = this[idsOf](input, 'run', 'ids');
    const { nLayer, hiddenSize, vocabSize } = this.config;
    const attention = checkBoolean(o.attention, 'attention', true);
    const allLogits = checkBoolean(o.allLogits, 'allLogits', false);
    const hiddenStates = checkBoolean(o.hiddenStates, 'hiddenStates', false);
    const headMask = this[headMaskOf](o.headMask);
    const r = this[runDecoder](ids, headMask, { attention, allLogits, hiddenStates });
    const T = ids.length;
    return {
      ids,
      tokens: this.#displayAll(ids),
      logits: r.logits,
      logitsShape: allLogits ? [T, vocabSize] : [vocabSize],
      attention: r.attention,
      attentionShape: attention ? [nLayer, this.config.nHead, T, T] : null,
      hiddenStates: r.hiddenStates,
      hiddenStatesShape: hiddenStates ? [nLayer + 1, T, hiddenSize] : null,
      timeMs: r.timeMs,
    };
  }
}
