// Shared plumbing of the package: loading the wasm module, argument checks with clear messages, and
// staging typed arrays through the wasm heap. Public classes live in attention.js and model.js.
//
// Contract of the whole package (also in index.d.ts):
// - inputs and outputs are Float32Array / Uint8Array copies: nothing returned is a view into the wasm
//   heap, so heap growth can never detach what a caller holds;
// - every argument is checked here, and a bad one throws TypeError / RangeError naming the argument,
//   the expected and the actual value; after any error the module keeps working;
// - objects own wasm memory until dispose() (or `using`); a FinalizationRegistry frees forgotten ones.
// Two builds of the same engine: single-threaded (everywhere), and threaded (pthreads on Web Workers),
// which needs SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP headers) or worker.
const BUILDS = {
  single: { wasm: new URL('./mha_wasm.wasm', import.meta.url), glue: () => import('./mha_wasm.mjs') },
  threaded: {
    wasm: new URL('./mha_wasm_threads.wasm', import.meta.url),
    glue: () => import('./mha_wasm_threads.mjs'),
    script: new URL('./mha_wasm_threads.mjs', import.meta.url), // what each worker imports
    worker: new URL('./mha_wasm_threads.worker.js', import.meta.url),
  },
};
const MAX_THREADS = 8;
const MAX_HEAP_BYTES = 4 * 1024 ** 3; // -sMAXIMUM_MEMORY=4GB
const RESERVED_HEAP_BYTES = 64 * 1024 ** 2; // static data, stack, weights and allocator slack
export const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/** Thrown when the engine reports a failure that argument checks could not predict. */
export class MhaError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MhaError';
  }
}

let modulePromise = null;
let threadInfo = { build: 'none', threads: 0, maxThreads: 0, reason: 'the module is not loaded yet' };

/**
 * Loads (once) and returns the wasm module. Node reads the .wasm file itself; browsers and bundlers
 * fetch it from next to this file. The first call's options decide where it comes from and how many
 * threads it runs (call it before anything else to relocate the .wasm or pick threads); later calls share
 * that module.
 *   threads: 'auto' (default) = every logical core, up to 8, when the page or worker is
 *            cross-origin isolated (SharedArrayBuffer), else 1; or a number, likewise capped.
 */
export function loadModule(options = {}) {
  if (!modulePromise) {
    const promise = instantiate(options);
    modulePromise = promise;
    promise.catch(() => { if (modulePromise === promise) modulePromise = null; }); // a failed load may be retried
  }
  return modulePromise;
}

/** Which build is running and with how many threads (see loadModule). */
export async function threadCount() {
  await loadModule();
  return { ...threadInfo };
}

/**
 * Changes the number of threads the loaded module uses (1 = serial), within [1, maxThreads]; returns the
 * count now in use. Results are bit-identical whatever the count.
 */
export async function setThreadCount(count) {
  const module = await loadModule();
  checkPositiveInteger(count, 'count', MAX_THREADS);
  threadInfo.threads = module.setNumThreads(Math.min(count, threadInfo.maxThreads));
  return threadInfo.threads;
}

// Node-only modules are imported through a variable so that bundlers for the web leave them alone.
const NODE_FS = 'node:fs/promises';
export async function readLocalFile(url) {
  const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
  return new Uint8Array(await readFile(url));
}
export async function localFileSize(url) {
  const { stat } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
  return (await stat(url)).size;
}

function wantedThreads(threads) {
  if (threads === undefined || threads === 'auto') {
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    return Math.max(1, Math.min(MAX_THREADS, cores));
  }
  if (typeof threads !== 'number') throw new TypeError(`options.threads: expected 'auto' or a positive integer, got ${describe(threads)}`);
  return checkPositiveInteger(threads, 'options.threads', MAX_THREADS);
}

// Why the threaded build cannot run here with `wanted` threads, or '' when it can. Its files are probed,
// since a bundle may not have copied them next to itself (a missing worker script would hang start-up).
async function threadedBuildProblem(wanted, threads, wasmUrl) {
  if (globalThis.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function' || typeof Worker !== 'function')
    return 'threads need a cross-origin-isolated page or worker (COOP/COEP headers) with SharedArrayBuffer';
  if (wanted === 1) return threads === undefined || threads === 'auto' ? 'this machine reports one logical core' : 'one thread was asked for';
  const build = BUILDS.threaded;
  for (const url of [build.script, build.worker, wasmUrl ?? build.wasm]) {
    try {
      const response = await fetch(url, { method: 'HEAD' });
      if (!response.ok) return `${url.href ?? url} is not served (HTTP ${response.status})`;
    } catch (error) {
      return `${url.href ?? url} cannot be fetched (${error.message})`;
    }
  }
  return '';
}

// The threaded glue warns once when the main thread of a page waits for workers; the engine does that on
// purpose, for the milliseconds a parallel loop lasts, with every worker already started.
function printErr(text) {
  if (!String(text).startsWith('Blocking on the main thread')) console.warn(text);
}

async function instantiate({ wasmBinary, wasmUrl, threads } = {}) {
  const wanted = wantedThreads(threads);
  let problem = await threadedBuildProblem(wanted, threads, wasmUrl && new URL(wasmUrl, BUILDS.threaded.wasm));
  const kind = problem ? 'single' : 'threaded';
  const build = BUILDS[kind];
  const url = wasmUrl ? new URL(wasmUrl, build.wasm) : build.wasm;
  if (!wasmBinary && url.protocol === 'file:') wasmBinary = await readLocalFile(url);
  const { default: createModule } = await build.glue();
  const module = await createModule({
    ...(wasmBinary ? { wasmBinary } : {}),
    // the .wasm where asked; anything else (the threaded build's worker script) next to this file
    locateFile: (path) => (path.endsWith('.wasm') ? url.href : new URL(path, import.meta.url).href),
    ...(kind === 'threaded' ? { threadPoolSize: wanted - 1, mainScriptUrlOrBlob: build.script.href, printErr } : {}),
  });
  const count = module.setNumThreads(wanted);
  if (!problem && count < wanted) problem = `only ${count} of ${wanted} threads could start`;
  threadInfo = { build: kind, threads: count, maxThreads: kind === 'threaded' ? wanted : 1, reason: problem };
  return module;
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
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  if (value > max) throw new RangeError(`${name}: expected at most ${max}, got ${value}`);
  return value;
}

export function checkFloat32Array(value, name, expectedLength, shapeText) {
  if (!(value instanceof Float32Array))
    throw new TypeError(`${name}: expected a Float32Array${shapeText ? ' ' + shapeText : ''}, got ${describe(value)}`);
  if (expectedLength !== undefined && value.length !== expectedLength)
    throw new RangeError(`${name}: expected ${expectedLength} floats${shapeText ? ' for ' + shapeText : ''}, got ${value.length}`);
  return checkFinite(value, name);
}

/**
 * Numerics policy: NaN and infinities are refused in inputs and weights (a RangeError naming the first
 * one), so that every result comes from finite numbers. Additive masks may hold -Infinity (= forbidden).
 */
export function checkFinite(array, name, { allowNegativeInfinity = false } = {}) {
  for (let n = 0; n < array.length; ++n) {
    const x = array[n];
    if (x - x !== 0 && !(allowNegativeInfinity && x === -Infinity))  // false only for NaN and +-Infinity
      throw new RangeError(`${name}[${n}]: expected a finite number${allowNegativeInfinity ? ' or -Infinity' : ''}, got ${x}`);
  }
  return array;
}

/**
 * Boolean masks: a Uint8Array (nonzero = true) or an Array of booleans / 0 / 1; returns a Uint8Array.
 * Checks the type, then the length, then each element of an Array (naming its index).
 */
export function toBooleanMask(value, name, expectedLength, shapeText) {
  if (!(value instanceof Uint8Array) && !Array.isArray(value)) {
    const hint = ArrayBuffer.isView(value) && !(value instanceof DataView)
      ? ` (${value.constructor.name} is not accepted: convert it, e.g. Uint8Array.from(mask))` : '';
    throw new TypeError(`${name}: expected a Uint8Array or an Array of booleans (or 0/1) ${shapeText}, got ${describe(value)}${hint}`);
  }
  if (value.length !== expectedLength)
    throw new RangeError(`${name}: expected ${expectedLength} elements for ${shapeText}, got ${value.length}`);
  if (value instanceof Uint8Array) return value;
  const bytes = new Uint8Array(value.length);
  for (let n = 0; n < value.length; ++n) {
    const x = value[n];
    if (x === true || x === 1) bytes[n] = 1;
    else if (x !== false && x !== 0)
      throw new (typeof x === 'number' ? RangeError : TypeError)(`${name}[${n}]: expected a boolean, 0 or 1, got ${describe(x)}`);
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
  let value = bytes / 1024, unit = 0;
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
        `more than the ${formatBytes(MAX_HEAP_BYTES)} a wasm32 module can address; split the batch or the sequence`);
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
  const kind = message.slice(0, colon), text = message.slice(colon + 2);
  if (kind === 'FormatError') throw new ModelFormatError(text);
  if (kind === 'ArgumentError' || kind === 'OutOfMemory') throw new RangeError(text);
  throw new MhaError(colon > 0 ? text : message);
}

// Frees the Embind object of a wrapper that was garbage-collected without dispose().
const finalizer = new FinalizationRegistry((handle) => {
  try { handle.delete(); } catch { /* already freed */ }
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

  get disposed() { return this.#handle === null; }

  dispose() {
    if (this.#handle === null) return;
    finalizer.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  [disposeSymbol]() { this.dispose(); }
}

/** Bytes currently reserved by the wasm heap (grows, never shrinks); for memory-leak checks. */
export async function wasmHeapBytes() {
  return heap(await loadModule()).u8.length;
}
