// A strict TypeScript consumer of the package's declarations, compiled by tests/package/types.test.mjs under
// several `lib` / `types` configurations. Lines marked @ts-expect-error must stay type errors: the
// declarations are real types, not holes.
import {
  DEFAULT_HUB_URL, GptModel, HUB_CACHE_NAME, HubError, MhaError, ModelFormatError, MultiHeadAttention, Tokenizer, loadModel,
  loadModule, moduleInfo,
} from 'mha-wasm';
import type {
  AttentionShape, ForwardOptions, Gpt2ConfigJson, LoadModelOptions, OutputShape, PerHeadWeightsShape, ModuleInfo,
} from 'mha-wasm';

// ---- MultiHeadAttention ---------------------------------------------------------------------------------
const mha = await MultiHeadAttention.create({ embedDim: 4, numHeads: 2 });
mha.loadWeights({ in_proj_weight: new Float32Array(48), 'out_proj.weight': new Float32Array(16) });
const query = new Float32Array(8);

// needWeights left out or true: weights are there; averaged by default, per head with averageWeights: false
const averaged = mha.forward(query);
const averagedWeights: Float32Array = averaged.weights;
const [batch, queryLength, keyLength] = averaged.weightsShape;
const outputShape: OutputShape = averaged.outputShape;
const [, , embedDim] = averaged.outputShape;
const perHead = mha.forward(query, { causal: true, averageWeights: false });
const perHeadWeights: Float32Array = perHead.weights;
const perHeadShape: PerHeadWeightsShape = perHead.weightsShape;
const withWeights: Float32Array = mha.forward(query, { needWeights: true, keyPaddingMask: [false, true] }).weights;
// needWeights: false: no weights
const fast = mha.forward(query, { needWeights: false });
const none: null = fast.weights;
// unknown at compile time: either
const options: ForwardOptions = { needWeights: Math.random() > 0.5 };
const maybe: Float32Array | null = mha.forward(query, options).weights;
// @ts-expect-error without needWeights known to be true, weights may be null
const notSure: Float32Array = mha.forward(query, options).weights;
// @ts-expect-error needWeights: false gives no weights
const noWeights: Float32Array = mha.forward(query, { needWeights: false }).weights;
// @ts-expect-error a shape is a tuple: it has no fourth element when averaged
const fourth: number = averaged.weightsShape[3];
// @ts-expect-error the constructor is private (it throws at run time): use create()
const direct = new MultiHeadAttention();
// @ts-expect-error embedDim is a number
await MultiHeadAttention.create({ embedDim: '4', numHeads: 2 });
// @ts-expect-error unknown forward option
mha.forward(query, { casual: true });
// @ts-expect-error a Float64Array mask is not accepted
mha.forward(query, { attnMask: new Float64Array(4) });
mha.forward(query, { attnMask: new Float32Array(4) });
mha[Symbol.dispose]();
// grouped-query heads, rotary embeddings and the KV cache
const llamaLayer = await MultiHeadAttention.create({ embedDim: 8, numHeads: 4, numKvHeads: 2, bias: false, rotary: { base: 1e4 } });
const rotaryDim: number | undefined = llamaLayer.config.rotary?.dim;
llamaLayer.forward(new Float32Array(16), { causal: true, positionOffset: 3, needWeights: false });
const step: { output: Float32Array; cacheLength: number } = llamaLayer.forwardCached(new Float32Array(8));
llamaLayer.truncateCache(step.cacheLength - 1);
const cached: number = llamaLayer.cacheLength;
void rotaryDim;
void cached;
// @ts-expect-error rotary takes base, dim and interleaved
await MultiHeadAttention.create({ embedDim: 8, numHeads: 4, rotary: { theta: 1e4 } });
{
  using scoped = await MultiHeadAttention.create({ embedDim: 4, numHeads: 1 });
  const disposed: boolean = scoped.disposed;
  void disposed;
}

// ---- GptModel and Tokenizer -------------------------------------------------------------------------------
const config: Gpt2ConfigJson = { model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 16, n_positions: 32, vocab_size: 50257 };
const bytes = new Uint8Array(0);
const model = await GptModel.load({ config, weights: bytes, vocab: 'vocab.json', merges: new URL('file:///m/merges.txt') }, {
  maxBytes: 1000,
  onProgress: ({ file, loaded, total }) => void [file, loaded, total],
});
const fromPath = await GptModel.load('./models/austen-gpt/');
// @ts-expect-error config fields are typed: n_layer is a number
await GptModel.load({ config: { n_layer: '2', n_head: 4, n_embd: 16, vocab_size: 10 }, weights: bytes, vocab: bytes, merges: bytes });
// @ts-expect-error config needs n_layer, n_head, n_embd and vocab_size
await GptModel.load({ config: { n_head: 4 }, weights: bytes, vocab: bytes, merges: bytes });
// @ts-expect-error the constructor is private
const directModel = new GptModel();
// @ts-expect-error the constructor is private
const directTokenizer = new Tokenizer();

const run = model.run('hello');
const heldBytes: number = model.memoryBytes + model.weightBytes;
// @ts-expect-error memoryBytes is read-only
model.memoryBytes = 0;
const attention: Float32Array = run.attention;
const attentionShape: AttentionShape = run.attentionShape;
const [vocabSize] = run.logitsShape;
const all = model.run([1, 2, 3], { allLogits: true });
const [length, width] = all.logitsShape;
const quiet = model.run('hello', { attention: false });
const noAttention: null = quiet.attention;
// @ts-expect-error attention: false gives no attention
const notThere: Float32Array = model.run('hello', { attention: false }).attention;
// @ts-expect-error last-position logits have one dimension
const second: number = run.logitsShape[1];
const [nHead, tokens, headDim] = model.explain(0).shape;
const top: { id: number; token: string; probability: number }[] = model.topK(run.logits, 3);
const ids: Int32Array = model.tokenizer.encode('text');
const text: string = model.tokenizer.decode(ids);
model.dispose();
fromPath[Symbol.dispose]();

// ---- module --------------------------------------------------------------------------------------------
await loadModule({ threads: 1 });
const info: ModuleInfo = await moduleInfo();
const errors: Error[] = [new MhaError('x'), new ModelFormatError('y')];

// ---- the Hub -------------------------------------------------------------------------------------------
const hubOptions: LoadModelOptions = {
  revision: 'main', hubUrl: new URL(DEFAULT_HUB_URL), cache: false, headers: { Authorization: 'Bearer hf_x' }, signal: AbortSignal.timeout(1),
};
const cachedInFolder: LoadModelOptions = { hub: true, cache: './models-cache', onProgress: ({ status, total }) => [status, total] };
// @ts-expect-error cache: a boolean, or a folder in Node
const badCache: LoadModelOptions = { cache: 3 };
const hubModel = await loadModel('openai-community/gpt2', hubOptions).catch((error: unknown) => {
  if (error instanceof HubError) return [error.repo, error.revision, error.file, error.url, error.status, error.code, HUB_CACHE_NAME];
  throw error;
});

export {
  averagedWeights, batch, queryLength, keyLength, outputShape, embedDim, perHeadWeights, perHeadShape, withWeights, none,
  maybe, notSure, noWeights, fourth, direct, directModel, directTokenizer, attention, attentionShape, vocabSize, length,
  width, noAttention, notThere, second, nHead, tokens, headDim, top, text, info, errors, cachedInFolder, badCache, hubModel,
};
