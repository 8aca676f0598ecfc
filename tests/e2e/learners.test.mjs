// The defects a learner met in the demo page (issue 16), one test each, in headless Chromium: each test
// failed on the page before its fix. Numbers are read from the page's test hook (window.mhaDemo, ?test=1)
// and from the DOM a person reads.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { before, test } from 'node:test';

import { afterUpdate, asInputFiles, PHONE, ready, SEED, tinyModelFiles, useDemoPage } from './demo-page.mjs';

const demo = useDemoPage();
const hook = (page, expression, arg) => page.evaluate(expression, arg);
const TINY_FOLDER = '../build/e2e-models/tiny/'; // relative to /web/; written below

before(async () => {
  const root = process.env.MHA_DEMO_ROOT
    ? `${process.env.MHA_DEMO_ROOT}/`
    : new URL('../../', import.meta.url).pathname;
  const folder = `${root}build/e2e-models/tiny/`;
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(await tinyModelFiles())) await writeFile(`${folder}${name}`, bytes);
});

test(
  '1. explaining a masked cell says its weight is e^−∞ = 0, with no equation of finite numbers',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'view=model&layer=2&head=7&cell=1,10', async (page) => {
      await page.waitForFunction(() => window.mhaDemo.explained !== null);
      const weightRow = await page.$eval('#explain [data-weight]', (weight) => weight.parentElement.textContent);
      assert.match(weightRow, /= e−∞ \/ [\d.]+ = 0/, `masked weight: ${weightRow}`);
      assert.doesNotMatch(weightRow, /e-?\d/, 'no e^(finite number) for a masked cell');
      assert.equal(await page.textContent('#explain [data-weight]'), '0');
      assert.doesNotMatch(
        await page.textContent('#explain'),
        /row max/,
        'the masked score is not compared with the row max',
      );
      const e = await hook(page, () => window.mhaDemo.explained);
      assert.deepEqual([e.layer, e.head, e.i, e.j, e.masked, e.weight, e.shown], [2, 7, 1, 10, true, 0, 0]);
      // an allowed cell still shows its finite equation, and it reproduces the weight
      await page.focus('#large-canvas');
      for (let k = 0; k < 9; ++k) await page.keyboard.press('ArrowLeft'); // to (1, 1)
      await page.keyboard.press('Enter');
      // q, k and v come from the model's worker: wait for the new cell's explanation
      await page.waitForFunction(() => window.mhaDemo.explained?.j === 1);
      const allowed = await hook(page, () => window.mhaDemo.explained);
      assert.deepEqual([allowed.i, allowed.j, allowed.masked], [1, 1, false]);
      const [, exponent, sum] = /^= e(-?[\d.]+) \/ ([\d.]+)/.exec(await page.textContent('#explain [data-equation]'));
      assert.ok(Math.abs(Math.exp(Number(exponent)) / Number(sum) - allowed.weight) < 2e-3);
    });
  },
);

test(
  '2. compare: emptying B removes the old pictures; B that only extends A lists no changes of 0.00',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'view=compare', async (page) => {
      await page.waitForFunction(() => window.mhaDemo.compare !== null);
      const drawn = () =>
        hook(page, () =>
          [...document.querySelectorAll('#view-compare canvas')].map((c) => !c.hidden && c.width * c.height > 0),
        );
      assert.deepEqual(await drawn(), [true, true]);
      await afterUpdate(page, () => page.fill('#text-b', ''));
      assert.deepEqual(await drawn(), [false, false], 'no difference pictures without B');
      assert.equal(await page.textContent('#compare-title'), '');
      assert.equal(await page.locator('#compare-predictions li').count(), 0);
      assert.match(await page.textContent('#compare-hint'), /Type a second text B/);
      assert.doesNotMatch(await page.textContent('#legend'), /A − B/, 'no difference scale without a difference');
      await afterUpdate(page, () => page.fill('#text-b', `${SEED} and then it slept`));
      const hint = await page.textContent('#compare-hint');
      const range = (await hook(page, () => window.mhaDemo.compare)).range;
      assert.ok(range < 1e-5, `the same tokens attend alike up to float rounding (${range})`);
      assert.doesNotMatch(hint, /Largest changes|0\.00/, `B extends A: ${hint}`);
      assert.match(hint, /B repeats all \d+ tokens of A and goes on/);
      assert.match(hint, /A − B is 0 everywhere \(up to float rounding: largest \|A − B\| \d\.\de[+-]?\d+\)/);
      assert.match(await page.textContent('#legend'), /±0\.01/, 'rounding noise is not stretched to full colour');
      assert.deepEqual(await drawn(), [true, true]);
      // the compare JSON holds both texts and both runs
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
      const json = JSON.parse(await readFile(await download.path(), 'utf8'));
      assert.equal(json.text, SEED);
      assert.equal(json.b.text, `${SEED} and then it slept`);
      assert.deepEqual(json.b.shape.slice(2), [json.b.tokens.length, json.b.tokens.length]);
    });
  },
);

test(
  '3. after a bad model link, choosing the default model loads it; exports say there is nothing yet',
  { timeout: 90_000 },
  async (t) => {
    await demo.withUrl(
      t,
      demo.testUrl('model=../models/nope/'),
      async (page) => {
        await page.waitForFunction(() => document.querySelector('#input-message').classList.contains('error'));
        assert.match(await page.textContent('#input-message'), /Could not load the model at \.\.\/models\/nope\//);
        const picked = await page.$eval('#model-select', (s) => s.selectedOptions[0].textContent);
        assert.equal(picked, '../models/nope/', 'the picker shows the model of the link, not the default');
        for (const button of ['#export-svg', '#export-json', '#export-png']) {
          await page.click(button);
          assert.match(await page.textContent('#input-message'), /Nothing to export yet/, button);
        }
        assert.equal(await hook(page, () => window.mhaDemo.lastExport), null);
        await page.selectOption('#model-select', '0');
        await ready(page);
        const loaded = await hook(page, () => ({ name: window.mhaDemo.modelName, state: window.mhaDemo.state }));
        assert.equal(loaded.name, 'austen-gpt');
        assert.equal(loaded.state.modelUrl, '../models/austen-gpt/');
        assert.doesNotMatch(await hook(page, () => location.search), /model=/, 'the default model is not in the URL');
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
        assert.match(download.suggestedFilename(), /^attention-austen-gpt-/);
      },
      { allowConsoleErrors: true }, // the browser logs the 404 of the missing folder
    );
  },
);

test(
  '4. the file size limit is what fits in wasm memory, in the binary units the package writes',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, '', async (page) => {
      await page.click('#model-files-button');
      assert.equal(await page.textContent('#size-limit'), '3.94 GiB'); // 4 GiB less 64 MiB reserved
      const message = await hook(page, async () => {
        const { loadModelFromFiles } = await import(new URL('model-store.js', location.href).href);
        const file = (name, size) => ({ name, size });
        const files = [file('config.json', 10), file('model.safetensors', 4200 * 2 ** 20), file('vocab.json', 10)];
        return loadModelFromFiles([...files, file('merges.txt', 10)]).then(
          () => 'loaded',
          (error) => error.message,
        );
      });
      assert.equal(
        message,
        'model.safetensors is 4.1 GiB, over the 3.94 GiB whose weights can fit in wasm memory ' +
          "(the model holds its weights at about the file's size, in 4 GiB less 64 MiB reserved).",
      );
      assert.doesNotMatch(await page.textContent('#model-files-panel'), /\bMB\b/);
    });
  },
);

test(
  '5. at 390 px no view is wider than the screen, and the head view fits its box',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(
      t,
      'layer=0&head=0',
      async (page) => {
        const views = await page.$$eval('[role="tab"]', (tabs) => tabs.map((tab) => tab.dataset.view)); // every view
        for (const view of views) {
          await page.click(`#tab-${view}`);
          if (view === 'compare') await page.waitForFunction(() => window.mhaDemo.compare !== null);
          const width = await hook(page, () => document.documentElement.scrollWidth);
          assert.ok(width <= PHONE.width, `${view}: the page is ${width} px wide at ${PHONE.width} px`);
        }
        await page.click('#tab-heads');
        const box = await hook(page, () => {
          const canvas = document.querySelector('#head-canvas');
          return { canvas: canvas.getBoundingClientRect().width, box: canvas.parentElement.clientWidth };
        });
        assert.ok(box.canvas <= box.box, `head view canvas ${box.canvas} px in a ${box.box} px box`);
        // a full context: every picture of every view fits its box (nothing to scroll sideways)
        await afterUpdate(page, () => page.click('#presets button[data-preset="long"]'));
        for (const view of views) {
          await page.click(`#tab-${view}`);
          if (view === 'compare') await page.waitForFunction(() => window.mhaDemo.compare !== null);
          const sizes = await hook(
            page,
            (v) => {
              const canvases = [...document.querySelectorAll(`#view-${v} canvas`)];
              return canvases.map((c) => [
                c.id,
                Math.round(c.getBoundingClientRect().width),
                c.parentElement.clientWidth,
              ]);
            },
            view,
          );
          for (const [id, width, room] of sizes)
            assert.ok(width <= room, `${view}: #${id} is ${width} px in ${room} px`);
          assert.ok((await hook(page, () => document.documentElement.scrollWidth)) <= PHONE.width);
        }
        // and in Bengali (longer words in the hints and buttons)
        await afterUpdate(page, () => page.click('#lang-toggle [data-lang="bn"]'));
        for (const view of views) {
          await page.click(`#tab-${view}`);
          const width = await hook(page, () => document.documentElement.scrollWidth);
          assert.ok(width <= PHONE.width, `${view} in Bengali: the page is ${width} px wide`);
        }
      },
      { viewport: PHONE },
    );
  },
);

test(
  '6. a model from local files is named in the URL and a reload says so; one from a folder reloads itself',
  { timeout: 90_000 },
  async (t) => {
    let link;
    await demo.onPage(t, '', async (page) => {
      await page.click('#model-files-button');
      await afterUpdate(page, async () => page.setInputFiles('#model-files', asInputFiles(await tinyModelFiles())));
      link = await hook(page, () => location.search);
      assert.match(link, /model=files/, 'the link says the model came from files');
    });
    await demo.onPage(t, link, async (page) => {
      assert.equal(await hook(page, () => window.mhaDemo.modelName), 'austen-gpt');
      assert.match(await page.textContent('#input-message'), /made with a model read from local files/);
      // a folder on the server travels in the link
      await page.click('#model-files-button');
      assert.equal(await page.locator('#model-url').count(), 1, 'a field for a model folder');
      await page.fill('#model-url', TINY_FOLDER);
      await afterUpdate(page, () => page.click('#model-url-form button[type="submit"]'));
      assert.deepEqual((await hook(page, () => window.mhaDemo.shape)).slice(0, 2), [2, 2]);
      link = await hook(page, () => location.search);
      assert.match(link, new RegExp(`model=${encodeURIComponent(TINY_FOLDER).replace(/[.]/g, '\\.')}`));
    });
    await demo.onPage(t, link, async (page) => {
      const s = await hook(page, () => ({ name: window.mhaDemo.modelName, shape: window.mhaDemo.shape }));
      assert.equal(s.name, TINY_FOLDER);
      assert.deepEqual(s.shape.slice(0, 2), [2, 2]);
    });
  },
);

test(
  '7. text over the context keeps its end, so "Next token" follows what was typed, and says so',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, '', async (page) => {
      const nPositions = (await hook(page, () => window.mhaDemo.config)).nPositions;
      const ending = ' and at last the animal crossed the street';
      const text = await hook(
        page,
        async ([n, end]) => {
          let text = 'The';
          while ((await window.mhaDemo.tokenCount(text + end)) < n + 40) text += ' animal was tired';
          return text + end;
        },
        [nPositions, ending],
      );
      await afterUpdate(page, () => page.fill('#text-input', text));
      const s = await hook(page, () => ({ tokens: window.mhaDemo.tokens, ids: window.mhaDemo.ids }));
      const total = await hook(page, (x) => window.mhaDemo.tokenCount(x), text);
      assert.equal(s.ids.length, nPositions);
      const shown = s.tokens.join('').replace(/␣/g, ' ');
      assert.ok(text.endsWith(shown), `the page runs the end of the text: …${shown.slice(-60)}`);
      assert.ok(shown.endsWith(ending));
      const message = await page.textContent('#input-message');
      assert.match(message, new RegExp(`has ${total} tokens, more than the model's context of ${nPositions}`));
      assert.match(
        message,
        new RegExp(`uses its last ${nPositions} tokens \\(the first ${total - nPositions} are left out\\)`),
      );
      assert.match(await page.textContent('#tokens'), new RegExp(`… ${total - nPositions} tokens left out`));
    });
  },
);

test(
  '8. on a short text the chips name only heads whose score clears the chance-aware threshold',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'layer=0&head=0', async (page) => {
      await afterUpdate(page, () => page.fill('#text-input', 'The cat sat on the mat.'));
      const { nLayer } = await hook(page, () => window.mhaDemo.config);
      for (let layer = 0; layer < nLayer; ++layer) {
        await page.click(`#layer-picker button[data-layer="${layer}"]`);
        const chips = await page.$$eval('.chip .label', (labels) => labels.map((l) => l.textContent));
        const labels = await hook(page, (l) => window.mhaDemo.labels[l], layer);
        const chance = await hook(page, () => window.mhaDemo.chance);
        chips.forEach((chip, head) => {
          const label = labels[head];
          if (!chip) return assert.equal(label.label, null, `L${layer}H${head} has a label but no chip text`);
          const [, short, score, chanceText] = /^(\w+) ([\d.]+) \(chance ([\d.]+)\)/.exec(chip);
          const key = label.label;
          assert.equal(short, label.short);
          assert.equal(Number(chanceText), Number(chance[key].toFixed(2)));
          const threshold = Math.max(2 * chance[key], chance[key] + 0.3);
          assert.ok(label.score >= threshold, `L${layer}H${head} ${chip}: score over max(2 × chance, chance + 0.3)`);
          assert.equal(Number(score), Number(label.score.toFixed(2)));
        });
        // every head with a score at chance level stays unnamed
        labels.forEach((label, head) => {
          const below = Object.entries(label.scores).every(
            ([key, s]) => s === null || s < Math.max(2 * chance[key], chance[key] + 0.3),
          );
          if (below) assert.equal(chips[head], '', `L${layer}H${head} is at chance level and has no chip label`);
        });
      }
    });
  },
);

test(
  'words: "Words" merges each word\'s pieces (mean over queries, sum over keys) and says so',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'view=model&layer=1&head=2', async (page) => {
      await afterUpdate(page, () => page.click('#units-toggle'));
      assert.match(await hook(page, () => location.search), /units=words/);
      const w = await hook(page, () => {
        const d = window.mhaDemo,
          words = d.words,
          [L, H, T] = d.shape,
          W = words.tokens.length;
        const manual = (l, h, a, b) => {
          const { start, end } = words.groups[a];
          let sum = 0;
          for (let i = start; i < end; ++i)
            for (let j = words.groups[b].start; j < words.groups[b].end; ++j)
              sum += d.attention[((l * H + h) * T + i) * T + j];
          return sum / (end - start);
        };
        let worst = 0,
          rowError = 0;
        for (let l = 0; l < L; ++l)
          for (let h = 0; h < H; ++h)
            for (let a = 0; a < W; ++a) {
              let row = 0;
              for (let b = 0; b < W; ++b) {
                const merged = words.attention[((l * H + h) * W + a) * W + b];
                row += merged;
                worst = Math.max(worst, Math.abs(merged - (b <= a ? manual(l, h, a, b) : 0)));
              }
              rowError = Math.max(rowError, Math.abs(row - 1));
            }
        return { tokens: words.tokens, worst, rowError, geometry: d.geometry.large };
      });
      assert.deepEqual(w.tokens.slice(0, 3), ['The', '␣animal', "␣didn't"]);
      assert.ok(
        w.worst < 1e-6 && w.rowError < 1e-4,
        `merged = mean of sums (${w.worst}); rows sum to 1 (${w.rowError})`,
      );
      assert.equal(
        w.geometry.width,
        w.geometry.left + w.tokens.length * w.geometry.cell + 4,
        'the large map has one row per word',
      );
      assert.match(
        await page.textContent('#legend'),
        /a row is the mean over the query word's pieces, a cell the sum over the key word's pieces/,
      );
      await afterUpdate(page, () => page.click('#units-toggle'));
      assert.equal(await hook(page, () => window.mhaDemo.words), null);
    });
  },
);

test(
  'numbers beside the per-head bars; exports carry a caption and the head-colour key',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'layer=0&head=0', async (page) => {
      const g = await hook(page, () => window.mhaDemo.geometry.headView);
      const i = (await hook(page, () => window.mhaDemo.tokens)).length - 2;
      await page.mouse.move(g.canvasLeft + g.xLeftText - 5, g.canvasTop + g.top + (i + 0.5) * g.row);
      const bars = await hook(
        page,
        (q) => {
          const d = window.mhaDemo,
            [, H, T] = d.shape;
          const expected = [];
          for (let j = 0; j <= q; ++j) {
            let top = d.visibleHeads[0];
            for (const h of d.visibleHeads)
              if (d.attention[(h * T + q) * T + j] > d.attention[(top * T + q) * T + j]) top = h;
            expected.push({ index: j, head: top, text: d.attention[(top * T + q) * T + j].toFixed(2) });
          }
          return { printed: d.headView.barNumbers, expected, H };
        },
        i,
      );
      assert.deepEqual(bars.printed, bars.expected, 'the largest weight of each key, in its head');
      // lock the query, then click the bar of key 1: that weight is explained, for the head whose number is printed
      await page.mouse.click(g.canvasLeft + g.xLeftText - 5, g.canvasTop + g.top + (i + 0.5) * g.row);
      await page.mouse.click(g.canvasLeft + g.xRightText + g.label + 12, g.canvasTop + g.top + 1.5 * g.row);
      await page.waitForFunction(() => window.mhaDemo.explained); // q, k and v come from the model's worker
      const explained = await hook(page, () => window.mhaDemo.explained);
      assert.deepEqual([explained.layer, explained.head, explained.i, explained.j], [0, bars.expected[1].head, i, 1]);
      assert.equal(explained.shown.toFixed(2), bars.expected[1].text);
      assert.deepEqual((await hook(page, () => window.mhaDemo.state)).lock, { side: 'q', index: i }, 'the lock stays');
      const save = async () => {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
        return readFile(await download.path(), 'utf8');
      };
      const svg = await save();
      assert.ok(
        svg.includes(`austen-gpt · heads view · layer 0 · every head · &quot;${SEED}&quot;`),
        svg.slice(0, 400),
      );
      assert.equal((svg.match(/<circle /g) ?? []).length, bars.H, 'one key entry per head');
      for (let h = 0; h < bars.H; ++h) assert.ok(svg.includes(`>H${h}</text>`));
      await page.click('#tab-model');
      const grid = await save();
      // the explained weight's head is the one opened large (which head that is depends on the model's weights)
      const caption = `austen-gpt · model view · layer 0 · every head, head ${bars.expected[1].head} large`;
      assert.ok(grid.includes(caption), `${caption} in ${grid.slice(0, 400)}`);
      assert.equal((grid.match(/<circle /g) ?? []).length, bars.H);
    });
  },
);
