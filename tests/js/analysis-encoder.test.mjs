// The page's pure functions for bidirectional encoders (issue 13) on small hand-computed cases: head scores
// with chance uniform over all positions, dropping [CLS]/[SEP] with renormalised rows, rollout, differences,
// words and one weight explained without a mask, the compare view's largest shared changes, and the state
// field that keeps the special tokens hidden. Imports web/*.js directly: no wasm, no browser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  attentionDifference,
  attentionRollout,
  chanceScores,
  dropPositions,
  encoderScoreKeys,
  explainCell,
  headLabels,
  mergeWords,
  topTokens,
  wordGroups,
} from '../../web/analysis.js';
import { defaultState, stateFromUrl, stateToUrl } from '../../web/state.js';
import { compareHint, sharedChanges } from '../../web/views/compare-view.js';
import { measuredRows } from '../../web/views/measured.js';

const close = (actual, expected, what, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

function assertArrayClose(actual, expected, what, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let n = 0; n < expected.length; ++n) close(actual[n], expected[n], `${what}[${n}]`, tolerance);
}

// A 4-token head: [CLS] a b [SEP], rows sum to 1, weight on keys after the query too.
const A = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.1, 0.2, 0.2, 0.25, 0.25, 0.25, 0.25, 0.0, 0.6, 0.4, 0.0]);

describe('bidirectional head scores', () => {
  const ids = [101, 7, 7, 102],
    delimiter = [false, false, false, true];
  const plan = encoderScoreKeys(ids, delimiter, 1);

  test('the plan looks both ways and has no induction', () => {
    assert.equal(plan.induction, undefined);
    assert.deepEqual(plan.next, [
      { query: 0, keys: [1] },
      { query: 1, keys: [2] },
      { query: 2, keys: [3] },
    ]);
    assert.deepEqual(plan.duplicate, [
      { query: 1, keys: [2] },
      { query: 2, keys: [1] },
    ]);
    assert.deepEqual(plan.delimiter[0], { query: 0, keys: [3] });
    assert.deepEqual(plan.local[1], { query: 1, keys: [0, 2] }); // window 1: i - 1 and i + 1
  });

  test('chance is uniform over all T keys; a head attending uniformly scores exactly chance', () => {
    const chance = chanceScores(plan, 4);
    close(chance.previous, 0.25, 'previous');
    close(chance.next, 0.25, 'next');
    close(chance.local, (1 + 2 + 2 + 1) / 4 / 4, 'local');
    const labels = headLabels(new Float32Array(16).fill(0.25), { nLayer: 1, nHead: 1 }, 4, ids, delimiter, false);
    for (const [key, value] of Object.entries(labels.head(0, 0).scores)) close(value, labels.chance[key], key);
    assert.deepEqual(labels.head(0, 0).labels, []);
  });

  test('scores of the hand-made head: next = mean of a[0][1], a[1][2], a[2][3]', () => {
    const live = headLabels(A, { nLayer: 1, nHead: 1 }, 4, ids, delimiter, false).head(0, 0);
    close(live.scores.next, (0.2 + 0.2 + 0.25) / 3, 'next', 1e-7);
    close(live.scores.previous, (0.5 + 0.25 + 0.4) / 3, 'previous', 1e-7);
    close(live.scores.first, (0.5 + 0.25 + 0) / 3, 'first', 1e-7);
    assert.equal(live.scores.induction, undefined);
  });

  test('a head that looks at the next token earns "next-token"; "local window" cannot clear its chance here', () => {
    // rows 0..2 put all weight on i + 1, row 3 on [CLS]
    const next = Float32Array.from([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0]);
    const live = headLabels(next, { nLayer: 1, nHead: 1 }, 4, ids, delimiter, false).head(0, 0);
    close(live.scores.next, 1, 'next');
    // window 3 covers every other key of a 4-token text: score 1 against chance 3/4, under the 2 x chance bar
    close(live.scores.local, 1, 'local');
    close(headLabels(next, { nLayer: 1, nHead: 1 }, 4, ids, delimiter, false).chance.local, 3 / 4, 'local chance');
    assert.deepEqual(
      live.labels.map((x) => x.key),
      ['next'],
    );
  });
});

describe('dropPositions: hiding [CLS]/[SEP]', () => {
  test('rows and columns dropped, each kept row renormalised; removed = the mean share they held', () => {
    const { keep, attention, removed } = dropPositions(A, { nLayer: 1, nHead: 1 }, 4, [1, 0, 0, 1]);
    assert.deepEqual(keep, [1, 2]);
    // row a: 0.1 and 0.2 of 0.3 kept; row b: 0.25 and 0.25 of 0.5 kept
    assertArrayClose(attention, [1 / 3, 2 / 3, 0.5, 0.5], 'kept rows');
    close(removed, (0.7 + 0.5) / 2, 'removed', 1e-7);
  });

  test('a row that gave the kept keys nothing stays 0 (no division by zero)', () => {
    const only = Float32Array.from([1, 0, 0, 0, 1, 0, 1, 0, 0]);
    const { attention } = dropPositions(only, { nLayer: 1, nHead: 1 }, 3, [1, 0, 0]);
    assert.deepEqual(Array.from(attention), [1, 0, 0, 0]); // row 1 kept all of it; row 2 gave it all to [CLS]
  });
});

describe('no causal mask', () => {
  test('rollout multiplies whole matrices: 2 layers of a 2-token head', () => {
    const layer = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
    const both = new Float32Array(8);
    both.set(layer, 0);
    both.set(layer, 4);
    // 0.5 A + 0.5 I = [[0.75, 0.25], [0.25, 0.75]]; squared = [[0.625, 0.375], [0.375, 0.625]]
    assertArrayClose(
      attentionRollout(both, { nLayer: 2, nHead: 1 }, 2, 1, false),
      [0.625, 0.375, 0.375, 0.625],
      'rollout',
    );
    // the causal product would keep only j <= k <= i
    assertArrayClose(attentionRollout(both, { nLayer: 2, nHead: 1 }, 2, 1, true), [0.5625, 0, 0.375, 0.5625], 'causal');
  });

  test('the difference covers keys after the query', () => {
    const B = Float32Array.from(A, (x, n) => (n === 3 ? x - 0.1 : n === 0 ? x + 0.1 : x));
    const d = attentionDifference(A, 4, B, 4, { nLayer: 1, nHead: 1 }, false);
    close(d.diff[3], 0.1, 'A − B at (0, 3)', 1e-7);
    close(d.maxAbs[0], 0.1, 'maxAbs', 1e-7);
    assert.equal(attentionDifference(A, 4, B, 4, { nLayer: 1, nHead: 1 }, true).diff[3], 0);
  });

  test('words merge both ways', () => {
    const groups = [
      { start: 0, end: 1 },
      { start: 1, end: 3 },
      { start: 3, end: 4 },
    ];
    const merged = mergeWords(A, 4, groups, false);
    close(merged[2], 0.4, '[CLS] -> [SEP]', 1e-7);
    close(merged[3 + 1], (0.1 + 0.2 + 0.25 + 0.25) / 2, 'word -> itself', 1e-7);
    close(merged[3 + 2], (0.2 + 0.25) / 2, 'word -> [SEP]', 1e-7);
  });

  test('WordPiece words: "##" pieces join, special tokens stand alone', () => {
    const tokens = ['[CLS]', 'un', '·bel', '·ievably', ',', 'it', '[SEP]'];
    const joins = [false, false, true, true, false, false, false];
    const special = [1, 0, 0, 0, 0, 0, 1];
    assert.deepEqual(
      wordGroups(tokens, { joins, special }).map((w) => w.text),
      ['[CLS]', 'un·bel·ievably', ',', 'it', '[SEP]'],
    );
  });

  test('one weight explained over all T keys: a key after the query is not masked', () => {
    // 1 head, T = 2, d = 1: q = [1, 1], k = [0, 2], v = [1, 3]; row 0 scores 0 and 2 (scale 1)
    const qkv = { q: Float32Array.from([1, 1]), k: Float32Array.from([0, 2]), v: Float32Array.from([1, 3]) };
    const info = explainCell(qkv, 2, 1, 0, 0, 1, false);
    assert.equal(info.masked, false);
    assert.equal(info.keys, 2);
    close(info.weight, Math.exp(2) / (1 + Math.exp(2)), 'a_01');
    close(info.normaliser, 1 + Math.exp(-2), 'normaliser (after the row max 2)');
    assert.equal(explainCell(qkv, 2, 1, 0, 0, 1, true).weight, 0); // the causal model masks it
  });
});

describe('compare and the side panel', () => {
  test('sharedChanges names the largest change on cells both texts share', () => {
    const tokensA = ['[CLS]', 'it', 'tired', '[SEP]'],
      tokensB = ['[CLS]', 'it', 'wide', '[SEP]'];
    const B = Float32Array.from(A);
    B[4] = 0.2; // row "it", key [CLS]: 0.5 -> 0.2
    B[6] = 0.5; // row "it", key "tired"/"wide" (not shared): not named
    const d = attentionDifference(A, 4, B, 4, { nLayer: 1, nHead: 1 }, false);
    const [top] = sharedChanges({ tokensA, tokensB, a: A, b: B, difference: d, nHead: 1 });
    assert.deepEqual([top.layer, top.head, top.i, top.j, top.query, top.key], [0, 0, 1, 0, 'it', '[CLS]']);
    close(top.change, 0.3, 'change', 1e-7);
    const hint = compareHint({ tokensA, tokensB, difference: d, nHead: 1, causal: false, shared: [top] });
    assert.match(hint, /tokens differ from position 2 on\. In an encoder every token sees every other one/);
    assert.match(hint, /Largest changes on shared tokens \(A → B\): L0H0 "it" → "\[CLS\]" 0\.50 → 0\.20\./);
  });

  test('topTokens: the most likely ids of a row of logits, with their probabilities', () => {
    const top = topTokens(Float32Array.from([0, Math.log(3), Math.log(2), 0]), 2);
    assert.deepEqual(
      top.map((t) => t.id),
      [1, 2],
    );
    close(top[0].probability, 3 / 7, 'p(1)', 1e-7); // (float32 logits)
    close(top[1].probability, 2 / 7, 'p(2)', 1e-7);
  });

  test('the measured table ranks by pairs moved, then shift, and adds the selected head', () => {
    const head = (layer, h, moves, shift) => ({ layer, head: h, moves, shift });
    const measured = {
      heads: [
        head(0, 0, 3, 0.1),
        head(0, 1, 5, 0.01),
        head(0, 2, 5, 0.2),
        ...Array.from({ length: 9 }, (_, n) => head(1, n, 4, 0)),
      ],
    };
    const rows = measuredRows(measured, { layer: 0, head: 0 });
    assert.deepEqual(
      rows.slice(0, 2).map((r) => r.head),
      [2, 1],
    );
    assert.equal(rows.length, 9); // 8 listed, then the selected head (ranked last)
    assert.deepEqual([rows[8].layer, rows[8].head, rows[8].selected], [0, 0, true]);
  });

  test('state.special: hidden special tokens are kept in the URL, shown is the default', () => {
    const s = defaultState('../models/all-MiniLM-L6-v2/');
    assert.equal(s.special, 'show');
    assert.doesNotMatch(stateToUrl(s, ''), /special=/);
    s.special = 'hide';
    const url = stateToUrl(s, '');
    assert.match(url, /special=hide/);
    assert.equal(stateFromUrl(url, '', ['heads']).special, 'hide');
    assert.equal(stateFromUrl('?special=bogus', '', ['heads']).special, 'show');
  });
});
