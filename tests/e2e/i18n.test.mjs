// The page in Bengali and English (issue 16), in headless Chromium: the toggle switches every label, hint,
// legend and explanation, the language is kept in the address (lang=bn), and after switching to Bengali no
// Latin-script word is left in what a person reads (text and title / aria-label / placeholder), except token
// text (marked data-raw), code and formulas, numbers, model names and a short list of names and symbols.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { afterUpdate, PHONE, ready, useDemoPage } from './demo-page.mjs';

const demo = useDemoPage();

// Latin words a Bengali page keeps: product, model family and format names, the math's symbols, key names, the English
// words the seed sentences' notes quote, and unit symbols.
const KEPT = [
  'GPT-2', 'GPT', 'BERT', 'WebAssembly', 'SIMD', 'C', 'mha-wasm', 'wasm', 'PNG', 'SVG', 'JSON', 'CLS', 'SEP', 'MASK',
  'A', 'B', 'I', 'Q', 'K', 'V', 'W', 'O', 'M', 'x', 'e', 'i', 'j', 'm', 'h', 'd_model', 'd_k', 'd_v', 'LayerNorm',
  'Hugging', 'Face', 'DistilBERT', 'Llama', 'Qwen2', 'Mistral', 'F32', 'F16', 'WordPiece', 'Esc', 'Enter', 'S', 'ms', 'MiB', 'GiB', 'it', 'tired', 'wide',
]; // prettier-ignore

/** The Latin words of what a person can read on the page now, outside token text, code and formulas. */
function latinWords(kept) {
  const names = [...document.querySelectorAll('#model-select option')].map((o) => o.textContent);
  const allowed = new Set([...kept, ...names]);
  const word = /[A-Za-z_](?:[A-Za-z0-9_'’]|-(?=[A-Za-z0-9]))*/g;
  // single letters are the math's variables (q, k, v, d, s, a, z, x)
  const isAllowed = (w) =>
    allowed.has(w) || /^[A-Za-z]$/.test(w) || /^(L\d+)?H\d+$/.test(w) || /^L\d+$/.test(w) || /^e-?\d+$/.test(w);
  const skip = (element) => element.closest('[data-raw], code, .formula, sub, sup, option, script, style, textarea');
  const visible = (element) => element.getClientRects().length > 0 && !element.closest('[hidden]');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || skip(parent) || !visible(parent)) continue;
    for (const w of node.textContent.match(word) ?? []) if (!isAllowed(w)) found.push(`${w} in "${node.textContent}"`);
  }
  for (const element of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (skip(element) || element.id === 'timing' || element.id === 'model-url') continue; // the package's reason; a path
    for (const name of ['title', 'aria-label', 'placeholder']) {
      if (name === 'title' && element.hasAttribute('data-raw-title')) continue; // a preset's text
      for (const w of element.getAttribute(name)?.match(word) ?? [])
        if (!isAllowed(w)) found.push(`${w} in ${name} "${element.getAttribute(name)}"`);
    }
  }
  return found;
}

test(
  'the language toggle switches every label to Bengali and back, and lang=bn is kept in the address',
  { timeout: 120_000 },
  async (t) => {
    await demo.onPage(t, 'view=heads&lock=q8', async (page) => {
      assert.equal(await page.textContent('#tab-heads'), 'Head view');
      await afterUpdate(page, () => page.click('#lang-toggle [data-lang="bn"]'));
      await page.waitForFunction(() => new URLSearchParams(location.search).get('lang') === 'bn');
      assert.equal(await page.getAttribute('html', 'lang'), 'bn');
      assert.equal(await page.textContent('#tab-heads'), 'হেড ভিউ');
      assert.equal(await page.getAttribute('#lang-toggle [data-lang="bn"]', 'aria-pressed'), 'true');
      await page.click('#model-files-button'); // the files panel too
      const views = await page.$$eval('[role="tab"]', (tabs) => tabs.map((tab) => tab.dataset.view)); // every view
      assert.ok(views.length >= 5, views.join());
      for (const view of views) {
        await page.click(`#tab-${view}`);
        await ready(page);
        const left = await page.evaluate(latinWords, KEPT);
        assert.deepEqual(left, [], `${view} view in Bengali`);
      }
      // an explained weight and the words option
      await page.click('#tab-model');
      await page.focus('#large-canvas');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.mhaDemo.explained !== null);
      assert.match(await page.textContent('#explain'), /সফটম্যাক্স/);
      await afterUpdate(page, () => page.click('#units-toggle'));
      assert.deepEqual(await page.evaluate(latinWords, KEPT), [], 'model view with words, explain panel');
      // back to English: the same labels as before
      await afterUpdate(page, () => page.click('#lang-toggle [data-lang="en"]'));
      assert.equal(await page.textContent('#tab-heads'), 'Head view');
      assert.equal(await page.textContent('#predict-title'), 'Next token');
      assert.ok(!new URLSearchParams(await page.evaluate(() => location.search)).has('lang'));
    });
  },
);

test(
  'a link with lang=bn opens in Bengali, and the Bengali seed pair compares at phone width',
  { timeout: 120_000 },
  async (t) => {
    await demo.onPage(
      t,
      'lang=bn&view=compare',
      async (page) => {
        assert.equal(await page.textContent('#tab-compare'), 'তুলনা');
        assert.match(await page.textContent('#legend'), /B-তে বেশি/);
        await afterUpdate(page, () => page.click('[data-preset="pair-bn"]'));
        const state = await page.evaluate(() => window.mhaDemo.state);
        assert.match(state.text, /ক্লান্ত/);
        assert.match(state.textB, /চওড়া/);
        assert.deepEqual(await page.evaluate(latinWords, KEPT), []);
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width);
      },
      { viewport: PHONE },
    );
  },
);
