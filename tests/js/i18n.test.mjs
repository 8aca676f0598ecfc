// The page's two catalogues (web/i18n.js): every key in both languages with the same placeholders, Bengali
// text in the Bengali one, and no user-visible English sentence in the page's code outside the catalogue
// (a string literal of three or more English words is taken for one). The Chromium side
// (tests/e2e/i18n.test.mjs) checks the rendered page.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { CATALOGUES, LANGUAGES, setLanguage, t } from '../../web/i18n.js';
import { STORY } from '../../web/preset-texts.js';
import { COMPARE_PAIR, PRESETS } from '../../web/state.js';

const placeholders = (value) => {
  if (typeof value === 'function') return ['(function)'];
  return [...value.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
};
// keys whose wording needs another parameter in one language (the English caption names the view's id)
const OWN_PLACEHOLDERS = new Set(['export.caption']);
const BENGALI = /[\u0980-\u09FF]/;
// values that are the same symbols in both languages
const SYMBOLS = new Set(['compare.b', 'model.listError']);

test('every key has both languages, the same placeholders, and Bengali text in Bengali', () => {
  const en = CATALOGUES.en,
    bn = CATALOGUES.bn;
  assert.deepEqual(LANGUAGES, ['en', 'bn']);
  assert.deepEqual(Object.keys(bn).sort(), Object.keys(en).sort(), 'the same keys');
  for (const key of Object.keys(en)) {
    for (const lang of LANGUAGES) {
      const value = CATALOGUES[lang][key];
      assert.ok(typeof value === 'function' || (typeof value === 'string' && value.trim()), `${lang} ${key} is empty`);
    }
    if (!OWN_PLACEHOLDERS.has(key))
      assert.deepEqual(placeholders(bn[key]), placeholders(en[key]), `placeholders of ${key}`);
    if (typeof bn[key] === 'string' && !SYMBOLS.has(key)) assert.match(bn[key], BENGALI, `bn ${key} is not Bengali`);
  }
});

test('t() fills placeholders, follows the language, and refuses an unknown key or language', () => {
  setLanguage('bn');
  assert.equal(t('model.title', { layer: 2, head: 5 }), 'লেয়ার 2, হেড 5');
  assert.match(t('timing.line', { tokens: 12, forward: '1.0', update: '2.0', threads: 1 }), /^12টি টোকেন/);
  setLanguage('en');
  assert.equal(t('model.title', { layer: 2, head: 5 }), 'Layer 2, head 5');
  assert.match(t('timing.line', { tokens: 12, forward: '1.0', update: '2.0', threads: 2 }), /2 threads$/);
  assert.match(t('ablation.off', { n: 1, predicts: false }), /^1 head off/);
  assert.throws(() => t('no.such.key'), /no string "no.such.key"/);
  assert.throws(() => setLanguage('fr'), /expected one of en, bn, got fr/);
});

// ---- strings that bypass the catalogue --------------------------------------------------------------

const WEB = new URL('../../web/', import.meta.url);
// Code that is not shown to a person: the catalogue itself, and the tests' hook.
const NOT_SHOWN = new Set(['i18n.js', 'test-hook.js']);

async function webSources(dir = WEB, prefix = '') {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) files.push(...(await webSources(new URL(`${entry.name}/`, dir), `${entry.name}/`)));
    else if (entry.name.endsWith('.js') && !NOT_SHOWN.has(prefix + entry.name)) files.push(prefix + entry.name);
  }
  return files;
}

/** The string and template literals of JS source, comments removed (a simple scanner: enough for this code). */
function literals(source) {
  const found = [];
  let n = 0;
  while (n < source.length) {
    const c = source[n];
    if (c === '/' && source[n + 1] === '/') n = source.indexOf('\n', n) + 1 || source.length;
    else if (c === '/' && source[n + 1] === '*') n = source.indexOf('*/', n) + 2;
    else if (c === '/' && /[(,=:[!&|?{};]/.test(source.slice(0, n).trimEnd().at(-1))) {
      let end = n + 1; // a regular expression literal: skipped
      while (end < source.length && source[end] !== '/') end += source[end] === '\\' ? 2 : 1;
      n = end + 1;
    } else if (c === "'" || c === '"' || c === '`') {
      let end = n + 1;
      while (end < source.length && source[end] !== c) end += source[end] === '\\' ? 2 : 1;
      found.push(source.slice(n + 1, end));
      n = end + 1;
    } else n += 1;
  }
  return found;
}

// Three English words in a row (a sentence or a label), not a CSS font list or a selector.
const SENTENCE = /\b[A-Za-z]{2,}[,:]? [a-z]{2,} [a-z]{2,}\b/;
const NOT_TEXT = /px |monospace|sans-serif|^\[|querySelector/;

// Text the model reads (the presets' sentences) is not the page's words.
const MODEL_TEXTS = [...PRESETS.map((p) => p.text ?? ''), ...COMPARE_PAIR, ...STORY];
const isModelText = (literal) => MODEL_TEXTS.some((text) => text.includes(literal)); // (or a part of one)

test('no English sentence in the page code outside the catalogue', async () => {
  const offenders = [];
  for (const file of await webSources()) {
    const source = await readFile(new URL(file, WEB), 'utf8');
    for (const literal of literals(source).filter((l) => !isModelText(l.replace(/\\'/g, "'"))))
      for (const line of literal.split('\n'))
        if (SENTENCE.test(line.replace(/\$\{[^}]*\}/g, ' ')) && !NOT_TEXT.test(line))
          offenders.push(`${file}: ${line.trim()}`);
  }
  assert.deepEqual(offenders, []);
});

test('the scanner finds a sentence that bypasses the catalogue', () => {
  const source = 'const a = 1; // a comment with many words\nshow(`Could not load ${name} at all`);';
  const hits = literals(source).filter((l) => SENTENCE.test(l.replace(/\$\{[^}]*\}/g, ' ')));
  assert.deepEqual(hits, ['Could not load ${name} at all']);
});
