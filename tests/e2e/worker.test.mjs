// The engine in a browser Web Worker, under a Content-Security-Policy without 'unsafe-eval':
// same bits as on the main thread, causal structure intact, no request leaves localhost.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  closeServer,
  launchBrowser,
  serverUrl,
  skipWithoutChromium,
  startRepoServer,
  waitForResult,
  withPage,
} from './browser.mjs';

describe('Web Worker + CSP', { timeout: 90_000 }, () => {
  let browser, server;
  before(async () => {
    server = await startRepoServer();
  });
  after(async () => {
    await browser?.close();
    if (server) await closeServer(server);
  });

  test('a module worker computes the same weights as the main thread', async (t) => {
    if (skipWithoutChromium(t)) return;
    browser = await launchBrowser();
    const url = `${serverUrl(server)}/tests/e2e/pages/worker.html`;
    // The CSP report of the blocked eval probe is the only console error allowed.
    const result = await withPage(url, (page, log) => waitForResult(page, log), { browser, allowConsoleErrors: true });
    assert.equal(result.evalBlocked, true, 'the CSP without unsafe-eval must be in force');
    assert.equal(result.main.length, 2 * 3 * 3);
    assert.deepEqual(result.fromWorker, result.main);
    // causal: query 0 sees only key 0 in both heads
    for (const head of [0, 1]) assert.deepEqual(result.main.slice(head * 9, head * 9 + 3), [1, 0, 0]);
  });
});
