// The threaded relaxed-SIMD build in headless Chromium (tests/e2e/pages/threads-page.mjs): a cross-origin-isolated page
// gets it automatically; 1 thread and every thread give the same bits for attention (weights and
// streaming paths) and for the model's logits and attention; results match the JS float64 reference.
// Timings are printed for the record (BENCHMARKS.md), never asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { closeServer, serverUrl, skipWithoutChromium, startRepoServer, waitForResult, withPage } from './browser.mjs';

test(
  'threaded build: picked automatically when isolated, bit-identical to one thread',
  { timeout: 180_000 },
  async (t) => {
    if (skipWithoutChromium(t)) return;
    const server = await startRepoServer();
    t.after(() => closeServer(server));
    const result = await withPage(`${serverUrl(server)}/tests/e2e/pages/threads.html`, (page, log) =>
      waitForResult(page, log, 'testResult', 150_000),
    );
    assert.ok(result.ok, result.error);
    const { info, attention, model } = result;
    const cores = Math.min(8, result.hardwareConcurrency);
    // Chromium validates relaxed SIMD: 'auto' runs the relaxed (FMA) build, checked below against the reference.
    assert.equal(info.simd, 'relaxed', JSON.stringify(info));
    assert.equal(info.simdReason, '');
    if (cores > 1) {
      assert.equal(info.build, 'threaded', JSON.stringify(info));
      assert.equal(info.threads, cores);
      assert.equal(info.reason, '');
    } else {
      assert.equal(info.build, 'single', JSON.stringify(info));
    }
    assert.ok(attention.sameOutput && attention.sameWeights && attention.sameStreaming, JSON.stringify(attention));
    for (const key of ['outputError', 'weightsError', 'streamingError'])
      assert.ok(attention[key] <= 1e-5, `${key} = ${attention[key]}`);
    assert.equal(model.tokens, 32);
    assert.ok(model.sameLogits && model.sameAttention, JSON.stringify(model));
    t.diagnostic(
      `threads ${info.threads}: (512, 768, 12) ms per call by thread count ${JSON.stringify(attention.msPerCall512x768x12)}; ` +
        `austen-gpt 32 tokens ms per run ${JSON.stringify(model.msPerRun32Tokens)}`,
    );
  },
);
