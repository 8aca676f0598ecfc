// What a learner needed beyond the defects (issue 16), in headless Chromium on the bundled model: Compare
// aligned by tokens. Numbers come from the page's test hook (window.mhaDemo, ?test=1) and the DOM.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { afterUpdate, SEED, useDemoPage } from './demo-page.mjs';

const demo = useDemoPage();
const hook = (page, expression, arg) => page.evaluate(expression, arg);

test('compare aligns by tokens: a word inserted in B keeps every later token on its own row', { timeout: 90_000 }, async (t) => {
  const b = SEED.replace('the street', 'the busy street');
  await demo.onPage(t, `view=compare&b=${encodeURIComponent(b)}`, async (page) => {
    await page.waitForFunction(() => window.mhaDemo.compare !== null);
    const c = await hook(page, () => window.mhaDemo.compare);
    const tokensA = await hook(page, () => window.mhaDemo.tokens);
    const inserted = c.tokensB.findIndex((token) => /busy/.test(token));
    assert.ok(inserted > 0, `B's tokens: ${c.tokensB}`);
    // every token of A is matched with the same token of B; after "busy" B's index is A's + the inserted pieces
    assert.equal(c.T, tokensA.length);
    const extra = c.tokensB.length - tokensA.length;
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
    assert.match(await page.textContent('#compare-tokens-b .inserted'), /busy/);
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
});
