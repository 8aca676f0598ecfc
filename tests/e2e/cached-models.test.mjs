// The models scripts/setup.sh caches outside the repository (all-MiniLM-L6-v2): the demo server mounts a
// completed cache folder at /models/<name>/ and lists it in /models/cached.json, and the page offers the
// model exactly when it is listed, without a failed request either way. Runs on a fake cache folder (a
// config.json and setup's completion marker) in a temporary MHA_DEPS_DIR, so it needs no download.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { startServer } from '../../scripts/serve.mjs';
import { closeServer, launchBrowser, serverUrl, skipWithoutChromium, withPage } from './browser.mjs';

const depsWith = mkdtempSync(join(tmpdir(), 'mha-deps-with-'));
const depsWithout = mkdtempSync(join(tmpdir(), 'mha-deps-without-'));
const fake = join(depsWith, 'models', 'all-MiniLM-L6-v2');
mkdirSync(fake, { recursive: true });
writeFileSync(join(fake, 'config.json'), '{"model_type": "bert"}');
mkdirSync(join(depsWithout, 'models', 'all-MiniLM-L6-v2'), { recursive: true }); // a folder setup did not complete
writeFileSync(join(depsWithout, 'models', 'all-MiniLM-L6-v2', 'config.json'), '{}');
writeFileSync(join(fake, '.mha-complete'), '');
after(() => [depsWith, depsWithout].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

// startServer reads MHA_DEPS_DIR when it starts
async function serverWith(depsDir) {
  const saved = process.env.MHA_DEPS_DIR;
  process.env.MHA_DEPS_DIR = depsDir;
  try {
    return await startServer({ port: 0 });
  } finally {
    if (saved === undefined) delete process.env.MHA_DEPS_DIR;
    else process.env.MHA_DEPS_DIR = saved;
  }
}

test('serve.mjs mounts a completed cache folder and lists it in /models/cached.json; an incomplete one neither', async () => {
  for (const [depsDir, present] of [
    [depsWith, true],
    [depsWithout, false],
  ]) {
    const server = await serverWith(depsDir);
    try {
      const base = serverUrl(server);
      assert.deepEqual(await (await fetch(`${base}/models/cached.json`)).json(), {
        models: present ? ['all-MiniLM-L6-v2'] : [],
      });
      const config = await fetch(`${base}/models/all-MiniLM-L6-v2/config.json`);
      assert.equal(config.status, present ? 200 : 404);
      if (present) assert.deepEqual(await config.json(), { model_type: 'bert' });
      assert.equal((await fetch(`${base}/models/austen-gpt/config.json`)).status, 200); // the repository's models stay
    } finally {
      await closeServer(server);
    }
  }
});

test(
  'the page offers all-MiniLM-L6-v2 exactly when the server lists it, with no failed request',
  { timeout: 120_000 },
  async (t) => {
    if (skipWithoutChromium(t)) return;
    const browser = await launchBrowser();
    t.after(() => browser.close());
    for (const [depsDir, expected] of [
      [depsWith, ['austen-gpt', 'all-MiniLM-L6-v2']],
      [depsWithout, ['austen-gpt']],
    ]) {
      const server = await serverWith(depsDir);
      try {
        const options = await withPage(
          `${serverUrl(server)}/web/?test=1`, // the page installs its test hook (mhaDemo) only with test=1
          async (page) => {
            await page.waitForFunction(() => window.mhaDemo?.ready, null, { timeout: 60_000 });
            return page.$$eval('#model-select option', (all) =>
              all.filter((o) => !o.hidden && !o.dataset.hub).map((o) => o.textContent),
            );
          },
          { browser },
        );
        assert.deepEqual(options, expected);
      } finally {
        await closeServer(server);
      }
    }
  },
);
