/**
 * mha-wasm — multi-head attention with torch.nn.MultiheadAttention semantics (batch_first = true),
 * computed by a SIMD C++ core compiled to WebAssembly.
 *
 * Shapes: B = batch, Lq = query length, Lk = key length, E = embedDim, H = numHeads, d_k = E / H.
 * All tensors are row-major, flat typed arrays.
 *
 * Errors: every bad argument throws a `TypeError` (wrong type, missing value, unknown option, use after
 * dispose) or a `RangeError` (wrong length or size, too large for wasm memory) whose message names the
 * argument and gives the expected and the actual value. `MhaError` is reserved for engine failures that
 * argument checks could not predict. After any error the module and the object keep working.
 *
 * Numerics: NaN and ±Infinity in inputs and weights are refused with a RangeError naming the first one
 * (additive masks may hold -Infinity). Softmax subtracts the row maximum, so any score that float32 can
 * hold is safe (tested with inputs of magnitude 1e4, scores ~1e8); inputs so large that q·k overflows
 * float32 (around 1e18 with unit-scale weights; tested at 1e30) give NaN in the affected rows, never a
 * crash. A row whose keys are all masked has weights 0. Results are deterministic: the same inputs
 * give bit-identical outputs on every run.
 *
 * Memory: results are fresh copies, never views into the wasm heap. Objects hold wasm memory until
 * `dispose()` (or `[Symbol.dispose]()`, which `using` calls); a FinalizationRegistry frees objects that
 * were garbage-collected without it, but do not rely on when that happens.
 *
 * Type requirements: TypeScript with `lib` es2022 plus either "dom" or Node's types (`@types/node`), for
 * URL and Blob. `Symbol.dispose` and `Disposable` are declared below (as TypeScript's esnext.disposable lib and
 * Node's types declare them), so `using` needs no esnext lib.
 */

declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of a block (explicit resource management). */
    readonly dispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
}

/** Thrown for engine failures that argument checks could not predict. */
export class MhaError extends Error {}

export interface AttentionOptions {
  /** E, the model width (PyTorch's embed_dim). Positive integer, a multiple of numHeads. */
  embedDim: number;
  /** H, number of heads. d_k = embedDim / numHeads. */
  numHeads: number;
  /** Feature size of `key` (default embedDim). */
  kdim?: number;
  /** Feature size of `value` (default embedDim). */
  vdim?: number;
  /** Biases on the in- and out-projections (default true). */
  bias?: boolean;
  /**
   * H_kv, key/value heads for grouped-query attention (default numHeads; 1 = multi-query): a divisor of
   * numHeads; query head h reads kv head floor(h / (numHeads / numKvHeads)). Needs kdim == vdim == embedDim.
   * The k and v projections then have E_kv = numKvHeads * headDim rows.
   */
  numKvHeads?: number;
  /**
   * Rotary position embeddings on q and k after the projections (Hugging Face's convention): inv_freq_i =
   * base^(-2i/dim), features i and i + dim/2 rotated together (rotate_half), or 2i and 2i+1 with
   * `interleaved`. `dim` (default headDim) is even and at most headDim; features past it are not rotated.
   * Query i and key j sit at positions positionOffset + i and positionOffset + j (see forward's options).
   */
  rotary?: RotaryOptions | null;
}

export interface RotaryOptions {
  /** rope_theta (default 10000). */
  base?: number;
  /** Rotated features at the start of each head (default headDim). */
  dim?: number;
  /** GPT-J's pairs (2i, 2i+1) instead of (i, i + dim/2) (default false). */
  interleaved?: boolean;
}

/**
 * Weights named as in PyTorch's `state_dict()` of nn.MultiheadAttention, in its layouts:
 * `in_proj_weight` [3E, E] (rows q, k, v) when kdim == vdim == E, otherwise `q_proj_weight` [E, E],
 * `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim]; `in_proj_bias` [3E]; `out_proj.weight` [E, E];
 * `out_proj.bias` [E]. Biases must be present exactly when the layer has `bias: true`. With grouped-query
 * attention (numKvHeads < numHeads) only the separate weights: `k_proj_weight` and `v_proj_weight` are
 * [E_kv, E] and `in_proj_bias` [E + 2 E_kv] (q, k, v), E_kv = numKvHeads * headDim.
 */
export type AttentionStateDict =
  | Record<string, Float32Array>
  | Map<string, Float32Array>;

/** Boolean mask: Uint8Array (nonzero = true) or an Array of booleans / 0 / 1. */
export type BooleanMask = Uint8Array | ReadonlyArray<boolean | 0 | 1>;

export interface ForwardOptions {
  /** [B, Lk, kdim]; defaults to `query` (self-attention). Required when kdim != embedDim. */
  key?: Float32Array;
  /** [B, Lk, vdim]; defaults to `key`. Required when vdim != kdim. */
  value?: Float32Array;
  /** B (default 1). Lq and Lk are inferred from the lengths. */
  batch?: number;
  /** Forbid key j for query i when j > i (top-left aligned). Default false. */
  causal?: boolean;
  /** [B, Lk]; true = ignore that key (PyTorch's key_padding_mask). */
  keyPaddingMask?: BooleanMask | null;
  /**
   * [Lq, Lk] shared by all batches and heads, or [B*H, Lq, Lk] (index b*H + h), told apart by length.
   * Boolean (true = not allowed) or Float32Array (added to the scaled scores; -Infinity forbids).
   */
  attnMask?: BooleanMask | Float32Array | null;
  /** Return attention weights (default true, as PyTorch's need_weights). */
  needWeights?: boolean;
  /** Average the weights over heads, [B, Lq, Lk] (default true, as PyTorch); false gives [B, H, Lq, Lk]. */
  averageWeights?: boolean;
  /** [H]; 0 zeroes that head's output before the output projection (ablation). Weights are still reported. */
  headMask?: BooleanMask | null;
  /** Layers with rotary embeddings: the position of query 0 and key 0 (default 0). */
  positionOffset?: number;
}

/** What forwardCached() returns. */
export interface CachedForwardResult {
  /** [1, count, E]. */
  output: Float32Array;
  outputShape: OutputShape;
  /** Tokens in the KV cache after the call. */
  cacheLength: number;
}

/** [B, Lq, E]: the shape of `output`. */
export type OutputShape = [batch: number, queryLength: number, embedDim: number];
/** [B, Lq, Lk]: weights averaged over heads (averageWeights true, the default). */
export type AveragedWeightsShape = [batch: number, queryLength: number, keyLength: number];
/** [B, H, Lq, Lk]: weights of every head (averageWeights false). */
export type PerHeadWeightsShape = [batch: number, numHeads: number, queryLength: number, keyLength: number];

/**
 * What forward() returns. The overloads of forward() narrow it: with `needWeights` true or left out,
 * `weights` is a Float32Array; with `needWeights: false` it is null.
 */
export interface ForwardResult {
  /** [B, Lq, E]. */
  output: Float32Array;
  outputShape: OutputShape;
  /**
   * [B, H, Lq, Lk] or [B, Lq, Lk] (see averageWeights); null when needWeights is false.
   * A query whose keys are all masked gets weights of 0 (PyTorch gives NaN) and contributes 0 before W_O.
   */
  weights: Float32Array | null;
  weightsShape: AveragedWeightsShape | PerHeadWeightsShape | null;
}
/** forward() with weights averaged over heads (needWeights and averageWeights true or left out). */
export interface ForwardResultAveraged extends ForwardResult {
  weights: Float32Array;
  weightsShape: AveragedWeightsShape;
}
/** forward() with the weights of every head (`averageWeights: false`). */
export interface ForwardResultPerHead extends ForwardResult {
  weights: Float32Array;
  weightsShape: PerHeadWeightsShape;
}
/** forward() with `needWeights: false` (the fastest path). */
export interface ForwardResultWithoutWeights extends ForwardResult {
  weights: null;
  weightsShape: null;
}

export class MultiHeadAttention implements Disposable {
  /** Use `await MultiHeadAttention.create(options)`: the constructor throws a TypeError when called directly. */
  private constructor();
  /** Loads the wasm module on first use and creates a layer. Rejects with TypeError/RangeError on bad options. */
  static create(options: AttentionOptions): Promise<MultiHeadAttention>;
  /** The validated configuration. */
  readonly config: Readonly<
    Required<Omit<AttentionOptions, 'rotary'>> & { headDim: number; rotary: Readonly<Required<RotaryOptions>> | null }
  >;
  readonly disposed: boolean;
  readonly hasWeights: boolean;
  /** Copies and packs the weights (the arrays may be reused afterwards). Returns this. */
  loadWeights(stateDict: AttentionStateDict): this;
  /** Runs the layer on `query` [B, Lq, E]. Not re-entrant per object; objects are independent. */
  forward(query: Float32Array, options: ForwardOptions & { needWeights: false }): ForwardResultWithoutWeights;
  forward(query: Float32Array, options: ForwardOptions & { needWeights?: true; averageWeights: false }): ForwardResultPerHead;
  forward(query: Float32Array, options?: ForwardOptions & { needWeights?: true; averageWeights?: true }): ForwardResultAveraged;
  forward(query: Float32Array, options?: ForwardOptions): ForwardResult;
  /**
   * Incremental decoding over the layer's own KV cache (self-attention, batch 1): `x` [count, E] are the next
   * tokens, at positions cacheLength .. cacheLength + count - 1. Each sees every cached token and the new ones
   * up to itself (causal); their keys (rotated) and values are appended to the cache. No attention weights.
   */
  forwardCached(x: Float32Array): CachedForwardResult;
  /** Tokens in forwardCached()'s KV cache. */
  readonly cacheLength: number;
  /** Keeps the first `length` cached tokens (default 0: empty); RangeError outside 0..cacheLength. */
  truncateCache(length?: number): void;
  /** Frees the wasm memory. Idempotent; later calls throw TypeError. */
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface LoadModuleOptions {
  /**
   * Threads for the engine (default 'auto': every logical core, at most 8). More than one needs a browser
   * page or worker that is cross-origin isolated (COOP/COEP headers, SharedArrayBuffer) and the threaded
   * build's files (mha_wasm[_relaxed]_threads.mjs and .wasm); otherwise the single-threaded build runs and
   * moduleInfo().reason says why. Node runs the single-threaded build. Results are bit-identical whatever
   * the count.
   */
  threads?: 'auto' | number;
  /**
   * Which instruction set (default 'auto'): 'relaxed' = the relaxed-SIMD build (fused multiply-add; Chromium
   * >= 114, Firefox >= 145, Node >= 21 or Node 20 with --experimental-wasm-relaxed-simd), 'baseline' = the
   * SIMD128 build every WebAssembly SIMD engine runs. 'auto' and 'relaxed' fall back to 'baseline' where the
   * engine refuses relaxed SIMD (moduleInfo().simdReason says why). Results of the two builds may differ in
   * the last bits; each is checked against the same references.
   */
  simd?: 'auto' | 'relaxed' | 'baseline';
  /**
   * The folder the .wasm files are served from, when the app serves them somewhere else than next to this
   * package's index.js (like ONNX Runtime Web's `env.wasm.wasmPaths`). In Node a plain path works too.
   */
  wasmPaths?: string | URL;
  /** The .wasm bytes of the build that `simd` ('auto' means 'baseline' here) and `threads` select. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Aborting it rejects this call with `signal.reason`; the shared load goes on for other callers, and a
   *  later call may pass another signal (the other options must not change). */
  signal?: AbortSignal;
}

export interface ModuleInfo {
  /** 'threaded' (pthreads on Web Workers) or 'single'. */
  build: 'threaded' | 'single';
  /** 'relaxed' (relaxed SIMD: fused multiply-add) or 'baseline' (SIMD128). */
  simd: 'relaxed' | 'baseline';
  /** The URL of the .wasm file that runs. */
  file: string;
  /** Threads in use now, the calling one included. */
  threads: number;
  /** Most threads setThreadCount() can give this module (its worker pool + 1). */
  maxThreads: number;
  /** Why the module runs fewer threads than asked, or '' when it runs what was asked. */
  reason: string;
  /** Why the baseline build runs instead of the relaxed one, or '' when the relaxed one runs. */
  simdReason: string;
}
/** @deprecated The older name of ModuleInfo. */
export type ThreadInfo = ModuleInfo;

/** Which build runs, with how many threads, and why (loads the module if needed). */
export function moduleInfo(): Promise<ModuleInfo>;
/** The older name of moduleInfo(). */
export function threadCount(): Promise<ModuleInfo>;

/** Whether this engine validates relaxed SIMD, i.e. can run the relaxed builds. */
export function relaxedSimdSupported(): boolean;

/** Sets the threads in use, 1..maxThreads (clamped); resolves to the count now in use. */
export function setThreadCount(count: number): Promise<number>;

/**
 * Loads the wasm module (once, cached). Called by create() and load(); call it yourself first to choose
 * the build or relocate the .wasm files. A later call with different options rejects with a TypeError.
 * Rejects with MhaError (naming the URL) when the .wasm cannot be fetched or compiled.
 */
export function loadModule(options?: LoadModuleOptions): Promise<unknown>;

/** Size of the wasm heap in bytes (grows, never shrinks); for leak checks. */
export function wasmHeapBytes(): Promise<number>;

// ---- GPT-2-style models ---------------------------------------------------------------------------

/** Thrown when a model or tokenizer file is malformed; the message names the file, the tensor or field. */
export class ModelFormatError extends Error {}

/** Bytes read so far for one file while loading (total is undefined when the server sent no length). */
export interface LoadProgress {
  /** 'initiate': about to read the file; 'download': its size is known (when it is) and bytes start to
   *  arrive; 'progress': bytes so far; 'done': read completely (never sent for a failed or aborted file).
   *  From the Hub, a tokenizer file that the repository does not have sends no event at all. */
  status: 'initiate' | 'download' | 'progress' | 'done';
  file: 'config.json' | 'model.safetensors' | 'vocab.json' | 'merges.txt' | 'vocab.txt' | 'tokenizer.json' | 'tokenizer_config.json';
  loaded: number;
  total?: number;
}

/**
 * Where a file comes from: a URL (http(s), or file: in Node), a file path in Node (absolute, or relative to
 * process.cwd()), raw bytes, or a Blob/File (file input, drop). A relative string in a page is resolved
 * against the page's URL.
 */
export type FileSource = string | URL | ArrayBuffer | ArrayBufferView | Blob;

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Refuse any single file larger than this many bytes (default 2 GiB), with a RangeError, before reading it. */
  maxBytes?: number;
  /** Aborting it stops the load at once (downloads included); the load rejects with `signal.reason`
   *  (an AbortError DOMException by default). */
  signal?: AbortSignal;
}

/**
 * GPT-2's byte-level BPE (the pre-tokenisation regex, bytes_to_unicode, merge ranks), giving the same ids
 * as GPT-2's own encoder. "<|endoftext|>" in text is plain text (never a control token).
 */
export class Tokenizer implements Disposable {
  /** Use `await Tokenizer.load(files)` (or GptModel's `tokenizer`): the constructor throws a TypeError when called directly. */
  private constructor();
  /** From vocab.json (GPT-2's encoder.json) and merges.txt (vocab.bpe). Rejects with ModelFormatError for bad files. */
  static load(files: { vocab: FileSource; merges: FileSource }, options?: LoadOptions): Promise<Tokenizer>;
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  /** Text of token ids; bytes of a character cut between tokens decode to U+FFFD. RangeError for unknown ids. */
  decode(ids: Int32Array | ArrayLike<number>): string;
  /** One-line readable form: "␣" for a space, "↵" for a newline, "⇥" for a tab, "<0xHH>" for odd bytes. */
  tokenDisplay(id: number): string;
  /** Id of a vocab key such as "Ġthe" or "<|endoftext|>". */
  tokenId(key: string): number | undefined;
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * The fields of a Hugging Face GPT-2 `config.json` that this runtime reads (others are ignored). Given as an
 * object, it stands for the file.
 */
export interface Gpt2ConfigJson {
  model_type?: 'gpt2';
  n_layer: number;
  n_head: number;
  /** Model width; a multiple of n_head. */
  n_embd: number;
  vocab_size: number;
  /** Context length; `n_ctx` is accepted instead. */
  n_positions?: number;
  n_ctx?: number;
  /** Default 1e-5; positive, at most 0.1. */
  layer_norm_epsilon?: number;
  /** The tanh GELU, under either of its names. */
  activation_function?: 'gelu_new' | 'gelu_pytorch_tanh';
  /** Only the values GPT-2 uses are supported. */
  scale_attn_weights?: true;
  scale_attn_by_inverse_layer_idx?: false;
  add_cross_attention?: false;
  [field: string]: unknown;
}

/** The four files of a GPT-2 model, each from any FileSource; `config` may also be the parsed object. */
export interface Gpt2Files {
  config: FileSource | Gpt2ConfigJson;
  weights: FileSource;
  vocab: FileSource;
  merges: FileSource;
}

export interface GptConfig {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nPositions: number;
  vocabSize: number;
  /** nEmbd / nHead */
  headDim: number;
  layerNormEpsilon: number;
  /** config.json's eos_token_id (one id or a list; [] when absent): generate() stops at these. */
  eosTokenIds: readonly number[];
}

/** One new token, as generate() hands it to onToken. */
export interface GenerateStep {
  id: number;
  /** The text this token adds (a character split between tokens comes whole with its last token); null without a tokenizer. */
  text: string | null;
  /** Its position in the ids (prompt + new). */
  index: number;
  /** With `attention: true`: its attention row, [nLayer, nHead, index + 1] (the row a run() of the whole sequence gives). */
  attention?: Float32Array;
}

export interface GenerateOptions {
  /** New tokens at most, >= 1 (default 20). Generation also stops when the sequence fills the context (nPositions / maxPositions). */
  maxNewTokens?: number;
  /** false (default): greedy, the argmax (the lowest id on a tie, as torch.argmax); true: sample. */
  doSample?: boolean;
  /** Sampling only, applied in transformers' order: logits / temperature (> 0, default 1), ... */
  temperature?: number;
  /** ... then keep the topK most likely (ties with the k-th kept; 0 = off, the default), ... */
  topK?: number;
  /** ... then the fewest most likely whose probability reaches topP (in (0, 1]; 1 = off, the default). */
  topP?: number;
  /** Sampling only: the seed of the random numbers (an integer in [0, 2^32), default 0); the same seed gives the same ids. */
  seed?: number;
  /** Extra stop token ids (default []); config's eosTokenIds stop too unless stop is null (then nothing stops but the length). */
  stop?: number[] | null;
  /** Hand each step its attention row (default false; each token then runs before onToken, the last one too). */
  attention?: boolean;
  /** Called for each new token (stop and eos ids included); return false (or a Promise of false) to stop after it. */
  onToken?: (step: GenerateStep) => boolean | void | Promise<boolean | void>;
  /** Aborting rejects generate() with signal.reason (between tokens); the model stays usable. */
  signal?: AbortSignal;
}

export interface GenerateResult {
  /** The prompt's ids followed by the new ones. */
  ids: Int32Array;
  newIds: Int32Array;
  /** The decoded new tokens; null without a tokenizer. */
  text: string | null;
  /** 'length': maxNewTokens or a full context; 'stop': a stop or eos id (the last of newIds); 'callback': onToken returned false. */
  stopReason: 'length' | 'stop' | 'callback';
}

export interface RunOptions {
  /** Return every layer's per-head attention (default true). */
  attention?: boolean;
  /** Logits for every position, [T, vocabSize], instead of only the last one (default false). */
  allLogits?: boolean;
  /** [nLayer * nHead], index layer * nHead + head; 0 zeroes that head's output before W_O (ablation). */
  headMask?: BooleanMask | null;
}

/** [nLayer, nHead, T, T]: the shape of RunResult.attention. */
export type AttentionShape = [nLayer: number, nHead: number, queryLength: number, keyLength: number];

/**
 * What run() returns; the overloads of run() narrow it by the options: `attention` is a Float32Array unless
 * `attention: false` (then null); `logitsShape` is [T, vocabSize] with `allLogits: true`, else [vocabSize].
 * The last logits row is bit-identical whatever the options.
 */
export interface RunResult<WithAttention extends boolean = boolean, AllLogits extends boolean = boolean> {
  ids: Int32Array;
  /** Readable forms of the tokens (see Tokenizer.tokenDisplay). */
  tokens: string[];
  /** [vocabSize] for the last position, or [T, vocabSize] with allLogits. */
  logits: Float32Array;
  logitsShape: AllLogits extends true ? [length: number, vocabSize: number] : [vocabSize: number];
  /** [nLayer, nHead, T, T]: row i is query i's causal softmax over keys 0..i (entries j > i are 0). */
  attention: WithAttention extends true ? Float32Array : null;
  attentionShape: WithAttention extends true ? AttentionShape : null;
  /** Milliseconds spent in the wasm forward pass. */
  timeMs: number;
}

/**
 * A GPT-2-architecture model (pre-LayerNorm blocks, causal multi-head attention, GELU-tanh MLP, tied
 * LM head) running on the same attention kernels as MultiHeadAttention.
 */
export class GptModel implements Disposable {
  /** Use `await GptModel.load(source)`: the constructor throws a TypeError when called directly. */
  private constructor();
  /**
   * Loads the Hugging Face GPT-2 file set: a folder (URL, or a path in Node) holding config.json,
   * model.safetensors (F32, F16 or BF16; tensor names with or without "transformer."), vocab.json and
   * merges.txt, or each file given separately. Rejects with ModelFormatError (bad file: the message names
   * file and tensor/field), TypeError (missing or unreadable source: the message names the file, its URL and
   * the cause) or RangeError (over maxBytes, or too large for wasm memory).
   */
  static load(source: string | URL | Gpt2Files, options?: LoadOptions): Promise<GptModel>;
  readonly config: Readonly<GptConfig>;
  /**
   * Bytes this model holds in the wasm heap, as the engine counts them: its weights (F16/BF16 files stay
   * 16-bit, F32 stay F32; embedding tables are held once, also serving a tied LM head), caches and the work
   * buffers of its last run. Read after a run to see that run's buffers counted.
   */
  readonly memoryBytes: number;
  /** The part of memoryBytes that is weights. */
  readonly weightBytes: number;
  readonly tokenizer: Tokenizer;
  tokenize(text: string): { ids: Int32Array; tokens: string[] };
  /**
   * Runs on a text or token ids (1..nPositions of them). The model keeps the keys and values of the tokens it ran
   * (a KV cache): when the ids start with the previous run's, only the tokens after them run; a changed token
   * reruns from there on. Rows of earlier positions (attention, all logits) are kept from the previous run when
   * it returned them with the same headMask. Results have the bits of a run from scratch.
   */
  run(input: string | Int32Array | ArrayLike<number>, options: RunOptions & { attention: false; allLogits: true }): RunResult<false, true>;
  run(input: string | Int32Array | ArrayLike<number>, options: RunOptions & { attention: false; allLogits?: false }): RunResult<false, false>;
  run(input: string | Int32Array | ArrayLike<number>, options: RunOptions & { attention?: true; allLogits: true }): RunResult<true, true>;
  run(input: string | Int32Array | ArrayLike<number>, options?: RunOptions & { attention?: true; allLogits?: false }): RunResult<true, false>;
  run(input: string | Int32Array | ArrayLike<number>, options?: RunOptions): RunResult;
  /** The k most likely next tokens (softmax of the last logits row). */
  topK(logits: Float32Array, k?: number): { id: number; token: string; probability: number }[];
  /** q, k, v of one layer for the last run's tokens, each [nHead, T, headDim] (q unscaled). */
  explain(layer: number): { q: Float32Array; k: Float32Array; v: Float32Array; shape: [nHead: number, length: number, headDim: number] };
  /**
   * Generates tokens after a text or token ids (fewer than nPositions), through the KV cache (a prompt that starts
   * like the last run() reuses it). Yields to the event loop between tokens. Rejects with TypeError/RangeError
   * naming a bad option (a number as the second argument is refused: the options object replaced it).
   */
  generate(input: string | Int32Array | ArrayLike<number>, options?: GenerateOptions): Promise<GenerateResult>;
  /** Forgets the KV cache: the next run() computes every token. */
  clearCache(): void;
  /** Frees the model and its tokenizer. */
  dispose(): void;
  [Symbol.dispose](): void;
}

// ---- BERT-family encoders -------------------------------------------------------------------------

/** One text (or pair) as WordPiece ids, with [CLS]/[SEP] and token types. */
export interface WordPieceEncoding {
  ids: Int32Array;
  /** 0 for the first text and its [CLS]/[SEP], 1 for the second text and its [SEP]. */
  typeIds: Int32Array;
  /** 1 where the template inserted a special token ([CLS], [SEP]), else 0. */
  special: Uint8Array;
  /** True when tokens were removed to fit maxLength (longest text first for pairs). */
  truncated: boolean;
  /** The length the encoding would have had without maxLength. */
  untruncatedLength: number;
}

/**
 * BERT's WordPiece tokenizer with the ids of Hugging Face `tokenizers` (BertNormalizer: control characters
 * dropped, CJK spaced, optional lower-casing and accent stripping; punctuation split; "##" pieces; [UNK] per
 * word). Special tokens written in the text ("[MASK]") are recognised.
 */
export class WordPieceTokenizer {
  readonly vocabSize: number;
  readonly maskId: number | undefined;
  /** maxLength counts the special tokens; 0 = no limit. RangeError when it is below them (2 or 3). */
  encode(text: string, pair?: string | null, maxLength?: number): WordPieceEncoding;
  /** The vocabulary entry of an id, e.g. "##ing" or "[CLS]". */
  token(id: number): string;
  tokenId(token: string): number | undefined;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface EncoderConfig {
  modelType: 'bert' | 'distilbert';
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** max_position_embeddings: longer texts are truncated (see RunResult.truncated). */
  nPositions: number;
  vocabSize: number;
  /** 0 for DistilBERT (no token types). */
  typeVocabSize: number;
  headDim: number;
  hasMlmHead: boolean;
  hasPooler: boolean;
}

export interface EncoderRunOptions {
  /** Return every layer's per-head attention (default true). */
  attention?: boolean;
  /** Return MLM logits when the model has the head (default true). */
  logits?: boolean;
  headMask?: BooleanMask | null;
  /** Token types when the input is ids (default all 0). */
  typeIds?: Int32Array | ArrayLike<number>;
}

export interface EncoderRunResult {
  ids: Int32Array;
  /** Vocabulary entries ("[CLS]", "the", "##ing", ...). */
  tokens: string[];
  /** Token types (segments); DistilBERT returns the tokenizer's but has no type embeddings to use them. */
  typeIds: Int32Array;
  /** 1 for [CLS]/[SEP] inserted by the tokenizer (for hiding them in views). */
  special: Uint8Array;
  /** True when the text was cut to nPositions tokens. */
  truncated: boolean;
  /** [T, vocabSize] MLM logits, or null (no head, or logits: false). */
  logits: Float32Array | null;
  logitsShape: [number, number] | null;
  /** [nLayer, nHead, T, T]: row i is query i's softmax over every key (no causal mask). */
  attention: Float32Array | null;
  attentionShape: [number, number, number, number] | null;
  /** [nEmbd] mean of the last hidden states over the tokens, L2-normalised (sentence-transformers style). */
  embedding: Float32Array;
  /** [nEmbd] BERT's pooler output tanh(W h_[CLS] + b), or null when the file has no pooler. */
  pooled: Float32Array | null;
  timeMs: number;
}

/**
 * A BERT or DistilBERT encoder (post-LayerNorm blocks, bidirectional attention, GELU) on the same
 * attention kernels as MultiHeadAttention.
 */
export class EncoderModel {
  /**
   * Loads a folder URL holding config.json (model_type "bert" or "distilbert"), model.safetensors (F32, F16
   * or BF16; names with or without "bert." / "distilbert."), and vocab.txt (+ tokenizer_config.json) or
   * tokenizer.json; or the files given separately. A folder with only pytorch_model.bin is refused with a
   * ModelFormatError that says how to convert it.
   */
  static load(source: string | URL | { config: FileSource | object; weights: FileSource; vocab?: FileSource;
    tokenizerConfig?: FileSource; tokenizer?: FileSource }, options?: LoadOptions): Promise<EncoderModel>;
  readonly config: Readonly<EncoderConfig>;
  /**
   * Bytes this model holds in the wasm heap, as the engine counts them: its weights (F16/BF16 files stay
   * 16-bit, F32 stay F32; embedding tables are held once, also serving a tied LM head), caches and the work
   * buffers of its last run. Read after a run to see that run's buffers counted.
   */
  readonly memoryBytes: number;
  /** The part of memoryBytes that is weights. */
  readonly weightBytes: number;
  readonly tokenizer: WordPieceTokenizer;
  tokenize(text: string, pair?: string): WordPieceEncoding & { tokens: string[] };
  /** Runs on a text, a sentence pair { text, pair }, or token ids. */
  run(input: string | { text: string; pair?: string } | Int32Array | ArrayLike<number>,
    options?: EncoderRunOptions): EncoderRunResult;
  /** The mean-pooled, L2-normalised sentence embedding of a text, [nEmbd]. */
  embed(text: string): Float32Array;
  explain(layer: number): { q: Float32Array; k: Float32Array; v: Float32Array; shape: [number, number, number] };
  dispose(): void;
  [Symbol.dispose](): void;
}

// ---- loadModel and the Hugging Face Hub ------------------------------------------------------------

/** The Hub ids are resolved against unless options.hubUrl says otherwise: "https://huggingface.co/". */
export const DEFAULT_HUB_URL: string;
/** The Cache Storage cache (browsers, workers) that keeps files from the Hub, keyed by resolve URL: "mha-wasm-hub". */
export const HUB_CACHE_NAME: string;

/** loadModel's options: those of every loader, and for a model from the Hub, where and how to get it. */
export interface LoadModelOptions extends LoadOptions {
  /**
   * true: `source` is a Hub id (a TypeError if it is not shaped like one), even when a folder of that name
   * exists; false: never the Hub. Default: a string shaped like an id ("name" or "owner/name": letters, digits,
   * '-', '_', '.'; no scheme, no leading '.' or '/', no trailing '/', no '..') is one, unless (in Node) a file
   * or folder of that name exists relative to the working folder. The options below with a source that is
   * not read from the Hub are refused with a TypeError.
   */
  hub?: boolean;
  /** A branch, tag or commit hash (default "main"); escaped in the URL, so "refs/pr/1" works. */
  revision?: string;
  /** The Hub's base URL (default DEFAULT_HUB_URL): files come from `{hubUrl}{id}/resolve/{revision}/{file}`. */
  hubUrl?: string | URL;
  /**
   * Browsers and workers: true (default) keeps each file in Cache Storage (HUB_CACHE_NAME) once it was read
   * whole, and the next load of the same id and revision reads it there without any request; false neither
   * reads nor writes it. Node: a folder (path or file: URL); files go to `<folder>/<id>/<revision>/<file>`,
   * written to a temporary file and renamed, so a file is there whole or not at all (an aborted download
   * leaves nothing). Node without a folder, or false: no cache. A file the repository does not have (an
   * optional tokenizer file) is remembered too, so an offline load asks the same questions. A cached file is
   * used as it is, also for a branch such as "main" that may have moved: pass a commit hash as the
   * revision to pin one, or clear the cache (caches.delete(HUB_CACHE_NAME), or the folder) to fetch anew.
   */
  cache?: boolean | string | URL;
  /** HTTP headers for every request to the Hub, e.g. { Authorization: 'Bearer hf_...' } for a gated or private repository. */
  headers?: Record<string, string>;
}

/**
 * Thrown when a file of a Hub model cannot be had: the message names the file, the repository and the cause.
 * Over maxBytes, or too large for wasm memory, is a RangeError instead (from the size the server announces,
 * before the download); an abort rejects with the signal's reason.
 */
export class HubError extends Error {
  name: 'HubError';
  /** The id, e.g. "openai-community/gpt2". */
  repo: string;
  revision: string;
  file: string;
  /** The resolve URL of the file. */
  url: string;
  /**
   * The HTTP status: 401 (gated or private), 403 (the token has no access), 404 (see code), another; or 0 when
   * no answer came (offline, host down, or in a browser a host that does not allow cross-origin requests).
   */
  status: number;
  /** The Hub's x-error-code header: "RepoNotFound", "RevisionNotFound", "EntryNotFound", "GatedRepo", or "". */
  code: string;
}

/**
 * Loads any supported model by its config.json's model_type: "gpt2" gives a GptModel, "bert" and
 * "distilbert" an EncoderModel, "llama", "qwen2" and "mistral" a LlamaModel. Rejects with ModelFormatError naming the model_type otherwise.
 *
 * The source is a folder (URL, or a path in Node), the files as an object with config, or a Hugging Face Hub
 * id (see LoadModelOptions.hub for the rule). From the Hub, config.json comes first (an architecture the
 * package does not run is refused before any weights are fetched), then what its model_type needs:
 * GPT-2: model.safetensors, vocab.json, merges.txt; BERT/DistilBERT: model.safetensors and tokenizer.json, or
 * vocab.txt with tokenizer_config.json when present; Llama family: model.safetensors, or
 * model.safetensors.index.json and the shards it names, and tokenizer.json when present. The weights' URL answers with a redirect to a content
 * store, which fetch follows. Each file's 'download' progress event carries its size (Content-Length) before
 * its first byte. Rejects with HubError (see its status and code), RangeError (over maxBytes or wasm memory),
 * ModelFormatError, or the signal's reason.
 */
export function loadModel(source: string | URL | ({ config: FileSource | object } & Record<string, FileSource | object>),
  options?: LoadModelOptions): Promise<GptModel | EncoderModel | LlamaModel>;

// ---- Llama-family models ---------------------------------------------------------------------------

/** The files of a Llama-family checkpoint: one weights file, or the index and its shards by file name; tokenizer.json optional. */
export type LlamaFiles =
  | { config: FileSource | object; weights: FileSource; tokenizer?: FileSource }
  | { config: FileSource | object; index: FileSource; shards: Record<string, FileSource>; tokenizer?: FileSource };

/**
 * A Hugging Face tokenizer.json with a byte-level BPE model: the ids of `tokenizers`' encode(text,
 * add_special_tokens=False). Pre-tokenizers ByteLevel, Digits, the Split patterns of Llama-3 and Qwen2, and
 * Sequences of them; other patterns and normalizers are refused with a ModelFormatError naming the field.
 */
export class HfTokenizer implements Disposable {
  /** Use `await HfTokenizer.load(tokenizerJson)`: the constructor throws a TypeError when called directly. */
  private constructor();
  static load(source: FileSource, options?: LoadOptions): Promise<HfTokenizer>;
  readonly vocabSize: number;
  /** Token ids of a text; no BOS or other special token is added. */
  encode(text: string): Int32Array;
  decode(ids: Int32Array | ArrayLike<number>): string;
  tokenDisplay(id: number): string;
  tokenId(key: string): number | undefined;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface LlamaConfig {
  /** "llama", "qwen2" or "mistral" */
  modelType: string;
  nLayer: number;
  /** query heads */
  nHead: number;
  /** key/value heads; query head h reads kv head floor(h / (nHead / nKvHead)) */
  nKvHead: number;
  hiddenSize: number;
  intermediateSize: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  /** config.json's eos_token_id (one id or a list; [] when absent): generate() stops at these. */
  eosTokenIds: readonly number[];
}

export interface LlamaRunOptions extends RunOptions {
  /** Return the hidden states [nLayer + 1, T, hiddenSize] as transformers' output_hidden_states (default false). */
  hiddenStates?: boolean;
}

export interface LlamaRunResult {
  ids: Int32Array;
  /** Readable forms of the tokens; null when no tokenizer.json was loaded. */
  tokens: string[] | null;
  logits: Float32Array;
  logitsShape: [length: number, vocabSize: number] | [vocabSize: number];
  /** [nLayer, nHead, T, T] per query head (null with attention: false). */
  attention: Float32Array | null;
  attentionShape: AttentionShape | null;
  /** [nLayer + 1, T, hiddenSize]: the embeddings, each layer's input, the final-norm output (null unless asked). */
  hiddenStates: Float32Array | null;
  hiddenStatesShape: [count: number, length: number, hiddenSize: number] | null;
  timeMs: number;
}

/**
 * A Llama-family decoder (Llama, Qwen2, Mistral without sliding window): RMSNorm, grouped-query attention with
 * rotary embeddings (rope_scaling linear or llama3), SwiGLU MLP, tied or untied LM head. Token ids or text in.
 * Memory: dispose() (or `using`) frees the wasm memory; results are copies.
 */
export class LlamaModel implements Disposable {
  /** Use `await LlamaModel.load(source)`: the constructor throws a TypeError when called directly. */
  private constructor();
  /**
   * Loads config.json and model.safetensors (F32, F16 or BF16), or model.safetensors.index.json and its shards,
   * from a folder (URL, or a path in Node) or from the files given separately. Rejects with ModelFormatError
   * (bad or unsupported file: the message names the file and the field, e.g. "config.json: sliding_window"),
   * TypeError (missing or unreadable source) or RangeError (over maxBytes, or too large for wasm memory).
   */
  static load(source: string | URL | LlamaFiles, options?: LoadOptions): Promise<LlamaModel>;
  readonly config: Readonly<LlamaConfig>;
  /**
   * Bytes this model holds in the wasm heap, as the engine counts them: its weights (F16/BF16 files stay
   * 16-bit, F32 stay F32; embedding tables are held once, also serving a tied LM head), caches and the work
   * buffers of its last run. Read after a run to see that run's buffers counted.
   */
  readonly memoryBytes: number;
  /** The part of memoryBytes that is weights. */
  readonly weightBytes: number;
  /** The tokenizer from tokenizer.json, or null when none was loaded. */
  readonly tokenizer: HfTokenizer | null;
  /** The kv head that query head `head` reads. */
  kvHeadOf(head: number): number;
  /** The ids and readable forms of a text (needs tokenizer.json; no BOS is added). */
  tokenize(text: string): { ids: Int32Array; tokens: string[] };
  /** Runs on a text (needs tokenizer.json) or token ids (1..maxPositions of them), through the KV cache as GptModel.run. */
  run(input: string | Int32Array | ArrayLike<number>, options?: LlamaRunOptions): LlamaRunResult;
  /** As GptModel.generate (text: null without tokenizer.json; fewer than maxPositions ids). */
  generate(input: string | Int32Array | ArrayLike<number>, options?: GenerateOptions): Promise<GenerateResult>;
  /** Forgets the KV cache: the next run() computes every token. */
  clearCache(): void;
  dispose(): void;
  [Symbol.dispose](): void;
}
