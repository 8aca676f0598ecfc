// loadModel('owner/name') in headless Chromium: a cross-origin-isolated page of the repository server loads
// models from a fake Hub on other ports (CORS, the weights through a 302 to a content store of a third
// origin); a second load with the Hub stopped comes from Cache Storage, with the same logits; a Hub without
// CORS headers gives the message that says so.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { startHubServer } from '../js/hub-server.mjs';
import { closeServer, launchBrowser, serverUrl, skipWithoutChromium, startRepoServer, withPage } from './browser.mjs';

const austen = new URL('../../models/austen-gpt/', import.meta.url);
const bertTiny = new URL('../fixtures/encoders/bert-tiny/', import.meta.url);
const weightsSize = readFileSync(new URL('model.safetensors', austen)).length;

// Runs in the page: loads `source` (a Hub id, or a folder of the repository server) and runs it on `text`.
async function loadAndRun({ source, options, text }) {
  const { loadModel } = await import('/dist/index.js');
  const events = [];
  const model = await loadModel(source, { ...options, onProgress: (event) => events.push(event) });
  try {
    const result = model.run(text);
    return {
      logits: Array.from(result.logits),
      attention: Array.from(result.attention),
      tokens: result.tokens,
      events,
    };
  } finally {
    model.dispose();
  }
}

describe('loading from the Hub in Chromium', { timeout: 120_000 }, () => {
  let browser, repoServer, hub;
  before(async () => {
    repoServer = await startRepoServer();
    hub = await startHubServer({
      'test-org/austen-gpt': { folder: austen },
      'test-org/bert-tiny': { folder: bertTiny },
    });
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    if (repoServer) await closeServer(repoServer);
  });

  test('cross-origin load, then a second load from Cache Storage with the Hub stopped: the same logits as from files', async (t) => {
    if (skipWithoutChromium(t)) return;
    browser = await launchBrowser();
    const page = `${serverUrl(repoServer)}/tests/e2e/pages/hub.html`;
    const hubUrl = hub.url;
    const hubHosts = [new URL(hub.url).host, new URL(hub.casUrl).host];
    const cases = [
      { id: 'test-org/austen-gpt', folder: '/models/austen-gpt/', text: 'It is a truth universally acknowledged' },
      { id: 'test-org/bert-tiny', folder: '/tests/fixtures/encoders/bert-tiny/', text: 'the quick brown fox' },
    ];
    await withPage(
      page,
      async (tab, log) => {
        assert.equal(await tab.evaluate(() => globalThis.crossOriginIsolated), true);
        const fromFiles = [],
          fromHub = [];
        for (const { id, folder, text } of cases) {
          fromFiles.push(await tab.evaluate(loadAndRun, { source: folder, text }));
          fromHub.push(await tab.evaluate(loadAndRun, { source: id, options: { hubUrl }, text }));
        }
        for (const [n, { id }] of cases.entries()) {
          const { events, ...outputs } = fromHub[n];
          assert.deepEqual(outputs, (({ events: _, ...rest }) => rest)(fromFiles[n]), `${id}: hub and files differ`);
        }
        // The weights' size came with the answer's headers, before their first byte.
        const weights = fromHub[0].events.filter((event) => event.file === 'model.safetensors');
        assert.deepEqual(weights[1], { status: 'download', file: 'model.safetensors', loaded: 0, total: weightsSize });
        assert.ok(hub.requests.includes('GET /test-org/austen-gpt/resolve/main/model.safetensors 302'));
        assert.ok(hub.requests.some((line) => /^GET \/cas\/[0-9a-f]{64} 200$/.test(line)));

        const keys = await tab.evaluate(async () =>
          (await (await caches.open('mha-wasm-hub')).keys()).map((request) => request.url),
        );
        assert.deepEqual(keys.map((key) => key.slice(hubUrl.length)).sort(), [
          'test-org/austen-gpt/resolve/main/config.json',
          'test-org/austen-gpt/resolve/main/merges.txt',
          'test-org/austen-gpt/resolve/main/model.safetensors',
          'test-org/austen-gpt/resolve/main/vocab.json',
          'test-org/bert-tiny/resolve/main/config.json',
          'test-org/bert-tiny/resolve/main/model.safetensors',
          'test-org/bert-tiny/resolve/main/tokenizer.json',
          'test-org/bert-tiny/resolve/main/tokenizer_config.json',
          'test-org/bert-tiny/resolve/main/vocab.txt',
        ]);

        await hub.close();
        const requestsBefore = log.requests.length;
        for (const [n, { id, text }] of cases.entries()) {
          const { events, ...outputs } = await tab.evaluate(loadAndRun, { source: id, options: { hubUrl }, text });
          const { events: firstEvents, ...first } = fromHub[n];
          assert.deepEqual(outputs, first, `${id}: the cached load differs`);
          if (n === 0) {
            assert.deepEqual(
              events.filter((event) => event.file === 'model.safetensors' && event.status !== 'progress'),
              [
                { status: 'initiate', file: 'model.safetensors', loaded: 0, total: undefined },
                { status: 'download', file: 'model.safetensors', loaded: 0, total: weightsSize },
                { status: 'done', file: 'model.safetensors', loaded: weightsSize, total: weightsSize },
              ],
            );
          }
        }
        const toHub = log.requests.slice(requestsBefore).filter((url) => hubHosts.includes(new URL(url).host));
        assert.deepEqual(toHub, [], 'the second loads must not touch the network');
        // Chromium logs each 404 as a console error: bert-tiny has no tokenizer.json, asked once of the repository
        // server (the folder load) and once of the Hub (the first load; the second knows from the cache).
        assert.deepEqual(
          log.consoleErrors,
          Array(2).fill('Failed to load resource: the server responded with a status of 404 (Not Found)'),
        );
      },
      { browser, allowConsoleErrors: true },
    );
  });

  test('an abort in the middle of the weights leaves them out of Cache Storage', async (t) => {
    if (skipWithoutChromium(t)) return;
    browser ??= await launchBrowser();
    const slow = await startHubServer({ 'test-org/slow-gpt': { folder: austen } });
    slow.throttle = { bytes: 65536, ms: 50 }; // about 6 s for the 8 MB weights
    const started = new Promise((done) => {
      slow.onWeightsStarted = done;
    });
    try {
      const page = `${serverUrl(repoServer)}/tests/e2e/pages/hub.html`;
      const { error, keys } = await withPage(
        page,
        async (tab) => {
          await tab.evaluate((hubUrl) => {
            globalThis.controller = new AbortController();
            globalThis.loading = import('/dist/index.js')
              .then(({ loadModel }) => loadModel('test-org/slow-gpt', { hubUrl, signal: globalThis.controller.signal }))
              .then(
                () => 'loaded',
                (caught) => caught.name,
              );
          }, slow.url);
          await started;
          return tab.evaluate(async () => {
            globalThis.controller.abort();
            const outcome = await globalThis.loading;
            const cache = await caches.open('mha-wasm-hub');
            return { error: outcome, keys: (await cache.keys()).map((request) => request.url) };
          });
        },
        { browser },
      );
      assert.equal(error, 'AbortError');
      assert.deepEqual(
        keys
          .filter((key) => key.includes('slow-gpt'))
          .map((key) => key.split('/').pop())
          .sort(),
        ['config.json', 'merges.txt', 'vocab.json'],
      );
    } finally {
      await slow.close();
    }
  });

  test('offline: the message says the browser is offline', async (t) => {
    if (skipWithoutChromium(t)) return;
    browser ??= await launchBrowser();
    const page = `${serverUrl(repoServer)}/tests/e2e/pages/hub.html`;
    const url = `${hub.url}test-org/offline-gpt/resolve/main/config.json`;
    const error = await withPage(
      page,
      async (tab) => {
        await tab.evaluate(() => import('/dist/index.js'));
        await browser.context.setOffline(true);
        try {
          return await tab.evaluate(async (hubUrl) => {
            const { loadModel } = await import('/dist/index.js');
            return loadModel('test-org/offline-gpt', { hubUrl }).then(
              () => null,
              (caught) => caught.message,
            );
          }, hub.url);
        } finally {
          await browser.context.setOffline(false);
        }
      },
      { browser, allowConsoleErrors: true },
    );
    assert.equal(
      error,
      `config.json: cannot fetch ${url} for repository "test-org/offline-gpt" at revision "main" ` +
        '(Failed to fetch): this browser is offline',
    );
  });

  test('a Hub that sends no CORS headers: the message says the host may not allow cross-origin requests', async (t) => {
    if (skipWithoutChromium(t)) return;
    browser ??= await launchBrowser();
    const closed = await startHubServer({ 'test-org/austen-gpt': { folder: austen } }, { cors: false });
    try {
      const page = `${serverUrl(repoServer)}/tests/e2e/pages/hub.html`;
      const url = `${closed.url}test-org/austen-gpt/resolve/main/config.json`;
      // Chromium logs the blocked request as a console error: expected here.
      const error = await withPage(
        page,
        (tab) =>
          tab.evaluate(async (hubUrl) => {
            const { loadModel } = await import('/dist/index.js');
            try {
              await loadModel('test-org/austen-gpt', { hubUrl, cache: false });
              return null;
            } catch (caught) {
              return { name: caught.name, message: caught.message, status: caught.status };
            }
          }, closed.url),
        { browser, allowConsoleErrors: true },
      );
      assert.deepEqual(error, {
        name: 'HubError',
        status: 0,
        message:
          `config.json: cannot fetch ${url} for repository "test-org/austen-gpt" at revision "main" (Failed to fetch): ` +
          'offline, the host is down, or it does not allow cross-origin requests from this page (CORS: its answers need an ' +
          'Access-Control-Allow-Origin header)',
      });
      assert.deepEqual(closed.requests, ['GET /test-org/austen-gpt/resolve/main/config.json 200']);
    } finally {
      await closed.close();
    }
  });
});
