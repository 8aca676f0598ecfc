// The package in headless Chromium, as web users get it:
//  - bundled by esbuild (format esm, platform browser) from a project that installed the packed tarball,
//    with the .wasm copied next to the bundle (esbuild leaves `new URL('./mha_wasm.wasm', import.meta.url)`
//    as is and does not emit the asset), served from its own folder;
//  - unbundled, `<script type="module">` with an import map pointing 'mha-wasm' at the repository's dist/,
//    served by scripts/serve.mjs.
// Both pages compute the hand-derived identity case of tests/package/app/compute.mjs; the harness fails on
// console errors, page errors and any request that would leave 127.0.0.1.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertIdentityResult, makeWorkDir, packAndInstall } from '../package/pack.mjs';
import {
  CHROMIUM_PATH,
  closeServer,
  launchBrowser,
  serverUrl,
  startRepoServer,
  startStaticServer,
  waitForResult,
  withPage,
} from './browser.mjs';
import { existsSync } from 'node:fs';

const hasChromium = existsSync(CHROMIUM_PATH);
const skip = hasChromium
  ? false
  : `headless browser tests need Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or run scripts/setup.sh)`;

async function bundle(esbuild, project, outdir, extra = {}) {
  return esbuild.build({
    absWorkingDir: project,
    entryPoints: ['browser-main.mjs'],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    write: true,
    ...extra,
  });
}

describe('the package in headless Chromium', { skip, timeout: 120_000 }, () => {
  let work, pkg, browser, launching, esbuild;
  const servers = [];
  before(async () => {
    // Start Chromium while npm packs and installs; `launching` is awaited in after() even if packing fails.
    launching = launchBrowser().then((session) => {
      browser = session;
    });
    work = await makeWorkDir('mha-bundle-');
    esbuild = await import('esbuild');
    pkg = await packAndInstall(work.path);
    await launching;
  });
  after(async () => {
    await Promise.all(servers.map(closeServer));
    await launching?.catch(() => {});
    await browser?.close();
    await work?.remove();
  });

  // The files esbuild leaves to the user (README): the .wasm of each build, and the threaded builds' glue,
  // which their Web Workers load by URL.
  const RUNTIME_FILES = [
    'mha_wasm.wasm',
    'mha_wasm_threads.wasm',
    'mha_wasm_threads.mjs',
    'mha_wasm_relaxed.wasm',
    'mha_wasm_relaxed_threads.wasm',
    'mha_wasm_relaxed_threads.mjs',
  ];

  test('esbuild bundle of an app importing mha-wasm, runtime files copied next to the bundle as the README says', async () => {
    const out = join(work.path, 'site');
    await mkdir(out);
    // No extra options: runtime.js imports its Node-only module through a variable, which bundlers leave alone.
    const built = await bundle(esbuild, pkg.project, out);
    assert.deepEqual(built.errors, []);
    const code = await readFile(join(out, 'app.js'), 'utf8');
    assert.match(
      code,
      /new URL\(["']\.?\/?mha_wasm\.wasm["'], import\.meta\.url\)/,
      'the bundle should keep the .wasm URL relative to itself',
    );
    for (const file of RUNTIME_FILES) await copyFile(join(pkg.packageDir, 'dist', file), join(out, file));
    await writeFile(
      join(out, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>bundled</title><pre id="result"></pre><script type="module" src="./app.js"></script>\n',
    );
    const server = await startStaticServer(out);
    servers.push(server);
    const base = serverUrl(server);
    const { result, text, requests } = await withPage(
      `${base}/`,
      async (page, log) => ({
        result: await waitForResult(page, log),
        text: await page.textContent('#result'),
        requests: log.requests,
      }),
      { browser },
    );
    assertIdentityResult(result, 'esbuild bundle');
    assertIdentityResult(JSON.parse(text), 'esbuild bundle, DOM');
    // The static server sends COOP/COEP, so the page is cross-origin isolated: the threaded build runs, and
    // Chromium validates relaxed SIMD, so it is the relaxed one.
    assert.equal(result.threads.build, 'threaded', `threads: ${JSON.stringify(result.threads)}`);
    assert.equal(result.threads.reason, '');
    assert.equal(result.threads.simd, 'relaxed', `simd: ${JSON.stringify(result.threads)}`);
    for (const file of ['mha_wasm_relaxed_threads.wasm', 'mha_wasm_relaxed_threads.mjs'])
      assert.ok(
        requests.includes(`${base}/${file}`),
        `the page should fetch the copied ${file}; it requested ${requests.join(', ')}`,
      );
  });

  test('the same bundle with only mha_wasm.wasm copied falls back to the single-threaded baseline build', async () => {
    const out = join(work.path, 'site-single');
    await mkdir(out);
    assert.deepEqual((await bundle(esbuild, pkg.project, out)).errors, []);
    await copyFile(join(pkg.packageDir, 'dist', 'mha_wasm.wasm'), join(out, 'mha_wasm.wasm'));
    await writeFile(
      join(out, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>bundled</title><pre id="result"></pre><script type="module" src="./app.js"></script>\n',
    );
    const server = await startStaticServer(out);
    servers.push(server);
    const base = serverUrl(server);
    // The probe of the missing threaded files logs "404" resource errors in the console: expected here.
    const { result, requests } = await withPage(
      `${base}/`,
      async (page, log) => ({
        result: await waitForResult(page, log),
        requests: log.requests,
      }),
      { browser, allowConsoleErrors: true },
    );
    assertIdentityResult(result, 'esbuild bundle, single-threaded fallback');
    assert.equal(result.threads.build, 'single');
    assert.equal(result.threads.threads, 1);
    assert.match(result.threads.reason, /mha_wasm_threads\.mjs is not served \(HTTP 404\)/);
    assert.equal(result.threads.simd, 'baseline');
    assert.match(
      result.threads.simdReason,
      /^the relaxed build did not load: cannot fetch the engine's file \S+\/mha_wasm_relaxed\.wasm \(HTTP 404\)/,
    );
    assert.ok(
      requests.includes(`${base}/mha_wasm.wasm`),
      `the page should fetch the copied .wasm; it requested ${requests.join(', ')}`,
    );
  });

  test('<script type="module"> straight from dist/ (import map, no bundler) via scripts/serve.mjs', async () => {
    const server = await startRepoServer();
    servers.push(server);
    const base = serverUrl(server);
    const { result, requests } = await withPage(
      `${base}/tests/package/app/dist.html`,
      async (page, log) => ({
        result: await waitForResult(page, log),
        requests: log.requests,
      }),
      { browser },
    );
    assertIdentityResult(result, 'dist/ in the browser');
    assert.equal(result.threads.build, 'threaded', `threads: ${JSON.stringify(result.threads)}`);
    assert.equal(result.threads.simd, 'relaxed');
    for (const file of ['/dist/index.js', '/dist/mha_wasm_relaxed_threads.mjs', '/dist/mha_wasm_relaxed_threads.wasm'])
      assert.ok(requests.includes(base + file), `the page should load ${file}; it requested ${requests.join(', ')}`);
  });
});
