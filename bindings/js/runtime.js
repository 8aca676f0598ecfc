// Shared plumbing of the package: loading the wasm module, argument checks with clear messages, and
// staging typed arrays through the wasm heap. Public classes live in attention.js and model.js.
//
// Contract of the whole package (also in index.d.ts):
// - inputs and outputs are Float32Array / Uint8Array copies: nothing returned is a view into the wasm
//   heap, so heap growth can never detach what a caller holds;
// - every argument is checked here, and a bad one throws TypeError / RangeError naming the argument,
//   the expected and the actual value; after any error the module keeps working;
// - objects own wasm memory until dispose() (or `using`); a FinalizationRegistry frees forgotten ones.
// Four builds of the same engine (CMakeLists.txt): SIMD128, which every engine with WebAssembly SIMD runs, or
// relaxed SIMD (fused multiply-add), which only some validate; each single-threaded or with pthreads on Web
// Workers, which need SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP headers) or worker.
// The URLs and imports are literal so that bundlers find and emit every file.
const BUILDS = {
  baseline: {
    single: { wasm: new URL('./mha_wasm.wasm', import.meta.url), glue: () => import('./mha_wasm.mjs') },
    threaded: {
      wasm: new URL('./mha_wasm_threads.wasm', import.meta.url),
      glue: () => import('./mha_wasm_threads.mjs'),
      script: new URL('./mha_wasm_threads.mjs', import.meta.url), // what each worker imports
    },
  },
  relaxed: {
    single: { wasm: new URL('./mha_wasm_relaxed.wasm', import.meta.url), glue: () => import('./mha_wasm_relaxed.mjs') },
    threaded: {
      wasm: new URL('./mha_wasm_relaxed_threads.wasm', import.meta.url),
      glue: () => import('./mha_wasm_relaxed_threads.mjs'),
      script: new URL('./mha_wasm_relaxed_threads.mjs', import.meta.url),
    },
  },
};
const MAX_THREADS = 8;
const THREADED_START_MS = 10_000; // a threaded start that takes longer falls back to the single build
export const MAX_HEAP_BYTES = 4 * 1024 ** 3; // -sMAXIMUM_MEMORY=4GB
export const RESERVED_HEAP_BYTES = 64 * 1024 ** 2; // static data, stack, weights and allocator slack
/**
 * The largest model.safetensors that can fit: the engine holds its weights at about the file's size (F16/BF16
 * stay 16-bit, F32 stay F32, each table once) and reads the file a tensor at a time while it loads, so the file
 * itself never sits in wasm memory whole. A file up to this size may still fail to load with an out-of-memory
 * error when its largest tensors, briefly held a few times over while they are packed, do not fit beside it.
 */
export const MAX_WEIGHTS_BYTES = MAX_HEAP_BYTES - RESERVED_HEAP_BYTES;

export function weightsFitError(name, size) {
  if (!(size > MAX_WEIGHTS_BYTES)) return null;
  return new RangeError(
    `${name}: ${formatBytes(size)} cannot fit in wasm memory: the engine holds weights at about the file's size, ` +
      `more than the ${formatBytes(MAX_WEIGHTS_BYTES)} a wasm32 module can use ` +
      `(${formatBytes(MAX_HEAP_BYTES)} less ${formatBytes(RESERVED_HEAP_BYTES)} reserved)`,
  );
}
export const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/** Thrown when the engine reports a failure that argument checks could not predict. */
export class MhaError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MhaError';
  }
}

const LOAD_OPTIONS = ['threads', 'simd', 'wasmPaths', 'wasmBinary'];
let modulePromise = null;
let loadedWith = null; // the options of the load in progress or done, as given
let moduleState = {
  build: 'none',
  simd: 'none',
  file: '',
  threads: 0,
  maxThreads: 0,
  reason: 'the module is not loaded yet',
  simdReason: 'the module is not loaded yet',
};

/**
 * Loads (once) and returns the wasm module. Node reads the .wasm file itself; browsers and bundlers
 * fetch it from next to this file, or from `wasmPaths`. The first call's options decide which build runs
 * and with how many threads; a later call with different options is refused (with none, it shares the
 * module). Options:
 *   threads: 'auto' (default) = every logical core, up to 8, where the threaded build can run; or a number.
 *   simd: 'auto' (default) = the relaxed-SIMD build where this engine validates it; 'relaxed'; 'baseline'.
 *   wasmPaths: the folder URL the .wasm files are served from (default: next to this file).
 *   wasmBinary: the bytes of the build that simd (default 'baseline' then) and threads select.
 *   signal: an AbortSignal; aborting rejects this call with signal.reason (the shared load goes on).
 */
export function loadModule(options) {
  const { signal, ...choices } = options ?? {};
  try {
    checkLoadOptions(options, choices, signal);
  } catch (error) {
    return Promise.reject(error);
  }
  if (!modulePromise) {
    const promise = instantiate(choices);
    modulePromise = promise;
    loadedWith = choices;
    promise.catch(() => {
      if (modulePromise === promise) modulePromise = loadedWith = null; // a failed load may be retried
    });
  }
  return signal ? untilAborted(modulePromise, signal) : modulePromise;
}

// `promise`, or a rejection with signal.reason as soon as the signal aborts (the shared load goes on for
// other callers: a compiled module is not thrown away).
function untilAborted(promise, signal) {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

// `options` as given; `choices`: the same without the signal, which a later call may change.
function checkLoadOptions(options, choices, signal) {
  checkOptions(options, [...LOAD_OPTIONS, 'signal'], 'loadModule options');
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal))
    throw new TypeError(`loadModule options.signal: expected an AbortSignal, got ${describe(signal)}`);
  options = choices;
  if (!Object.keys(options).length || !loadedWith) return;
  const text = (o) => JSON.stringify(o, (key, value) => (key === 'wasmBinary' && value ? `${describe(value)}` : value));
  const same = LOAD_OPTIONS.every((key) => String(options[key]) === String(loadedWith[key]));
  if (!same)
    throw new TypeError(
      `loadModule options: the module is already loaded with ${Object.keys(loadedWith).length ? text(loadedWith) : 'the default options'}; ` +
        `a later call cannot change that (got ${text(options)}). Call loadModule once, before anything else`,
    );
}

/**
 * Which build runs and why: { build: 'threaded' | 'single', simd: 'relaxed' | 'baseline', file (the .wasm),
 * threads, maxThreads, reason (why fewer threads than asked, or ''), simdReason (why not relaxed, or '') }.
 */
export async function moduleInfo() {
  await loadModule();
  return { ...moduleState };
}

/** The older name of moduleInfo(). */
export const threadCount = moduleInfo;

/**
 * Changes the number of threads the loaded module uses (1 = serial), within [1, maxThreads]; returns the
 * count now in use. Results are bit-identical whatever the count.
 */
export async function setThreadCount(count) {
  const module = await loadModule();
  checkPositiveInteger(count, 'count', MAX_THREADS);
  moduleState.threads = module.setNumThreads(Math.min(count, moduleState.maxThreads));
  return moduleState.threads;
}

// Node-only modules are imported through a variable so that bundlers for the web leave them alone.
const NODE_FS = 'node:fs/promises';
const NODE_URL = 'node:url';
export async function readLocalFile(url) {
  const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
  return new Uint8Array(await readFile(url));
}
export async function localFileSize(url) {
  const { stat } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
  return (await stat(url)).size;
}

const pageUrl = () => (typeof location !== 'undefined' ? location.href : undefined);

/**
 * The URL of a location given as a string or URL: an absolute URL as it is; otherwise resolved against
 * `baseUrl`, else the page (browsers, workers), else, in Node, read as a file path (absolute, or
 * relative to process.cwd()). `name` is the file it stands for, in messages.
 */
export async function locationUrl(source, name, baseUrl) {
  if (source instanceof URL) return source;
  const windowsPath = /^[a-zA-Z]:[\\/]/.test(source) || source.startsWith('\\\\');
  if (!windowsPath) {
    try {
      return new URL(source);
    } catch {
      /* not an absolute URL: resolved below */
    }
  }
  const base = baseUrl ?? pageUrl();
  if (base !== undefined && !windowsPath) return new URL(source, base);
  if (isNode()) {
    const { pathToFileURL } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_URL);
    return pathToFileURL(source); // relative paths resolve against process.cwd()
  }
  throw new TypeError(
    `${name}: cannot resolve ${JSON.stringify(source)}: expected an absolute URL here ` +
      '(there is no page location to resolve a relative one against)',
  );
}

function wantedThreads(threads) {
  if (threads === undefined || threads === 'auto') {
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    return Math.max(1, Math.min(MAX_THREADS, cores));
  }
  if (typeof threads !== 'number')
    throw new TypeError(`loadModule options.threads: expected 'auto' or a positive integer, got ${describe(threads)}`);
  return checkPositiveInteger(threads, 'loadModule options.threads', MAX_THREADS);
}

// The smallest module that uses a relaxed-SIMD instruction: () -> v128 = f32x4.relaxed_madd(0, 0, 0).
// An engine without relaxed SIMD refuses it, and would refuse the relaxed builds the same way.
const ZERO_V128 = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const 0
const RELAXED_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // "\0asm", version 1
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, //       type section: () -> (v128)
  0x03,
  0x02,
  0x01,
  0x00, //                         function section: one function of type 0
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00, //                   code section: one body of 59 bytes, no locals
  ...ZERO_V128,
  ...ZERO_V128,
  ...ZERO_V128,
  0xfd,
  0x85,
  0x02,
  0x0b, //                         f32x4.relaxed_madd (0xfd 0x105), end
]);

/** Whether this engine runs relaxed SIMD (the relaxed builds of the package). */
export function relaxedSimdSupported() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

// { kind: 'relaxed' | 'baseline', reason: why not relaxed, or '' }
function chooseSimd(simd, wasmBinary) {
  if (simd !== undefined && !['auto', 'relaxed', 'baseline'].includes(simd))
    throw new TypeError(`loadModule options.simd: expected 'auto', 'relaxed' or 'baseline', got ${describe(simd)}`);
  if (simd === 'baseline') return { kind: 'baseline', reason: "simd: 'baseline' was asked for" };
  if (wasmBinary && simd !== 'relaxed')
    return { kind: 'baseline', reason: "wasmBinary was given without simd: 'relaxed'" };
  if (!relaxedSimdSupported())
    return {
      kind: 'baseline',
      reason: 'this engine does not support relaxed SIMD (WebAssembly.validate refused a relaxed instruction)',
    };
  return { kind: 'relaxed', reason: '' };
}

export function isNode() {
  return typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';
}

// The folder URL of options.wasmPaths, or null: an absolute URL, else resolved against the page, else (Node)
// a file path.
async function folderUrl(wasmPaths) {
  if (wasmPaths === undefined) return null;
  if (typeof wasmPaths !== 'string' && !(wasmPaths instanceof URL))
    throw new TypeError(
      `loadModule options.wasmPaths: expected a folder URL (string or URL), got ${describe(wasmPaths)}`,
    );
  const url = await locationUrl(wasmPaths, 'loadModule options.wasmPaths');
  return url.href.endsWith('/') ? url : new URL(`${url.href}/`);
}

function wasmUrlOf(build, folder) {
  return folder ? new URL(build.wasm.pathname.split('/').pop(), folder) : build.wasm;
}

// Why the threaded build cannot run here with `wanted` threads, or '' when it can. Its files are probed,
// since a bundle may not have copied them next to itself.
async function threadedBuildProblem(wanted, threads, build, folder, wasmBinary) {
  if (isNode())
    return 'in Node the package runs its single-threaded build (the threaded builds start Web Workers: browsers only)';
  if (
    globalThis.crossOriginIsolated !== true ||
    typeof SharedArrayBuffer !== 'function' ||
    typeof Worker !== 'function'
  )
    return 'threads need a cross-origin-isolated page or worker (COOP/COEP headers) with SharedArrayBuffer';
  if (wanted === 1)
    return threads === undefined || threads === 'auto'
      ? 'this machine reports one logical core'
      : 'one thread was asked for';
  const urls = wasmBinary ? [build.script] : [build.script, wasmUrlOf(build, folder)];
  for (const url of urls) {
    try {
      const response = await fetch(url, { method: 'HEAD' });
      if (!response.ok) return `${url.href} is not served (HTTP ${response.status})`;
    } catch (error) {
      return `${url.href} cannot be fetched (${error.message})`;
    }
  }
  return '';
}

// The threaded glue warns once when the main thread of a page waits for workers; the engine does that on
// purpose, for the milliseconds a parallel loop lasts, with every worker already started.
function printErr(text) {
  if (!String(text).startsWith('Blocking on the main thread')) console.warn(text);
}

// The relaxed builds where chosen, else (or when their files fail to load) the baseline ones.
async function instantiate({ wasmBinary, wasmPaths, threads, simd }) {
  const wanted = wantedThreads(threads);
  const folder = await folderUrl(wasmPaths);
  const choice = chooseSimd(simd, wasmBinary);
  if (choice.kind === 'relaxed') {
    try {
      return await instantiateKind('relaxed', '', wanted, threads, folder, wasmBinary);
    } catch (error) {
      if (wasmBinary) throw error;
      choice.reason = `the relaxed build did not load: ${error.message}`;
    }
  }
  return instantiateKind('baseline', choice.reason, wanted, threads, folder, wasmBinary);
}

// The threaded build of one kind where it can run, else its single-threaded build.
async function instantiateKind(kind, simdReason, wanted, threads, folder, wasmBinary) {
  const builds = BUILDS[kind];
  let problem = await threadedBuildProblem(wanted, threads, builds.threaded, folder, wasmBinary);
  let started = null;
  if (!problem) {
    try {
      started = await startBuild(builds.threaded, folder, wasmBinary, wanted - 1, THREADED_START_MS);
    } catch (error) {
      problem = `the threaded build did not start: ${error.message}`;
    }
  }
  started ??= await startBuild(builds.single, folder, wasmBinary, 0, 0);
  const { module, url } = started;
  const count = module.setNumThreads(wanted);
  if (!problem && count < wanted) problem = `only ${count} of ${wanted} threads could start`;
  moduleState = {
    build: problem ? 'single' : 'threaded',
    simd: kind,
    file: url.href,
    threads: count,
    maxThreads: problem ? 1 : wanted,
    reason: problem,
    simdReason,
  };
  return module;
}

// Starts one build: { module, url }. The .wasm is fetched (or read, in Node) and compiled here rather than
// by the glue, so that a missing or broken file rejects with its URL instead of aborting inside the glue.
// `timeoutMs` (0 = none) bounds the start of a threaded build, whose workers could otherwise wait forever.
async function startBuild(build, folder, wasmBinary, poolSize, timeoutMs) {
  const url = wasmUrlOf(build, folder);
  const { default: createModule } = await build.glue();
  let fail;
  const failed = new Promise((resolve, reject) => (fail = reject));
  const pending = [
    createModule({
      instantiateWasm(imports, receive) {
        compileWasm(url, wasmBinary, imports).then(({ instance, module }) => receive(instance, module), fail);
        return {};
      },
      printErr,
      ...(poolSize ? { threadPoolSize: poolSize } : {}),
    }),
    failed,
  ];
  let timer;
  if (timeoutMs)
    pending.push(
      new Promise((resolve, reject) => {
        timer = setTimeout(
          () => reject(new MhaError(`it took over ${timeoutMs / 1000} s to start its workers`)),
          timeoutMs,
        );
      }),
    );
  try {
    return { module: await Promise.race(pending), url };
  } finally {
    clearTimeout(timer);
  }
}

const WHERE_FILES_ARE =
  'The package looks for its .wasm files next to its index.js; an app that serves them ' +
  "elsewhere passes their folder first: loadModule({ wasmPaths: 'https://example.com/assets/' })";

async function compileWasm(url, wasmBinary, imports) {
  if (wasmBinary) return WebAssembly.instantiate(wasmBinary, imports);
  let bytes;
  if (url.protocol === 'file:') {
    try {
      bytes = await readLocalFile(url);
    } catch (error) {
      throw new MhaError(
        `cannot read the engine's file ${decodeURIComponent(url.pathname)} (${error.code ?? error.message}). ${WHERE_FILES_ARE}`,
      );
    }
    return WebAssembly.instantiate(bytes, imports);
  }
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    const cause = error.cause?.message ?? error.cause?.code ?? error.message; // Node: "fetch failed" + cause
    throw new MhaError(`cannot fetch the engine's file ${url.href} (${cause}). ${WHERE_FILES_ARE}`);
  }
  if (!response.ok)
    throw new MhaError(`cannot fetch the engine's file ${url.href} (HTTP ${response.status}). ${WHERE_FILES_ARE}`);
  try {
    if (WebAssembly.instantiateStreaming && response.headers.get('content-type')?.startsWith('application/wasm'))
      return await WebAssembly.instantiateStreaming(response, imports);
    return await WebAssembly.instantiate(await response.arrayBuffer(), imports);
  } catch (error) {
    throw new MhaError(
      `the engine's file ${url.href} does not compile (${error.message}); is it this package version's file?`,
    );
  }
}

let views = { buffer: null, u8: null, u32: null, f32: null };
/**
 * Views over the whole wasm memory, { u8, u32, f32 }, recreated when growth replaced its buffer. Read
 * from the memory itself: in the threaded build, growth by another thread leaves Emscripten's own
 * HEAP* views short until that glue re-reads them.
 */
export function heap(module) {
  const buffer = module.wasmMemory ? module.wasmMemory.buffer : module.HEAPU8.buffer;
  if (views.buffer !== buffer)
    views = { buffer, u8: new Uint8Array(buffer), u32: new Uint32Array(buffer), f32: new Float32Array(buffer) };
  return views;
}

// ---- argument checks ---------------------------------------------------------------------------

export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

export function checkPositiveInteger(value, name, max = 2 ** 24) {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected a positive integer, got ${describe(value)}`);
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  if (value > max) throw new RangeError(`${name}: expected at most ${max}, got ${value}`);
  return value;
}

export function checkFloat32Array(value, name, expectedLength, shapeText) {
  if (!(value instanceof Float32Array))
    throw new TypeError(`${name}: expected a Float32Array${shapeText ? ' ' + shapeText : ''}, got ${describe(value)}`);
  if (expectedLength !== undefined && value.length !== expectedLength)
    throw new RangeError(
      `${name}: expected ${expectedLength} floats${shapeText ? ' for ' + shapeText : ''}, got ${value.length}`,
    );
  return checkFinite(value, name);
}

/**
 * Numerics policy: NaN and infinities are refused in inputs and weights (a RangeError naming the first
 * one), so that every result comes from finite numbers. Additive masks may hold -Infinity (= forbidden).
 */
export function checkFinite(array, name, { allowNegativeInfinity = false } = {}) {
  for (let n = 0; n < array.length; ++n) {
    const x = array[n];
    if (x - x !== 0 && !(allowNegativeInfinity && x === -Infinity))
      // false only for NaN and +-Infinity
      throw new RangeError(
        `${name}[${n}]: expected a finite number${allowNegativeInfinity ? ' or -Infinity' : ''}, got ${x}`,
      );
  }
  return array;
}

/**
 * Boolean masks: a Uint8Array (nonzero = true) or an Array of booleans / 0 / 1; returns a Uint8Array.
 * Checks the type, then the length, then each element of an Array (naming its index).
 */
export function toBooleanMask(value, name, expectedLength, shapeText) {
  if (!(value instanceof Uint8Array) && !Array.isArray(value)) {
    const hint =
      ArrayBuffer.isView(value) && !(value instanceof DataView)
        ? ` (${value.constructor.name} is not accepted: convert it, e.g. Uint8Array.from(mask))`
        : '';
    throw new TypeError(
      `${name}: expected a Uint8Array or an Array of booleans (or 0/1) ${shapeText}, got ${describe(value)}${hint}`,
    );
  }
  if (value.length !== expectedLength)
    throw new RangeError(`${name}: expected ${expectedLength} elements for ${shapeText}, got ${value.length}`);
  if (value instanceof Uint8Array) return value;
  const bytes = new Uint8Array(value.length);
  for (let n = 0; n < value.length; ++n) {
    const x = value[n];
    if (x === true || x === 1) bytes[n] = 1;
    else if (x !== false && x !== 0)
      throw new (typeof x === 'number' ? RangeError : TypeError)(
        `${name}[${n}]: expected a boolean, 0 or 1, got ${describe(x)}`,
      );
  }
  return bytes;
}

export function checkOptions(options, allowed, name) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${name}: expected an options object, got ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!allowed.includes(key))
      throw new TypeError(`${name}: unknown option "${key}"; expected one of ${allowed.join(', ')}`);
  return options;
}

/**
 * A byte count for messages, in one unit system across the package (binary, as wasm memory is):
 * "1000 bytes", "1.95 KiB", "16 MiB", "2 GiB" (at most three significant digits above 1 KiB).
 */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024,
    unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    ++unit;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

export function checkBoolean(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, got ${describe(value)}`);
  return value;
}

// ---- wasm heap staging ---------------------------------------------------------------------------

/**
 * Where each of `sizes` (bytes, 0 = absent) goes in one block, 16-byte aligned: { offsets, total }.
 * Refuses (RangeError) when the block plus the engine's work memory cannot fit in wasm memory.
 */
export function heapLayout(sizes, engineScratchBytes = 0) {
  const offsets = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += Math.ceil(size / 16) * 16;
  }
  if (total + engineScratchBytes > MAX_HEAP_BYTES - RESERVED_HEAP_BYTES) {
    throw new RangeError(
      `input: this call needs ${formatBytes(total + engineScratchBytes)} of wasm memory for its arguments, results and work buffers, ` +
        `more than the ${formatBytes(MAX_HEAP_BYTES)} a wasm32 module can address; split the batch or the sequence`,
    );
  }
  return { offsets, total };
}

export function outOfMemory(bytes) {
  return new RangeError(`input: cannot allocate ${formatBytes(bytes)} in the wasm heap (out of memory)`);
}

/** Copies a typed array into the wasm heap at a byte address (through the current heap view). */
export function copyToHeap(module, array, address) {
  if (array instanceof Float32Array && address % 4 === 0) heap(module).f32.set(array, address / 4);
  else heap(module).u8.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), address);
}

/**
 * Copies typed arrays into one fresh heap block, runs `body(addresses)`, copies results out and frees
 * the block whatever happens. `inputs` are typed arrays (or null); `outputs` are element counts of
 * Float32 results (or 0). Refuses before allocating when the block cannot fit in wasm memory.
 */
/**
 * A reader the engine calls while it loads a file that stays here: read(offset, size, address) copies
 * bytes[offset, offset + size) to that heap address, a tensor at a time, so that wasm memory never holds the
 * whole file beside the weights made from it (bindings/model_handle.hpp js_reader).
 */
export function heapReader(module, bytes) {
  return (offset, size, address) => heap(module).u8.set(bytes.subarray(offset, offset + size), address);
}

export function withHeap(module, inputs, outputs, body, engineScratchBytes = 0) {
  const sizes = [...inputs.map((a) => (a ? a.byteLength : 0)), ...outputs.map((n) => n * 4)];
  const { offsets, total } = heapLayout(sizes, engineScratchBytes);
  const base = total ? module._malloc(total) : 0;
  if (total && !base) throw outOfMemory(total);
  try {
    const addresses = sizes.map((size, n) => (size ? base + offsets[n] : 0));
    inputs.forEach((array, n) => {
      if (array) copyToHeap(module, array, addresses[n]);
    });
    body(addresses);
    // Copy results out through a fresh view (the engine may have grown the heap); slice() copies into
    // an ordinary ArrayBuffer, also when the heap is a SharedArrayBuffer.
    const { f32 } = heap(module);
    return outputs.map((count, n) => {
      const address = addresses[inputs.length + n];
      return count ? f32.slice(address / 4, address / 4 + count) : null;
    });
  } finally {
    if (base) module._free(base);
  }
}

/** Thrown when a model or tokenizer file is malformed (the message names the file and the field). */
export class ModelFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** Turns the "<Kind>: <message>" strings of bindings/guarded.hpp into the documented JS errors. */
export function throwEngineError(message) {
  if (!message) return;
  const colon = message.indexOf(': ');
  const kind = message.slice(0, colon),
    text = message.slice(colon + 2);
  if (kind === 'FormatError') throw new ModelFormatError(text);
  if (kind === 'ArgumentError' || kind === 'OutOfMemory') throw new RangeError(text);
  throw new MhaError(colon > 0 ? text : message);
}

// Frees the Embind object of a wrapper that was garbage-collected without dispose().
const finalizer = new FinalizationRegistry((handle) => {
  try {
    handle.delete();
  } catch {
    /* already freed */
  }
});

// Package-internal methods of WasmObject (symbols, so they stay out of the public API).
export const adopt = Symbol('adopt');
export const live = Symbol('live');

/**
 * Base of every class that owns an Embind object: the memory contract in one place. dispose() frees it
 * (idempotent), `using` calls [Symbol.dispose], and a FinalizationRegistry frees objects that were
 * collected without either. Any use after dispose() is a TypeError naming the method.
 */
export class WasmObject {
  #handle = null;
  #kind;

  [adopt](handle, kind) {
    this.#handle = handle;
    this.#kind = kind;
    finalizer.register(this, handle, this);
  }

  [live](method) {
    if (this.#handle === null) throw new TypeError(`${method}: this ${this.#kind} was disposed`);
    return this.#handle;
  }

  get disposed() {
    return this.#handle === null;
  }

  dispose() {
    if (this.#handle === null) return;
    finalizer.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  [disposeSymbol]() {
    this.dispose();
  }
}

/** Bytes currently reserved by the wasm heap (grows, never shrinks); for memory-leak checks. */
export async function wasmHeapBytes() {
  return heap(await loadModule()).u8.length;
}
