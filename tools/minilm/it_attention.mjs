// Which heads of all-MiniLM-L6-v2 send "it" to its antecedent? Measured through the package (dist/) on
// sentences where "it" has two candidate antecedents and a word AFTER "it" decides which one is meant
// (the seed pair "The animal didn't cross the street because it was tired / wide", and pairs like it).
//
//   node tools/minilm/it_attention.mjs [--model <folder>] [--write]
//
// For every sentence, layer and head: the weight of the row of "it" on each candidate (summed over the
// candidate word's WordPiece pieces), and chance: the candidate's share of the non-special tokens
// (pieces / (T - 2)), i.e. the weight a head spreading "it" uniformly over the words would give it.
// Per head, over the sentences: the mean weight on the antecedent and on the other candidate, and per pair
// whether the head "resolves" it (antecedent above the other in both sentences) and whether changing the
// deciding word "moves" the weight towards the antecedent it selects. A head that always prefers one
// position (the subject, the nearer noun) resolves no pair; one that reads the deciding word moves in
// most pairs. Prints markdown; --write puts it between the markers of models/all-MiniLM-L6-v2.md and the
// numbers in models/all-MiniLM-L6-v2.it-attention.json (for the page).
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { loadModel } from '../../dist/index.js';
import { cachedModelDir, depsDir } from '../../scripts/cached-models.mjs';

// [text, first candidate, second candidate, the antecedent]; two sentences per pair, differing in the
// word after "it" that picks the antecedent. The first pair is the seed example.
const PAIRS = [
  [["The animal didn't cross the street because it was tired", 'animal', 'street', 'animal'],
    ["The animal didn't cross the street because it was wide", 'animal', 'street', 'street']],
  [["The trophy didn't fit in the suitcase because it was too big", 'trophy', 'suitcase', 'trophy'],
    ["The trophy didn't fit in the suitcase because it was too small", 'trophy', 'suitcase', 'suitcase']],
  [["The cat didn't climb the fence because it was scared", 'cat', 'fence', 'cat'],
    ["The cat didn't climb the fence because it was high", 'cat', 'fence', 'fence']],
  [["The boat couldn't cross the river because it was broken", 'boat', 'river', 'boat'],
    ["The boat couldn't cross the river because it was flooded", 'boat', 'river', 'river']],
  [["The bird didn't eat the seed because it was full", 'bird', 'seed', 'bird'],
    ["The bird didn't eat the seed because it was rotten", 'bird', 'seed', 'seed']],
  [["The child didn't drink the milk because it was sleepy", 'child', 'milk', 'child'],
    ["The child didn't drink the milk because it was sour", 'child', 'milk', 'milk']],
  [["The horse didn't jump the wall because it was lame", 'horse', 'wall', 'horse'],
    ["The horse didn't jump the wall because it was tall", 'horse', 'wall', 'wall']],
  [["The dog didn't catch the ball because it was lazy", 'dog', 'ball', 'dog'],
    ["The dog didn't catch the ball because it was slippery", 'dog', 'ball', 'ball']],
  [["The fish didn't leave the pond because it was afraid", 'fish', 'pond', 'fish'],
    ["The fish didn't leave the pond because it was frozen", 'fish', 'pond', 'pond']],
  [["The mouse didn't enter the hole because it was nervous", 'mouse', 'hole', 'mouse'],
    ["The mouse didn't enter the hole because it was tiny", 'mouse', 'hole', 'hole']],
];

const args = process.argv.slice(2);
const modelFlag = args.indexOf('--model');
const folder = modelFlag >= 0 ? args[modelFlag + 1] : cachedModelDir('all-MiniLM-L6-v2');
if (!folder) {
  console.error(`it_attention: all-MiniLM-L6-v2 is not cached in ${depsDir()}/models/ (run scripts/setup.sh) and no --model was given`);
  process.exit(1);
}
const model = await loadModel(pathToFileURL(`${folder.replace(/\/?$/, '/')}`));
const { nLayer, nHead } = model.config;

// The token positions of `word` in `tokens` (its pieces, which must occur exactly once).
function positionsOf(tokens, word) {
  const pieces = model.tokenize(word).tokens.slice(1, -1);
  const starts = [];
  for (let n = 0; n + pieces.length <= tokens.length; ++n)
    if (pieces.every((piece, k) => tokens[n + k] === piece)) starts.push(n);
  if (starts.length !== 1) throw new Error(`"${word}" (${pieces.join(' ')}) occurs ${starts.length} times in ${tokens.join(' ')}`);
  return pieces.map((_, k) => starts[0] + k);
}

// Per sentence: { text, antecedent, other, chance, right [nLayer*nHead], wrong [...], itRow [nLayer][nHead][T] }
function measure([text, first, second, antecedent]) {
  const r = model.run(text, { logits: false });
  const T = r.tokens.length;
  const it = positionsOf(r.tokens, 'it');
  if (it.length !== 1) throw new Error(`"it" is ${it.length} pieces in ${text}`);
  const other = antecedent === first ? second : first;
  const rightAt = positionsOf(r.tokens, antecedent), wrongAt = positionsOf(r.tokens, other);
  const nonSpecial = T - r.special.reduce((sum, s) => sum + s, 0);
  const right = new Float64Array(nLayer * nHead), wrong = new Float64Array(nLayer * nHead), itRows = [];
  for (let l = 0; l < nLayer; ++l)
    for (let h = 0; h < nHead; ++h) {
      const row = r.attention.subarray(((l * nHead + h) * T + it[0]) * T, ((l * nHead + h) * T + it[0] + 1) * T);
      right[l * nHead + h] = rightAt.reduce((sum, k) => sum + row[k], 0);
      wrong[l * nHead + h] = wrongAt.reduce((sum, k) => sum + row[k], 0);
      itRows.push(Array.from(row));
    }
  return {
    text, tokens: r.tokens, antecedent, other, right, wrong, itRows,
    chanceRight: rightAt.length / nonSpecial, chanceWrong: wrongAt.length / nonSpecial,
  };
}

const measured = PAIRS.map((pair) => pair.map(measure));
const sentences = measured.flat();
const mean = (values) => values.reduce((sum, x) => sum + x, 0) / values.length;
const heads = [];
for (let l = 0; l < nLayer; ++l)
  for (let h = 0; h < nHead; ++h) {
    const k = l * nHead + h;
    // a pair's shift: how the changed word moves the head's split between the two candidates towards the
    // antecedent it selects ([a] selects the first candidate, [b] the second): the first candidate's share of
    // the two in a minus its share in b. A share, not a raw weight, so that a head merely spreading less
    // weight over both candidates in one sentence does not count as moving.
    const shareOfFirst = (first, second) => first / Math.max(first + second, 1e-12);
    const shifts = measured.map(([a, b]) => shareOfFirst(a.right[k], a.wrong[k]) - shareOfFirst(b.wrong[k], b.right[k]));
    heads.push({
      layer: l, head: h,
      right: mean(sentences.map((s) => s.right[k])), wrong: mean(sentences.map((s) => s.wrong[k])),
      timesChance: mean(sentences.map((s) => s.right[k] / s.chanceRight)),
      candidatesTimesChance: mean(sentences.map((s) => (s.right[k] + s.wrong[k]) / (s.chanceRight + s.chanceWrong))),
      wins: sentences.filter((s) => s.right[k] > s.wrong[k]).length,
      // split by which candidate is the antecedent: the first (the subject) or the second (the object)
      winsFirst: measured.filter(([a]) => a.right[k] > a.wrong[k]).length,
      winsSecond: measured.filter(([, b]) => b.right[k] > b.wrong[k]).length,
      resolves: measured.filter(([a, b]) => a.right[k] > a.wrong[k] && b.right[k] > b.wrong[k]).length,
      moves: shifts.filter((x) => x > 0).length,
      shift: mean(shifts),
    });
  }
const chance = mean(sentences.map((s) => s.chanceRight));

// The seed pair: does the row of "it" change when only the last word does?
const [tired, wide] = measured[0];
let seedMax = { diff: 0 };
const seedDiffs = [];
for (let k = 0; k < nLayer * nHead; ++k) {
  const a = tired.itRows[k], b = wide.itRows[k];
  const diff = Math.max(...a.slice(0, -2).map((x, n) => Math.abs(x - b[n]))); // shared tokens: all but "tired"/"wide" and [SEP]
  seedDiffs.push(diff);
  if (diff > seedMax.diff) seedMax = { diff, layer: Math.floor(k / nHead), head: k % nHead };
}
const seedResolvers = heads.filter((h) => {
  const k = h.layer * nHead + h.head;
  return tired.right[k] > tired.wrong[k] && wide.right[k] > wide.wrong[k];
});

// ---- report -----------------------------------------------------------------------------------
const f3 = (x) => x.toFixed(3);
const name = (h) => `L${h.layer}H${h.head}`;
const n = sentences.length, nPairs = measured.length;
// P(at least m of nPairs pairs move the right way) for a head whose moves are coin flips
const binomialTail = (m) => { let p = 0; for (let j = m; j <= nPairs; ++j) { let c = 1; for (let i = 0; i < j; ++i) c = c * (nPairs - i) / (i + 1); p += c; } return p / 2 ** nPairs; };
const strongMoves = nPairs - 1;
const ranked = [...heads].sort((a, b) => b.moves - a.moves || b.shift - a.shift);
const resolvers = heads.filter((h) => h.resolves >= Math.ceil(nPairs * 0.7));
const movers = heads.filter((h) => h.moves >= strongMoves);
// the head that attends "it" to the candidates most (weight on both over chance)
const biggest = [...heads].sort((a, b) => b.candidatesTimesChance - a.candidatesTimesChance)[0];
const bestResolves = Math.max(...heads.map((h) => h.resolves));
const lines = [];
lines.push(`Measured by \`tools/minilm/it_attention.mjs\` through the package (the F16 weights setup caches), on ${n} sentences: ${nPairs} pairs in which a word after "it" picks one of two candidate antecedents (the seed pair first; list below). For each layer and head, the row of "it" summed over each candidate's pieces; chance = the candidate's share of the non-special tokens (${f3(chance)} on average), the weight a head spreading "it" evenly over the words would give it.`);
lines.push('');
lines.push('- **resolves**: pairs where the head gives the antecedent more than the other candidate in both sentences;');
lines.push('- **moves**: pairs where changing the deciding word moves the head\'s split between the two candidates towards the antecedent it selects; **shift**: the subject\'s share of the two candidates\' weight when the subject is meant minus when the object is meant (a share, so that a head merely giving both candidates less weight does not count);');
lines.push('- **wins**: sentences where the antecedent gets more than the other candidate, counted apart for the sentences meaning the subject (first candidate) and the object; **× chance**: mean weight on the antecedent over chance.');
lines.push('');
lines.push(`**Headline.** ${resolvers.length ? `Heads that resolve "it" in at least ${Math.ceil(nPairs * 0.7)} of ${nPairs} pairs: ${resolvers.map(name).join(', ')}.` : `No head resolves "it": none gives the antecedent more than the other candidate in both sentences of ${Math.ceil(nPairs * 0.7)} or more of the ${nPairs} pairs (the best: ${bestResolves}/${nPairs}, ${heads.filter((h) => h.resolves === bestResolves).map(name).join(', ')}).`} `
  + `The head that sends "it" to the candidates most is ${name(biggest)}: ${biggest.timesChance.toFixed(1)}× chance on the antecedent (${f3(biggest.right)} vs ${f3(biggest.wrong)} on the other); the antecedent gets more than the other candidate in ${biggest.winsFirst}/${nPairs} sentences meaning the subject and ${biggest.winsSecond}/${nPairs} meaning the object, and the deciding word moves its split the right way in ${biggest.moves}/${nPairs} pairs, by ${f3(biggest.shift)} of the share on average. `
  + `${movers.length} heads move the right way in at least ${strongMoves}/${nPairs} pairs (${movers.map((h) => `${name(h)} ${h.moves}/${nPairs}, shift ${f3(h.shift)}`).join('; ')}), where coin flips would give ${(binomialTail(strongMoves) * nLayer * nHead).toFixed(1)} (p = ${binomialTail(strongMoves).toFixed(3)} per head); `
  + `weight on the two candidates over chance among them: ${movers.map((h) => `${name(h)} ${h.candidatesTimesChance.toFixed(1)}×`).join(', ')}. `
  + `So the word after "it" does reach its row, consistently but mostly in heads that look at the candidates little, and no head's choice follows it.`);
lines.push('');
lines.push('| head | moves (pairs) | mean shift | resolves (pairs) | wins: subject / object meant | on antecedent | on the other | antecedent × chance |');
lines.push('|---|---|---|---|---|---|---|---|');
for (const h of ranked.slice(0, 12))
  lines.push(`| ${name(h)} | ${h.moves}/${nPairs} | ${f3(h.shift)} | ${h.resolves}/${nPairs} | ${h.winsFirst}/${nPairs} / ${h.winsSecond}/${nPairs} | ${f3(h.right)} | ${f3(h.wrong)} | ${h.timesChance.toFixed(1)} |`);
lines.push('');
lines.push(`The 12 of ${nLayer * nHead} heads whose split moves the right way in the most pairs (ties by the mean shift). Per layer, mean over heads, weight on the antecedent vs the other candidate: `
  + Array.from({ length: nLayer }, (_, l) => heads.filter((h) => h.layer === l)).map((hs, l) => `L${l} ${f3(mean(hs.map((h) => h.right)))} vs ${f3(mean(hs.map((h) => h.wrong)))}`).join('; ') + '.');
lines.push('');
lines.push(`**The seed pair.** The rows of "it" differ (an encoder sees "tired"/"wide"; a causal model's rows would be identical): the largest change on a token both sentences share is ${f3(seedMax.diff)} (${name(seedMax)}), the median over the ${nLayer * nHead} heads ${f3([...seedDiffs].sort((a, b) => a - b)[seedDiffs.length >> 1])}. Heads preferring the right antecedent in both sentences: ${seedResolvers.length ? seedResolvers.map((h) => `${name(h)} (${h.candidatesTimesChance.toFixed(1)}× chance on the candidates over all sentences)`).join(', ') : 'none'}. ${name(biggest)} in the seed pair: "animal" ${f3(tired.right[biggest.layer * nHead + biggest.head])} → ${f3(wide.wrong[biggest.layer * nHead + biggest.head])}, "street" ${f3(tired.wrong[biggest.layer * nHead + biggest.head])} → ${f3(wide.right[biggest.layer * nHead + biggest.head])} from "tired" to "wide".`);
lines.push('');
lines.push('| head | tired: animal | tired: street | wide: animal | wide: street |');
lines.push('|---|---|---|---|---|');
for (const h of [biggest, ...ranked.filter((h) => h !== biggest).slice(0, 5), ...seedResolvers.filter((h) => !ranked.slice(0, 6).includes(h) && h !== biggest)]) {
  const k = h.layer * nHead + h.head;
  lines.push(`| ${name(h)} | ${f3(tired.right[k])} | ${f3(tired.wrong[k])} | ${f3(wide.wrong[k])} | ${f3(wide.right[k])} |`);
}
lines.push('');
lines.push('Sentences (antecedent): ' + sentences.map((s) => `"${s.text}" (${s.antecedent})`).join('; ') + '.');
const markdown = lines.join('\n');
console.log(markdown);

if (args.includes('--write')) {
  const card = new URL('../../models/all-MiniLM-L6-v2.md', import.meta.url);
  const text = readFileSync(card, 'utf8');
  const begin = '<!-- it-attention:begin -->', end = '<!-- it-attention:end -->';
  if (!text.includes(begin) || !text.includes(end)) throw new Error(`${card.pathname}: missing the ${begin} / ${end} markers`);
  writeFileSync(card, `${text.slice(0, text.indexOf(begin) + begin.length)}\n${markdown}\n${text.slice(text.indexOf(end))}`);
  const json = {
    format: 'mha-it-attention', version: 1, made_by: 'tools/minilm/it_attention.mjs', chance,
    heads: heads.map((h) => ({ ...h, right: +h.right.toFixed(4), wrong: +h.wrong.toFixed(4), timesChance: +h.timesChance.toFixed(2) })),
    sentences: sentences.map((s) => ({ text: s.text, antecedent: s.antecedent, other: s.other, chance: +s.chanceRight.toFixed(4),
      right: Array.from(s.right, (x) => +x.toFixed(4)), wrong: Array.from(s.wrong, (x) => +x.toFixed(4)) })),
  };
  writeFileSync(new URL('../../models/all-MiniLM-L6-v2.it-attention.json', import.meta.url), `${JSON.stringify(json)}\n`);
  console.error(`it_attention: wrote ${card.pathname} and all-MiniLM-L6-v2.it-attention.json`);
}
model.dispose();
