// Our WordPiece tokenizer on Bengali script against Hugging Face `tokenizers` (ids recorded by
// tests/fixtures/encoders/make_bengali_wordpiece.py): 817 strings (vowel signs, virama conjuncts, ZWJ / ZWNJ,
// precomposed and decomposed nukta letters, khanda ta, Bengali digits, Bengali mixed with English, orphan
// signs, over-long words) with a vocabulary trained by `tokenizers` on Bengali + English, cased and uncased
// (uncased BERT strips accents: NFD, then every Mn mark goes -- the virama and several vowel signs of Bengali).
// Both routes: vocab.txt + tokenizer_config.json, and tokenizer.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { loadModule, WordPieceTokenizer } from '../../dist/index.js';

const folder = new URL('../fixtures/encoders/bengali/', import.meta.url);
const read = (name) => new Uint8Array(readFileSync(new URL(name, folder)));
const cases = JSON.parse(readFileSync(new URL('cases.json', folder), 'utf8'));
const same = (a, b) => a.length === b.length && a.every((x, n) => x === b[n]);

for (const [name, setting] of Object.entries(cases.settings)) {
  for (const route of ['vocab.txt', 'tokenizer.json']) {
    test(`Bengali WordPiece, ${name} (${route}): the ids of tokenizers ${cases.made_by.tokenizers} on every string`, async () => {
      const files =
        route === 'vocab.txt'
          ? { vocab: read(setting.vocab), tokenizerConfig: read(setting.tokenizer_config) }
          : { tokenizer: read(setting.tokenizer_json) };
      const tokenizer = WordPieceTokenizer.fromBytes(await loadModule(), files);
      assert.ok(cases.texts.length >= 500);
      const mismatches = [];
      cases.texts.forEach((text, n) => {
        const got = Array.from(tokenizer.encode(text, undefined, 0).ids);
        const want = cases.ids[name][n];
        if (!same(got, want)) mismatches.push(`${JSON.stringify(text)}: got ${got}, want ${want}`);
      });
      tokenizer.dispose();
      assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of ${cases.texts.length} differ`);
    });
  }
}

test('the fixture tests what it says: uncased strips the virama (Mn), cased keeps it; the seed has no [UNK]', () => {
  const vocab = (name) => readFileSync(new URL(cases.settings[name].vocab, folder), 'utf8');
  assert.match(vocab('cased'), /\u09cd/, 'cased pieces with the virama');
  assert.doesNotMatch(vocab('uncased'), /\u09cd|\u09c1|\u0981/, 'uncased: no virama, u-kar or candrabindu');
  assert.match(vocab('uncased'), /\u09be/, 'uncased keeps the aa-kar (Mc)');
  const n = cases.texts.indexOf('জন্তুটি রাস্তাটি পার হয়নি, কারণ সেটি খুব ক্লান্ত ছিল।');
  assert.ok(n >= 0);
  for (const name of ['cased', 'uncased']) assert.ok(!cases.ids[name][n].includes(1), `${name}: no [UNK] in the seed`);
  assert.notDeepEqual(cases.ids.cased[n], cases.ids.uncased[n]);
});
