// The page's model as the model worker (model-worker.js) holds it: one package model (GptModel, EncoderModel or
// LlamaModel) and every question the page asks of it, answered in plain data that crosses to the main thread
// (typed arrays whose buffers the worker transfers). The main thread never holds the model: it renders from
// these answers (controller.js).
import { EncoderModel, GptModel, LlamaModel } from '../dist/index.js';
import { isDelimiterText, softmax, topTokens } from './analysis.js';
import { t } from './i18n.js';
import { fullContextText, randomRepeatedText } from './preset-texts.js';

const TOP_K = 5;

/** A WordPiece entry as the page shows it: a "##" continuation as "·" + the rest ("##ing" -> "·ing"). */
export const readablePiece = (piece) => (piece.startsWith('##') ? `·${piece.slice(2)}` : piece);

/**
 * The config the page reads, the same fields for every family: { family: 'gpt' | 'encoder' | 'llama', modelType,
 * nLayer, nHead, nKvHead (query heads share kv heads when fewer), nEmbd, headDim, nPositions, vocabSize,
 * hasMlmHead }.
 */
export function pageConfig(model) {
  const c = model.config;
  if (model instanceof LlamaModel)
    return {
      family: 'llama',
      modelType: c.modelType,
      nLayer: c.nLayer,
      nHead: c.nHead,
      nKvHead: c.nKvHead,
      nEmbd: c.hiddenSize,
      headDim: c.headDim,
      nPositions: c.maxPositions,
      vocabSize: c.vocabSize,
      hasMlmHead: false,
    };
  const encoder = model instanceof EncoderModel;
  return {
    family: encoder ? 'encoder' : 'gpt',
    modelType: encoder ? c.modelType : 'gpt2',
    nLayer: c.nLayer,
    nHead: c.nHead,
    nKvHead: c.nHead,
    nEmbd: c.nEmbd,
    headDim: c.headDim,
    nPositions: c.nPositions,
    vocabSize: c.vocabSize,
    hasMlmHead: Boolean(encoder && c.hasMlmHead),
  };
}

export class PageModel {
  #model;
  #delimiters = new Map(); // token id -> a delimiter?
  #lastRun = ''; // the ids and head mask of the engine's last run (explain() reads its q/k/v)

  constructor(model) {
    if (model instanceof LlamaModel && !model.tokenizer) throw new TypeError(t('model.needsTokenizer'));
    this.#model = model;
    this.config = pageConfig(model);
  }

  get encoder() {
    return this.config.family === 'encoder';
  }

  /** Bytes the model holds in the wasm heap (model.memoryBytes), or null where the package does not say. */
  get memoryBytes() {
    const bytes = this.#model.memoryBytes;
    return Number.isFinite(bytes) ? bytes : null;
  }

  dispose() {
    this.#model.dispose();
  }

  /**
   * Token ids of a text, at most the model's context. A decoder: the last nPositions tokens (a sliding window), so
   * "Next token" predicts what follows the end of the text. An encoder: [CLS] text [SEP], cut by its tokenizer to
   * the first nPositions tokens. total: the text's token count; special: per kept token, 1 = [CLS]/[SEP].
   */
  idsOf(text) {
    if (this.encoder) {
      const { ids, special, untruncatedLength } = this.#model.tokenize(text);
      return { ids, special, total: untruncatedLength };
    }
    const ids = this.#model.tokenizer.encode(text);
    const limit = this.config.nPositions;
    const kept = ids.length > limit ? ids.slice(ids.length - limit) : ids;
    return { ids: kept, special: new Uint8Array(kept.length), total: ids.length };
  }

  /** Every token id of a text (not cut to the context; an encoder's with [CLS]/[SEP], cut by its tokenizer). */
  tokenIds(text) {
    return this.#model.tokenize(text).ids;
  }

  tokenCount(text) {
    return this.tokenIds(text).length;
  }

  #run(ids, options) {
    this.#lastRun = `${ids.join(',')}|${options.headMask ?? ''}`;
    return this.#model.run(ids, options);
  }

  /**
   * Runs ids: { ids, tokens (readable), attention [nLayer, nHead, T, T], logits (a decoder's last row), special,
   * and an encoder's pieces (vocabulary entries), embedding and [MASK] logits row }.
   */
  #runIds(ids, special, headMask) {
    const run = this.#run(ids, { headMask });
    const common = { ids: run.ids, attention: run.attention, special, timeMs: run.timeMs };
    if (!this.encoder) return { ...common, tokens: run.tokens, logits: run.logits };
    const at = this.#maskPosition(run.ids);
    const { vocabSize } = this.config;
    const maskLogits = at >= 0 && run.logits ? run.logits.slice(at * vocabSize, (at + 1) * vocabSize) : null;
    const tokens = run.tokens.map(readablePiece);
    return { ...common, tokens, pieces: run.tokens, embedding: run.embedding, logits: maskLogits };
  }

  /** The position of the first [MASK] of an encoder's ids, or -1 (also without an MLM head). */
  #maskPosition(ids) {
    const maskId = this.encoder && this.config.hasMlmHead ? this.#model.tokenizer.maskId : undefined;
    return maskId === undefined ? -1 : ids.indexOf(maskId);
  }

  get predictionKind() {
    if (!this.encoder) return 'next';
    return this.config.hasMlmHead ? 'masked' : null;
  }

  /** The side panel's top tokens from a run's logits row: a decoder's next token, an encoder's [MASK] guesses. */
  #predictions(logits) {
    if (!logits || !this.predictionKind) return [];
    if (this.#model instanceof GptModel) return this.#model.topK(logits, TOP_K);
    const name = (id) => (this.encoder ? readablePiece(this.#model.tokenizer.token(id)) : this.#display(id));
    return topTokens(logits, TOP_K).map((p) => ({ ...p, token: name(p.id) }));
  }

  #display(id) {
    return this.#model.tokenizer.tokenDisplay(id);
  }

  /** Per token: a delimiter (analysis.isDelimiterText; an encoder's [SEP] counts, its [CLS] does not)? */
  #delimiterFlags(ids, special) {
    const text = (id) => (this.encoder ? this.#model.tokenizer.token(id) : this.#model.tokenizer.decode([id]));
    return Array.from(ids, (id, n) => {
      if (special[n]) return n > 0;
      if (!this.#delimiters.has(id)) this.#delimiters.set(id, isDelimiterText(text(id)));
      return this.#delimiters.get(id);
    });
  }

  /**
   * The page's model run: text A (with the head mask, and without it for the baseline probabilities when some
   * head is ablated) and text B when asked. Returns { a, b, predictionKind, forwardMs }, where a and b are
   * { run, total, predictions } and a also has delimiters and baselineProbabilities.
   */
  compute({ text, textB = null, headMask = null }) {
    const kind = this.predictionKind;
    const { ids, special, total } = this.idsOf(text);
    if (!ids.length) return { a: null, b: null, predictionKind: kind, forwardMs: 0 };
    let forwardMs = 0,
      baselineRow = null;
    if (headMask && kind) {
      const base = this.#runIds(ids, special, null);
      baselineRow = base.logits;
      forwardMs += base.timeMs;
    }
    const run = this.#runIds(ids, special, headMask);
    forwardMs += run.timeMs;
    const predictions = this.#predictions(run.logits);
    const baseline = baselineRow && predictions.length ? softmax(baselineRow).weights : null;
    const a = {
      run,
      total,
      predictions,
      delimiters: this.#delimiterFlags(run.ids, special),
      baselineProbabilities: baseline ? predictions.map((p) => baseline[p.id]) : null,
    };
    let b = null;
    if (textB !== null) {
      const inputB = this.idsOf(textB);
      if (inputB.ids.length) {
        const runB = this.#runIds(inputB.ids, inputB.special, headMask);
        forwardMs += runB.timeMs;
        b = { run: runB, total: inputB.total, predictions: this.#predictions(runB.logits) };
      }
    }
    for (const r of [a.run, b?.run]) if (r) r.logits = null; // read here: not sent
    return { a, b, predictionKind: kind, forwardMs };
  }

  /** q, k, v of a layer for ids (run again unless the engine's last run was these ids with this mask). */
  explain({ ids, headMask = null, layer }) {
    if (typeof this.#model.explain !== 'function')
      throw new TypeError(t('explain.unsupported', { type: this.config.modelType }));
    const int32 = Int32Array.from(ids);
    if (this.#lastRun !== `${int32.join(',')}|${headMask ?? ''}`) this.#run(int32, { headMask, attention: false });
    return this.#model.explain(layer);
  }

  /** A preset's text for this model: 'long' (fills the context) or 'random' (options { length, seed }). */
  presetText(kind, options) {
    const model = this.#model,
      config = this.config;
    const view = { config, tokenizer: model.tokenizer, tokenize: (text) => model.tokenize(text) };
    return kind === 'long' ? fullContextText(view) : randomRepeatedText(view, options);
  }

  get canGenerate() {
    return !this.encoder;
  }

  /**
   * Generates after the text (its ids in the context) per the package's generate(); onToken(step) hears each
   * token as it comes, with its attention row. Returns { ids, newIds, text, stopReason, promptLength }.
   */
  async generate({ text, options }, onToken, signal) {
    if (!this.canGenerate) throw new TypeError(t('generate.encoder'));
    const { ids } = this.idsOf(text);
    if (!ids.length) throw new RangeError(t('generate.empty'));
    const room = this.config.nPositions - ids.length;
    if (room < 1) throw new RangeError(t('generate.full', { n: ids.length, context: this.config.nPositions }));
    const maxNewTokens = Math.min(options.maxNewTokens ?? 20, room);
    const step = (s) => onToken({ ...s, token: this.#display(s.id) });
    const args = { ...options, maxNewTokens, attention: true, onToken: step, signal };
    this.#lastRun = '';
    const out = await this.#model.generate(ids, args);
    return { ...out, promptLength: ids.length };
  }
}
