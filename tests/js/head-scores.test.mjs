// The page's head scores (web/analysis.js) against the numbers tools/train/head_patterns.py computed for
// the same attention weights and tokens (tests/fixtures/head_scores/cases.json, written by
// `head_patterns.py --write-fixture`). Needs no wasm build: analysis.js is plain JS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  chanceScores,
  headLabels,
  headScores,
  LABEL_MIN_MARGIN,
  LABEL_MIN_RATIO,
  labelThreshold,
  LOCAL_WINDOW,
  mostInformativeHead,
  OPEN_PREFERENCE,
  SCORES,
  scoreKeys,
} from '../../web/analysis.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/head_scores/cases.json', import.meta.url), 'utf8'));
const TOLERANCE = 1e-6;

function assertClose(actual, expected, what) {
  if (expected === null) {
    assert.equal(actual, null, `${what}: no counted query, expected null, got ${actual}`);
    return;
  }
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= TOLERANCE, `${what}: ${actual} vs ${expected} (|diff| ${diff.toExponential(2)} > ${TOLERANCE})`);
}

test('the fixture and the page use the same constants', () => {
  assert.equal(fixture.version, 1);
  assert.equal(fixture.local_window, LOCAL_WINDOW);
  assert.equal(fixture.label_min_ratio, LABEL_MIN_RATIO);
  assert.equal(fixture.label_min_margin, LABEL_MIN_MARGIN);
  assert.ok(fixture.cases.length >= 5);
});

describe('scores, chance levels and labels match head_patterns.py', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const attention = Float32Array.from(c.attention);
      assert.equal(attention.length, c.heads * c.T * c.T);
      const plan = scoreKeys(c.ids, c.delimiter);
      for (const { key } of SCORES) assert.equal(plan[key].length, c.queries[key], `${key}: counted queries`);
      const chance = chanceScores(plan);
      for (const { key } of SCORES) assertClose(chance[key], c.chance[key], `chance of ${key}`);
      for (let h = 0; h < c.heads; ++h) {
        const scores = headScores(attention.subarray(h * c.T * c.T, (h + 1) * c.T * c.T), c.T, plan);
        for (const { key } of SCORES) assertClose(scores[key], c.result[h].scores[key], `head ${h} ${key}`);
      }
      // the page's entry point: a one-layer model with these heads
      const live = headLabels(attention, { nLayer: 1, nHead: c.heads }, c.T, c.ids, c.delimiter);
      if (c.T < 2) {
        assert.equal(live, null);
        return;
      }
      for (let h = 0; h < c.heads; ++h)
        assert.deepEqual(
          live.head(0, h).labels.map((l) => l.key),
          c.result[h].labels,
          `head ${h} labels`,
        );
    });
  }
});

test('hand-checked: idealised heads earn their own label, the uniform head scores exactly chance', () => {
  const c = fixture.cases.find((x) => x.name.startsWith('idealised'));
  const live = headLabels(Float32Array.from(c.attention), { nLayer: 1, nHead: c.heads }, c.T, c.ids, c.delimiter);
  const first = (h) => live.head(0, h).labels[0]?.key;
  assert.equal(first(0), 'previous');
  assert.equal(first(1), 'first');
  assert.equal(first(2), 'induction');
  assert.equal(first(3), 'local');
  assert.deepEqual(live.head(0, 4).labels, []);
  for (const { key } of SCORES)
    if (live.chance[key] !== null) assertClose(live.head(0, 4).scores[key], live.chance[key], `uniform ${key}`);
  // T = 16: previous-token chance is the mean of 1 / (i + 1) over i = 1..15
  let sum = 0;
  for (let i = 1; i < 16; ++i) sum += 1 / (i + 1);
  assertClose(live.chance.previous, sum / 15, 'previous chance');
  // an 8-token sequence repeated: induction counts the 8 queries of the second copy, 0.9 on each target
  assert.equal(scoreKeys(c.ids, c.delimiter).induction.length, 8);
  assertClose(live.head(0, 2).scores.induction, 0.9, 'induction score of the idealised head');
  assert.ok(live.head(0, 2).labels[0].score >= labelThreshold(live.chance.induction));
});

/** The page's form of head_patterns.py's heads (as model-store.loadHeadPatterns reads them). */
const pageHeads = (heads, chance) =>
  heads.map(({ layer, head, scores, labels }) => ({
    layer,
    head,
    labels: labels.map((key) => ({ key, score: scores[key], chance: chance[key] })),
  }));

describe('the opening head: the rule of head_patterns.py (fixture cases)', () => {
  test('the same preference order', () => assert.deepEqual(fixture.open_preference, OPEN_PREFERENCE));
  for (const c of fixture.opening)
    test(c.name, () => {
      const best = mostInformativeHead(pageHeads(c.heads, c.chance));
      if (c.expected === null) return assert.equal(best, null);
      assert.deepEqual([best.layer, best.head, best.key], [c.expected.layer, c.expected.head, c.expected.key]);
      assertClose(best.ratio, best.score / best.chance, 'score / chance');
    });
});

test("the bundled model's head_patterns.json: the page ranks first the head Python wrote as open_on", () => {
  const entry = JSON.parse(readFileSync(new URL('../../web/models.json', import.meta.url), 'utf8'))[0];
  const patterns = JSON.parse(
    readFileSync(new URL(`../../web/${entry.url}${entry.patterns}`, import.meta.url), 'utf8'),
  );
  assert.deepEqual(patterns.open_preference, OPEN_PREFERENCE);
  const best = mostInformativeHead(pageHeads(patterns.heads, patterns.chance));
  const want = patterns.open_on;
  if (want === null) return assert.equal(best, null);
  assert.deepEqual([best.layer, best.head, best.key], [want.layer, want.head, want.key]);
  assertClose(best.ratio, want.ratio, 'score / chance');
});
