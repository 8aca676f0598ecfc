// BERT-family encoders (BERT, DistilBERT) on the wasm engine: the Hugging Face file set (config.json,
// model.safetensors, vocab.txt and/or tokenizer.json, tokenizer_config.json), a WordPiece tokenizer with
// the ids of Hugging Face `tokenizers`, and a bidirectional forward pass that returns every head's
// attention, MLM logits when the model has the head, and a mean-pooled sentence embedding.
import {
  adopt,
  checkBoolean,
  checkOptions,
  describe,
  live,
  loadModule,
  locationUrl,
  ModelFormatError,
  throwEngineError,
  WasmObject,
  heapReader,
  withHeap,
} from './runtime.js';
import { checkLoadOptions, GptModel, readSource } from './model.js';
import { attentionOf, checkIdRange, explainLayer, headMaskOf, ModelBase, runHandle } from './model-base.js';
import { HUB_OPTIONS, isHubSource, readHubModel } from './hub.js';
import { LlamaModel } from './llama.js';

const ENCODER_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  vocab: 'vocab.txt',
  tokenizerConfig: 'tokenizer_config.json',
  tokenizer: 'tokenizer.json',
};
const CONVERT_ADVICE =
  'convert it once with Hugging Face transformers: load it with its class (e.g. ' +
  'BertForMaskedLM.from_pretrained(folder)) and call .save_pretrained(folder, safe_serialization=True)';

// A file of a folder that may be absent: null when it cannot be read.
async function readOptional(url, name, options) {
  try {
    return await readSource(url, name, options);
  } catch (error) {
    if (error instanceof TypeError) return null; // not found / not served
    throw error;
  }
}

// The URL of a model folder given as a URL, URL string or (Node) path, with its trailing slash.
async function folderLocation(source) {
  const text = String(source);
  return locationUrl(/[\\/]$/.test(text) ? text : `${text}/`, 'source');
}

/**
 * Reads an encoder's files: a folder URL, or { config, weights, vocab?, tokenizerConfig?, tokenizer? }.
 * Returns bytes per key (null for absent optional files).
 */
export async function readEncoderFiles(source, { onProgress, maxBytes, signal, configBytes } = {}) {
  const options = { onProgress, maxBytes, signal };
  if (typeof source === 'string' || source instanceof URL) {
    const base = await folderLocation(source);
    const at = (key) => new URL(ENCODER_FILES[key], base);
    const config = configBytes ?? (await readSource(at('config'), 'config.json', options));
    const weights = await readOptional(at('weights'), 'model.safetensors', options);
    if (!weights) {
      const hasPickle = await readOptional(new URL('pytorch_model.bin', base), 'pytorch_model.bin', {
        maxBytes: 1,
      }).catch(() => true);
      throw new ModelFormatError(
        hasPickle
          ? `model.safetensors: not found in ${base.href}, which has pytorch_model.bin only; ${CONVERT_ADVICE}`
          : `model.safetensors: not found in ${base.href}`,
      );
    }
    const [tokenizer, vocab, tokenizerConfig] = await Promise.all([
      readOptional(at('tokenizer'), 'tokenizer.json', options),
      readOptional(at('vocab'), 'vocab.txt', options),
      readOptional(at('tokenizerConfig'), 'tokenizer_config.json', options),
    ]);
    if (!tokenizer && !vocab)
      throw new ModelFormatError(`vocab.txt: expected vocab.txt or tokenizer.json in ${base.href}, found neither`);
    return { config, weights, vocab, tokenizerConfig, tokenizer };
  }
  if (source === null || typeof source !== 'object')
    throw new TypeError(
      `source: expected a folder URL or { config, weights, vocab | tokenizer, tokenizerConfig? }, got ${describe(source)}`,
    );
  checkOptions(source, Object.keys(ENCODER_FILES), 'source');
  for (const key of ['config', 'weights'])
    if (source[key] === undefined)
      throw new TypeError(`source.${key}: expected the ${ENCODER_FILES[key]} file (URL, bytes or File), got undefined`);
  if (source.vocab === undefined && source.tokenizer === undefined)
    throw new TypeError('source.vocab: expected vocab.txt or source.tokenizer (tokenizer.json), got neither');
  const read = (key) => (source[key] === undefined ? null : readSource(source[key], ENCODER_FILES[key], options));
  const [config, weights, vocab, tokenizerConfig, tokenizer] = await Promise.all(
    ['config', 'weights', 'vocab', 'tokenizerConfig', 'tokenizer'].map((key) =>
      key === 'config' && configBytes ? configBytes : read(key),
    ),
  );
  return { config, weights, vocab, tokenizerConfig, tokenizer };
}

// ---- WordPieceTokenizer ---------------------------------------------------------------------------

export class WordPieceTokenizer extends WasmObject {
  /** From vocab.txt (+ tokenizer_config.json) or tokenizer.json bytes; tokenizer.json wins when both are given. */
  static fromBytes(module, { vocab, tokenizerConfig, tokenizer }) {
    const result = new WordPieceTokenizer(module);
    let error = '';
    const handle = result[live]('load');
    if (tokenizer) {
      withHeap(module, [tokenizer], [], ([address]) => {
        error = handle.loadJson(address, tokenizer.length);
      });
    } else {
      const config = tokenizerConfig ?? new Uint8Array(0);
      withHeap(module, [vocab, config], [], ([vocabAddress, configAddress]) => {
        error = handle.loadVocab(vocabAddress, vocab.length, configAddress, config.length);
      });
    }
    if (error) {
      result.dispose();
      throwEngineError(error);
    }
    return result;
  }

  constructor(module) {
    if (!module?.WordPiece) throw new TypeError('WordPieceTokenizer: use EncoderModel.load() or loadModel()');
    super();
    this[adopt](new module.WordPiece(), 'WordPieceTokenizer');
  }

  get vocabSize() {
    return this[live]('vocabSize').vocabSize();
  }
  /** The id of "[MASK]" (or the configured mask token), or undefined. */
  get maskId() {
    const id = this[live]('maskId').maskId();
    return id < 0 ? undefined : id;
  }

  /**
   * { ids, typeIds, special, truncated, untruncatedLength } of a text or a pair, with [CLS]/[SEP].
   * maxLength (0 = none) counts the special tokens; longer inputs are cut (longest first for pairs)
   * and `truncated` says so.
   */
  encode(text, pair, maxLength = 0) {
    const handle = this[live]('encode');
    if (typeof text !== 'string') throw new TypeError(`text: expected a string, got ${describe(text)}`);
    if (pair !== undefined && pair !== null && typeof pair !== 'string')
      throw new TypeError(`pair: expected a string, null or undefined, got ${describe(pair)}`);
    if (!Number.isInteger(maxLength) || maxLength < 0)
      throw new RangeError(`maxLength: expected 0 (no limit) or a positive integer, got ${describe(maxLength)}`);
    throwEngineError(
      typeof pair === 'string' ? handle.encodePair(text, pair, maxLength) : handle.encode(text, maxLength),
    );
    return {
      ids: new Int32Array(handle.ids()),
      typeIds: new Int32Array(handle.typeIds()),
      special: new Uint8Array(handle.special()),
      truncated: handle.truncated(),
      untruncatedLength: handle.untruncatedLength(),
    };
  }

  /** The vocabulary entry of an id ("##ing", "[CLS]"). */
  token(id) {
    if (!Number.isInteger(id)) throw new TypeError(`id: expected an integer token id, got ${describe(id)}`);
    const text = this[live]('token').token(id);
    if (text.startsWith('\x01')) throwEngineError(text.slice(1));
    return text;
  }

  /** The id of a vocabulary entry, or undefined. */
  tokenId(token) {
    if (typeof token !== 'string') throw new TypeError(`token: expected a string, got ${describe(token)}`);
    const id = this[live]('tokenId').tokenId(token);
    return id < 0 ? undefined : id;
  }
}

// ---- EncoderModel ---------------------------------------------------------------------------------

export class EncoderModel extends ModelBase {
  /**
   * Loads a BERT or DistilBERT model: a folder URL (config.json, model.safetensors, and vocab.txt with
   * an optional tokenizer_config.json, or tokenizer.json) or the files given separately.
   */
  static async load(source, options = {}) {
    const { onProgress, maxBytes, signal, configBytes } = checkLoadOptions(options, ['configBytes']);
    const files = await readEncoderFiles(source, { onProgress, maxBytes, signal, configBytes });
    const module = await loadModule();
    const tokenizer = WordPieceTokenizer.fromBytes(module, files);
    try {
      return new EncoderModel(module, files.config, files.weights, tokenizer);
    } catch (error) {
      tokenizer.dispose();
      throw error;
    }
  }

  constructor(module, configBytes, weightBytes, tokenizer) {
    if (!(tokenizer instanceof WordPieceTokenizer))
      throw new TypeError('EncoderModel: use `await EncoderModel.load(source)`');
    const handle = new module.Encoder();
    super(module, {
      handle,
      kind: 'EncoderModel',
      files: [configBytes], // the weights stay here, read a tensor at a time (heapReader)
      load: ([config]) => handle.load(config, configBytes.length, heapReader(module, weightBytes), weightBytes.length),
      // config: { modelType, nLayer, nHead, nEmbd, nPositions, vocabSize, typeVocabSize, headDim, hasMlmHead, hasPooler }
      readConfig: (h) => ({
        modelType: h.architecture(),
        nLayer: h.nLayer(),
        nHead: h.nHead(),
        nEmbd: h.hiddenSize(),
        nPositions: h.maxPositions(),
        vocabSize: h.vocabSize(),
        typeVocabSize: h.typeVocabSize(),
        headDim: h.hiddenSize() / h.nHead(),
        hasMlmHead: h.hasMlmHead(),
        hasPooler: h.hasPooler(),
      }),
      tokenizer,
      tokenizerFile: 'vocab.txt',
    });
  }

  /** { ids, tokens, typeIds, special, truncated }: a text (or pair) cut to nPositions tokens. */
  tokenize(text, pair) {
    this[live]('tokenize');
    const e = this.tokenizer.encode(text, pair, this.config.nPositions);
    return { ...e, tokens: Array.from(e.ids, (id) => this.tokenizer.token(id)) };
  }

  /**
   * Runs the encoder on a text, a pair { text, pair }, or token ids. Returns copies, in the shape of
   * GptModel.run() plus what encoders add:
   *   attention   [nLayer, nHead, T, T] bidirectional per-head weights (null with attention: false)
   *   logits      [T, vocabSize] MLM logits (null without an MLM head or with logits: false)
   *   embedding   [nEmbd] mean over the tokens, L2-normalised;  pooled [nEmbd] (BERT's pooler) or null
   *   ids, tokens, typeIds, special (1 = [CLS]/[SEP]), truncated (the text was cut to nPositions), timeMs
   * options: attention (true), logits (true), headMask [nLayer * nHead] (0 = ablate), typeIds for ids.
   */
  run(input, options) {
    const handle = this[live]('run');
    const o = checkOptions(options, ['attention', 'logits', 'headMask', 'typeIds'], 'run options');
    const { nPositions, vocabSize, typeVocabSize } = this.config;
    let encoded;
    if (typeof input === 'string') encoded = this.tokenizer.encode(input, undefined, nPositions);
    else if (
      input !== null &&
      typeof input === 'object' &&
      typeof input.text === 'string' &&
      !ArrayBuffer.isView(input)
    )
      encoded = this.tokenizer.encode(input.text, input.pair, nPositions);
    else {
      const ids = toIds(input, 'input');
      const typeIds = o.typeIds === undefined ? new Int32Array(ids.length) : toIds(o.typeIds, 'typeIds');
      if (typeIds.length !== ids.length)
        throw new RangeError(`typeIds: expected ${ids.length} values (one per id), got ${typeIds.length}`);
      encoded = { ids, typeIds, special: new Uint8Array(ids.length), truncated: false };
    }
    const { ids, typeIds } = encoded;
    this[checkIdRange](ids, 'input', 'nPositions');
    for (let n = 0; n < ids.length; ++n) {
      // DistilBERT has no token types: the tokenizer's segments are returned but not used.
      const checked = typeVocabSize > 0 || o.typeIds !== undefined;
      if (checked && (typeIds[n] < 0 || typeIds[n] >= Math.max(typeVocabSize, 1)))
        throw new RangeError(`typeIds[${n}]: expected a type in [0, ${Math.max(typeVocabSize, 1)}), got ${typeIds[n]}`);
    }
    const attention = checkBoolean(o.attention, 'attention', true);
    const logits = checkBoolean(o.logits, 'logits', true) && this.config.hasMlmHead;
    const headMask = this[headMaskOf](o.headMask);
    const types = typeVocabSize > 0 ? typeIds : null;
    const timeMs = this[runHandle](ids, [types, headMask], ([idsAddress, typesAddress, maskAddress]) =>
      handle.run(idsAddress, ids.length, typesAddress, 0, attention, logits, maskAddress),
    );
    const T = ids.length;
    return {
      ids,
      tokens: Array.from(ids, (id) => this.tokenizer.token(id)),
      typeIds,
      special: encoded.special,
      truncated: encoded.truncated,
      logits: logits ? new Float32Array(handle.logits()) : null,
      logitsShape: logits ? [T, vocabSize] : null,
      ...this[attentionOf](handle, attention, T),
      embedding: new Float32Array(handle.embedding()),
      pooled: this.config.hasPooler ? new Float32Array(handle.pooled()) : null,
      timeMs,
    };
  }

  /** The sentence embedding of a text: mean over its tokens ([CLS]/[SEP] included), L2-normalised, [nEmbd]. */
  embed(text) {
    if (typeof text !== 'string') throw new TypeError(`text: expected a string, got ${describe(text)}`);
    return this.run(text, { attention: false, logits: false }).embedding;
  }

  /** q, k, v of one layer for the last run's tokens, each [nHead, T, headDim] (q unscaled). */
  explain(layer) {
    return this[explainLayer](layer);
  }
}

function toIds(ids, name) {
  if (ids instanceof Int32Array) return ids;
  if (Array.isArray(ids) || ArrayBuffer.isView(ids)) {
    for (let n = 0; n < ids.length; ++n)
      if (!Number.isInteger(ids[n]) || ids[n] < -(2 ** 31) || ids[n] >= 2 ** 31)
        throw new TypeError(`${name}[${n}]: expected an integer, got ${describe(ids[n])}`);
    return Int32Array.from(ids);
  }
  throw new TypeError(
    `${name}: expected a text, { text, pair }, an Int32Array or an array of token ids, got ${describe(ids)}`,
  );
}

// ---- loadModel: one entry point for every architecture --------------------------------------------

// The loader of each config.json model_type: files (a folder, or an object of bytes, URLs, paths or Files) and
// options with the config.json bytes already read.
const loadEncoder = (files, options) => EncoderModel.load(files, options);
const loadLlama = (files, { configBytes, ...options }) => LlamaModel.load(files, options);
const LOADERS = {
  gpt2: (files, { configBytes, ...options }) => GptModel.load(files, options),
  bert: loadEncoder,
  distilbert: loadEncoder,
  llama: loadLlama,
  qwen2: loadLlama,
  mistral: loadLlama,
};

async function modelTypeOf(configBytes, where) {
  const module = await loadModule();
  let modelType = '';
  withHeap(module, [configBytes], [], ([address]) => {
    modelType = module.configModelType(address, configBytes.length);
  });
  if (modelType.startsWith('\x01')) throwEngineError(modelType.slice(1));
  if (!LOADERS[modelType]) {
    const expected = Object.keys(LOADERS)
      .map((k) => `"${k}"`)
      .join(', ');
    throw new ModelFormatError(
      `config.json: model_type: expected one of ${expected}, got "${modelType}"${where ? ` (${where})` : ''}`,
    );
  }
  return modelType;
}

/**
 * Loads a model and returns the class its config.json's model_type names: "gpt2" -> GptModel, "bert" /
 * "distilbert" -> EncoderModel, "llama" / "qwen2" / "mistral" -> LlamaModel. All have run() with the same
 * result shape (ids, tokens, logits, attention [nLayer, nHead, T, T], timeMs). The source is a folder (URL, or
 * in Node a path), an object of files with config, or a Hugging Face Hub id ("owner/name" or "name"; see
 * isHubSource in hub.js for the rule, and options hub, revision, hubUrl, cache, headers).
 */
export async function loadModel(source, options = {}) {
  const checked = checkLoadOptions(options, ['hub', ...HUB_OPTIONS]);
  const { onProgress, maxBytes, signal } = checked;
  if (await isHubSource(source, checked)) {
    const { modelType, files } = await readHubModel(source, checked, modelTypeOf);
    return LOADERS[modelType](files, { signal, configBytes: files.config });
  }
  const folder = typeof source === 'string' || source instanceof URL;
  if (!folder && (source === null || typeof source !== 'object' || source.config === undefined))
    throw new TypeError(
      `source: expected a folder URL, a Hub id or an object of files with config, got ${describe(source)}`,
    );
  const configSource = folder ? new URL('config.json', await folderLocation(source)) : source.config;
  const configBytes = await readSource(configSource, 'config.json', { onProgress, maxBytes, signal });
  const modelType = await modelTypeOf(configBytes);
  return LOADERS[modelType](folder ? source : { ...source, config: configBytes }, {
    onProgress,
    maxBytes,
    signal,
    configBytes,
  });
}
