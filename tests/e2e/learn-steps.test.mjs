// What a learner needed beyond the defects (issue 16), in headless Chromium on the bundled model: Compare
// aligned by tokens. Numbers come from the page's test hook (window.mhaDemo, ?test=1) and the DOM.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { afterUpdate, SEED, useDemoPage } from './demo-page.mjs';

const demo = useDemoPage();
const hook = (page, expression, arg) => page.evaluate(expression, arg);

test(
  'compare aligns by tokens: a word inserted in B keeps every later token on its own row',
  { timeout: 90_000 },
  async (t) => {
    const b = SEED.replace('the street', 'the busy street');
    await demo.onPage(t, `view=compare&b=${encodeURIComponent(b)}`, async (page) => {
      await page.waitForFunction(() => window.mhaDemo.compare !== null);
      const c = await hook(page, () => window.mhaDemo.compare);
      const tokensA = await hook(page, () => window.mhaDemo.tokens);
      // B's pieces of " busy" (however this model splits it) start where B first departs from A
      const inserted = c.tokensB.findIndex((token, n) => token !== tokensA[n]);
      const extra = c.tokensB.length - tokensA.length;
      assert.equal(c.tokensB.slice(inserted, inserted + extra).join(''), '␣busy', `B's tokens: ${c.tokensB}`);
      // every token of A is matched with the same token of B; after "busy" B's index is A's + the inserted pieces
      assert.equal(c.T, tokensA.length);
      for (const [a, bIndex] of c.pairs) {
        assert.equal(tokensA[a], c.tokensB[bIndex]);
        assert.equal(bIndex, a < inserted ? a : a + extra);
      }
      assert.deepEqual(c.deleted, new Array(tokensA.length).fill(false));
      assert.deepEqual(
        c.inserted.map((mark, n) => (mark ? n : -1)).filter((n) => n >= 0),
        Array.from({ length: extra }, (_, k) => inserted + k),
      );
      assert.match(c.hint, new RegExp(`over ${tokensA.length} aligned tokens \\(${extra} only in B \\(inserted\\)\\)`));
      const insertedText = await page.$$eval('#compare-tokens-b .inserted', (marks) =>
        marks.map((mark) => mark.textContent).join(''),
      );
      assert.match(insertedText, /busy/);
      // causal: rows before the insertion attend alike; the row of "street" (after it) is compared with B's "street"
      for (let i = 0; i < inserted; ++i) assert.equal(c.rowMaxAbs[i], 0, `row ${i} precedes the insertion`);
      const street = tokensA.findIndex((token) => /street/.test(token));
      assert.ok(c.rowMaxAbs[street] > 0 && c.rowMaxAbs[street] < 1, `row of "street": ${c.rowMaxAbs[street]}`);
      // "did not" vs "didn't": whatever the pieces, the tokens after the edit stay matched with their own
      await afterUpdate(page, () => page.fill('#text-b', SEED.replace("didn't", 'did not')));
      const d = await hook(page, () => window.mhaDemo.compare);
      const cross = tokensA.findIndex((token) => /cross/.test(token));
      const after = d.pairs.filter(([a]) => a >= cross);
      assert.equal(after.length, tokensA.length - cross);
      for (const [a, bIndex] of after) assert.equal(tokensA[a], d.tokensB[bIndex]);
      assert.ok(d.ops.slice(-after.length).every((x) => x.op === 'same'));
    });
  },
);

const STEP_ORDER = ['embed', 'project', 'scores', 'scale', 'mask', 'softmax', 'weighted', 'concat', 'output'];

test(
  'step by step: the walkthrough softmax equals the page attention, in order, in both languages',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'view=steps&layer=1&head=2&lock=q8', async (page) => {
      await page.waitForFunction(() => window.mhaDemo.steps !== null);
      const s = await hook(page, () => window.mhaDemo.steps);
      assert.deepEqual([s.i, s.layer, s.head], [8, 1, 2]);
      assert.deepEqual(s.steps, STEP_ORDER);
      const row = await hook(
        page,
        ({ layer, head, i }) => {
          const { attention, T } = window.mhaDemo.shown;
          const nHead = window.mhaDemo.config.nHead;
          return Array.from(
            attention.slice(((layer * nHead + head) * T + i) * T, ((layer * nHead + head) * T + i + 1) * T),
          );
        },
        s,
      );
      assert.equal(s.weights.length, 9, 'a causal query 8 sees keys 0..8');
      for (const [j, w] of s.weights.entries())
        assert.ok(Math.abs(w - row[j]) < 1e-6, `key ${j}: ${w} vs page ${row[j]}`);
      for (const w of row.slice(9)) assert.equal(w, 0);
      const titles = () =>
        page.$$eval('#steps-list > li', (items) =>
          items.map((li) => [li.dataset.step, li.querySelector('h4').textContent]),
        );
      const en = await titles();
      assert.deepEqual(
        en.map(([id]) => id),
        STEP_ORDER,
      );
      assert.ok(
        en.every(([, title]) => /^\d\. [A-Za-z]/.test(title)),
        JSON.stringify(en),
      );
      assert.match(await page.textContent('#steps-list [data-step="project"]'), /256 × 32/);
      // step 1 shows the token's row of the embedding matrix once the page has read it (d_model numbers)
      await page.waitForFunction(() => window.mhaDemo.steps.embedding !== null);
      const embedding = (await hook(page, () => window.mhaDemo.steps)).embedding;
      assert.equal(embedding.length, 256);
      assert.ok(embedding.some((x) => x !== 0));
      assert.match(await page.textContent('#steps-list [data-step="embed"]'), /e = \[-?\d/);
      // hovering a step highlights where it is on the page; "show" opens the view that draws it
      await page.hover('#steps-list [data-step="embed"] h4');
      assert.equal(
        await page.getAttribute('#tokens [data-index="8"]', 'class').then((c) => /step-highlight/.test(c)),
        true,
      );
      await afterUpdate(page, () => page.click('#lang-toggle [data-lang="bn"]'));
      const bn = await titles();
      assert.deepEqual(
        bn.map(([id]) => id),
        STEP_ORDER,
      );
      for (const [n, [, title]] of bn.entries()) {
        assert.match(title, /[\u0980-\u09FF]/, `step ${n} in Bengali`);
        assert.notEqual(title, en[n][1]);
      }
      await page.click('#steps-list [data-show="softmax"]');
      const state = await hook(page, () => window.mhaDemo.state);
      const top = s.weights.indexOf(Math.max(...s.weights));
      assert.deepEqual([state.view, state.cell], ['model', { i: 8, j: top }]);
    });
  },
);

test(
  'three kinds of head: the best head of each kind against chance, from the page attention',
  { timeout: 90_000 },
  async (t) => {
    await demo.onPage(t, 'view=kinds', async (page) => {
      await page.waitForFunction(() => window.mhaDemo.kinds && !window.mhaDemo.kinds.semantic.missing, null, {
        timeout: 30_000,
      });
      const k = await hook(page, () => window.mhaDemo.kinds);
      const { tokens, attention, T, nLayer, nHead } = await hook(page, () => ({
        ...window.mhaDemo.shown,
        nLayer: window.mhaDemo.config.nLayer,
        nHead: window.mhaDemo.config.nHead,
      }));
      // pronoun: "it" -> "animal" (tired); the best head is the largest weight from "it" on "animal" of every head
      // (a word's weight is the sum over the model's pieces of it)
      const piecesOf = (word) => {
        for (let start = 0; start < tokens.length; ++start)
          for (let end = start + 1; end <= tokens.length; ++end)
            if (tokens.slice(start, end).join('') === word)
              return Array.from({ length: end - start }, (_, n) => start + n);
        return [];
      };
      const it = tokens.indexOf('␣it'),
        animal = piecesOf('␣animal'),
        street = piecesOf('␣street');
      assert.ok(it > 0 && animal.length && street.length, tokens.join('|'));
      assert.deepEqual(k.pronoun.words, { pronoun: 'it', antecedent: 'animal', other: 'street' });
      const weight = (m, i, j) =>
        Array.isArray(j) ? j.reduce((sum, n) => sum + weight(m, i, n), 0) : attention[(m * T + i) * T + j];
      let best = 0;
      for (let m = 1; m < nLayer * nHead; ++m) if (weight(m, it, animal) > weight(best, it, animal)) best = m;
      assert.deepEqual([k.pronoun.best.layer, k.pronoun.best.head], [Math.floor(best / nHead), best % nHead]);
      assert.ok(Math.abs(k.pronoun.best.score - weight(best, it, animal)) < 1e-6);
      assert.ok(Math.abs(k.pronoun.best.other - weight(best, it, street)) < 1e-6);
      assert.ok(
        Math.abs(k.pronoun.chance - animal.length / (it + 1)) < 1e-9,
        "the antecedent's pieces of the keys it sees",
      );
      // every kind is measured, named, and its verdict agrees with its threshold
      for (const kind of ['syntax', 'pronoun', 'semantic']) {
        const r = k[kind];
        assert.ok(r.best && r.chance > 0 && r.chance < 1, kind);
        assert.equal(r.clears, r.best.score >= r.threshold, kind);
        const verdict = await page.getAttribute(`#kinds-list [data-kind="${kind}"] [data-verdict]`, 'data-verdict');
        assert.equal(verdict, r.clears ? 'clears' : 'none');
        const text = await page.textContent(`#kinds-list [data-kind="${kind}"]`);
        assert.match(text, r.clears ? /does it best/ : /No head clears chance by the threshold/);
        assert.ok(text.includes(r.chance.toFixed(3)), `${kind}: chance beside the score`);
      }
      await afterUpdate(page, () => page.click('#lang-toggle [data-lang="bn"]'));
      assert.match(await page.textContent('#kinds-list [data-kind="pronoun"] h4'), /সর্বনাম/);
      // a head's button opens it in the model view
      await page.click('#kinds-list [data-kind="pronoun"] button[data-layer]');
      const state = await hook(page, () => window.mhaDemo.state);
      assert.deepEqual([state.view, state.layer, state.head], ['model', k.pronoun.best.layer, k.pronoun.best.head]);
    });
  },
);
