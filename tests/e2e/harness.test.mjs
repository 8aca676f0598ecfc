// Self-test of the browser harness (browser.mjs): a page that tries to reach a non-local address and logs
// errors must make withPage() fail, with the aborted request listed and nothing sent off the machine.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { closeServer, isLocalUrl, serverUrl, skipWithoutChromium, startStaticServer, withPage } from './browser.mjs';

test('isLocalUrl accepts only this machine', () => {
  for (const url of [
    'http://127.0.0.1:8080/x',
    'http://localhost/',
    'http://[::1]:9/',
    'data:text/plain,x',
    'blob:http://127.0.0.1/1',
  ])
    assert.ok(isLocalUrl(url), url);
  for (const url of [
    'http://192.0.2.1/x',
    'https://127.0.0.1.nip.invalid/',
    'http://10.0.0.1/',
    'ws://192.0.2.1/',
    'not a url',
  ])
    assert.ok(!isLocalUrl(url), url);
});

test(
  'withPage aborts and reports non-local requests, console errors and page errors',
  { timeout: 90_000 },
  async (t) => {
    if (skipWithoutChromium(t)) return;
    const folder = await mkdtemp(join(tmpdir(), 'mha-harness-'));
    t.after(() => rm(folder, { recursive: true, force: true }));
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed, and the harness must abort before trying.
    await writeFile(
      join(folder, 'index.html'),
      `<!doctype html><meta charset="utf-8"><script type="module">
    let fetchFailed = false;
    try { await fetch('http://192.0.2.1/leak?x=1'); } catch { fetchFailed = true; }
    const worker = new Worker(URL.createObjectURL(new Blob(["fetch('http://192.0.2.2/from-worker').then(() => postMessage(false), () => postMessage(true))"])));
    const workerFetchFailed = await new Promise((done) => { worker.onmessage = (event) => done(event.data); });
    console.error('deliberate console error');
    globalThis.testResult = { ok: true, fetchFailed, workerFetchFailed };
    setTimeout(() => { throw new Error('deliberate page error'); });
  </script>`,
    );
    const server = await startStaticServer(folder);
    t.after(() => closeServer(server));
    let seen;
    await assert.rejects(
      withPage(`${serverUrl(server)}/`, async (page, log) => {
        await page.waitForFunction(() => globalThis.testResult !== undefined);
        seen = await page.evaluate(() => globalThis.testResult);
        for (let n = 0; n < 100 && log.pageErrors.length === 0; ++n) await new Promise((done) => setTimeout(done, 50));
        seen.log = structuredClone(log);
      }),
      (error) => {
        assert.match(
          error.message,
          /requests that would leave 127\.0\.0\.1 \(aborted\):\n\s+http:\/\/192\.0\.2\.1\/leak\?x=1/,
        );
        assert.match(error.message, /console errors:\n[\s\S]*deliberate console error/);
        assert.match(error.message, /uncaught page errors:\n\s+Error: deliberate page error/);
        return true;
      },
    );
    assert.equal(seen.fetchFailed, true, 'the non-local fetch must fail in the page');
    assert.equal(seen.workerFetchFailed, true, 'the non-local fetch must fail in a worker');
    assert.deepEqual(seen.log.blocked, ['http://192.0.2.1/leak?x=1', 'http://192.0.2.2/from-worker']);
    assert.ok(seen.log.requests.includes(`${serverUrl(server)}/`));
  },
);

test('the static server serves mounted folders under their prefix and nothing outside them', async (t) => {
  const { startServer } = await import('../../scripts/serve.mjs');
  const root = await mkdtemp(join(tmpdir(), 'mha-serve-root-'));
  const mounted = await mkdtemp(join(tmpdir(), 'mha-serve-mount-'));
  t.after(() => Promise.all([root, mounted].map((f) => rm(f, { recursive: true, force: true }))));
  await writeFile(join(root, 'a.txt'), 'root');
  await writeFile(join(mounted, 'a.txt'), 'mounted');
  const server = await startServer({ port: 0, root, index: null, mounts: { '/build': mounted } });
  t.after(() => closeServer(server));
  const get = async (path) => {
    const response = await fetch(`${serverUrl(server)}${path}`);
    return [response.status, await response.text(), response.headers.get('cross-origin-embedder-policy')];
  };
  assert.deepEqual(await get('/a.txt'), [200, 'root', 'require-corp']);
  assert.deepEqual(await get('/build/a.txt'), [200, 'mounted', 'require-corp']);
  assert.equal((await get('/build/../a.txt'))[1], 'root'); // normalised before the prefix is matched
  assert.equal((await get('/build/..%2F..%2Fa.txt'))[1], 'root'); // escaped dots cannot climb above the root
  assert.equal((await get('/buildx/a.txt'))[0], 404); // a prefix is a whole folder name
});
