// mha-wasm: the package's public API. See index.d.ts for shapes, errors and the memory contract.
export { MultiHeadAttention } from './attention.js';
export { GptModel, Tokenizer } from './model.js';
export { EncoderModel, loadModel, WordPieceTokenizer } from './encoder.js';
export { DEFAULT_HUB_URL, HUB_CACHE_NAME, HubError } from './hub.js';
export { HfTokenizer, LlamaModel } from './llama.js';
export {
  MhaError,
  ModelFormatError,
  loadModule,
  moduleInfo,
  relaxedSimdSupported,
  setThreadCount,
  threadCount,
  wasmHeapBytes,
} from './runtime.js';
