// Compare aligned by tokens (issue 16): analysis.alignTokens pairs the tokens of two texts by their text
// (longest common subsequence, replaced runs paired), analysis.alignedDifference compares matched rows and
// columns only, and the compare hint counts the edits. Hand-made token lists and attention with known answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { alignedDifference, alignTokens } from '../../web/analysis.js';
import { compareHint, describeEdits, sharedChanges } from '../../web/views/compare-view.js';

const opsText = (ops) => ops.map((x) => `${x.op}:${x.a ?? '-'}/${x.b ?? '-'}`).join(' ');

describe('alignTokens', () => {
  test('"did not" vs "didn\'t": the replaced pieces pair up and everything after stays aligned', () => {
    const a = ['The', '␣animal', '␣did', '␣not', '␣cross', '␣the', '␣street'];
    const b = ['The', '␣animal', '␣didn', "'", 't', '␣cross', '␣the', '␣street'];
    const { ops, pairs } = alignTokens(a, b);
    assert.equal(opsText(ops), 'same:0/0 same:1/1 changed:2/2 changed:3/3 inserted:-/4 same:4/5 same:5/6 same:6/7');
    assert.deepEqual(
      pairs.map((p) => [p.a, p.b]),
      [[0, 0], [1, 1], [2, 2], [3, 3], [4, 5], [5, 6], [6, 7]],
    ); // prettier-ignore
    for (const p of pairs.slice(4)) assert.equal(a[p.a], b[p.b]);
  });
  test('an inserted word and a deleted word', () => {
    assert.equal(
      opsText(alignTokens(['a', 'b', 'c'], ['a', 'x', 'b', 'c']).ops),
      'same:0/0 inserted:-/1 same:1/2 same:2/3',
    );
    assert.equal(opsText(alignTokens(['a', 'x', 'b'], ['a', 'b']).ops), 'same:0/0 deleted:1/- same:2/1');
  });
  test('empty, identical, disjoint, and a longest common subsequence past a repeated token', () => {
    assert.deepEqual(alignTokens([], []).ops, []);
    assert.equal(opsText(alignTokens(['a'], []).ops), 'deleted:0/-');
    assert.equal(opsText(alignTokens(['a', 'b'], ['a', 'b']).ops), 'same:0/0 same:1/1');
    assert.equal(opsText(alignTokens(['a', 'b'], ['c']).ops), 'changed:0/0 deleted:1/-');
    // x a b c vs a b c x: LCS "a b c" (3), not "x" (1)
    assert.equal(
      opsText(alignTokens(['x', 'a', 'b', 'c'], ['a', 'b', 'c', 'x']).ops),
      'deleted:0/- same:1/0 same:2/1 same:3/2 inserted:-/3',
    );
  });
});

describe('alignedDifference', () => {
  // one head; A: T = 2, B: T = 3 with a token inserted in the middle (rows sum to 1, causal)
  const A = Float32Array.from([1, 0, 0.4, 0.6]);
  const B = Float32Array.from([1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5]);
  const config = { nLayer: 1, nHead: 1 };
  test('compares matched rows and columns only: B row 2 against A row 1, the inserted key left out', () => {
    const { pairs } = alignTokens(['a', 'c'], ['a', 'b', 'c']);
    const d = alignedDifference(A, 2, B, 3, pairs, config, true);
    assert.equal(d.T, 2);
    // (0,0): 1 - 1; (1,0): 0.4 - 0.2; (1,1): 0.6 - 0.5; (0,1): masked in both
    assert.deepEqual(
      Array.from(d.diff, (x) => Number(x.toFixed(6))),
      [0, 0, 0.2, 0.1],
    );
    assert.ok(Math.abs(d.maxAbs[0] - 0.2) < 1e-7 && Math.abs(d.range - 0.2) < 1e-7);
  });
  test('an encoder compares the cells after the query too', () => {
    const { pairs } = alignTokens(['a', 'c'], ['a', 'b', 'c']);
    const d = alignedDifference(A, 2, B, 3, pairs, config, false);
    assert.ok(Math.abs(d.diff[1] - (0 - 0)) < 1e-7); // A(0,1) - B(0,2)
  });
  test('sharedChanges reads both weights through the alignment', () => {
    const tokensA = ['a', 'c'],
      tokensB = ['a', 'b', 'c'];
    const d = alignedDifference(A, 2, B, 3, alignTokens(tokensA, tokensB).pairs, config, false);
    const [top] = sharedChanges({ tokensA, tokensB, a: A, b: B, difference: d, nHead: 1 });
    assert.deepEqual([top.query, top.key, top.a, top.b], ['c', 'a', A[2], B[6]]);
  });
});

describe('the hint names the edits', () => {
  test('an insertion in the middle: counted, and where it starts', () => {
    const tokensA = ['a', 'c', 'd'],
      tokensB = ['a', 'b', 'c', 'd'];
    const { ops } = alignTokens(tokensA, tokensB);
    assert.deepEqual(describeEdits(ops).first, 1);
    const d = { T: 3, maxAbs: Float32Array.from([0.25]), range: 0.25 };
    const hint = compareHint({ tokensA, tokensB, difference: d, nHead: 1 });
    assert.match(hint, /^A − B per head over 3 aligned tokens \(1 only in B \(inserted\)\) \(A has 3 tokens, B 4\)/);
    assert.match(hint, /tokens differ from position 1 on/);
  });
});
