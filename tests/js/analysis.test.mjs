// The page's pure functions on small hand-computed cases: softmax, aggregates over heads, attention rollout,
// differences of two runs, one weight explained (masked and not), the compare hint, the chips' words and
// the URL state. Imports web/*.js directly: no wasm, no browser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  aggregateHeads,
  attentionDifference,
  attentionRollout,
  explainCell,
  mergeAttentionWords,
  mergeWords,
  softmax,
  wordGroups,
} from '../../web/analysis.js';
import { chipText } from '../../web/head-text.js';
import { createApp, defaultState, FILES_MODEL, stateFromUrl, stateToUrl } from '../../web/state.js';
import { compareHint } from '../../web/views/compare-view.js';

const close = (actual, expected, what, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

function assertArrayClose(actual, expected, what, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let n = 0; n < expected.length; ++n) worst = Math.max(worst, Math.abs(actual[n] - expected[n]));
  assert.ok(worst <= tolerance, `${what}: max |diff| ${worst} > ${tolerance}\n  ${[...actual]}\n  ${expected}`);
}

describe('softmax', () => {
  test('[0, ln 3] gives [1/4, 3/4], with the max and the normaliser', () => {
    const { weights, max, sum } = softmax([0, Math.log(3)]);
    assertArrayClose(weights, [0.25, 0.75], 'weights', 1e-15);
    close(max, Math.log(3), 'max');
    close(sum, 1 / 3 + 1, 'sum = e^(0 - ln 3) + e^0');
  });
  test('a -Infinity entry (a masked score) gets weight 0; large scores do not overflow', () => {
    assertArrayClose(softmax([2, -Infinity, 2]).weights, [0.5, 0, 0.5], 'masked', 0);
    assertArrayClose(softmax([1000, 1000]).weights, [0.5, 0.5], 'large', 0);
  });
});

// one layer, two heads, T = 2 ([head][query][key])
const TWO_HEADS = Float32Array.from([1, 0, 0.4, 0.6, 1, 0, 0.8, 0.2]);

describe('aggregates over heads and rollout over layers', () => {
  test('mean and max over the heads of a layer', () => {
    const config = { nLayer: 1, nHead: 2 };
    assertArrayClose(aggregateHeads(TWO_HEADS, config, 2, 0, 'mean'), [1, 0, 0.6, 0.4], 'mean');
    assertArrayClose(aggregateHeads(TWO_HEADS, config, 2, 0, 'max'), [1, 0, 0.8, 0.6], 'max');
  });
  test('rollout: 0.5 A + 0.5 I per layer, multiplied from layer 0 up; rows sum to 1', () => {
    // two layers, one head each, both A = [[1, 0], [0.4, 0.6]]: each layer's matrix is [[1, 0], [0.2, 0.8]]
    const attention = Float32Array.from([1, 0, 0.4, 0.6, 1, 0, 0.4, 0.6]);
    const config = { nLayer: 2, nHead: 1 };
    assertArrayClose(attentionRollout(attention, config, 2, 0), [1, 0, 0.2, 0.8], 'through layer 0');
    // [[1, 0], [0.2, 0.8]]^2 = [[1, 0], [0.2 + 0.8 * 0.2, 0.64]]
    const rollout = attentionRollout(attention, config, 2, 1);
    assertArrayClose(rollout, [1, 0, 0.36, 0.64], 'through layer 1');
    close(rollout[2] + rollout[3], 1, 'row 1 sums to 1', 1e-6);
  });
});

describe('attentionDifference', () => {
  test('A − B over the shorter run, per head max |A − B| and the overall range', () => {
    // A: T = 3, one head; B: T = 2. Rows of A: [1], [0.5, 0.5], [0.2, 0.3, 0.5]; B: [1], [0.9, 0.1]
    const a = Float32Array.from([1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5]);
    const b = Float32Array.from([1, 0, 0.9, 0.1]);
    const d = attentionDifference(a, 3, b, 2, { nLayer: 1, nHead: 1 });
    assert.equal(d.T, 2);
    assertArrayClose(d.diff, [0, 0, -0.4, 0.4], 'diff');
    close(d.maxAbs[0], 0.4, 'maxAbs', 1e-6);
    close(d.range, 0.4, 'range', 1e-6);
  });
  test('identical runs: range 0', () => {
    const d = attentionDifference(TWO_HEADS, 2, TWO_HEADS, 2, { nLayer: 1, nHead: 2 });
    assert.equal(d.range, 0);
    assert.deepEqual(Array.from(d.maxAbs), [0, 0]);
  });
});

describe('explainCell', () => {
  // one head, T = 2, d_k = 4: q_1 = (1, 1, 1, 1), k_0 = (1, 0, 0, 0), k_1 = (1, 1, 1, 1)
  const internals = {
    q: Float32Array.from([2, 0, 0, 0, 1, 1, 1, 1]),
    k: Float32Array.from([1, 0, 0, 0, 1, 1, 1, 1]),
    v: Float32Array.from([3, 4, 0, 0, 0, 0, 0, 1]),
  };
  test('an allowed cell: dot, scale 1/√d_k, softmax over keys 0..i, contribution', () => {
    const e = explainCell(internals, 2, 4, 0, 1, 1);
    close(e.dot, 4, 'q_1 · k_1');
    close(e.scale, 0.5, '1 / √4');
    close(e.score, 2, 'score');
    close(e.rowMax, 2, 'row max of scores (0.5, 2)');
    close(e.normaliser, Math.exp(-1.5) + 1, 'normaliser');
    close(e.weight, 1 / (1 + Math.exp(-1.5)), 'weight');
    close(e.vNorm, 1, '|v_1|');
    close(e.contribution, e.weight, 'a_11 |v_1|');
    assert.equal(e.masked, false);
  });
  test('a masked cell (key after query): weight 0, no contribution, the row over keys 0..i only', () => {
    const e = explainCell(internals, 2, 4, 0, 0, 1);
    assert.equal(e.masked, true);
    assert.equal(e.weight, 0);
    assert.equal(e.contribution, 0);
    close(e.score, 1, 'the score exists before the mask: q_0 · k_1 / 2');
    close(e.normaliser, 1, 'one key (0) in row 0');
  });
});

describe('words', () => {
  test('a word starts at a space, a newline or punctuation; pieces after it join it', () => {
    const tokens = ['The', '␣anim', 'al', '␣did', 'n', "'t", '␣tired', '.', '↵', 'Yes', '!'];
    const words = wordGroups(tokens).map(({ start, end, text }) => [start, end, text]);
    assert.deepEqual(words, [
      [0, 1, 'The'],
      [1, 3, '␣animal'],
      [3, 6, "␣didn't"],
      [6, 7, '␣tired'],
      [7, 8, '.'],
      [8, 9, '↵'],
      [9, 10, 'Yes'],
      [10, 11, '!'],
    ]);
  });
  test('merged weights: mean over the query pieces of the sum over the key pieces; rows sum to 1', () => {
    // T = 3: pieces 'A', '␣b', 'c' -> words [A], [␣bc]; rows: [1], [0.4, 0.6], [0.2, 0.3, 0.5]
    const values = Float32Array.from([1, 0, 0, 0.4, 0.6, 0, 0.2, 0.3, 0.5]);
    const words = wordGroups(['A', '␣b', 'c']);
    // row ␣bc: key A = (0.4 + 0.2) / 2, key ␣bc = ((0.6 + 0) + (0.3 + 0.5)) / 2
    assertArrayClose(mergeWords(values, 3, words), [1, 0, 0.3, 0.7], 'merged');
    const two = mergeAttentionWords(Float32Array.from([...values, ...values]), { nLayer: 1, nHead: 2 }, 3, words);
    assertArrayClose(two, [1, 0, 0.3, 0.7, 1, 0, 0.3, 0.7], 'every head');
  });
});

describe('compareHint', () => {
  const difference = (T, maxAbs) => ({ T, maxAbs: Float32Array.from(maxAbs), range: Math.max(...maxAbs) });
  test('B extends A: no list of changes, the causal mask explained', () => {
    const hint = compareHint({
      tokensA: ['a', 'b'],
      tokensB: ['a', 'b', 'c'],
      difference: difference(2, [1e-7, 0]),
      nHead: 2,
    });
    assert.match(hint, /^B repeats all 2 tokens of A and goes on \(A has 2 tokens, B 3\)/);
    assert.doesNotMatch(hint, /Largest changes/);
  });
  test('a changed token: where the difference starts and the largest heads', () => {
    const hint = compareHint({
      tokensA: ['a', 'b'],
      tokensB: ['a', 'x'],
      difference: difference(2, [0.1, 0.3]),
      nHead: 2,
    });
    assert.match(hint, /tokens differ from position 1 on/);
    assert.match(hint, /Largest changes: L0H1 \(0\.30\), L0H0 \(0\.10\)\.$/);
  });
  test('the same tokens', () => {
    const hint = compareHint({ tokensA: ['a'], tokensB: ['a'], difference: difference(1, [0]), nHead: 1 });
    assert.equal(hint, 'A and B have the same tokens: no head differs.');
  });
});

describe('chip words and the URL state', () => {
  test("a chip shows the head's first label with score and chance; no label, no words", () => {
    const head = (l, h) => ({ labels: h ? [] : [{ key: 'previous', short: 'prev', score: 0.912, chance: 0.25 }] });
    assert.equal(chipText({ head }, 0, 0), 'prev 0.91 (chance 0.25)');
    assert.equal(chipText({ head }, 0, 1), '');
    assert.equal(chipText(null, 0, 0), '');
  });
  test('a state survives its URL, a model from files included', () => {
    const views = ['heads', 'model'];
    const s = defaultState('../models/a/');
    Object.assign(s, { modelUrl: FILES_MODEL, text: 'x & y', view: 'model', layer: 2, head: 1, cell: { i: 3, j: 1 } });
    Object.assign(s, {
      hiddenHeads: new Set([0, 2]),
      ablated: new Set(['1.0']),
      scale: 'sqrt',
      lock: { side: 'k', index: 4 },
      lang: 'bn',
    });
    const url = stateToUrl(s, '../models/a/');
    assert.match(url, /model=files/);
    assert.match(url, /lang=bn/);
    assert.equal(stateFromUrl('?lang=fr', '../models/a/', views).lang, 'en', 'an unknown language keeps English');
    assert.doesNotMatch(
      stateToUrl(defaultState('../models/a/'), '../models/a/'),
      /lang=/,
      'English: no lang in the URL',
    );
    assert.deepEqual(stateFromUrl(url, '../models/a/', views), s);
    assert.equal(stateFromUrl('?view=nope', '../models/a/', views).view, 'heads', 'an unknown view keeps the default');
  });
  test('every field is declared in state.js: assigning another one throws', () => {
    assert.throws(() => {
      defaultState('').colour = 'red';
    }, TypeError);
    assert.throws(() => {
      createApp().somethingNew = 1;
    }, TypeError);
  });
});
