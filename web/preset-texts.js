// Texts that presets make for the model in use (they depend on its tokenizer and context). They run in the
// model worker (page-model.js), on { config (page-model.js pageConfig), tokenizer, tokenize(text) }.

/**
 * A seeded random sequence of word tokens (a space and letters: each one encodes back to itself alone, so
 * the text's token ids are exactly the drawn ids), `length` distinct ones, then the same again: the
 * page's form of head_patterns.py's induction test sequence.
 */
export function randomRepeatedText(model, { length, seed }) {
  const tokenizer = model.tokenizer,
    vocabSize = model.config.vocabSize;
  const encoder = model.config.family === 'encoder'; // WordPiece: whole words of letters, [CLS] and [SEP] around
  const next = mulberry32(seed);
  const words = new Set();
  const limit = Math.min(length, Math.floor((model.config.nPositions - (encoder ? 2 : 0)) / 2));
  for (let tries = 0; words.size < limit && tries < 50 * length; ++tries) {
    const id = 256 + Math.floor(next() * Math.max(1, vocabSize - 257));
    if (encoder) {
      const word = tokenizer.token(id);
      if (!/^[a-z]+$/.test(word) || words.has(word)) continue;
      const back = model.tokenize(word).ids;
      if (back.length === 3 && back[1] === id) words.add(word);
      continue;
    }
    const word = tokenizer.decode([id]);
    if (!/^ [A-Za-z]+$/.test(word) || words.has(word)) continue;
    const back = tokenizer.encode(word);
    if (back.length === 1 && back[0] === id) words.add(word);
  }
  const once = [...words].join(encoder ? ' ' : '');
  return encoder ? `${once} ${once}` : `${once}${once}`;
}

/** A seeded generator of numbers in [0, 1) (mulberry32). */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The sentences of the full-context text. */
export const STORY = [
  "The animal didn't cross the street because it was tired.",
  'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
  'She was the youngest of the two daughters of a most affectionate, indulgent father.',
];

/** A text long enough to fill the context (the seed sentence repeated into a small story), whole words. */
export function fullContextText(model) {
  const limit = model.config.nPositions,
    count = (text) => {
      const tokens = model.tokenize(text); // an encoder's is cut to the context: untruncatedLength is the whole
      return tokens.untruncatedLength ?? tokens.ids.length;
    };
  let text = '';
  for (let n = 0; count(text) < limit; ++n) text += (n ? ' ' : '') + STORY[n % STORY.length];
  while (count(text) > limit) text = text.slice(0, text.lastIndexOf(' ')); // whole words, at most the context
  return text;
}
