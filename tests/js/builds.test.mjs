// Which build runs and why (bindings/js/runtime.js), in Node. scripts/test.sh runs tests/js twice: plain Node 20
// (no relaxed SIMD: the baseline build must be chosen) and with --experimental-wasm-relaxed-simd (the relaxed
// build must be chosen); MHA_EXPECT_SIMD tells this file which run it is in.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { MultiHeadAttention, loadModule, moduleInfo, relaxedSimdSupported, threadCount } from '../../dist/index.js';

// A runtime.js of its own (a module instance is keyed by its URL): a load that nothing else has made yet.
let fresh = 0;
const freshRuntime = () => import(`../../dist/runtime.js?fresh=${++fresh}`);

test('auto picks the relaxed build exactly where the engine validates relaxed SIMD', async () => {
  const info = await moduleInfo();
  const expected = process.env.MHA_EXPECT_SIMD;
  if (expected) assert.equal(info.simd, expected, `this run expects the ${expected} build: ${JSON.stringify(info)}`);
  assert.equal(info.simd, relaxedSimdSupported() ? 'relaxed' : 'baseline');
  assert.match(info.file, info.simd === 'relaxed' ? /\/mha_wasm_relaxed\.wasm$/ : /\/mha_wasm\.wasm$/);
  assert.equal(
    info.simdReason,
    info.simd === 'relaxed'
      ? ''
      : 'this engine does not support relaxed SIMD (WebAssembly.validate refused a relaxed instruction)',
  );
  assert.equal(threadCount, moduleInfo);
});

test('in Node the single-threaded build runs, with a reason that applies to Node', async () => {
  const info = await moduleInfo();
  assert.equal(info.build, 'single');
  assert.equal(info.threads, 1);
  assert.match(info.reason, /^in Node the package runs its single-threaded build/);
  assert.doesNotMatch(info.reason, /COOP|cross-origin/);
});

test("simd: 'baseline' is honoured where the relaxed build could run", async () => {
  const other = await freshRuntime();
  const chosen = (await moduleInfo()).simd;
  // (the numbers of each build are checked by the whole of tests/js, which runs once per build)
  if (chosen === 'baseline') return;
  const baseline = await other.loadModule({ simd: 'baseline' });
  assert.ok(baseline);
  assert.equal((await other.moduleInfo()).simd, 'baseline');
  assert.equal((await other.moduleInfo()).simdReason, "simd: 'baseline' was asked for");
});

test('loadModule options are validated: unknown names, bad values, and a later call that would change them', async () => {
  await assert.rejects(loadModule({ thread: 2 }), {
    name: 'TypeError',
    message:
      'loadModule options: unknown option "thread"; expected one of threads, simd, wasmPaths, wasmBinary, signal',
  });
  await assert.rejects(loadModule('fast'), {
    name: 'TypeError',
    message: 'loadModule options: expected an options object, got "fast"',
  });
  await MultiHeadAttention.create({ embedDim: 4, numHeads: 1 });
  await assert.rejects(loadModule({ threads: 2 }), {
    name: 'TypeError',
    message:
      /^loadModule options: the module is already loaded with the default options; a later call cannot change that \(got \{"threads":2\}\)/,
  });
  assert.ok(await loadModule()); // no options: shares the module
  assert.ok(await loadModule({ signal: new AbortController().signal })); // a signal alone changes nothing
  await assert.rejects(loadModule({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  await assert.rejects(loadModule({ signal: {} }), {
    name: 'TypeError',
    message: 'loadModule options.signal: expected an AbortSignal, got Object',
  });
  const other = await freshRuntime();
  await assert.rejects(other.loadModule({ simd: 'fast' }), {
    name: 'TypeError',
    message: `loadModule options.simd: expected 'auto', 'relaxed' or 'baseline', got "fast"`,
  });
  await assert.rejects(other.loadModule({ threads: 0 }), {
    name: 'RangeError',
    message: 'loadModule options.threads: expected a positive integer, got 0',
  });
  await assert.rejects(other.loadModule({ wasmPaths: 42 }), {
    name: 'TypeError',
    message: 'loadModule options.wasmPaths: expected a folder URL (string or URL), got 42',
  });
});

test('a missing .wasm names the file and how to point the package at its files; a retry then works', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'mha-no-wasm-'));
  try {
    const runtime = await freshRuntime();
    const error = await runtime.loadModule({ wasmPaths: empty }).catch((e) => e);
    assert.equal(error.name, 'MhaError');
    // (where relaxed SIMD runs, the relaxed file is tried first, then the baseline one, which is named)
    assert.ok(
      error.message.startsWith(`cannot read the engine's file ${join(empty, 'mha_wasm.wasm')} (ENOENT).`),
      error.message,
    );
    assert.match(error.message, /loadModule\(\{ wasmPaths: /);
    const module = await runtime.loadModule({ wasmPaths: new URL('../../dist/', import.meta.url) });
    assert.equal(typeof module.setNumThreads, 'function');
  } finally {
    await rm(empty, { recursive: true });
  }
});

test('aborting a first load rejects it at once; the load itself goes on and a later call gets the module', async () => {
  const runtime = await freshRuntime();
  const controller = new AbortController();
  const first = runtime.loadModule({ signal: controller.signal });
  controller.abort();
  await assert.rejects(first, { name: 'AbortError' });
  assert.equal(typeof (await runtime.loadModule()).setNumThreads, 'function');
});

test('wasmBinary without simd runs the baseline build from the given bytes', async () => {
  const { readFile } = await import('node:fs/promises');
  const runtime = await freshRuntime();
  const wasmBinary = await readFile(new URL('../../dist/mha_wasm.wasm', import.meta.url));
  await runtime.loadModule({ wasmBinary });
  const info = await runtime.moduleInfo();
  assert.equal(info.simd, 'baseline');
  assert.equal(info.simdReason, "wasmBinary was given without simd: 'relaxed'");
});
