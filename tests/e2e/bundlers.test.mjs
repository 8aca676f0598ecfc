// The package in real bundlers, as app developers use it: the packed tarball installed into a fresh project,
// the consumer app (tests/package/app) built by Vite 8 (`vite build`, and `vite dev`), webpack 5, Rollup 4
// and esbuild, then loaded in headless Chromium on a plain page and on a cross-origin-isolated one, on the
// main thread and in a module Web Worker. Each case must answer within 10 s with the hand-derived numbers
// and report the build it chose: the relaxed-SIMD build everywhere (Chromium validates it), threaded exactly
// where the page is isolated. Files are copied by hand only where the README says so (esbuild, Rollup).
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { assertIdentityResult, makeWorkDir, packAndInstall } from '../package/pack.mjs';
import {
  closeServer,
  launchBrowser,
  serverUrl,
  skipWithoutChromium,
  startStaticServer,
  waitForResult,
  withPage,
} from './browser.mjs';

const START_MS = 10_000; // loading, choosing a build and computing, as the issue bounds start-up
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
// What esbuild and Rollup leave to the user (README, "Bundlers and plain pages").
const RUNTIME_FILES = [
  'mha_wasm.wasm',
  'mha_wasm_threads.wasm',
  'mha_wasm_relaxed.wasm',
  'mha_wasm_relaxed_threads.wasm',
  'mha_wasm_threads.mjs',
  'mha_wasm_relaxed_threads.mjs',
];
const ENTRIES = { main: 'browser-main.mjs', 'worker-page': 'worker-page.mjs', 'worker-entry': 'worker-entry.js' };

// index.html and worker.html for bundlers that emit scripts only; `module`: the scripts are ES modules.
async function writePages(out, module = true) {
  const script = (name) =>
    module ? `<script type="module" src="./${name}.js"></script>` : `<script defer src="./${name}.js"></script>`;
  const page = (title, name) =>
    `<!doctype html><meta charset="utf-8"><title>${title}</title><pre id="result"></pre>${script(name)}\n`;
  await writeFile(join(out, 'index.html'), page('main thread', 'main'));
  await writeFile(join(out, 'worker.html'), page('module worker', 'worker-page'));
}

async function copyRuntimeFiles(pkg, out) {
  for (const file of RUNTIME_FILES) await copyFile(join(pkg.packageDir, 'dist', file), join(out, file));
}

const BUILDERS = {
  async vite(pkg, out) {
    const { build } = await import('vite');
    await build({
      root: pkg.project,
      configFile: false,
      logLevel: 'silent',
      build: {
        outDir: out,
        emptyOutDir: true,
        rollupOptions: { input: { main: join(pkg.project, 'index.html'), worker: join(pkg.project, 'worker.html') } },
      },
      worker: { format: 'es' }, // a worker that imports the package splits code (its builds load on demand)
    });
  },
  async webpack(pkg, out) {
    const { default: webpack } = await import('webpack');
    const compiler = webpack({
      mode: 'production',
      context: pkg.project,
      target: 'web',
      performance: { hints: false },
      entry: { main: './browser-main.mjs', 'worker-page': './worker-page.mjs' },
      output: { path: out, filename: '[name].js', publicPath: 'auto', clean: true },
    });
    const stats = await promisify(compiler.run.bind(compiler))();
    await promisify(compiler.close.bind(compiler))();
    assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
    await writePages(out, false);
  },
  async rollup(pkg, out) {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const input = Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(pkg.project, file)]));
    const bundle = await rollup({ input, plugins: [nodeResolve({ browser: true })], logLevel: 'silent' });
    await bundle.write({ dir: out, format: 'es', entryFileNames: '[name].js' });
    await bundle.close();
    await writePages(out);
    await copyRuntimeFiles(pkg, out);
  },
  async esbuild(pkg, out) {
    const esbuild = await import('esbuild');
    await esbuild.build({
      absWorkingDir: pkg.project,
      entryPoints: ENTRIES,
      outdir: out,
      entryNames: '[name]',
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    await writePages(out);
    await copyRuntimeFiles(pkg, out);
  },
};

// The answer of one page: the numbers and the build, within START_MS of the page's load.
async function runPage(browser, url) {
  return withPage(url, (page, log) => waitForResult(page, log, 'testResult', START_MS), { browser });
}

function assertChoice(result, where, isolated) {
  assert.ok(result.ok, `${where}: ${result.error}`);
  assertIdentityResult(result, where);
  const info = result.threads;
  assert.equal(info.simd, 'relaxed', `${where}: ${JSON.stringify(info)}`);
  if (isolated) {
    assert.equal(info.build, 'threaded', `${where}: ${JSON.stringify(info)}`);
    assert.equal(info.reason, '');
  } else {
    assert.equal(info.build, 'single', `${where}: ${JSON.stringify(info)}`);
    assert.equal(
      info.reason,
      'threads need a cross-origin-isolated page or worker (COOP/COEP headers) with SharedArrayBuffer',
    );
  }
}

describe('the package in bundlers, in headless Chromium', { timeout: 600_000 }, () => {
  let work, pkg, browser;
  const servers = [];
  before(async (t) => {
    if (skipWithoutChromium(t)) return;
    const launching = launchBrowser();
    work = await makeWorkDir('mha-bundlers-');
    pkg = await packAndInstall(work.path);
    // An app of today: ES modules throughout (worker-entry.js is one).
    const manifest = join(pkg.project, 'package.json');
    await writeFile(
      manifest,
      JSON.stringify({ ...JSON.parse(await readFile(manifest, 'utf8')), type: 'module' }, null, 2),
    );
    browser = await launching;
  });
  after(async () => {
    await Promise.all(servers.map(closeServer));
    await browser?.close();
    await work?.remove();
  });

  for (const [name, buildApp] of Object.entries(BUILDERS)) {
    test(`${name}: main thread and module worker, plain and cross-origin-isolated page`, async (t) => {
      if (skipWithoutChromium(t)) return;
      const out = join(work.path, `site-${name}`);
      await mkdir(out, { recursive: true });
      await buildApp(pkg, out);
      for (const isolated of [false, true]) {
        const server = await startStaticServer(out, { isolated });
        servers.push(server);
        for (const page of ['index.html', 'worker.html']) {
          const where = `${name}, ${page}, ${isolated ? 'isolated' : 'plain'} page`;
          assertChoice(await runPage(browser, `${serverUrl(server)}/${page}`), where, isolated);
        }
      }
    });
  }

  test('vite dev: main thread and module worker, plain and cross-origin-isolated page', async (t) => {
    if (skipWithoutChromium(t)) return;
    const { createServer } = await import('vite');
    for (const isolated of [false, true]) {
      const server = await createServer({
        root: pkg.project,
        configFile: false,
        logLevel: 'silent',
        worker: { format: 'es' },
        server: { host: '127.0.0.1', port: 0, headers: isolated ? ISOLATION_HEADERS : {} },
        cacheDir: join(work.path, `vite-cache-${isolated}`),
      });
      await server.listen();
      try {
        const base = server.resolvedUrls.local[0];
        for (const page of ['index.html', 'worker.html'])
          assertChoice(
            await runPage(browser, new URL(page, base).href),
            `vite dev, ${page}, ${isolated ? 'isolated' : 'plain'}`,
            isolated,
          );
      } finally {
        await server.close();
      }
    }
  });
});
