// "About this model": a model's measured table, shown in the side panel when its models.json entry names one.
// For all-MiniLM-L6-v2 it is models/all-MiniLM-L6-v2.it-attention.json (tools/minilm/it_attention.mjs): on 20
// sentences (10 pairs where a word after "it" picks one of two antecedents, the seed pair first), how much of
// the row of "it" each head puts on the antecedent, against chance (the antecedent's share of the text's
// tokens), and whether changing the deciding word moves the head's split the right way.
import { escapeHtml, setHtml } from '../dom.js';
import { t } from '../i18n.js';

const LISTED = 8; // heads in the table
const COLUMNS = ['moves', 'shift', 'resolves', 'onAnte', 'onOther', 'times']; // after the head (i18n: measured.<c>)

/** The heads ordered as models/all-MiniLM-L6-v2.md orders them: most pairs moved the right way, then the mean shift. */
export function rankedHeads(measured) {
  return [...measured.heads].sort((a, b) => b.moves - a.moves || b.shift - a.shift);
}

/**
 * The table's rows: the LISTED best-ranked heads, plus the selected head when it is not among them.
 * Each row: { layer, head, moves, shift, resolves, right, wrong, timesChance, selected }.
 */
export function measuredRows(measured, selected) {
  const ranked = rankedHeads(measured);
  const rows = ranked.slice(0, LISTED);
  const isSelected = (h) => h.layer === selected.layer && h.head === selected.head;
  if (!rows.some(isSelected)) {
    const extra = ranked.find(isSelected);
    if (extra) rows.push(extra);
  }
  return rows.map((h) => ({ ...h, selected: isSelected(h) }));
}

/** The seed pair's numbers for a head: the weight of "it" on each candidate in both sentences, or null. */
function seedPair(measured, { layer, head }, nHead) {
  const [tired, wide] = measured.sentences;
  if (!tired || !wide) return null;
  const index = layer * nHead + head;
  return { tired, wide, index };
}

/**
 * Renders the table into container and shows its card; hides the card when measured is null.
 * selected: { layer, head } (the page's head, marked in the table and described under it).
 */
export function renderMeasured(container, measured, selected, card) {
  if (card.hidden !== !measured) card.hidden = !measured;
  if (!measured) return;
  const pairs = Math.floor(measured.sentences.length / 2);
  const nHead = Math.max(...measured.heads.map((h) => h.head)) + 1;
  const rows = measuredRows(measured, selected).map(
    (h) =>
      `<tr data-layer="${h.layer}" data-head="${h.head}"${h.selected ? ' class="selected"' : ''}>` +
      `<th scope="row">L${h.layer}H${h.head}</th><td>${h.moves}/${pairs}</td><td>${h.shift.toFixed(3)}</td>` +
      `<td>${h.resolves}/${pairs}</td><td>${h.right.toFixed(3)}</td><td>${h.wrong.toFixed(3)}</td>` +
      `<td>${h.timesChance.toFixed(1)}×</td></tr>`,
  );
  const best = rankedHeads(measured).reduce((a, b) => (b.resolves > a.resolves ? b : a));
  const seed = seedPair(measured, selected, nHead);
  const seedLine = seed
    ? `<p class="small" data-seed>${t('measured.seed', {
        head: `L${selected.layer}H${selected.head}`,
        ante: escapeHtml(seed.tired.antecedent),
        other: escapeHtml(seed.tired.other),
        a: seed.tired.right[seed.index].toFixed(3),
        b: seed.tired.wrong[seed.index].toFixed(3),
        c: seed.wide.wrong[seed.index].toFixed(3),
        d: seed.wide.right[seed.index].toFixed(3),
        chance: seed.tired.chance.toFixed(3),
      })}</p>`
    : '';
  setHtml(
    container,
    `<p class="small">${t('measured.intro', {
      sentences: measured.sentences.length,
      pairs,
      chance: measured.chance.toFixed(3),
      best: best.resolves,
    })}</p>` +
      `<table class="measured" aria-label="${t('measured.table')}"><thead><tr><th>${t('measured.head')}</th>` +
      COLUMNS.map((c) => `<th title="${t(`measured.${c}Title`)}">${t(`measured.${c}`)}</th>`).join('') +
      `</tr></thead><tbody>${rows.join('')}</tbody></table>` +
      seedLine +
      `<p class="muted small">${t('measured.footer')}</p>`,
  );
}
