// Numbers computed from the model's outputs, with no drawing: head labels, aggregates over heads,
// attention rollout over layers, differences between two runs, and the step-by-step computation of
// one attention weight. Attention arrays are [nLayer, nHead, T, T] ([layer][head][query][key]).

/** Softmax of `values` (any array of numbers): { weights [n] = e^(values[n] - max) / sum, max, sum }. */
export function softmax(values) {
  let max = -Infinity;
  for (const x of values) max = Math.max(max, x);
  const weights = Float64Array.from(values, (x) => Math.exp(x - max));
  let sum = 0;
  for (const w of weights) sum += w;
  for (let n = 0; n < weights.length; ++n) weights[n] /= sum;
  return { weights, max, sum };
}

/** The [T, T] slice of head (layer, head) as a subarray view. */
export function headSlice(attention, T, nHead, layer, head) {
  const size = T * T;
  const start = (layer * nHead + head) * size;
  return attention.subarray(start, start + size);
}

// Standard head scores, the definitions of tools/train/head_patterns.py (its docstring is the reference;
// tests/js/head-scores.test.mjs checks this file against numbers that script computed). For one text of T
// tokens and one head's weights a[i][j], each score is the mean over a set of query positions i of the
// weight on a set of key positions j:
//   induction  queries with an earlier copy j <= i - 2 of their token; keys j + 1 for each such copy
//   duplicate  queries with an earlier copy of their token; keys: those copies
//   previous   queries 1..T-1; key i - 1
//   first      queries 1..T-1; key 0 (the "attention sink")
//   delimiter  queries 1..T-1; keys j <= i that are delimiter tokens (newline or only punctuation)
//   local      queries 1..T-1; keys i - LOCAL_WINDOW .. i - 1
// Chance is the same mean for a head that attends uniformly over its causal prefix (1 / (i + 1) per key),
// computed exactly for this text. A head earns a label when score >= labelThreshold(chance).
//
// A bidirectional encoder (BERT) sees the whole text, so its scores look both ways (ENCODER_SCORES):
//   previous   queries 1..T-1; key i - 1          next       queries 0..T-2; key i + 1
//   first      queries 1..T-1; key 0 ([CLS])      delimiter  queries 0..T-1; delimiter keys j != i anywhere
//   local      keys i - LOCAL_WINDOW .. i + LOCAL_WINDOW except i
//   duplicate  queries with another copy of their token anywhere; keys: those copies
// and chance is uniform over every position (1 / T per key: the page runs one text, with no padding).
// Induction is left out for encoders: it is defined by the token after an earlier copy, a mechanism for
// predicting the next token that a model which already sees the next token has no use for.

/** The scores, most specific first: a head's labels are listed in this order. */
export const SCORES = [
  { key: 'induction', short: 'ind', name: 'induction' },
  { key: 'duplicate', short: 'dup', name: 'duplicate-token' },
  { key: 'previous', short: 'prev', name: 'previous-token' },
  { key: 'first', short: 'first', name: 'first-token (sink)' },
  { key: 'delimiter', short: 'delim', name: 'delimiter' },
  { key: 'local', short: 'local', name: 'local window' },
];
/** The scores of a bidirectional encoder (no induction, a next-token score added). */
export const ENCODER_SCORES = ['duplicate', 'previous', 'next', 'first', 'delimiter', 'local'].map(
  (key) => SCORES.find((score) => score.key === key) ?? { key, short: key, name: `${key}-token` },
);
/** Every score either kind of model can have, by key. */
export const SCORE_NAMES = new Map([...SCORES, ...ENCODER_SCORES].map((s) => [s.key, s]));
export const LOCAL_WINDOW = 3;
export const LABEL_MIN_RATIO = 2; // a label needs score >= LABEL_MIN_RATIO x chance ...
export const LABEL_MIN_MARGIN = 0.3; // ... and score >= chance + LABEL_MIN_MARGIN

/** The score a head needs to earn a label, given the score's chance level. */
export function labelThreshold(chance) {
  return Math.max(LABEL_MIN_RATIO * chance, chance + LABEL_MIN_MARGIN);
}

/**
 * The counted queries of every score and each one's keys, for token ids [T] and delimiter flags [T]:
 * { [score]: [{ query, keys: number[] }] }. Depends on the text only, so it is built once per text.
 */
export function scoreKeys(ids, isDelimiter, window = LOCAL_WINDOW) {
  const T = ids.length;
  const plan = Object.fromEntries(SCORES.map(({ key }) => [key, []]));
  const delimitersSoFar = [];
  for (let i = 0; i < T; ++i) {
    if (isDelimiter[i]) delimitersSoFar.push(i);
    const copies = [];
    for (let j = 0; j < i; ++j) if (ids[j] === ids[i]) copies.push(j);
    if (copies.length) plan.duplicate.push({ query: i, keys: copies });
    const after = copies.filter((j) => j <= i - 2).map((j) => j + 1);
    if (after.length) plan.induction.push({ query: i, keys: after });
    if (i === 0) continue;
    plan.previous.push({ query: i, keys: [i - 1] });
    plan.first.push({ query: i, keys: [0] });
    plan.delimiter.push({ query: i, keys: delimitersSoFar.slice() });
    const local = [];
    for (let j = Math.max(0, i - window); j < i; ++j) local.push(j);
    plan.local.push({ query: i, keys: local });
  }
  return plan;
}

/** The bidirectional plan of an encoder (ENCODER_SCORES, see above): { [score]: [{ query, keys }] }. */
export function encoderScoreKeys(ids, isDelimiter, window = LOCAL_WINDOW) {
  const T = ids.length;
  const plan = Object.fromEntries(ENCODER_SCORES.map(({ key }) => [key, []]));
  for (let i = 0; i < T; ++i) {
    const copies = [],
      delimiters = [],
      local = [];
    for (let j = 0; j < T; ++j) {
      if (j === i) continue;
      if (ids[j] === ids[i]) copies.push(j);
      if (isDelimiter[j]) delimiters.push(j);
      if (Math.abs(j - i) <= window) local.push(j);
    }
    if (copies.length) plan.duplicate.push({ query: i, keys: copies });
    if (i > 0) plan.previous.push({ query: i, keys: [i - 1] });
    if (i < T - 1) plan.next.push({ query: i, keys: [i + 1] });
    if (i > 0) plan.first.push({ query: i, keys: [0] });
    if (delimiters.length) plan.delimiter.push({ query: i, keys: delimiters });
    plan.local.push({ query: i, keys: local });
  }
  return plan;
}

/**
 * Chance of each score for a plan (null where the text has no counted query): a head attending uniformly
 * over the keys a query can see, its causal prefix (1 / (i + 1) per key), or with `keyCount` (an encoder)
 * all keyCount positions.
 */
export function chanceScores(plan, keyCount = 0) {
  const chance = {};
  for (const key of Object.keys(plan)) {
    const rows = plan[key];
    let sum = 0;
    for (const { query, keys } of rows) sum += keys.length / (keyCount || query + 1);
    chance[key] = rows.length ? sum / rows.length : null;
  }
  return chance;
}

/** Scores of one head's [T, T] weights (row-major, query by key) under a plan; null where no query counts. */
export function headScores(a, T, plan) {
  const scores = {};
  for (const key of Object.keys(plan)) {
    const rows = plan[key];
    let sum = 0;
    for (const { query, keys } of rows) for (const j of keys) sum += a[query * T + j];
    scores[key] = rows.length ? sum / rows.length : null;
  }
  return scores;
}

/**
 * The labels that scores earn against their chance: [{ key, name, short, score, chance, threshold }], in the
 * order of `list` (SCORES, or ENCODER_SCORES for an encoder's scores), most specific first.
 */
export function labelsFromScores(scores, chance, list = SCORES) {
  const labels = [];
  for (const { key, name, short } of list) {
    const score = scores[key],
      c = chance[key];
    if (score === null || score === undefined || c === null || c === undefined) continue;
    const threshold = labelThreshold(c);
    if (score >= threshold) labels.push({ key, name, short, score, chance: c, threshold });
  }
  return labels;
}

/**
 * Live scores and labels of every head on this text. ids and isDelimiter: per token; causal: false for a
 * bidirectional encoder (ENCODER_SCORES, chance uniform over all T keys). Returns null when T < 2, else
 * { chance, head(l, h), layer(l), heads }   head(l, h) = { scores, labels } (labels may be [])
 * A layer is computed on first use (the head view needs one layer per update, the model view all of
 * them); `heads` is every layer, [nLayer][nHead].
 */
export function headLabels(attention, { nLayer, nHead }, T, ids, isDelimiter, causal = true) {
  if (T < 2) return null;
  const plan = causal ? scoreKeys(ids, isDelimiter) : encoderScoreKeys(ids, isDelimiter);
  const chance = chanceScores(plan, causal ? 0 : T);
  const layers = new Array(nLayer).fill(null);
  const layer = (l) =>
    (layers[l] ??= Array.from({ length: nHead }, (_, h) => {
      const scores = headScores(headSlice(attention, T, nHead, l, h), T, plan);
      return { scores, labels: labelsFromScores(scores, chance, causal ? SCORES : ENCODER_SCORES) };
    }));
  return {
    chance,
    layer,
    head: (l, h) => layer(l)[h],
    get heads() {
      return Array.from({ length: nLayer }, (_, l) => layer(l));
    },
  };
}

/**
 * Labels in the order the opening head prefers them (OPEN_PREFERENCE of tools/train/head_patterns.py):
 * previous-token first, because the page opens on prose without repeats, where a previous-token stripe is
 * visible and an induction head has nothing to copy.
 */
export const OPEN_PREFERENCE = ['previous', 'induction', 'duplicate', 'local', 'delimiter', 'first'];

/**
 * The head to open a model on, by head_patterns.py's rule ("open_on" in head_patterns.json): every label a
 * head earns is ranked by its place in OPEN_PREFERENCE, then by score / chance, then by layer and head (the
 * lower first; an encoder's next-token label ranks after those of the list). heads: [{ layer, head, labels: [{ key, score, chance }] }]. Returns { layer, head, key,
 * score, chance, ratio } of the first, or null when no head earned a label.
 */
export function mostInformativeHead(heads) {
  const rank = (x) => (OPEN_PREFERENCE.includes(x.key) ? OPEN_PREFERENCE.indexOf(x.key) : OPEN_PREFERENCE.length);
  const better = (a, b) =>
    rank(a) !== rank(b)
      ? rank(a) < rank(b)
      : a.ratio !== b.ratio
        ? a.ratio > b.ratio
        : a.layer !== b.layer
          ? a.layer < b.layer
          : a.head < b.head;
  let best = null;
  for (const { layer, head, labels } of heads)
    for (const { key, score, chance } of labels) {
      const candidate = { layer, head, key, score, chance, ratio: chance > 0 ? score / chance : Infinity };
      if (!best || better(candidate, best)) best = candidate;
    }
  return best;
}

/** Mean or max over the heads of one layer: [T, T]. */
export function aggregateHeads(attention, { nHead }, T, layer, mode) {
  const out = new Float32Array(T * T);
  for (let h = 0; h < nHead; ++h) {
    const a = headSlice(attention, T, nHead, layer, h);
    if (mode === 'max') for (let n = 0; n < out.length; ++n) out[n] = Math.max(out[n], a[n]);
    else for (let n = 0; n < out.length; ++n) out[n] += a[n] / nHead;
  }
  return out;
}

/**
 * Attention rollout (Abnar & Zuidema, 2020) through layers 0..upTo: each layer's head-mean with the
 * residual stream added as 0.5 A + 0.5 I, multiplied from the first layer up. Row i says how much of
 * position i's representation after layer upTo traces back to each input token: [T, T], rows sum to 1.
 */
export function attentionRollout(attention, config, T, upTo, causal = true) {
  let rollout = null;
  for (let l = 0; l <= upTo; ++l) {
    const a = aggregateHeads(attention, config, T, l, 'mean');
    for (let n = 0; n < T; ++n) for (let m = 0; m < T; ++m) a[n * T + m] = 0.5 * a[n * T + m] + (n === m ? 0.5 : 0);
    if (!rollout) {
      rollout = a;
      continue;
    }
    const next = new Float32Array(T * T);
    for (let i = 0; i < T; ++i)
      for (let k = 0; k <= (causal ? i : T - 1); ++k) {
        const w = a[i * T + k];
        if (w === 0) continue;
        for (let j = 0; j <= (causal ? k : T - 1); ++j) next[i * T + j] += w * rollout[k * T + j];
      }
    rollout = next;
  }
  return rollout;
}

/**
 * Aligns two token lists by their text, as a diff does: the longest common subsequence of equal tokens, and
 * in each gap between two of them the k-th token of A paired with the k-th of B. ops, in text order:
 *   { op: 'same', a, b }     equal tokens (a: index in A, b: index in B)
 *   { op: 'changed', a, b }  paired in a gap (a word replaced by another)
 *   { op: 'deleted', a }     only in A          { op: 'inserted', b }  only in B
 * pairs: the 'same' and 'changed' ops in order (both indices increase), the rows and columns two runs share.
 * "did not" vs "didn't" keeps every token after the edit aligned with its own.
 */
export function alignTokens(a, b) {
  const TA = a.length,
    TB = b.length,
    width = TB + 1;
  const lcs = new Uint32Array((TA + 1) * width); // lcs[i * width + j]: LCS length of a[i..], b[j..]
  for (let i = TA - 1; i >= 0; --i)
    for (let j = TB - 1; j >= 0; --j)
      lcs[i * width + j] =
        a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
  const ops = [];
  let gapA = [],
    gapB = [];
  const closeGap = () => {
    const paired = Math.min(gapA.length, gapB.length);
    for (let n = 0; n < paired; ++n) ops.push({ op: 'changed', a: gapA[n], b: gapB[n] });
    for (const i of gapA.slice(paired)) ops.push({ op: 'deleted', a: i });
    for (const j of gapB.slice(paired)) ops.push({ op: 'inserted', b: j });
    gapA = [];
    gapB = [];
  };
  for (let i = 0, j = 0; i < TA || j < TB;) {
    if (i < TA && j < TB && a[i] === b[j]) {
      closeGap();
      ops.push({ op: 'same', a: i++, b: j++ });
    } else if (j >= TB || (i < TA && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) gapA.push(i++);
    else gapB.push(j++);
  }
  closeGap();
  return { ops, pairs: ops.filter((x) => x.op === 'same' || x.op === 'changed') };
}

/**
 * A − B of every head over aligned rows and columns: pairs [{ a, b }] (alignTokens; both indices increasing),
 * M = pairs.length; diff [nLayer, nHead, M, M] with diff[r][c] = A[pairs[r].a][pairs[c].a] − B[pairs[r].b][pairs[c].b]
 * (causal: c > r stays 0, masked in both); maxAbs per head; range = the largest.
 */
export function alignedDifference(a, TA, b, TB, pairs, { nLayer, nHead }, causal = true) {
  const M = pairs.length;
  const diff = new Float32Array(nLayer * nHead * M * M);
  const maxAbs = new Float32Array(nLayer * nHead);
  let range = 0;
  for (let l = 0; l < nLayer; ++l)
    for (let h = 0; h < nHead; ++h) {
      const x = headSlice(a, TA, nHead, l, h),
        y = headSlice(b, TB, nHead, l, h);
      const base = (l * nHead + h) * M * M;
      let m = 0;
      for (let r = 0; r < M; ++r) {
        const rowA = pairs[r].a * TA,
          rowB = pairs[r].b * TB;
        for (let c = 0; c <= (causal ? r : M - 1); ++c) {
          const d = x[rowA + pairs[c].a] - y[rowB + pairs[c].b];
          diff[base + r * M + c] = d;
          m = Math.max(m, Math.abs(d));
        }
      }
      maxAbs[l * nHead + h] = m;
      range = Math.max(range, m);
    }
  return { diff, T: M, maxAbs, range, pairs };
}

/** A − B position by position over the first min(TA, TB) tokens (alignedDifference with pairs n <-> n). */
export function attentionDifference(a, TA, b, TB, config, causal = true) {
  const pairs = Array.from({ length: Math.min(TA, TB) }, (_, n) => ({ a: n, b: n }));
  return alignedDifference(a, TA, b, TB, pairs, config, causal);
}

/**
 * The computation of weight a_ij of one head, from that layer's q, k, v ([nHead, T, headDim], q not
 * scaled): every intermediate the page shows. causal: keys m <= i only (GPT-2); an encoder's query sees
 * all T keys (no mask: the page sends no padding).
 */
export function explainCell({ q, k, v }, T, headDim, head, i, j, causal = true) {
  const at = (array, t) => array.subarray((head * T + t) * headDim, (head * T + t + 1) * headDim);
  const dotWith = (qi, km) => {
    let s = 0;
    for (let d = 0; d < headDim; ++d) s += qi[d] * km[d];
    return s;
  };
  const qi = at(q, i),
    kj = at(k, j),
    vj = at(v, j);
  const scale = 1 / Math.sqrt(headDim);
  const dot = dotWith(qi, kj);
  const score = dot * scale; // before the mask
  const keys = causal ? i + 1 : T; // the keys the query sees
  const scores = Float64Array.from({ length: keys }, (_, m) => dotWith(qi, at(k, m)) * scale);
  const { weights, max: rowMax, sum: normaliser } = softmax(scores);
  const masked = j >= keys; // score + M_ij = -inf: e^-inf = 0
  const weight = masked ? 0 : weights[j];
  const norm = (x) => Math.sqrt(x.reduce((sum, value) => sum + value * value, 0));
  // |a_ij v_j| against the size of the whole output row sum_m a_im v_m
  const output = new Float64Array(headDim);
  let contributionTotal = 0;
  for (let m = 0; m < keys; ++m) {
    const vm = at(v, m);
    for (let d = 0; d < headDim; ++d) output[d] += weights[m] * vm[d];
    contributionTotal += weights[m] * norm(vm);
  }
  const product = Float32Array.from(qi, (x, d) => x * kj[d]);
  const contribution = weight * norm(vj);
  return {
    qi: Float32Array.from(qi),
    kj: Float32Array.from(kj),
    product,
    dot,
    scale,
    score,
    masked,
    keys,
    rowMax,
    normaliser,
    weight,
    vNorm: norm(vj),
    contribution,
    contributionShare: contributionTotal > 0 ? contribution / contributionTotal : 0,
    outputNorm: norm(output),
  };
}

/** True for tokens that hold a newline or only punctuation (the delimiter rule of head_patterns.py). */
export function isDelimiterText(text) {
  if (text.includes('\n')) return true;
  const core = text.trim();
  return core.length > 0 && /^\p{P}+$/u.test(core);
}

// ---- words -----------------------------------------------------------------------------------------
// A word is a run of sub-word pieces: a piece starts a new word when it begins with a space or a newline
// (␣, ↵ in the readable forms) or follows a newline, or when it or the piece before it is only punctuation ("tired" + "." stay
// two words; "␣anim" + "al" become "␣animal").

const isPunctuation = (token) => /^\p{P}+$/u.test(token);

/**
 * The words of readable tokens: [{ start, end, text }] (pieces start..end-1), in order. With `joins` (a
 * WordPiece tokenizer: per piece, true for a "##" continuation of the piece before) a piece starts a word
 * exactly when it does not join; `special` pieces ([CLS], [SEP]) are words of their own either way.
 */
export function wordGroups(tokens, { joins = null, special = null } = {}) {
  const words = [];
  tokens.forEach((token, n) => {
    const previous = tokens[n - 1];
    const starts =
      n === 0 ||
      Boolean(special?.[n] || special?.[n - 1]) ||
      (joins
        ? !joins[n]
        : /^[␣↵\s]/.test(token) || /[↵\n]$/.test(previous) || isPunctuation(token) || isPunctuation(previous));
    if (starts) words.push({ start: n, end: n + 1, text: token });
    else {
      const word = words[words.length - 1];
      word.end = n + 1;
      word.text += token;
    }
  });
  return words;
}

/**
 * One head's [T, T] weights merged into words: [W, W], row a = the mean over the pieces of word a (as
 * queries) of the sum over the pieces of word b (as keys). Rows still sum to 1; a key word after the query
 * word stays 0 (masked); the diagonal holds the weight a word's pieces give each other.
 */
export function mergeWords(values, T, words, causal = true) {
  const W = words.length;
  const out = new Float32Array(W * W);
  for (let a = 0; a < W; ++a) {
    const { start, end } = words[a];
    for (let b = 0; b <= (causal ? a : W - 1); ++b) {
      let sum = 0;
      for (let i = start; i < end; ++i) for (let j = words[b].start; j < words[b].end; ++j) sum += values[i * T + j];
      out[a * W + b] = sum / (end - start);
    }
  }
  return out;
}

/** Every head of attention [nLayer, nHead, T, T] merged into words: [nLayer, nHead, W, W]. */
export function mergeAttentionWords(attention, { nLayer, nHead }, T, words, causal = true) {
  const W = words.length;
  const out = new Float32Array(nLayer * nHead * W * W);
  for (let n = 0; n < nLayer * nHead; ++n)
    out.set(mergeWords(attention.subarray(n * T * T, (n + 1) * T * T), T, words, causal), n * W * W);
  return out;
}

// ---- special tokens ([CLS], [SEP]) -------------------------------------------------------------------

/**
 * Every head of attention [nLayer, nHead, T, T] without the positions where `drop` is true: their rows
 * and columns are removed and each remaining row is divided by what it kept, so it sums to 1 again (the
 * weights among the text's own tokens, as shares). Returns { keep (the kept positions), attention
 * [nLayer, nHead, K, K], removed (the mean share of a kept row that went to the dropped keys) }.
 */
export function dropPositions(attention, { nLayer, nHead }, T, drop) {
  const keep = [];
  for (let n = 0; n < T; ++n) if (!drop[n]) keep.push(n);
  const K = keep.length;
  const out = new Float32Array(nLayer * nHead * K * K);
  let removed = 0;
  for (let m = 0; m < nLayer * nHead; ++m)
    for (let a = 0; a < K; ++a) {
      const row = attention.subarray((m * T + keep[a]) * T, (m * T + keep[a] + 1) * T);
      let sum = 0;
      for (const j of keep) sum += row[j];
      removed += 1 - sum;
      const base = (m * K + a) * K;
      for (let b = 0; b < K; ++b) out[base + b] = sum > 0 ? row[keep[b]] / sum : 0;
    }
  return { keep, attention: out, removed: K ? removed / (nLayer * nHead * K) : 0 };
}

/**
 * The k most likely tokens of one row of logits [vocabSize]: [{ id, probability }], most likely first.
 * (An encoder's masked-token guesses; GptModel.topK does the same for the next token.)
 */
export function topTokens(row, k) {
  const { weights } = softmax(row);
  const best = [];
  for (let id = 0; id < weights.length; ++id) {
    if (best.length === k && weights[id] <= best[k - 1].probability) continue;
    best.push({ id, probability: weights[id] });
    best.sort((a, b) => b.probability - a.probability);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * The attention of one query token in one head, step by step, from that layer's q, k, v ([nHead, T, headDim],
 * q not scaled; model.explain): the numbers of the page's walkthrough (views/steps-view.js). keys: the keys
 * the query sees (i + 1 with the causal mask, else T). Returns
 *   q, k, v      [headDim] the query's q_i, and its own k_i, v_i
 *   dots         [keys] q_i · k_j          scale = 1 / sqrt(headDim)      scores [keys] = dots * scale
 *   masked       keys hidden by the mask (T - keys)
 *   weights      [keys] softmax of scores (rowMax, normaliser: its max and sum of e^(s - max))
 *   output       [headDim] z_i = sum_j weights[j] v_j (the head's output for the query, before W_O)
 *   headNorms    [nHead] |z_i| of every head of the layer (what the concatenation stacks)
 */
export function attentionSteps({ q, k, v }, T, nHead, headDim, head, i, causal = true) {
  const at = (array, h, t) => array.subarray((h * T + t) * headDim, (h * T + t + 1) * headDim);
  const keys = causal ? i + 1 : T;
  const scale = 1 / Math.sqrt(headDim);
  const headOutput = (h) => {
    const qi = at(q, h, i);
    const dots = Float64Array.from({ length: keys }, (_, j) => {
      const kj = at(k, h, j);
      let s = 0;
      for (let d = 0; d < headDim; ++d) s += qi[d] * kj[d];
      return s;
    });
    const scores = Float64Array.from(dots, (x) => x * scale);
    const { weights, max, sum } = softmax(scores);
    const output = new Float64Array(headDim);
    for (let j = 0; j < keys; ++j) {
      const vj = at(v, h, j);
      for (let d = 0; d < headDim; ++d) output[d] += weights[j] * vj[d];
    }
    return { dots, scores, weights, rowMax: max, normaliser: sum, output };
  };
  const norm = (x) => Math.sqrt(x.reduce((total, value) => total + value * value, 0));
  const headNorms = Float64Array.from({ length: nHead }, (_, h) => norm(headOutput(h).output));
  return {
    q: Float32Array.from(at(q, head, i)),
    k: Float32Array.from(at(k, head, i)),
    v: Float32Array.from(at(v, head, i)),
    keys,
    masked: T - keys,
    scale,
    ...headOutput(head),
    headNorms,
  };
}

// ---- the seed's three kinds of head, measured ---------------------------------------------------------
// The seed example says one head follows grammar, one resolves the pronoun, one links words of similar
// meaning. For the current model and text, headKinds() scores every head for each kind and names the best,
// beside the chance level of a head that attends uniformly over the keys its query sees (1 / (i + 1) per
// key with the causal mask, 1 / T in an encoder) and the label threshold (labelThreshold, as the chips):
//   syntax     proxy: the weight from a token to its neighbours (i - 1; an encoder also i + 1), the most
//              frequent syntactic link, averaged over the text's queries (no parser runs in the page)
//   pronoun    the weight from a pronoun to its antecedent, summed over the antecedent's pieces, where the
//              page knows the antecedent (KNOWN_ANTECEDENTS: the seed sentences, English and Bengali); the
//              weight on the other candidate is given beside it
//   semantic   the weight from each token to the earlier token (an encoder: any other token) most similar
//              to it by the cosine of their input (token) embeddings, copies of the same token excluded

/** Antecedents the page knows: in a text with `decider` after `pronoun`, the pronoun means `antecedent`. */
export const KNOWN_ANTECEDENTS = [
  { decider: 'tired', pronoun: 'it', antecedent: 'animal', other: 'street' },
  { decider: 'wide', pronoun: 'it', antecedent: 'street', other: 'animal' },
  { decider: 'ক্লান্ত', pronoun: 'সেটি', antecedent: 'জন্তুটি', other: 'রাস্তাটি' },
  { decider: 'চওড়া', pronoun: 'সেটি', antecedent: 'রাস্তাটি', other: 'জন্তুটি' },
];

/** A token's text without its word-start or continuation marks ("␣", "·", "##"), lower case. */
const cleanPiece = (token) => token.replace(/^(␣|·|##|\s)+/u, '').toLowerCase();

/** The token spans [start, end) whose pieces spell `word` (start: a piece that begins with its first letters). */
export function wordSpans(tokens, word) {
  const pieces = tokens.map(cleanPiece),
    spans = [];
  for (let start = 0; start < pieces.length; ++start) {
    let text = '';
    for (let end = start; end < pieces.length && text.length < word.length; ++end) {
      text += pieces[end];
      if (!word.startsWith(text) || !pieces[start]) break;
      if (text === word) spans.push({ start, end: end + 1 });
    }
  }
  return spans;
}

/** The pronoun case of a text: { pronoun, antecedent, other } spans and words, or null when none is known. */
export function findPronounCase(tokens) {
  for (const known of KNOWN_ANTECEDENTS) {
    const [decider] = wordSpans(tokens, known.decider).slice(-1);
    if (!decider) continue;
    const pronoun = wordSpans(tokens, known.pronoun)
      .filter((s) => s.end <= decider.start)
      .at(-1);
    if (!pronoun) continue;
    const before = (word) =>
      wordSpans(tokens, word)
        .filter((s) => s.end <= pronoun.start)
        .at(-1);
    const antecedent = before(known.antecedent),
      other = before(known.other);
    if (antecedent && other) return { ...known, spans: { pronoun, antecedent, other } };
  }
  return null;
}

/** The best head of per-head scores [nLayer * nHead] against a chance level: { best, chance, threshold, clears }. */
function bestHead(scores, nHead, chance, extra = () => ({})) {
  let m = 0;
  for (let n = 1; n < scores.length; ++n) if (scores[n] > scores[m]) m = n;
  const threshold = labelThreshold(chance);
  const best = { layer: Math.floor(m / nHead), head: m % nHead, score: scores[m], ...extra(m) };
  return { best, chance, threshold, clears: scores[m] >= threshold };
}

/**
 * Per head, the mean over query rows of the weight on their keys: rows [{ query, keys }] (like a score plan);
 * chance: the same mean for a uniform head. Returns { scores [nLayer * nHead], chance } or null without rows.
 */
function planScores(attention, { nLayer, nHead }, T, rows, causal) {
  if (!rows.length) return null;
  const scores = new Float64Array(nLayer * nHead);
  for (let m = 0; m < nLayer * nHead; ++m) {
    let sum = 0;
    for (const { query, keys } of rows) for (const j of keys) sum += attention[(m * T + query) * T + j];
    scores[m] = sum / rows.length;
  }
  const chance = rows.reduce((sum, { query, keys }) => sum + keys.length / (causal ? query + 1 : T), 0) / rows.length;
  return { scores, chance };
}

/** Neighbour rows of the syntax proxy: each ordinary token's key i - 1 (and i + 1 in an encoder). */
function neighbourRows(T, skip, causal) {
  const rows = [];
  for (let i = 0; i < T; ++i) {
    if (skip[i]) continue;
    const keys = [i - 1, ...(causal ? [] : [i + 1])].filter((j) => j >= 0 && j < T && !skip[j]);
    if (keys.length) rows.push({ query: i, keys });
  }
  return rows;
}

/**
 * Similarity rows: each ordinary token's most similar other token by embedding cosine (earlier ones only with
 * the causal mask; another copy of the same id excluded). embeddings: [T, dim] rows of the run's ids.
 */
export function similarRows(embeddings, dim, ids, skip, causal) {
  const T = ids.length;
  const row = (n) => embeddings.subarray(n * dim, (n + 1) * dim);
  const norms = Array.from({ length: T }, (_, n) => Math.hypot(...row(n)) || 1);
  const cosine = (a, b) => {
    let dot = 0;
    const x = row(a),
      y = row(b);
    for (let d = 0; d < dim; ++d) dot += x[d] * y[d];
    return dot / (norms[a] * norms[b]);
  };
  const rows = [];
  for (let i = 0; i < T; ++i) {
    if (skip[i]) continue;
    let best = -1;
    for (let j = 0; j < (causal ? i : T); ++j)
      if (j !== i && !skip[j] && ids[j] !== ids[i] && (best < 0 || cosine(i, j) > cosine(i, best))) best = j;
    if (best >= 0) rows.push({ query: i, keys: [best], cosine: cosine(i, best) });
  }
  return rows;
}

/**
 * The three kinds for a run: { syntax, pronoun, semantic }, each { best: { layer, head, score, ... }, chance,
 * threshold, clears, rows } or { missing: 'pronoun' | 'embeddings' } when the text or model gives no measure.
 * skip: per token, not counted ([CLS]/[SEP], delimiters). embeddings: [T, dim] token embeddings, or null.
 */
export function headKinds({ attention, config, tokens, ids, skip, causal = true, embeddings = null, dim = 0 }) {
  const T = tokens.length,
    { nHead } = config;
  const measure = (rows, extra) => {
    const result = planScores(attention, config, T, rows, causal);
    return result ? { ...bestHead(result.scores, nHead, result.chance, extra), rows } : null;
  };
  const syntax = measure(neighbourRows(T, skip, causal)) ?? { missing: 'syntax' };
  const semantic = embeddings
    ? (measure(similarRows(embeddings, dim, ids, skip, causal)) ?? { missing: 'semantic' })
    : { missing: 'embeddings' };
  return { syntax, pronoun: pronounKind(attention, config, tokens, causal), semantic };
}

/** The pronoun kind: the weight of the pronoun's first piece on the antecedent's pieces (and on the other's). */
function pronounKind(attention, config, tokens, causal) {
  const found = findPronounCase(tokens);
  if (!found) return { missing: 'pronoun' };
  const T = tokens.length,
    { nLayer, nHead } = config;
  const { pronoun, antecedent, other } = found.spans;
  const span = ({ start, end }) => Array.from({ length: end - start }, (_, n) => start + n);
  const weightOn = (m, s) => span(s).reduce((sum, j) => sum + attention[(m * T + pronoun.start) * T + j], 0);
  const scores = Float64Array.from({ length: nLayer * nHead }, (_, m) => weightOn(m, antecedent));
  const chance = span(antecedent).length / (causal ? pronoun.start + 1 : T);
  const result = bestHead(scores, nHead, chance, (m) => ({ other: weightOn(m, other) }));
  return { ...result, words: { pronoun: found.pronoun, antecedent: found.antecedent, other: found.other } };
}
