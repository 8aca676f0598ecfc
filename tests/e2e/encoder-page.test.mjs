// The page with encoders (issue 13), in headless Chromium: no causal triangle anywhere, [CLS]/[SEP] marked and
// hideable (kept in the URL), a note or [MASK] guesses instead of next-token predictions, bidirectional head
// scores, and with all-MiniLM-L6-v2 the seed pair's "it" row changing in Compare and the measured table.
// The tiny random BERT of tests/fixtures/encoders/ needs nothing outside the repository; the MiniLM tests
// skip when scripts/setup.sh has not cached the model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { cachedModelDir, depsDir } from '../../scripts/cached-models.mjs';
import { MASKED_RGB } from '../../web/colors.js';
import { afterUpdate, ready, SEED, useDemoPage } from './demo-page.mjs';

const demo = useDemoPage();
const hook = (page, expression, arg) => page.evaluate(expression, arg);
// A random DistilBertForMaskedLM, 2 layers x 4 heads, relative to /web/ (served by the repository server). It has
// tokenizer.json beside vocab.txt: the encoder loader asks for both, and bert-tiny's absent tokenizer.json would
// log a 404 in the console, which withPage counts as an error.
const TINY_BERT = '../tests/fixtures/encoders/distilbert-tiny/';
const MINILM = 'all-MiniLM-L6-v2';
const minilmMissing =
  !process.env.MHA_DEMO_ROOT && !cachedModelDir(MINILM)
    ? `${MINILM} is not cached in ${depsDir()}/models/ (scripts/setup.sh fetches it); the page cannot offer it`
    : false;
const measured = JSON.parse(readFileSync(new URL(`../../models/${MINILM}.it-attention.json`, import.meta.url)));

/** Row i of head (layer, head) of the page's run: [T] weights. */
const rowOf = (page, layer, head, i) =>
  hook(
    page,
    ({ layer, head, i }) => {
      const { attention, shape, config } = window.mhaDemo;
      const T = shape[2];
      return Array.from(
        attention.subarray(
          ((layer * config.nHead + head) * T + i) * T,
          ((layer * config.nHead + head) * T + i + 1) * T,
        ),
      );
    },
    { layer, head, i },
  );

/** The RGB of the large heatmap's cell (i, j), read from its canvas at the cell's centre. */
const largeCellColor = (page, i, j) =>
  hook(
    page,
    ({ i, j }) => {
      const g = window.mhaDemo.geometry.large;
      const canvas = document.getElementById('large-canvas');
      const dpr = canvas.width / parseFloat(canvas.style.width);
      const x = Math.floor((g.left + (j + 0.5) * g.cell) * dpr),
        y = Math.floor((g.top + (i + 0.5) * g.cell) * dpr);
      return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
    },
    { i, j },
  );

const near = (a, b, tolerance = 3) => a.every((x, n) => Math.abs(x - b[n]) <= tolerance);

test(
  'a tiny random encoder renders with no causal triangle: row 0 attends past column 0, no masked cell or words',
  { timeout: 120_000 },
  async (t) => {
    await demo.onPage(t, `model=${TINY_BERT}&view=model&layer=1&head=2&cell=0,5`, async (page) => {
      assert.equal(await hook(page, () => window.mhaDemo.causal), false);
      const tokens = await hook(page, () => window.mhaDemo.tokens);
      const T = tokens.length;
      assert.deepEqual([tokens[0], tokens.at(-1), T], ['[CLS]', '[SEP]', 14]);
      // [CLS] (query 0) sees every key: its row sums to 1 and most of it lies past column 0
      const row = await rowOf(page, 1, 2, 0);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      assert.ok(row.slice(1).reduce((a, b) => a + b, 0) > 0.5, `row 0 past column 0: ${row}`);
      // the top-right cell is painted as a weight, not in the masked grey (with or without hatching)
      const corner = await largeCellColor(page, 0, T - 1);
      assert.ok(!near(corner, MASKED_RGB, 12), `cell (0, ${T - 1}) has the masked colour ${corner}`);
      const legend = await page.textContent('#legend');
      assert.match(legend, /no mask, every token sees every token/);
      assert.doesNotMatch(legend, /masked \(future\)/);
      assert.equal(await page.isVisible('#view-model [data-causal-only]'), false, 'no "hatched = masked" in the hint');
      // explaining a cell above the diagonal: allowed, normalised over all T keys, and it reproduces the weight
      await page.waitForFunction(() => window.mhaDemo.explained !== null);
      const e = await hook(page, () => window.mhaDemo.explained);
      assert.deepEqual([e.i, e.j, e.masked, e.keys], [0, 5, false, T]);
      assert.ok(e.weight > 0 && Math.abs(e.weight - e.shown) < 1e-4, `explained ${e.weight} vs page ${e.shown}`);
      assert.match(await page.textContent('#explain'), /encoder: no mask, every key is visible/);
      assert.match(await page.textContent('#explain'), new RegExp(`over all ${T} keys`));
      // bidirectional scores: chance uniform over the T positions, no induction, a next-token score
      const chance = await hook(page, () => window.mhaDemo.chance);
      assert.ok(Math.abs(chance.previous - 1 / T) < 1e-12 && Math.abs(chance.next - 1 / T) < 1e-12);
      assert.equal(chance.induction, undefined);
      const score = await hook(page, () => window.mhaDemo.labels[1][2].scores);
      const expectedNext = (await Promise.all(Array.from({ length: T - 1 }, (_, i) => rowOf(page, 1, 2, i)))).reduce(
        (sum, r, i) => sum + r[i + 1] / (T - 1),
        0,
      );
      assert.ok(Math.abs(score.next - expectedNext) < 1e-6, `next-token score ${score.next} vs ${expectedNext}`);
    });
  },
);

test(
  'a tiny encoder: [CLS]/[SEP] marked, hidden by the toggle (rows dropped and renormalised, kept in the URL); [MASK] guesses',
  { timeout: 120_000 },
  async (t) => {
    await demo.onPage(t, `model=${TINY_BERT}&view=heads&layer=0&head=1`, async (page) => {
      assert.deepEqual(await page.$$eval('#tokens span.special', (chips) => chips.map((c) => c.textContent)), [
        '[CLS]',
        '[SEP]',
      ]);
      assert.deepEqual(await hook(page, () => window.mhaDemo.special), [1, ...new Array(12).fill(0), 1]);
      assert.match(await page.textContent('#legend'), /\[CLS\] \[SEP\] special tokens/);
      // no LM-free message: this fixture has an MLM head, so the panel asks for a [MASK]
      assert.equal(await hook(page, () => window.mhaDemo.predictionKind), 'masked');
      assert.equal(await page.textContent('#predict-title'), '[MASK] guesses');
      assert.match(await page.textContent('#predict-note'), /type \[MASK\] in the text/);
      assert.equal(await page.isVisible('#predict-note'), true);
      const full = await hook(page, () => Array.from(window.mhaDemo.attention));
      await afterUpdate(page, () => page.click('#special-toggle'));
      assert.match(page.url(), /[?&]special=hide(&|$)/);
      const shown = await hook(page, () => {
        const s = window.mhaDemo.shown;
        return { ...s, attention: Array.from(s.attention) };
      });
      assert.equal(shown.T, 12);
      assert.ok(!shown.tokens.includes('[CLS]') && !shown.tokens.includes('[SEP]'));
      // layer 0 head 1, shown row 3 = the run's row 4 without columns 0 and 13, divided by what it kept
      const T = 14,
        nHead = 4;
      const fullRow = full.slice(((0 * nHead + 1) * T + 4) * T, ((0 * nHead + 1) * T + 5) * T);
      const kept = fullRow.slice(1, 13),
        sum = kept.reduce((a, b) => a + b, 0);
      const shownRow = shown.attention.slice(((0 * nHead + 1) * 12 + 3) * 12, ((0 * nHead + 1) * 12 + 4) * 12);
      shownRow.forEach((w, n) =>
        assert.ok(Math.abs(w - kept[n] / sum) < 1e-6, `shown[3][${n}] ${w} vs ${kept[n] / sum}`),
      );
      assert.ok(shown.removed > 0 && shown.removed < 1);
      assert.match(await page.textContent('#legend'), /hidden: their rows and columns dropped, each row renormalised/);
      assert.deepEqual(await page.$$eval('#tokens span.special:not([data-index])', (c) => c.length), 2);
      // the address keeps it: a reload opens with the special tokens hidden
      await page.goto(demo.testUrl(new URL(page.url()).search));
      await ready(page);
      assert.equal(await hook(page, () => window.mhaDemo.state.special), 'hide');
      assert.equal(await hook(page, () => window.mhaDemo.shown.T), 12);
      assert.equal(await page.getAttribute('#special-toggle', 'aria-pressed'), 'true');
      // a query's lines and bars reach every key, after it too: 12 bars for the first shown token ("the")
      await page.click('#tokens span[data-index="0"]');
      assert.deepEqual(await hook(page, () => window.mhaDemo.state.lock), { side: 'q', index: 0 });
      assert.equal((await hook(page, () => window.mhaDemo.headView.barNumbers)).length, 12);
      // a [MASK] in the text: five guesses for it, most likely first; WordPiece pieces shown with "·"
      await afterUpdate(page, () => page.fill('#text-input', "The animal didn't cross the [MASK], unbelievably."));
      const guesses = await hook(page, () => window.mhaDemo.predictions);
      assert.equal(guesses.length, 5);
      for (let n = 1; n < 5; ++n) assert.ok(guesses[n - 1].probability >= guesses[n].probability);
      assert.equal(await page.$$eval('#predictions li', (items) => items.length), 5);
      const tokens = await hook(page, () => window.mhaDemo.tokens);
      assert.deepEqual(tokens.slice(-8, -2), ['un', '·b', '·el', '·ie', '·v', '·ably']);
      // "Words" joins the "##" pieces into one word; [CLS]/[SEP] stay hidden
      await afterUpdate(page, () => page.click('#units-toggle'));
      const words = await hook(page, () => window.mhaDemo.shown.tokens);
      assert.deepEqual(words.slice(-3), [',', 'un·b·el·ie·v·ably', '.']);
      assert.ok(!words.includes('[CLS]') && !words.includes('[SEP]'));
    });
  },
);

test(
  'a GPT-2 page is unchanged: the masked triangle is grey and the legend names it',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'view=model&layer=0&head=0', async (page) => {
      assert.equal(await hook(page, () => window.mhaDemo.causal), true);
      const T = await hook(page, () => window.mhaDemo.tokens.length);
      const corner = await largeCellColor(page, 0, T - 1);
      assert.ok(near(corner, MASKED_RGB, 40), `cell (0, ${T - 1}) should be the masked grey (or its hatch): ${corner}`);
      assert.match(await page.textContent('#legend'), /masked \(future\)/);
      assert.equal(await page.isHidden('#special-toggle'), true);
      assert.equal(await page.textContent('#predict-title'), 'Next token');
      assert.equal(await page.isVisible('#predict-note'), false);
    });
  },
);

test(
  `${MINILM} through the picker: no causal triangle, special tokens, no predictions but a note, the measured table`,
  { timeout: 180_000, skip: minilmMissing },
  async (t) => {
    await demo.onPage(t, 'view=model&layer=3&head=1', async (page) => {
      await afterUpdate(page, () => page.selectOption('#model-select', { label: MINILM }));
      await page.waitForFunction((name) => window.mhaDemo.modelName === name && window.mhaDemo.ready, MINILM);
      assert.equal(await hook(page, () => window.mhaDemo.causal), false);
      const tokens = await hook(page, () => window.mhaDemo.tokens);
      assert.equal(tokens.join(' '), "[CLS] the animal didn ' t cross the street because it was tired [SEP]");
      const row = await rowOf(page, 0, 0, 0);
      assert.ok(row.slice(1).reduce((a, b) => a + b, 0) > 0.01, `row 0 past column 0: ${row}`);
      assert.deepEqual(await page.$$eval('#tokens span.special', (chips) => chips.map((c) => c.textContent)), [
        '[CLS]',
        '[SEP]',
      ]);
      assert.equal(await hook(page, () => window.mhaDemo.predictionKind), null);
      assert.equal(await page.textContent('#predict-title'), 'Predictions');
      assert.match(await page.textContent('#predict-note'), /no language-model head/);
      assert.equal(await page.isVisible('#predict-note'), true);
      assert.equal(await page.$$eval('#predictions li', (items) => items.length), 0);
      // the measured table: L3H3 first (10/10 pairs moved, shift 0.218), as in models/all-MiniLM-L6-v2.md
      assert.equal(await page.isVisible('#about-card'), true);
      const first = await page.$$eval('#about-model tbody tr:first-child > *', (cells) =>
        cells.map((c) => c.textContent),
      );
      const l3h3 = measured.heads.find((h) => h.layer === 3 && h.head === 3);
      assert.deepEqual(first.slice(0, 3), ['L3H3', `${l3h3.moves}/10`, l3h3.shift.toFixed(3)]);
      assert.deepEqual(first.slice(0, 3), ['L3H3', '10/10', '0.218']);
      // a row opens its head; the line under the table gives the seed pair's numbers for it
      await page.click('#about-model tr[data-layer="3"][data-head="1"]');
      assert.deepEqual(await hook(page, () => [window.mhaDemo.state.layer, window.mhaDemo.state.head]), [3, 1]);
      assert.match(
        await page.textContent('#about-model [data-seed]'),
        /L3H1 in the seed pair.*0\.659 \/ 0\.045 with “tired”, 0\.309 \/ 0\.164 with “wide”/,
      );
      assert.match(await page.textContent('#about-model'), /chance 0\.083/);
      // hiding [CLS]/[SEP] with MiniLM keeps in the URL too
      await afterUpdate(page, () => page.click('#special-toggle'));
      assert.match(page.url(), /special=hide/);
      assert.equal(await hook(page, () => window.mhaDemo.shown.T), tokens.length - 2);
    });
  },
);

test(
  `the ${MINILM} tired / wide preset: Compare shows the row of "it" changing and names the largest changes`,
  { timeout: 180_000, skip: minilmMissing },
  async (t) => {
    await demo.onPage(t, '', async (page) => {
      await page.click('[data-preset="encoder-pair"]');
      await page.waitForFunction(
        (name) => window.mhaDemo.modelName === name && window.mhaDemo.ready && window.mhaDemo.compare !== null,
        MINILM,
        { timeout: 60_000 },
      );
      const state = await hook(page, () => window.mhaDemo.state);
      assert.deepEqual([state.view, state.text, state.textB], ['compare', SEED, SEED.replace('tired', 'wide')]);
      const c = await hook(page, () => window.mhaDemo.compare);
      const tokens = await hook(page, () => window.mhaDemo.tokens);
      const it = tokens.indexOf('it');
      assert.equal(it, 10);
      // the row of "it" differs (a causal model's would be identical: "tired" / "wide" come after it)
      assert.ok(c.rowMaxAbs[it] > 0.3, `largest |A − B| in the row of "it": ${c.rowMaxAbs[it]}`);
      // the largest change on shared tokens: L3H1, "it" -> "animal", as the measured table has it
      const top = c.shared[0];
      const index = 3 * 12 + 1;
      const tired = measured.sentences[0].right[index],
        wide = measured.sentences[1].wrong[index]; // "animal" is the antecedent with "tired", the other with "wide"
      assert.deepEqual([top.layer, top.head, top.query, top.key], [3, 1, 'it', 'animal']);
      assert.ok(Math.abs(top.a - tired) < 2e-3 && Math.abs(top.b - wide) < 2e-3, `${top.a} → ${top.b}`);
      assert.match(c.hint, /Largest changes on shared tokens \(A → B\): L3H1 "it" → "animal" 0\.66 → 0\.31/);
      assert.match(await page.textContent('#compare-hint'), /every token sees every other one/);
      // no predictions: the panel gives the cosine of the two sentence embeddings instead
      // (0.818 = embed(A) · embed(B) through the package in Node)
      assert.match(await page.textContent('#predict-note'), /Cosine of A and B: 0\.818\./);
      // hidden [CLS]/[SEP]: A and B are compared over their 12 own tokens, rows renormalised
      await afterUpdate(page, () => page.click('#special-toggle'));
      const hidden = await hook(page, () => window.mhaDemo.compare);
      assert.equal(hidden.T, 12);
      const special = (token) => token === '[CLS]' || token === '[SEP]';
      assert.ok(hidden.shared.every((x) => !special(x.query) && !special(x.key)));
      assert.doesNotMatch(hidden.hint, /\[SEP\]|\[CLS\]/);
      assert.ok(hidden.rowMaxAbs[it - 1] > 0.3, `the row of "it" (now at ${it - 1}): ${hidden.rowMaxAbs[it - 1]}`);
    });
  },
);
