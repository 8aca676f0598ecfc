// The page state and its URL form. Everything a view shows follows from this object plus the model's
// outputs, so a URL reproduces a view: text, compare text, model, view, layer, visible heads, locked
// token, opened head, explained cell, ablated heads, aggregate mode, colour scale.
//
//   ?model=../models/x/&text=...&view=heads&layer=2&head=5&hide=0,3&lock=q4&cell=7,2&ablate=1.3,2.0&agg=rollout&scale=sqrt&b=...

export const VIEWS = ['heads', 'model', 'aggregate', 'compare'];
export const AGGREGATES = ['mean', 'max', 'rollout'];

export const SEED_SENTENCE = "The animal didn't cross the street because it was tired";
export const PRESETS = [
  { label: 'Seed sentence', text: SEED_SENTENCE },
  { label: '…it was wide', text: "The animal didn't cross the street because it was wide" },
  // open: after the run, show the head with the highest score of that name on the text (model view)
  {
    label: 'Repeated phrase', open: 'induction',
    text: 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ' +
      'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
  },
  {
    label: 'Random tokens, repeated', open: 'induction', random: { length: 50, seed: 15 },
    title: '50 random word tokens, then the same 50 again: an induction head attends to the token after the earlier copy',
  },
  { label: 'Dialogue', text: '"My dear Mr. Bennet," said his lady to him one day, "have you heard that Netherfield Park is let at last?"' },
];
export const COMPARE_PAIR = [SEED_SENTENCE, "The animal didn't cross the street because it was wide"];

/** A fresh state with defaults (model: the caller's default). */
export function defaultState(modelUrl) {
  return {
    modelUrl,
    text: SEED_SENTENCE,
    textB: COMPARE_PAIR[1],
    view: 'heads',
    layer: 0,
    hiddenHeads: new Set(), // heads not drawn in the head view
    lock: null, // { side: 'q' | 'k', index } — the locked token of the head view
    head: 0, // the head opened large in the model view / explained
    cell: null, // { i, j } — the explained cell of (layer, head)
    ablated: new Set(), // 'layer.head' keys whose output is zeroed before W_O
    aggregate: 'mean',
    scale: 'linear', // heatmap colour scale: 'linear' or 'sqrt'
  };
}

function parseIntList(text) {
  return (text ?? '').split(',').filter((s) => s !== '').map(Number).filter(Number.isInteger);
}

/** Reads a state from a URL's query (unknown or malformed fields keep the defaults). */
export function stateFromUrl(search, fallbackModelUrl) {
  const p = new URLSearchParams(search);
  const s = defaultState(p.get('model') || fallbackModelUrl);
  if (p.has('text')) s.text = p.get('text');
  if (p.has('b')) s.textB = p.get('b');
  if (VIEWS.includes(p.get('view'))) s.view = p.get('view');
  if (AGGREGATES.includes(p.get('agg'))) s.aggregate = p.get('agg');
  if (p.get('scale') === 'sqrt') s.scale = 'sqrt';
  const layer = Number(p.get('layer'));
  if (Number.isInteger(layer) && layer >= 0) s.layer = layer;
  const head = Number(p.get('head'));
  if (Number.isInteger(head) && head >= 0) s.head = head;
  if (p.has('hide')) s.hiddenHeads = new Set(parseIntList(p.get('hide')));
  const lock = /^([qk])(\d+)$/.exec(p.get('lock') ?? '');
  if (lock) s.lock = { side: lock[1], index: Number(lock[2]) };
  const cell = parseIntList(p.get('cell'));
  if (cell.length === 2) s.cell = { i: cell[0], j: cell[1] };
  if (p.has('ablate')) s.ablated = new Set((p.get('ablate') ?? '').split(',').filter((k) => /^\d+\.\d+$/.test(k)));
  return s;
}

/** The query string of a state ('' fields and defaults left out, so URLs stay short). */
export function stateToUrl(s, defaultModelUrl) {
  const p = new URLSearchParams();
  if (s.modelUrl && s.modelUrl !== defaultModelUrl) p.set('model', s.modelUrl);
  p.set('text', s.text);
  p.set('view', s.view);
  p.set('layer', String(s.layer));
  p.set('head', String(s.head));
  if (s.hiddenHeads.size) p.set('hide', [...s.hiddenHeads].sort((a, b) => a - b).join(','));
  if (s.lock) p.set('lock', `${s.lock.side}${s.lock.index}`);
  if (s.cell) p.set('cell', `${s.cell.i},${s.cell.j}`);
  if (s.ablated.size) p.set('ablate', [...s.ablated].sort().join(','));
  if (s.view === 'aggregate' || s.aggregate !== 'mean') p.set('agg', s.aggregate);
  if (s.scale === 'sqrt') p.set('scale', 'sqrt');
  if (s.view === 'compare' || s.textB !== COMPARE_PAIR[1]) p.set('b', s.textB);
  return `?${p.toString()}`;
}

/** Clamps indices that the current model / token count make invalid. */
export function clampState(s, { nLayer, nHead }, T) {
  s.layer = Math.min(Math.max(0, s.layer), nLayer - 1);
  s.head = Math.min(Math.max(0, s.head), nHead - 1);
  for (const h of s.hiddenHeads) if (h >= nHead) s.hiddenHeads.delete(h);
  for (const key of s.ablated) {
    const [l, h] = key.split('.').map(Number);
    if (l >= nLayer || h >= nHead) s.ablated.delete(key);
  }
  if (s.lock && s.lock.index >= T) s.lock = null;
  if (s.cell && (s.cell.i >= T || s.cell.j >= T)) s.cell = null;
}
