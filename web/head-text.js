// The words the page shows about a head's scores: chip captions, tooltips, the model view's heading.
// labels: analysis.headLabels of the run (or null); patterns: model-store.loadHeadPatterns (or null).
// A score's name and short name come from the catalogue (i18n.js: score.name.<key>, score.short.<key>).
import { labelThreshold, SCORE_NAMES } from './analysis.js';
import { t } from './i18n.js';

const ALL_SCORES = [...SCORE_NAMES.keys()];

/**
 * The name of query head h: "H5", or with grouped-query attention (config.nKvHead < nHead) "H5 · kv1" (in Bengali
 * "H5 · কেভি1"), the key/value head it reads (h / (nHead / nKvHead), rounded down).
 */
export function headName({ nHead, nKvHead = nHead }, h) {
  return nKvHead < nHead ? t('head.nameKv', { head: h, kv: Math.floor(h / (nHead / nKvHead)) }) : `H${h}`;
}

/** The kv head of query head h in words (" (kv head 1)"), or '' without grouped-query attention. */
export function kvHeadText({ nHead, nKvHead = nHead }, h) {
  return nKvHead < nHead ? t('head.kvText', { kv: Math.floor(h / (nHead / nKvHead)) }) : '';
}
const counted = (scores, key) => scores[key] !== null && scores[key] !== undefined;
const nameOf = (key) => t(`score.name.${key}`);
const chanceOf = (chance, digits) => t('score.chance', { chance: chance.toFixed(digits) });

/** The chip caption of a head: its first (most specific) label's score and chance on this text, or ''. */
export function chipText(labels, l, h) {
  const label = labels?.head(l, h).labels[0];
  return label ? `${t(`score.short.${label.key}`)} ${label.score.toFixed(2)} (${chanceOf(label.chance, 2)})` : '';
}

/** Every score of a head on this text against its chance, one line each, labels marked. */
export function describeScores(labels, l, h) {
  const live = labels?.head(l, h);
  if (!live) return '';
  const earned = new Set(live.labels.map((x) => x.key));
  return ALL_SCORES.filter((key) => counted(live.scores, key))
    .map((key) => {
      const mark = earned.has(key) ? '✓' : ' ';
      return `${mark} ${nameOf(key)} ${live.scores[key].toFixed(3)} (${chanceOf(labels.chance[key], 3)})`;
    })
    .join('\n');
}

/** The offline scores of a head (head_patterns.json) in one line, or ''. */
export function describeOffline(patterns, l, h) {
  const p = patterns?.heads.get(`${l}.${h}`);
  if (!p) return '';
  const labels = p.labels.map((x) => `${nameOf(x.key)} ${x.score.toFixed(3)} (${chanceOf(x.chance, 3)})`).join(', ');
  return t('score.heldOut', { labels: labels || t('score.noLabel') });
}

/**
 * The heading's words for a head on this text: its labels with score and chance; the `focus` score (the one
 * a preset looked for) even below its threshold; without either, the score furthest above chance.
 */
export function headCaption({ scores, labels }, chance, focus) {
  const unearned = (key) =>
    `${nameOf(key)} ${scores[key].toFixed(2)} (${chanceOf(chance[key], 2)}, ` +
    `${t('score.labelAt', { threshold: labelThreshold(chance[key]).toFixed(2) })})`;
  const parts = labels.map((x) => `${nameOf(x.key)} ${x.score.toFixed(2)} (${chanceOf(x.chance, 2)})`);
  if (SCORE_NAMES.has(focus) && counted(scores, focus) && !labels.some((x) => x.key === focus))
    parts.push(unearned(focus));
  if (parts.length) return parts.join(', ');
  let best = null;
  for (const key of ALL_SCORES) {
    if (!counted(scores, key) || chance[key] >= 1) continue;
    const lift = (scores[key] - chance[key]) / (1 - chance[key]);
    if (!best || lift > best.lift) best = { key, lift };
  }
  return best ? t('score.nearest', { what: unearned(best.key) }) : t('score.noLabel');
}
