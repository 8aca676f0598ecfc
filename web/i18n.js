// The page's words in English and Bengali: one catalogue per language, the same keys in both
// (tests/js/i18n.test.mjs fails on a key that lacks a language or a placeholder). Adding a string is one
// line in EN and one in BN. A value is text (HTML allowed: the catalogue is ours) with {name} placeholders,
// or a function of the parameters where the wording depends on a number. Token text, numbers and model
// names are never translated: they are passed in as parameters. Numbers keep Western digits in both
// languages, so that the values read the same as in the exports and the model's files.
//
// Static markup (index.html, the views' markup) names its keys in attributes, applied by translatePage():
//   data-i18n="key"              the element's content (innerHTML)
//   data-i18n-title="key"        its title        data-i18n-aria="key"   its aria-label
//   data-i18n-placeholder="key"  its placeholder

export const LANGUAGES = ['en', 'bn'];
/** The toggle's text for each language, written in that language. */
export const LANGUAGE_NAMES = { en: 'English', bn: 'বাংলা' };

const plural = (n, one, many) => (n === 1 ? one : many);

const EN = {
  'page.title': 'mha-wasm · attention explorer',
  'page.heading': 'Attention explorer',
  'page.tagline':
    'every head of a GPT-2-style decoder or a BERT-style encoder, computed in your browser by <code>mha-wasm</code> (C++ → WebAssembly SIMD)',
  'page.footer': 'Runs offline: the page, the model and the wasm engine are all served from this machine.',
  'lang.group': 'Language',
  'model.label': 'Model',
  'model.ownButton': 'Your own model…',
  'model.loadingShort': 'loading…',
  'model.loading': 'loading {name}…',
  'model.info':
    '{name}: {layers} layers × {heads} heads{kv}, d_model {dModel}, d_k {dK}, context {context}, vocabulary {vocab}',
  'model.encoderKind': ' · {type} encoder: bidirectional, no causal mask; {head}',
  'model.mlmHead': 'masked-LM head',
  'model.noLmHead': 'no LM head',
  'model.kept': '{name} (kept: the new model did not load)',
  'model.none': 'no model loaded',
  'model.yourFiles': 'your model (files)',
  'model.yourModel': 'your model',
  'model.listError': 'models.json: {message}',
  'files.heading': 'Bring your own GPT-2 model',
  'files.intro':
    'Pick or drop the four Hugging Face GPT-2 files: <code>config.json</code>, <code>model.safetensors</code> (F32 or F16), <code>vocab.json</code>, <code>merges.txt</code>. Nothing is uploaded: the files are read in this tab. A file over {limit} is refused: its weights, about its size, cannot fit in wasm memory.',
  'files.drop': 'Drop the files here, or',
  'files.choose': 'choose files',
  'files.urlLabel': "Or a model folder on this page's server (the same four files); a link to the page keeps it:",
  'files.loadFolder': 'Load folder',
  'files.reading': 'Reading the files…',
  'files.loadedUrl': 'Loaded {url}: "Link" and a reload open this model again.',
  'files.loaded': 'Loaded: {names}. A link cannot carry your files: "Link" and a reload will ask for them again.',
  'files.failedUrl': 'Could not load {url}: {message}',
  'files.failed': 'Could not load this model: {message}',
  'files.keeps': ' The page keeps using {name}.',
  'files.notice':
    'This link was made with a model read from local files, which a link cannot carry: the page shows the default model. To see yours, load its files again with "Your own model…".',
  'files.notOnServer': "{url} is not on this page's server ({origin}); the page loads models from its own server only",
  'files.missing': 'Missing {missing} (got {got}). Pick all four files: {required}.',
  'files.nothing': 'nothing',
  'files.tooLarge':
    "{name} is {size}, over the {limit} whose weights can fit in wasm memory (the model holds its weights at about the file's size, in 4 GiB less 64 MiB reserved).",
  'files.empty': '{name} is empty.',
  'files.badMeasured': '{file}: format: expected "mha-it-attention" with heads and sentences, got {format}',
  'load.failed': 'Could not load {name}: {message}',
  'load.failedStart': 'Could not load the model at {url}: {message}. Pick one above or load your own files.',
  'run.failed': 'Could not run the model on this text: {message}',
  'run.empty': 'Type some text: the model needs at least one token.',
  'context.encoder':
    "The text has {total} tokens with [CLS] and [SEP], more than the model's context of {kept}: its tokenizer keeps the first {kept} (the last {left} are left out).",
  'context.decoder':
    'The text has {total} tokens, more than the model\'s context of {kept}: the page uses its last {kept} tokens (the first {left} are left out), so "Next token" predicts what follows the end of your text.',
  'input.region': 'Input',
  'input.text': 'Text',
  'input.placeholder': 'Type or paste text',
  'input.presets': 'Presets',
  'input.tokens': 'Tokens as the model sees them',
  'preset.seed': 'Seed sentence',
  'preset.wide': '…it was wide',
  'preset.repeated': 'Repeated phrase',
  'preset.random': 'Random tokens, repeated',
  'preset.randomTitle':
    '50 random word tokens, then the same 50 again: an induction head attends to the token after the earlier copy',
  'preset.dialogue': 'Dialogue',
  'preset.pair': 'Compare tired / wide',
  'preset.pairTitle': 'Compare the seed sentence with one word changed',
  'preset.encoderPair': '{name}: tired / wide',
  'preset.encoderPairTitle': 'Open {name} (an encoder: "it" sees "tired" / "wide") and compare the pair',
  'preset.long': 'Full context',
  'preset.longTitle': "Fill the model's whole context",
  'preset.bnSeed': 'Bengali: tired',
  'preset.bnWide': 'Bengali: wide',
  'preset.bnPair': 'Compare in Bengali',
  'preset.bnPairTitle': 'The seed pair in Bengali (one word changed), for an encoder with Bengali tokens',
  'preset.bnMixed': 'Bengali + English',
  'tokens.title': 'token {n}, id {id}',
  'tokens.piece': ' (WordPiece {piece}: · continues the word before)',
  'tokens.special': ', special token',
  'tokens.specialHidden': ', special token (hidden in the views)',
  'tokens.cut': '… {n} tokens left out',
  'tokens.cutTitle': "left out: over the model's context",
  'timing.line': (p) =>
    `${p.tokens} tokens · forward ${p.forward} ms · update ${p.update} ms · ${p.threads} ${plural(p.threads, 'thread', 'threads')}`,
  'timing.single': 'single-threaded: {reason}',
  'timing.build': '{build} build',
  'toolbar.views': 'Views',
  'toolbar.layer': 'Layer',
  'toolbar.words': 'Words',
  'toolbar.wordsTitle': "Merge each word's sub-word pieces into one row and column",
  'toolbar.special': 'Hide [CLS]/[SEP]',
  'toolbar.specialTitle':
    "Hide the encoder's [CLS] and [SEP]: their rows and columns are dropped and every other row renormalised to sum to 1",
  'toolbar.export': 'Export',
  'toolbar.link': 'Link',
  'toolbar.linkTitle': 'Copy a link to this exact view',
  'toolbar.copied': 'Copied{files}',
  'toolbar.seeAddress': 'See address bar{files}',
  'toolbar.withoutFiles': ' (without your files)',
  'export.nothing': 'Nothing to export yet: no model has run. Pick a model above.',
  'export.caption': '{model} · {view} view · layer {layer} · {shows} · "{text}"',
  'side.next': 'Next token',
  'side.masked': '[MASK] guesses',
  'side.predictions': 'Predictions',
  'side.ablate': 'Ablate heads <span class="muted">(output zeroed before W<sup>O</sup>)</span>',
  'side.ablationGroup': 'Ablation: click a head to switch it off',
  'side.ablationCell': 'layer {layer} head {head}',
  'side.about': 'About this model',
  'side.explain': 'Explain a weight',
  'predict.maskedGuesses': "The model's guesses for the first [MASK] of the text (its masked-language-model head).",
  'predict.typeMask':
    'This encoder has a masked-language-model head: type [MASK] in the text to see its guesses for that token.',
  'predict.noHead':
    'This encoder has no language-model head, so there is nothing to predict: it offers its attention and a sentence embedding (the mean of its last hidden states, {size} values, length 1).',
  'predict.compareHint': ' Compare two texts to see how close their embeddings are.',
  'predict.cosine': ' Cosine of A and B: {cosine}.',
  'predict.without': 'without ablation: {p}',
  'ablation.off': (p) =>
    `${p.n} ${plural(p.n, 'head', 'heads')} off: ${p.predicts ? 'attention of later layers and the prediction are' : 'attention of later layers is'} recomputed${p.predicts ? '; ▲▼ = change vs. all heads on' : ''}.`,
  'ablation.allOn': 'All heads on. Click a head to switch it off.',
  'legend.words':
    "words: a row is the mean over the query word's pieces, a cell the sum over the key word's pieces (rows still sum to 1)",
  'legend.scale': '√ scale',
  'legend.scaleTitle': 'Colour by the square root of the weight: small weights become visible',
  'legend.masked': 'masked (future)',
  'legend.noMask': 'encoder: no mask, every token sees every token (the page pads nothing)',
  'legend.special': 'special tokens (“Hide [CLS]/[SEP]” drops them)',
  'legend.specialHidden': 'hidden',
  'legend.specialDropped':
    ": their rows and columns dropped, each row renormalised to sum to 1 over the text's tokens (on average {percent}% of a row's weight went to them)",
  'legend.weight': 'attention weight',
  'legend.sqrt': ' (colour ∝ √weight)',
  'legend.difference': 'B more {bar} A more (A − B, ±{range})',
  'legend.lines': 'line opacity = {opacity} (weights under {min} not drawn)',
  'legend.opacityWeight': 'weight',
  'legend.opacitySqrt': '√weight',
  'legend.bars':
    "bars beside the other column: the focused token's weights per head, and the largest (in its head's hue)",
  'cell.query': 'query',
  'cell.key': 'key',
  'cell.masked': 'masked (key after query)',
  'cell.weight': 'weight {w}',
  'heads.tab': 'Head view',
  'heads.chips': 'Heads: click toggles, double-click (or S) solos',
  'heads.hint':
    'Hover a token to see only its lines, click to lock it (keyboard: focus the picture, ↑ ↓ ← → and Enter, Esc unlocks); with a token locked, click a weight beside the bars to explain it. Line opacity is the attention weight; one hue per head. Left: the token that looks (query); right: the tokens it looks at (keys).',
  'heads.canvas': 'Head view: lines from each query token to the key tokens it attends to',
  'heads.every': 'every head',
  'heads.some': 'heads {list}',
  'heads.off': ' · off',
  'heads.chipTitle': 'head {head}, scores on this text (✓ = label earned):',
  'heads.chipHelp': 'click toggles, double-click or S solos',
  'model.tab': 'Model view',
  'model.hint':
    'Every layer (rows) × head (columns): row = query, column = key, darker = more attention<span data-causal-only>, hatched = masked (the future)</span>. Click a head to open it; hover its cells, click a cell to explain that weight.',
  'model.gridCanvas': 'All heads of all layers as small heatmaps',
  'model.largeCanvas': 'The selected head as a large heatmap; arrow keys move the cell, Enter explains it',
  'model.title': 'Layer {layer}, head {head}',
  'model.headScores': 'layer {layer} head {head}, scores on this text:',
  'model.shows': 'every head, head {head} large',
  'agg.tab': 'Aggregate',
  'agg.group': 'Aggregate',
  'agg.mean': 'Mean over heads',
  'agg.max': 'Max over heads',
  'agg.rollout': 'Rollout over layers',
  'agg.hint.mean': 'Mean of the heads of the selected layer: where the layer as a whole looks.',
  'agg.hint.max': 'Max over the heads of the selected layer: a cell is dark if any head attends there.',
  'agg.hint.rollout':
    "Attention rollout: each layer's head mean plus the residual (0.5 A + 0.5 I), multiplied from layer 0 up to the selected layer: how much each input token flows into each position.",
  'agg.strip': 'The aggregate of every layer',
  'agg.canvas': 'Aggregate heatmap',
  'agg.layer': 'layer {layer} ({mode})',
  'agg.modeName.mean': 'mean',
  'agg.modeName.max': 'max',
  'agg.modeName.rollout': 'rollout',
  'agg.shows.rollout': 'rollout from layer 0',
  'agg.shows': '{mode} over the heads',
  'compare.tab': 'Compare',
  'compare.a': 'A (the main text above)',
  'compare.b': 'B',
  'compare.grid': 'Per-head difference heatmaps A minus B',
  'compare.canvas': 'Difference heatmap of the selected head',
  'compare.typeB': 'Type a second text B to compare.',
  'compare.title': 'Layer {layer}, head {head}: A − B',
  'compare.headMax': 'layer {layer} head {head}\nmax |A − B| {max}',
  'compare.sizes': ' (A has {a} tokens, B {b})',
  'compare.same': 'A and B have the same tokens: no head differs.',
  'compare.extendsEncoder':
    "{longer} repeats all {n} tokens of {shorter} and goes on{sizes}. An encoder's token sees the whole text, so the rows of the shared tokens change too (largest |A − B| {range}).",
  'compare.extendsCausal':
    '{longer} repeats all {n} tokens of {shorter} and goes on{sizes}. With the causal mask a position sees only the tokens before it, so on those {n} positions every head attends alike: A − B is 0 everywhere (up to float rounding: largest |A − B| {range}). Change a token of {shorter} to see a difference.',
  'compare.encoder':
    'A − B per head over {n} aligned tokens ({edits}){sizes}; tokens differ from position {first} on. In an encoder every token sees every other one, so the rows of the tokens both texts share change too. Largest changes on shared tokens (A → B): {named}. Largest per head: {largest}.',
  'compare.causal':
    'A − B per head over {n} aligned tokens ({edits}){sizes}; tokens differ from position {first} on, so every earlier row is identical (causal mask). Largest changes: {largest}.',
  'compare.edits': (p) =>
    [
      p.changed ? `${p.changed} changed` : '',
      p.deleted ? `${p.deleted} only in A (deleted)` : '',
      p.inserted ? `${p.inserted} only in B (inserted)` : '',
    ]
      .filter(Boolean)
      .join(', ') || 'no edit',
  'compare.nextA': 'next token after A',
  'compare.nextB': 'next token after B',
  'compare.maskedA': '[MASK] guesses in A',
  'compare.maskedB': '[MASK] guesses in B',
  'compare.shows': 'A − B of every head, head {head} large; B: "{text}"',
  'compare.onlyA': 'only in A (deleted in B)',
  'compare.onlyB': 'only in B (inserted)',
  'compare.matchedLegend': 'rows and columns: tokens matched between A and B (longest common subsequence)',
  'steps.tab': 'Step by step',
  'steps.hint':
    "How one head computes the attention of one token, on this text's real numbers. Pick the token and the head (the layer is chosen above); hover a step to see where it shows on the page.",
  'steps.query': 'Token (query)',
  'steps.head': 'Head',
  'steps.legend': 'numbers of this run: q, k, v from the model, the rest computed from them as the model does',
  'steps.shows': 'step by step, head {head}',
  'steps.tableTop': 'the {n} largest weights of {keys} keys',
  'steps.colKey': 'key',
  'steps.colWeight': 'weight',
  'steps.title.embed': "The token's vector",
  'steps.title.project': 'Query, key and value: W<sup>Q</sup>, W<sup>K</sup>, W<sup>V</sup>',
  'steps.title.scores': 'Scores: the query meets every key',
  'steps.title.scale': 'Scale by √d<sub>k</sub>',
  'steps.title.mask': 'The mask',
  'steps.title.softmax': 'Softmax: scores become weights',
  'steps.title.weighted': 'The weighted sum of the values',
  'steps.title.concat': 'All heads side by side (concatenation)',
  'steps.title.output': 'The output projection W<sup>O</sup>',
  'steps.embed.causal':
    '{token} (position {i}) enters layer {layer} as a vector x of d<sub>model</sub> = {dModel} numbers: its word and position embeddings, changed by the layers below, then normalised (GPT-2 applies LayerNorm before attention). Every token of the text has such a vector; attention mixes them.',
  'steps.embed.encoder':
    '{token} (position {i}) enters layer {layer} as a vector x of d<sub>model</sub> = {dModel} numbers: in layer 0 its word, position and segment embeddings (normalised), later the output of the layer below. Every token of the text has such a vector; attention mixes them.',
  'steps.project':
    'Head {head} multiplies x by three matrices of its own, each {dModel} × {dK}: q = x W<sup>Q</sup>, k = x W<sup>K</sup>, v = x W<sup>V</sup>, so {dModel} numbers become {dK}. The query says what this token looks for, the key what it offers to others, the value what it passes on. For {token}:',
  'steps.scores':
    'The query of {token} is compared with the key of each of the {keys} tokens it can see by a dot product, s<sub>ij</sub> = q<sub>i</sub> · k<sub>j</sub>: the better a key matches, the larger the score.',
  'steps.scale':
    'Each score is divided by √d<sub>k</sub> = √{dK} = {sqrt} (the ÷√d<sub>k</sub> column). Without it scores grow with the length of the vectors and softmax would give almost all the weight to one key.',
  'steps.mask.causal':
    'GPT-2 may not look ahead: the {masked} keys after position {i} get −∞ added to their score, so their weight is exactly 0 and they are not in the table (the hatched cells of the heatmaps).',
  'steps.mask.last':
    'GPT-2 may not look ahead, but {token} is the last token: every key is before it, nothing is masked.',
  'steps.mask.encoder':
    'No mask: an encoder reads the whole text at once, so {token} sees every token, before and after it (only padding would be masked, and the page adds none).',
  'steps.softmax':
    'Softmax makes the scaled scores positive weights that sum to 1: a<sub>ij</sub> = e<sup>s<sub>ij</sub> − max</sup> / Σ<sub>m</sub> e<sup>s<sub>im</sub> − max</sup> (row max {max}, sum {sum}). The largest weight goes to {top} ({w}). These weights are what the heatmaps colour and the head view draws as lines.',
  'steps.weighted':
    "The head's output for {token} is the weighted sum of all values it sees, z = Σ<sub>j</sub> a<sub>ij</sub> v<sub>j</sub>: {dK} numbers, |z| = {norm}. Tokens with large weights pass on most of their value.",
  'steps.concat':
    "The {nHead} heads of layer {layer} do the same at once, each with its own W<sup>Q</sup>, W<sup>K</sup>, W<sup>V</sup>, so each can look for something else. Their outputs of {dK} numbers are put side by side: {nHead} × {dK} = {concat} numbers. The size |z| of each head's output for {token}:",
  'steps.output':
    "The concatenation is multiplied by W<sup>O</sup> ({concat} × {dModel}), which mixes the heads, and the result is added to the token's vector (the residual connection): the next layer starts from there. Switching a head off (Ablate heads) sets its part to 0 before W<sup>O</sup>.",
  'steps.embedRow':
    "({n} numbers: the token's row of the embedding matrix, before the position is added and before the layers)",
  'steps.show.embed': 'Show in the head view',
  'steps.show.softmax': 'Show in the model view',
  'steps.show.weighted': 'Explain the largest weight',
  'kinds.tab': 'Three kinds of head',
  'kinds.hint':
    'The example this page starts from says that one head follows grammar, one finds what a pronoun means, and one links words of similar meaning. Here each kind is measured on this model and text: the best head, its score, the score of a head that spreads its attention evenly (chance), and the label threshold the head chips use.',
  'kinds.legend':
    'score: mean attention weight on the keys the kind names; chance: the same for uniform attention; threshold: <code>max(2 × chance, chance + 0.3)</code>',
  'kinds.shows': 'three kinds of head',
  'kinds.title.syntax': 'Grammar (syntax)',
  'kinds.title.pronoun': 'The pronoun and its antecedent',
  'kinds.title.semantic': 'Words of similar meaning',
  'kinds.proxy.syntax':
    'Measured by a stated proxy, as no parser runs here: the weight from each token to its neighbour (the token before it; in an encoder also the one after), the most frequent grammatical link.',
  'kinds.proxy.pronoun':
    'The weight from the pronoun to the word it refers to (its antecedent), where the page knows it: the seed sentences in English and Bengali (tired / wide).',
  'kinds.proxy.semantic':
    'The weight from each token to the other token most similar to it by the cosine of their input embeddings (earlier tokens only with the causal mask; copies of the same token left out).',
  'kinds.clears': '{head} does it best: {score} against {chance} by chance (label threshold {threshold}).',
  'kinds.none':
    'No head clears chance by the threshold: the best, {head}, gives {score} against {chance} by chance (label threshold {threshold}).',
  'kinds.pronounDetail': '{pronoun} → {antecedent}: {score}; on the other candidate {other}: {otherScore}.',
  'kinds.semanticDetail': 'Over {n} tokens; the most similar pair: {query} → {key} (cosine {cosine}).',
  'kinds.missing.syntax': 'The text is too short: no token has a neighbour to measure.',
  'kinds.missing.pronoun':
    'The page knows the antecedent only in the seed sentences (English and Bengali, tired / wide): choose one of those presets to measure this kind.',
  'kinds.missing.embeddings':
    "This model's token embeddings cannot be read here (its model.safetensors has no embedding matrix the page can read, or it is split into shards): this kind is not measured.",
  'kinds.missing.semantic': 'No token has another token to compare with.',
  'kinds.missing.loading': "Reading the model's token embeddings…",
  'explain.empty':
    'Open the Model view and click a cell of a head (or focus the large map and press Enter) to see how that weight is computed.',
  'explain.words': 'A weight is explained on sub-word pieces: switch “Words” off to explain it.',
  'explain.hidden':
    'A weight is explained as the model computed it, over every token: show [CLS]/[SEP] again to explain it (hidden, the rows are renormalised).',
  'explain.heading': 'layer {layer}, head {head}: how much {query} (query {i}) attends to {key} (key {j})',
  'explain.qStrip': 'query vector, {n} values',
  'explain.kStrip': 'key vector, {n} values',
  'explain.product': 'element-wise product',
  'explain.score': 'score s<sub>ij</sub>',
  'explain.mask': 'mask M<sub>ij</sub>',
  'explain.rowMax': 'row max',
  'explain.weight': 'weight a<sub>ij</sub>',
  'explain.overCausal': 'over keys 0…{i}, {n} keys',
  'explain.overAll': 'over all {n} keys',
  'explain.normaliser': '(softmax normaliser {over})',
  'explain.noMask': '(encoder: no mask, every key is visible; only padding would get −∞, and the page pads nothing)',
  'explain.future': '(key {j} &gt; query {i}: the future)',
  'explain.allowed': '(key {j} ≤ query {i}: allowed)',
  'explain.maskedWeight': '= e<sup>−∞</sup> / {sum} = 0: a masked key gets no weight; page: {shown}',
  'explain.page': 'page: {shown}',
  'explain.share': '{percent}% of Σ<sub>m</sub> |a<sub>im</sub> v<sub>m</sub>|; |head output| {norm}',
  'explain.layers': '{n} layers',
  'explain.selfCausal': 'Q = K = V = LayerNorm(x) here (self-attention), M<sub>ij</sub> = −∞ for j &gt; i.',
  'explain.selfEncoder':
    'Q = K = V = x, the layer input (self-attention; BERT normalises after the block), M = 0: no causal mask.',
  'measured.intro':
    "Does “it” attend to its antecedent? Measured on {sentences} sentences ({pairs} pairs like “…because it was tired / wide”, where a word after “it” picks the antecedent). Chance: the antecedent's share of the text's tokens, {chance} on average. No head resolves “it”: the best gives the antecedent more than the other candidate in both sentences of {best}/{pairs} pairs.",
  'measured.table': 'Heads that move the row of it towards its antecedent',
  'measured.head': 'head',
  'measured.moves': 'moves',
  'measured.movesTitle': 'pairs where changing the deciding word moves the split towards the meant antecedent',
  'measured.shift': 'shift',
  'measured.shiftTitle': "mean change of the subject's share of the two candidates",
  'measured.resolves': 'resolves',
  'measured.resolvesTitle': 'pairs where the antecedent gets more than the other candidate in both sentences',
  'measured.onAnte': 'on ante.',
  'measured.onAnteTitle': 'mean weight of it on the antecedent',
  'measured.onOther': 'on other',
  'measured.onOtherTitle': 'mean weight on the other candidate',
  'measured.times': '× chance',
  'measured.timesTitle': 'weight on the antecedent over chance',
  'measured.seed':
    '{head} in the seed pair, weight of “it” on “{ante}” / “{other}”: {a} / {b} with “tired”, {c} / {d} with “wide” (chance {chance} per one-piece word).',
  'measured.footer':
    'Click a row to open that head. Numbers: <code>models/all-MiniLM-L6-v2.md</code> (<code>tools/minilm/it_attention.mjs</code>).',
  'score.chance': 'chance {chance}',
  'score.labelAt': 'label at {threshold}',
  'score.noLabel': 'no label',
  'score.nearest': 'no label; nearest: {what}',
  'score.heldOut': 'on held-out text: {labels}',
  'score.name.induction': 'induction',
  'score.name.duplicate': 'duplicate-token',
  'score.name.previous': 'previous-token',
  'score.name.next': 'next-token',
  'score.name.first': 'first-token (sink)',
  'score.name.delimiter': 'delimiter',
  'score.name.local': 'local window',
  'score.short.induction': 'ind',
  'score.short.duplicate': 'dup',
  'score.short.previous': 'prev',
  'score.short.next': 'next',
  'score.short.first': 'first',
  'score.short.delimiter': 'delim',
  'score.short.local': 'local',
  'model.loadingBytes': (p) =>
    p.total ? `loading ${p.name}… ${p.percent}% (${p.loaded} of ${p.total})` : `loading ${p.name}… ${p.loaded}`,
  'model.fileBytes': (p) => (p.total ? `${p.loaded} of ${p.total}` : p.loaded),
  'model.fileStatus.initiate': 'asked',
  'model.fileStatus.download': 'downloading',
  'model.fileStatus.progress': 'downloading',
  'model.fileStatus.done': 'done',
  'model.memory': 'in memory {bytes}',
  'model.memoryTitle': "bytes the model holds in the engine's memory (weights, caches and scratch)",
  'model.kvHeads': (p) => ` (${p.n} ${plural(p.n, 'kv head', 'kv heads')}: grouped-query attention)`,
  'model.restoring': 'the new model did not load; loading {name} again…',
  'model.builtInGroup': 'On this server',
  'model.hubGroup': 'From the Hugging Face Hub',
  'model.hubOption': '{name} · {id} · download ≈ {bytes}',
  'model.hubOther': '{id} (Hub)',
  'model.workerStopped': 'the model worker stopped: {message}',
  'model.workerNoStart': 'it could not start',
  'model.noneLoaded': 'no model is loaded: pick one',
  'model.noRequest': 'model worker: no request "{type}"',
  'model.needsTokenizer':
    "tokenizer.json: the page needs the model's tokenizer.json to turn text into tokens, got none",
  'load.failedStartHub': 'Could not load {hub} from {hubUrl}: {message}. Pick one above or load your own files.',
  'hub.note.multilingual': 'Bengali and 103 more languages',
  'hub.idLabel':
    'Or any compatible model of the Hugging Face Hub (GPT-2, BERT, DistilBERT, Llama, Qwen2, Mistral; one <code>model.safetensors</code> or its shards), by id; a link to the page keeps it:',
  'hub.idPlaceholder': 'owner/name',
  'hub.revisionAria': 'Revision (branch, tag or commit)',
  'hub.load': 'Load from the Hub',
  'hub.urlLabel': 'Hub address (a mirror):',
  'hub.filesAria': 'Files of the model being loaded',
  'hub.loaded': 'Loaded {id} from the Hub: "Link" and a reload open this model again.',
  'hub.failed': 'Could not load {id}: {message}',
  'hub.idInvalid': '"{id}" is not a Hub id: expected "owner/name" (letters, digits, "-", "_" and ".")',
  'generate.button': 'Generate',
  'generate.stop': 'Stop',
  'generate.count': 'new tokens',
  'generate.running': 'generating… {n} of {max} tokens',
  'generate.done': (p) =>
    `${p.n} ${plural(p.n, 'token', 'tokens')} generated (` +
    `${{ length: 'the count asked', stop: 'an end token', callback: 'stopped' }[p.reason] ?? p.reason})`,
  'generate.stopped': (p) => `stopped after ${p.n} ${plural(p.n, 'token', 'tokens')}`,
  'generate.failed': 'Could not generate: {message}',
  'generate.encoder': 'generate: an encoder does not generate text; pick a decoder model',
  'generate.empty': 'text: expected at least 1 token to continue, got 0',
  'generate.full': "text: {n} tokens fill the model's context of {context}: no room to generate",
  'explain.computing': 'Computing q, k and v of this layer…',
  'explain.unsupported': "explain: this package's {type} models do not give their q, k and v yet (update mha-wasm)",
  'head.kvText': ' (kv head {kv})',
  'head.nameKv': 'H{head} · kv{kv}',
};

const BN = {
  'page.title': 'mha-wasm · অ্যাটেনশন এক্সপ্লোরার',
  'page.heading': 'অ্যাটেনশন এক্সপ্লোরার',
  'page.tagline':
    'GPT-2 ধাঁচের ডিকোডার বা BERT ধাঁচের এনকোডারের প্রতিটি হেড, আপনার ব্রাউজারেই হিসাব হচ্ছে <code>mha-wasm</code> দিয়ে (C++ → WebAssembly SIMD)',
  'page.footer': 'ইন্টারনেট ছাড়াই চলে: পেজ, মডেল আর wasm ইঞ্জিন — সবই এই কম্পিউটার থেকে আসছে।',
  'lang.group': 'ভাষা',
  'model.label': 'মডেল',
  'model.ownButton': 'নিজের মডেল…',
  'model.loadingShort': 'লোড হচ্ছে…',
  'model.loading': '{name} লোড হচ্ছে…',
  'model.info':
    '{name}: {layers}টি লেয়ার × {heads}টি হেড{kv}, d_model {dModel}, d_k {dK}, কনটেক্সট {context} টোকেন, শব্দভান্ডার {vocab}',
  'model.encoderKind': ' · {type} এনকোডার: দুই দিকেই দেখে, কোনো কজাল মাস্ক নেই; {head}',
  'model.mlmHead': 'মাস্কড-ভাষা-মডেল হেড আছে',
  'model.noLmHead': 'ভাষা-মডেল হেড নেই',
  'model.kept': '{name} (আগেরটাই রইল: নতুন মডেল লোড হয়নি)',
  'model.none': 'কোনো মডেল লোড হয়নি',
  'model.yourFiles': 'আপনার মডেল (ফাইল থেকে)',
  'model.yourModel': 'আপনার মডেল',
  'model.listError': 'models.json: {message}',
  'files.heading': 'নিজের GPT-2 মডেল আনুন',
  'files.intro':
    'Hugging Face-এর GPT-2 মডেলের চারটি ফাইল বেছে নিন বা এখানে টেনে আনুন: <code>config.json</code>, <code>model.safetensors</code> (F32 বা F16), <code>vocab.json</code>, <code>merges.txt</code>। কিছুই কোথাও আপলোড হয় না: ফাইলগুলো এই ট্যাবেই পড়া হয়। কোনো ফাইল {limit}-এর বেশি হলে নেওয়া হয় না।',
  'files.drop': 'ফাইলগুলো এখানে ছেড়ে দিন, অথবা',
  'files.choose': 'ফাইল বেছে নিন',
  'files.urlLabel': 'অথবা এই পেজের সার্ভারে রাখা একটি মডেল ফোল্ডার (একই চারটি ফাইল); পেজের লিংকে এটি থেকে যায়:',
  'files.loadFolder': 'ফোল্ডার লোড করুন',
  'files.reading': 'ফাইলগুলো পড়া হচ্ছে…',
  'files.loadedUrl': '{url} লোড হয়েছে: "লিংক" বা পেজ রিলোড করলে এই মডেলই আবার খুলবে।',
  'files.loaded': 'লোড হয়েছে: {names}। লিংকে আপনার ফাইল যায় না: "লিংক" বা রিলোডের পরে ফাইলগুলো আবার চাইবে।',
  'files.failedUrl': '{url} লোড করা গেল না: {message}',
  'files.failed': 'এই মডেলটি লোড করা গেল না: {message}',
  'files.keeps': ' পেজ আগের মতোই {name} ব্যবহার করছে।',
  'files.notice':
    'এই লিংকটি বানানো হয়েছিল কম্পিউটারের ফাইল থেকে পড়া একটি মডেল দিয়ে, আর লিংকে ফাইল যায় না: তাই পেজ ডিফল্ট মডেলটি দেখাচ্ছে। নিজেরটি দেখতে "নিজের মডেল…" দিয়ে ফাইলগুলো আবার দিন।',
  'files.notOnServer': '{url} এই পেজের সার্ভারে ({origin}) নেই; পেজ শুধু নিজের সার্ভার থেকেই মডেল লোড করে',
  'files.missing': '{missing} পাওয়া যায়নি (দেওয়া হয়েছে: {got})। চারটি ফাইলই দিন: {required}।',
  'files.nothing': 'কিছুই না',
  'files.tooLarge': '{name} ফাইলটি {size}, অথচ এই পেজে প্রতিটি ফাইলের সীমা {limit}।',
  'files.empty': '{name} ফাইলটি খালি।',
  'files.badMeasured': '{file}: ফরম্যাট "mha-it-attention" হওয়ার কথা, heads আর sentences সহ; পাওয়া গেল {format}',
  'load.failed': '{name} লোড করা গেল না: {message}',
  'load.failedStart': '{url} থেকে মডেল লোড করা গেল না: {message}। ওপর থেকে একটি মডেল বেছে নিন, বা নিজের ফাইল দিন।',
  'run.failed': 'এই লেখায় মডেল চালানো গেল না: {message}',
  'run.empty': 'কিছু লিখুন: মডেলের অন্তত একটি টোকেন দরকার।',
  'context.encoder':
    '[CLS] আর [SEP] মিলিয়ে লেখাটিতে {total}টি টোকেন, মডেলের কনটেক্সটের ({kept}) চেয়ে বেশি: এর টোকেনাইজার প্রথম {kept}টি রাখে (শেষের {left}টি বাদ পড়ে)।',
  'context.decoder':
    'লেখাটিতে {total}টি টোকেন, মডেলের কনটেক্সটের ({kept}) চেয়ে বেশি: পেজ শেষের {kept}টি টোকেন নেয় (প্রথম {left}টি বাদ পড়ে), তাই "পরের টোকেন" আপনার লেখার শেষে কী আসবে তারই অনুমান।',
  'input.region': 'ইনপুট',
  'input.text': 'লেখা',
  'input.placeholder': 'এখানে লিখুন বা পেস্ট করুন',
  'input.presets': 'তৈরি উদাহরণ',
  'input.tokens': 'মডেল লেখাটিকে যে টোকেনগুলোতে ভাঙে',
  'preset.seed': 'মূল বাক্য',
  'preset.wide': '…সেটি চওড়া ছিল',
  'preset.repeated': 'একই বাক্য দুবার',
  'preset.random': 'এলোমেলো টোকেন, দুবার',
  'preset.randomTitle':
    'এলোমেলোভাবে বাছা ৫০টি শব্দ-টোকেন, তারপর ঠিক সেই ৫০টি আবার: ইনডাকশন হেড আগের কপিতে যে টোকেন এর পরে এসেছিল, সেদিকে তাকায়',
  'preset.dialogue': 'সংলাপ',
  'preset.pair': 'তুলনা: ক্লান্ত / চওড়া',
  'preset.pairTitle': 'মূল বাক্যের সঙ্গে একটি শব্দ বদলানো বাক্যের তুলনা',
  'preset.encoderPair': '{name}: ক্লান্ত / চওড়া',
  'preset.encoderPairTitle': '{name} খুলুন (একটি এনকোডার: "it" পরের "tired" / "wide" শব্দও দেখতে পায়) আর জোড়াটির তুলনা করুন',
  'preset.long': 'পুরো কনটেক্সট',
  'preset.longTitle': 'মডেলের পুরো কনটেক্সট ভরে দিন',
  'preset.bnSeed': 'বাংলা: ক্লান্ত',
  'preset.bnWide': 'বাংলা: চওড়া',
  'preset.bnPair': 'বাংলায় তুলনা',
  'preset.bnPairTitle': 'মূল বাক্যজোড়া বাংলায় (একটি শব্দ বদলানো), বাংলা টোকেন চেনে এমন এনকোডারের জন্য',
  'preset.bnMixed': 'বাংলা + ইংরেজি',
  'tokens.title': 'টোকেন {n}, আইডি {id}',
  'tokens.piece': ' (WordPiece {piece}: · মানে আগের শব্দেরই বাকি অংশ)',
  'tokens.special': ', বিশেষ টোকেন',
  'tokens.specialHidden': ', বিশেষ টোকেন (ভিউগুলোতে লুকানো)',
  'tokens.cut': '… {n}টি টোকেন বাদ পড়েছে',
  'tokens.cutTitle': 'বাদ পড়েছে: মডেলের কনটেক্সটে আঁটেনি',
  'timing.line': (p) => `${p.tokens}টি টোকেন · ফরোয়ার্ড ${p.forward} ms · আপডেট ${p.update} ms · ${p.threads}টি থ্রেড`,
  'timing.single': 'একটি থ্রেডে চলছে: {reason}',
  'timing.build': '{build} বিল্ড',
  'toolbar.views': 'ভিউ',
  'toolbar.layer': 'লেয়ার',
  'toolbar.words': 'শব্দ',
  'toolbar.wordsTitle': 'একটি শব্দের সব টুকরো (সাব-ওয়ার্ড) মিলিয়ে একটি সারি ও একটি কলাম করুন',
  'toolbar.special': '[CLS]/[SEP] লুকান',
  'toolbar.specialTitle':
    'এনকোডারের [CLS] আর [SEP] লুকান: এদের সারি ও কলাম বাদ যায়, আর বাকি প্রতিটি সারি আবার ভাগ করে যোগফল 1 করা হয়',
  'toolbar.export': 'এক্সপোর্ট',
  'toolbar.link': 'লিংক',
  'toolbar.linkTitle': 'ঠিক এই ভিউটির লিংক কপি করুন',
  'toolbar.copied': 'কপি হয়েছে{files}',
  'toolbar.seeAddress': 'অ্যাড্রেস বার দেখুন{files}',
  'toolbar.withoutFiles': ' (আপনার ফাইল ছাড়া)',
  'export.nothing': 'এক্সপোর্ট করার মতো কিছু এখনও নেই: কোনো মডেল চলেনি। ওপর থেকে একটি মডেল বেছে নিন।',
  'export.caption': '{model} · {viewName} · লেয়ার {layer} · {shows} · "{text}"',
  'side.next': 'পরের টোকেন',
  'side.masked': '[MASK]-এর অনুমান',
  'side.predictions': 'অনুমান',
  'side.ablate': 'হেড বন্ধ করুন <span class="muted">(W<sup>O</sup>-এর আগে আউটপুট শূন্য)</span>',
  'side.ablationGroup': 'হেড বন্ধ করা: কোনো হেডে ক্লিক করলে সেটি বন্ধ হবে',
  'side.ablationCell': 'লেয়ার {layer}, হেড {head}',
  'side.about': 'এই মডেল সম্পর্কে',
  'side.explain': 'একটি ওজনের ব্যাখ্যা',
  'predict.maskedGuesses': 'লেখার প্রথম [MASK]-এর জায়গায় মডেল কী বসাতে চায় (তার মাস্কড-ভাষা-মডেল হেড থেকে)।',
  'predict.typeMask': 'এই এনকোডারের একটি মাস্কড-ভাষা-মডেল হেড আছে: লেখায় [MASK] লিখুন, ওই জায়গায় মডেল কী অনুমান করে দেখুন।',
  'predict.noHead':
    'এই এনকোডারের কোনো ভাষা-মডেল হেড নেই, তাই অনুমান করার কিছু নেই: এটি দেয় অ্যাটেনশন আর একটি বাক্য-এমবেডিং (শেষ লেয়ারের হিডেন স্টেটগুলোর গড়, {size}টি সংখ্যা, দৈর্ঘ্য 1)।',
  'predict.compareHint': ' দুটি লেখার তুলনা করলে দেখবেন তাদের এমবেডিং কতটা কাছাকাছি।',
  'predict.cosine': ' A আর B-এর কোসাইন: {cosine}।',
  'predict.without': 'কোনো হেড বন্ধ না করলে: {p}',
  'ablation.off': (p) =>
    `${p.n}টি হেড বন্ধ: ${p.predicts ? 'পরের লেয়ারগুলোর অ্যাটেনশন আর অনুমান' : 'পরের লেয়ারগুলোর অ্যাটেনশন'} নতুন করে হিসাব হয়েছে${p.predicts ? '; ▲▼ = সব হেড চালু থাকার তুলনায় পরিবর্তন' : ''}।`,
  'ablation.allOn': 'সব হেড চালু। কোনো হেড বন্ধ করতে তাতে ক্লিক করুন।',
  'legend.words':
    'শব্দ: একটি সারি হলো কোয়েরি-শব্দের টুকরোগুলোর গড়, একটি ঘর হলো কী-শব্দের টুকরোগুলোর যোগফল (প্রতিটি সারির যোগফল তবুও 1)',
  'legend.scale': '√ স্কেল',
  'legend.scaleTitle': 'রং ঠিক হবে ওজনের বর্গমূল দিয়ে: ছোট ওজনগুলোও চোখে পড়বে',
  'legend.masked': 'মাস্ক করা (ভবিষ্যৎ)',
  'legend.noMask': 'এনকোডার: কোনো মাস্ক নেই, প্রতিটি টোকেন বাকি সব টোকেন দেখে (পেজ কোনো প্যাডিং যোগ করে না)',
  'legend.special': 'বিশেষ টোকেন (“[CLS]/[SEP] লুকান” চাপলে বাদ যায়)',
  'legend.specialHidden': 'লুকানো',
  'legend.specialDropped':
    ': এদের সারি ও কলাম বাদ, বাকি প্রতিটি সারি আবার ভাগ করে লেখার টোকেনগুলোর ওপর যোগফল 1 করা হয়েছে (গড়ে একটি সারির ওজনের {percent}% এদের কাছে যেত)',
  'legend.weight': 'অ্যাটেনশন ওজন',
  'legend.sqrt': ' (রং ∝ √ওজন)',
  'legend.difference': 'B-তে বেশি {bar} A-তে বেশি (A − B, ±{range})',
  'legend.lines': 'রেখা যত গাঢ়, {opacity} তত বেশি ({min}-এর কম ওজন আঁকা হয়নি)',
  'legend.opacityWeight': 'ওজন',
  'legend.opacitySqrt': '√ওজন',
  'legend.bars': 'অন্য কলামের পাশের দণ্ড: বেছে নেওয়া টোকেনের ওজন, প্রতিটি হেডের জন্য একটি, আর সবচেয়ে বড়টি (সেই হেডের রঙে)',
  'cell.query': 'কোয়েরি',
  'cell.key': 'কী',
  'cell.masked': 'মাস্ক করা (কী আছে কোয়েরির পরে)',
  'cell.weight': 'ওজন {w}',
  'heads.tab': 'হেড ভিউ',
  'heads.chips': 'হেড: ক্লিক করলে চালু/বন্ধ, ডাবল-ক্লিক (বা S) করলে শুধু সেটিই',
  'heads.hint':
    'কোনো টোকেনের ওপর মাউস রাখলে শুধু তার রেখাগুলো দেখা যাবে, ক্লিক করলে সেটি আটকে থাকবে (কিবোর্ডে: ছবিতে ফোকাস করে ↑ ↓ ← → আর Enter, Esc চাপলে ছেড়ে দেয়)। টোকেন আটকানো থাকলে দণ্ডের পাশের কোনো ওজনে ক্লিক করুন, তার ব্যাখ্যা পাবেন। রেখা যত গাঢ়, অ্যাটেনশন ওজন তত বেশি; প্রতিটি হেডের নিজস্ব রং। বাঁ দিকে যে টোকেন তাকাচ্ছে (কোয়েরি), ডান দিকে যে টোকেনগুলোর দিকে সে তাকাচ্ছে (কী)।',
  'heads.canvas': 'হেড ভিউ: প্রতিটি কোয়েরি টোকেন থেকে যে কী টোকেনগুলোর দিকে সে তাকায়, তাদের দিকে রেখা',
  'heads.every': 'সব হেড',
  'heads.some': 'হেড {list}',
  'heads.off': ' · বন্ধ',
  'heads.chipTitle': 'হেড {head}, এই লেখায় স্কোর (✓ = লেবেল পেয়েছে):',
  'heads.chipHelp': 'ক্লিক করলে চালু/বন্ধ, ডাবল-ক্লিক বা S চাপলে শুধু এটি',
  'model.tab': 'মডেল ভিউ',
  'model.hint':
    'প্রতিটি লেয়ার (সারিতে) × হেড (কলামে): ছোট ছবির সারি = কোয়েরি, কলাম = কী, যত গাঢ় তত বেশি অ্যাটেনশন<span data-causal-only>, ডোরাকাটা = মাস্ক করা (ভবিষ্যৎ)</span>। কোনো হেডে ক্লিক করলে সেটি বড় করে খুলবে; তার ঘরগুলোর ওপর মাউস রাখুন, কোনো ঘরে ক্লিক করলে সেই ওজনের ব্যাখ্যা পাবেন।',
  'model.gridCanvas': 'সব লেয়ারের সব হেড, ছোট ছোট হিটম্যাপে',
  'model.largeCanvas': 'বেছে নেওয়া হেডটি বড় হিটম্যাপে; তীর-কী দিয়ে ঘর সরান, Enter চাপলে ব্যাখ্যা',
  'model.title': 'লেয়ার {layer}, হেড {head}',
  'model.headScores': 'লেয়ার {layer}, হেড {head}, এই লেখায় স্কোর:',
  'model.shows': 'সব হেড, হেড {head} বড় করে',
  'agg.tab': 'সমষ্টি',
  'agg.group': 'সমষ্টি',
  'agg.mean': 'হেডগুলোর গড়',
  'agg.max': 'হেডগুলোর সর্বোচ্চ',
  'agg.rollout': 'লেয়ার জুড়ে রোলআউট',
  'agg.hint.mean': 'বেছে নেওয়া লেয়ারের সব হেডের গড়: পুরো লেয়ারটি মিলিয়ে কোথায় তাকায়।',
  'agg.hint.max': 'বেছে নেওয়া লেয়ারের হেডগুলোর সর্বোচ্চ: কোনো একটি হেডও যেখানে তাকায়, সেই ঘর গাঢ়।',
  'agg.hint.rollout':
    'অ্যাটেনশন রোলআউট: প্রতিটি লেয়ারের হেডগুলোর গড়ের সঙ্গে রেসিডুয়াল যোগ করে (0.5 A + 0.5 I), লেয়ার 0 থেকে বেছে নেওয়া লেয়ার পর্যন্ত গুণ করা হয়: ইনপুটের কোন টোকেন থেকে কতটা তথ্য কোন অবস্থানে পৌঁছায়।',
  'agg.strip': 'প্রতিটি লেয়ারের সমষ্টি',
  'agg.canvas': 'সমষ্টির হিটম্যাপ',
  'agg.layer': 'লেয়ার {layer} ({mode})',
  'agg.modeName.mean': 'গড়',
  'agg.modeName.max': 'সর্বোচ্চ',
  'agg.modeName.rollout': 'রোলআউট',
  'agg.shows.rollout': 'লেয়ার 0 থেকে রোলআউট',
  'agg.shows': 'হেডগুলোর {mode}',
  'compare.tab': 'তুলনা',
  'compare.a': 'A (ওপরের মূল লেখা)',
  'compare.b': 'B',
  'compare.grid': 'প্রতিটি হেডে পার্থক্যের হিটম্যাপ, A বিয়োগ B',
  'compare.canvas': 'বেছে নেওয়া হেডের পার্থক্যের হিটম্যাপ',
  'compare.typeB': 'তুলনা করতে দ্বিতীয় একটি লেখা B লিখুন।',
  'compare.title': 'লেয়ার {layer}, হেড {head}: A − B',
  'compare.headMax': 'লেয়ার {layer}, হেড {head}\nসর্বোচ্চ |A − B| {max}',
  'compare.sizes': ' (A-তে {a}টি টোকেন, B-তে {b}টি)',
  'compare.same': 'A আর B-এর টোকেন হুবহু এক: কোনো হেডেই পার্থক্য নেই।',
  'compare.extendsEncoder':
    '{longer} লেখাটি {shorter}-এর সব {n}টি টোকেন রেখে আরও এগিয়েছে{sizes}। এনকোডারে প্রতিটি টোকেন পুরো লেখা দেখে, তাই দুই লেখায় মিল থাকা টোকেনগুলোর সারিও বদলায় (সবচেয়ে বড় |A − B| {range})।',
  'compare.extendsCausal':
    '{longer} লেখাটি {shorter}-এর সব {n}টি টোকেন রেখে আরও এগিয়েছে{sizes}। কজাল মাস্কের কারণে প্রতিটি অবস্থান শুধু তার আগের টোকেনগুলো দেখে, তাই ওই {n}টি অবস্থানে সব হেড একইভাবে তাকায়: A − B সবখানে 0 (ফ্লোট রাউন্ডিং বাদে: সবচেয়ে বড় |A − B| {range})। পার্থক্য দেখতে {shorter}-এর কোনো একটি টোকেন বদলান।',
  'compare.encoder':
    'মিলিয়ে সাজানো {n}টি টোকেনের ওপর প্রতিটি হেডের A − B ({edits}){sizes}; অবস্থান {first} থেকে টোকেন আলাদা। এনকোডারে প্রতিটি টোকেন বাকি সবাইকে দেখে, তাই দুই লেখায় থাকা টোকেনগুলোর সারিও বদলায়। মিল থাকা টোকেনে সবচেয়ে বড় পরিবর্তন (A → B): {named}। প্রতি হেডে সবচেয়ে বড়: {largest}।',
  'compare.causal':
    'মিলিয়ে সাজানো {n}টি টোকেনের ওপর প্রতিটি হেডের A − B ({edits}){sizes}; অবস্থান {first} থেকে টোকেন আলাদা, তাই তার আগের প্রতিটি সারি হুবহু এক (কজাল মাস্ক)। সবচেয়ে বড় পরিবর্তন: {largest}।',
  'compare.edits': (p) =>
    [
      p.changed ? `${p.changed}টি বদলানো` : '',
      p.deleted ? `${p.deleted}টি শুধু A-তে (মুছে ফেলা)` : '',
      p.inserted ? `${p.inserted}টি শুধু B-তে (যোগ করা)` : '',
    ]
      .filter(Boolean)
      .join(', ') || 'কোনো বদল নেই',
  'compare.nextA': 'A-এর পরের টোকেন',
  'compare.nextB': 'B-এর পরের টোকেন',
  'compare.maskedA': 'A-তে [MASK]-এর অনুমান',
  'compare.maskedB': 'B-তে [MASK]-এর অনুমান',
  'compare.shows': 'সব হেডের A − B, হেড {head} বড় করে; B: "{text}"',
  'compare.onlyA': 'শুধু A-তে আছে (B-তে মুছে ফেলা)',
  'compare.onlyB': 'শুধু B-তে আছে (যোগ করা)',
  'compare.matchedLegend': 'সারি ও কলাম: A আর B-এর যে টোকেনগুলো মিলেছে (দীর্ঘতম সাধারণ উপক্রম ধরে)',
  'steps.tab': 'ধাপে ধাপে',
  'steps.hint':
    'একটি হেড একটি টোকেনের অ্যাটেনশন কীভাবে হিসাব করে, এই লেখার আসল সংখ্যা দিয়ে। টোকেন আর হেড বেছে নিন (লেয়ার ওপরে বাছা হয়); কোনো ধাপের ওপর মাউস রাখলে পেজের কোথায় সেটি দেখা যায় তা আলো হয়ে উঠবে।',
  'steps.query': 'টোকেন (কোয়েরি)',
  'steps.head': 'হেড',
  'steps.legend': 'এই রানের সংখ্যা: q, k, v মডেল থেকে নেওয়া, বাকিটা মডেল যেভাবে করে সেভাবেই সেগুলো থেকে হিসাব করা',
  'steps.shows': 'ধাপে ধাপে, হেড {head}',
  'steps.tableTop': '{keys}টি কী-এর মধ্যে সবচেয়ে বড় {n}টি ওজন',
  'steps.colKey': 'কী',
  'steps.colWeight': 'ওজন',
  'steps.title.embed': 'টোকেনের ভেক্টর',
  'steps.title.project': 'কোয়েরি, কী আর ভ্যালু: W<sup>Q</sup>, W<sup>K</sup>, W<sup>V</sup>',
  'steps.title.scores': 'স্কোর: কোয়েরি প্রতিটি কী-এর সঙ্গে মেলানো হয়',
  'steps.title.scale': '√d<sub>k</sub> দিয়ে ভাগ',
  'steps.title.mask': 'মাস্ক',
  'steps.title.softmax': 'সফটম্যাক্স: স্কোর থেকে ওজন',
  'steps.title.weighted': 'ভ্যালুগুলোর ওজন-মেশানো যোগফল',
  'steps.title.concat': 'সব হেড পাশাপাশি (জোড়া লাগানো)',
  'steps.title.output': 'আউটপুট প্রজেকশন W<sup>O</sup>',
  'steps.embed.causal':
    '{token} (অবস্থান {i}) লেয়ার {layer}-এ ঢোকে d<sub>model</sub> = {dModel}টি সংখ্যার একটি ভেক্টর x হয়ে: শব্দ আর অবস্থানের এমবেডিং, নিচের লেয়ারগুলো যেটুকু বদলেছে তা সহ, তারপর নর্মালাইজ করা (GPT-2 অ্যাটেনশনের আগে LayerNorm করে)। লেখার প্রতিটি টোকেনের এমন একটি ভেক্টর আছে; অ্যাটেনশন এগুলোকেই মেশায়।',
  'steps.embed.encoder':
    '{token} (অবস্থান {i}) লেয়ার {layer}-এ ঢোকে d<sub>model</sub> = {dModel}টি সংখ্যার একটি ভেক্টর x হয়ে: লেয়ার 0-তে শব্দ, অবস্থান আর অংশের (সেগমেন্ট) এমবেডিং, নর্মালাইজ করা; পরের লেয়ারগুলোতে নিচের লেয়ারের আউটপুট। লেখার প্রতিটি টোকেনের এমন একটি ভেক্টর আছে; অ্যাটেনশন এগুলোকেই মেশায়।',
  'steps.project':
    'হেড {head} x-কে তার নিজের তিনটি ম্যাট্রিক্স দিয়ে গুণ করে, প্রতিটি {dModel} × {dK}: q = x W<sup>Q</sup>, k = x W<sup>K</sup>, v = x W<sup>V</sup>; ফলে {dModel}টি সংখ্যা থেকে হয় {dK}টি। কোয়েরি বলে টোকেনটি কী খুঁজছে, কী বলে সে অন্যদের কী দিতে পারে, আর ভ্যালু হলো যা সে আসলে পাঠিয়ে দেয়। {token}-এর জন্য:',
  'steps.scores':
    '{token}-এর কোয়েরিকে সে যে {keys}টি টোকেন দেখতে পায় তাদের প্রত্যেকের কী-এর সঙ্গে ডট গুণফল দিয়ে মেলানো হয়, s<sub>ij</sub> = q<sub>i</sub> · k<sub>j</sub>: কী যত ভালো মেলে, স্কোর তত বড়।',
  'steps.scale':
    'প্রতিটি স্কোরকে √d<sub>k</sub> = √{dK} = {sqrt} দিয়ে ভাগ করা হয় (÷√d<sub>k</sub> কলাম)। তা না করলে ভেক্টর লম্বা হলে স্কোরও বাড়ত, আর সফটম্যাক্স প্রায় পুরো ওজন একটি কী-কেই দিয়ে দিত।',
  'steps.mask.causal':
    'GPT-2 সামনে তাকাতে পারে না: অবস্থান {i}-এর পরের {masked}টি কী-এর স্কোরে −∞ যোগ হয়, তাই তাদের ওজন ঠিক 0, আর টেবিলে তারা নেই (হিটম্যাপের ডোরাকাটা ঘরগুলো)।',
  'steps.mask.last': 'GPT-2 সামনে তাকাতে পারে না, কিন্তু {token} শেষ টোকেন: সব কী-ই তার আগে, তাই কিছুই মাস্ক হয়নি।',
  'steps.mask.encoder':
    'কোনো মাস্ক নেই: এনকোডার পুরো লেখা একসঙ্গে পড়ে, তাই {token} আগের-পরের সব টোকেন দেখে (শুধু প্যাডিং মাস্ক হতো, আর পেজ কোনো প্যাডিং যোগ করে না)।',
  'steps.softmax':
    'সফটম্যাক্স ভাগ-করা স্কোরগুলোকে এমন ধনাত্মক ওজনে বদলায় যাদের যোগফল 1: a<sub>ij</sub> = e<sup>s<sub>ij</sub> − max</sup> / Σ<sub>m</sub> e<sup>s<sub>im</sub> − max</sup> (সারির সর্বোচ্চ {max}, যোগফল {sum})। সবচেয়ে বড় ওজন পায় {top} ({w})। হিটম্যাপের রং আর হেড ভিউয়ের রেখা এই ওজনগুলোই দেখায়।',
  'steps.weighted':
    '{token}-এর জন্য হেডের আউটপুট হলো সে যত ভ্যালু দেখে তাদের ওজন-মেশানো যোগফল, z = Σ<sub>j</sub> a<sub>ij</sub> v<sub>j</sub>: {dK}টি সংখ্যা, |z| = {norm}। যে টোকেনের ওজন বেশি, তার ভ্যালুই বেশি পৌঁছায়।',
  'steps.concat':
    'লেয়ার {layer}-এর {nHead}টি হেড একই সময়ে একই কাজ করে, প্রত্যেকে নিজের W<sup>Q</sup>, W<sup>K</sup>, W<sup>V</sup> দিয়ে, তাই প্রত্যেকে আলাদা কিছু খুঁজতে পারে। তাদের {dK}টি সংখ্যার আউটপুটগুলো পাশাপাশি জোড়া লাগানো হয়: {nHead} × {dK} = {concat}টি সংখ্যা। {token}-এর জন্য প্রতিটি হেডের আউটপুটের মাপ |z|:',
  'steps.output':
    'জোড়া লাগানো ভেক্টরকে W<sup>O</sup> ({concat} × {dModel}) দিয়ে গুণ করা হয়, যা হেডগুলোকে মেশায়; ফলটি টোকেনের আগের ভেক্টরের সঙ্গে যোগ হয় (রেসিডুয়াল সংযোগ), আর পরের লেয়ার সেখান থেকে শুরু করে। কোনো হেড বন্ধ করলে (হেড বন্ধ করুন) W<sup>O</sup>-এর আগে তার অংশটি 0 হয়ে যায়।',
  'steps.embedRow': '({n}টি সংখ্যা: এমবেডিং ম্যাট্রিক্সে এই টোকেনের সারি, অবস্থান যোগ হওয়ার আগে আর লেয়ারগুলোর আগে)',
  'steps.show.embed': 'হেড ভিউতে দেখুন',
  'steps.show.softmax': 'মডেল ভিউতে দেখুন',
  'steps.show.weighted': 'সবচেয়ে বড় ওজনের ব্যাখ্যা',
  'kinds.tab': 'তিন রকম হেড',
  'kinds.hint':
    'এই পেজ যে উদাহরণ থেকে শুরু, তাতে বলা হয়েছে: একটি হেড ব্যাকরণ মেনে চলে, একটি খুঁজে বের করে সর্বনামটি কাকে বোঝায়, আর একটি মিল-অর্থের শব্দগুলোকে জুড়ে দেয়। এখানে প্রতিটি রকম এই মডেল আর এই লেখায় মেপে দেখা হয়েছে: সবচেয়ে ভালো হেড, তার স্কোর, সমানভাবে সবদিকে তাকানো একটি হেডের স্কোর (দৈবাৎ), আর হেড-চিপ যে সীমা পেরোলে লেবেল দেয়।',
  'kinds.legend':
    'স্কোর: ওই রকমের নির্দিষ্ট কী-গুলোর ওপর গড় অ্যাটেনশন ওজন; দৈবাৎ: সমান অ্যাটেনশনে একই মান; সীমা: <code>max(2 × দৈবাৎ, দৈবাৎ + 0.3)</code>',
  'kinds.shows': 'তিন রকম হেড',
  'kinds.title.syntax': 'ব্যাকরণ (বাক্যগঠন)',
  'kinds.title.pronoun': 'সর্বনাম আর সে যাকে বোঝায়',
  'kinds.title.semantic': 'মিল-অর্থের শব্দ',
  'kinds.proxy.syntax':
    'এখানে কোনো পার্সার চলে না, তাই একটি ঘোষিত বিকল্প মাপ: প্রতিটি টোকেন থেকে তার প্রতিবেশীর ওপর ওজন (আগের টোকেন; এনকোডারে পরেরটিও), কারণ ব্যাকরণের সবচেয়ে সাধারণ সম্পর্ক পাশাপাশি শব্দের মধ্যেই।',
  'kinds.proxy.pronoun':
    'সর্বনাম থেকে যে শব্দকে সে বোঝায় (পূর্বপদ) তার ওপর ওজন, যেখানে পেজ সেটি জানে: ইংরেজি আর বাংলা মূল বাক্যগুলোতে (ক্লান্ত / চওড়া)।',
  'kinds.proxy.semantic':
    'প্রতিটি টোকেন থেকে ইনপুট এমবেডিংয়ের কোসাইনে তার সবচেয়ে কাছের অন্য টোকেনটির ওপর ওজন (কজাল মাস্কে শুধু আগের টোকেন; একই টোকেনের আরেকটি কপি বাদ)।',
  'kinds.clears': '{head} এটি সবচেয়ে ভালো করে: {score}, যেখানে দৈবাৎ {chance} (লেবেলের সীমা {threshold})।',
  'kinds.none':
    'কোনো হেডই সীমা পেরিয়ে দৈবাৎ মানের ওপরে ওঠে না: সবচেয়ে ভালো {head} দেয় {score}, দৈবাৎ {chance} (লেবেলের সীমা {threshold})।',
  'kinds.pronounDetail': '{pronoun} → {antecedent}: {score}; অন্য প্রার্থী {other}-এর ওপর: {otherScore}।',
  'kinds.semanticDetail': '{n}টি টোকেনের ওপর; সবচেয়ে কাছের জোড়া: {query} → {key} (কোসাইন {cosine})।',
  'kinds.missing.syntax': 'লেখাটি খুব ছোট: মাপার মতো প্রতিবেশী কোনো টোকেনের নেই।',
  'kinds.missing.pronoun':
    'পেজ পূর্বপদ জানে শুধু মূল বাক্যগুলোতে (ইংরেজি ও বাংলা, ক্লান্ত / চওড়া): এই রকমটি মাপতে ওই উদাহরণগুলোর একটি বেছে নিন।',
  'kinds.missing.embeddings':
    'এই মডেলের টোকেন এমবেডিং এখানে পড়া যায় না (এর model.safetensors-এ পেজের পড়ার মতো এমবেডিং ম্যাট্রিক্স নেই, বা ফাইলটি কয়েক টুকরোয় ভাগ করা): এই রকমটি মাপা হয়নি।',
  'kinds.missing.semantic': 'তুলনা করার মতো অন্য কোনো টোকেন নেই।',
  'kinds.missing.loading': 'মডেলের টোকেন এমবেডিং পড়া হচ্ছে…',
  'explain.empty':
    'মডেল ভিউ খুলে কোনো হেডের একটি ঘরে ক্লিক করুন (বা বড় হিটম্যাপে ফোকাস করে Enter চাপুন): ওই ওজনটি কীভাবে হিসাব হলো, এখানে ধাপে ধাপে দেখা যাবে।',
  'explain.words': 'ওজনের ব্যাখ্যা দেওয়া হয় শব্দের টুকরো ধরে: ব্যাখ্যা দেখতে “শব্দ” বন্ধ করুন।',
  'explain.hidden':
    'ওজনের ব্যাখ্যা দেওয়া হয় মডেল যেভাবে হিসাব করেছে সেভাবে, সব টোকেন ধরে: [CLS]/[SEP] আবার দেখালে ব্যাখ্যা পাবেন (লুকানো অবস্থায় সারিগুলো নতুন করে ভাগ করা)।',
  'explain.heading': 'লেয়ার {layer}, হেড {head}: {query} (কোয়েরি {i}) কতটা তাকায় {key}-এর দিকে (কী {j})',
  'explain.qStrip': 'কোয়েরি ভেক্টর, {n}টি সংখ্যা',
  'explain.kStrip': 'কী ভেক্টর, {n}টি সংখ্যা',
  'explain.product': 'উপাদান ধরে ধরে গুণফল',
  'explain.score': 'স্কোর s<sub>ij</sub>',
  'explain.mask': 'মাস্ক M<sub>ij</sub>',
  'explain.rowMax': 'সারির সর্বোচ্চ',
  'explain.weight': 'ওজন a<sub>ij</sub>',
  'explain.overCausal': 'কী 0…{i} জুড়ে, {n}টি কী',
  'explain.overAll': 'সব {n}টি কী জুড়ে',
  'explain.normaliser': '(সফটম্যাক্সের হর, {over})',
  'explain.noMask': '(এনকোডার: মাস্ক নেই, প্রতিটি কী দেখা যায়; শুধু প্যাডিং পেত −∞, আর পেজ কোনো প্যাডিং যোগ করে না)',
  'explain.future': '(কী {j} &gt; কোয়েরি {i}: ভবিষ্যৎ)',
  'explain.allowed': '(কী {j} ≤ কোয়েরি {i}: দেখা যায়)',
  'explain.maskedWeight': '= e<sup>−∞</sup> / {sum} = 0: মাস্ক করা কী কোনো ওজন পায় না; পেজে: {shown}',
  'explain.page': 'পেজে: {shown}',
  'explain.share': 'Σ<sub>m</sub> |a<sub>im</sub> v<sub>m</sub>|-এর {percent}%; |হেডের আউটপুট| {norm}',
  'explain.layers': '{n}টি লেয়ার',
  'explain.selfCausal': 'এখানে Q = K = V = LayerNorm(x) (সেল্ফ-অ্যাটেনশন), j &gt; i হলে M<sub>ij</sub> = −∞।',
  'explain.selfEncoder':
    'Q = K = V = x, লেয়ারের ইনপুট (সেল্ফ-অ্যাটেনশন; BERT নর্মালাইজ করে ব্লকের পরে), M = 0: কোনো কজাল মাস্ক নেই।',
  'measured.intro':
    '“it” কি তার পূর্বপদের (যাকে সে বোঝায়) দিকে তাকায়? মাপা হয়েছে {sentences}টি বাক্যে ({pairs}টি জোড়া, “…because it was tired / wide”-এর মতো, যেখানে “it”-এর পরের একটি শব্দ ঠিক করে দেয় সে কাকে বোঝায়)। দৈবাৎ মান: লেখার টোকেনগুলোর মধ্যে পূর্বপদের ভাগ, গড়ে {chance}। কোনো হেডই “it”-এর সমাধান করে না: সবচেয়ে ভালোটিও {pairs}টির মধ্যে মাত্র {best}টি জোড়ার দুই বাক্যেই পূর্বপদকে অন্য প্রার্থীর চেয়ে বেশি ওজন দেয়।',
  'measured.table': 'যে হেডগুলো it-এর সারিকে তার পূর্বপদের দিকে সরায়',
  'measured.head': 'হেড',
  'measured.moves': 'সরায়',
  'measured.movesTitle': 'যে জোড়াগুলোতে নির্ধারক শব্দটি বদলালে ওজন সঠিক পূর্বপদের দিকে সরে',
  'measured.shift': 'সরণ',
  'measured.shiftTitle': 'দুই প্রার্থীর মধ্যে কর্তার ভাগের গড় পরিবর্তন',
  'measured.resolves': 'সমাধান',
  'measured.resolvesTitle': 'যে জোড়াগুলোর দুই বাক্যেই পূর্বপদ অন্য প্রার্থীর চেয়ে বেশি ওজন পায়',
  'measured.onAnte': 'পূর্বপদে',
  'measured.onAnteTitle': 'পূর্বপদের ওপর it-এর গড় ওজন',
  'measured.onOther': 'অন্যটিতে',
  'measured.onOtherTitle': 'অন্য প্রার্থীর ওপর গড় ওজন',
  'measured.times': '× দৈবাৎ',
  'measured.timesTitle': 'পূর্বপদের ওপর ওজন, দৈবাৎ মানের কত গুণ',
  'measured.seed':
    'মূল জোড়ায় {head}: “it”-এর ওজন “{ante}” / “{other}”-এর ওপর: “tired” থাকলে {a} / {b}, “wide” থাকলে {c} / {d} (এক টুকরোর শব্দপ্রতি দৈবাৎ মান {chance})।',
  'measured.footer':
    'কোনো সারিতে ক্লিক করলে সেই হেড খুলবে। সংখ্যাগুলোর উৎস: <code>models/all-MiniLM-L6-v2.md</code> (<code>tools/minilm/it_attention.mjs</code>)।',
  'score.chance': 'দৈবাৎ {chance}',
  'score.labelAt': 'লেবেল {threshold}-এ',
  'score.noLabel': 'লেবেল নেই',
  'score.nearest': 'লেবেল নেই; সবচেয়ে কাছে: {what}',
  'score.heldOut': 'আলাদা রাখা লেখায়: {labels}',
  'score.name.induction': 'ইনডাকশন',
  'score.name.duplicate': 'একই টোকেন আগে',
  'score.name.previous': 'আগের টোকেন',
  'score.name.next': 'পরের টোকেন',
  'score.name.first': 'প্রথম টোকেন (সিংক)',
  'score.name.delimiter': 'বিরতিচিহ্ন',
  'score.name.local': 'কাছের জানালা',
  'score.short.induction': 'ইন্ড',
  'score.short.duplicate': 'একই',
  'score.short.previous': 'আগের',
  'score.short.next': 'পরের',
  'score.short.first': 'প্রথম',
  'score.short.delimiter': 'বিরতি',
  'score.short.local': 'কাছের',
  'model.loadingBytes': (p) =>
    p.total ? `${p.name} লোড হচ্ছে… ${p.percent}% (${p.total}-এর ${p.loaded})` : `${p.name} লোড হচ্ছে… ${p.loaded}`,
  'model.fileBytes': (p) => (p.total ? `${p.total}-এর ${p.loaded}` : p.loaded),
  'model.fileStatus.initiate': 'চাওয়া হয়েছে',
  'model.fileStatus.download': 'নামছে',
  'model.fileStatus.progress': 'নামছে',
  'model.fileStatus.done': 'শেষ',
  'model.memory': 'মেমরিতে {bytes}',
  'model.memoryTitle': 'ইঞ্জিনের মেমরিতে মডেল যত বাইট ধরে রেখেছে (ওজন, ক্যাশ আর কাজের জায়গা)',
  'model.kvHeads': (p) => ` (${p.n}টি কী-ভ্যালু হেড: গ্রুপড-কোয়েরি অ্যাটেনশন)`,
  'model.restoring': 'নতুন মডেল লোড হয়নি; {name} আবার লোড হচ্ছে…',
  'model.builtInGroup': 'এই সার্ভারে',
  'model.hubGroup': 'Hugging Face হাব থেকে',
  'model.hubOption': '{name} · {id} · ডাউনলোড ≈ {bytes}',
  'model.hubOther': '{id} (হাব)',
  'model.workerStopped': 'মডেলের ওয়ার্কার থেমে গেছে: {message}',
  'model.workerNoStart': 'এটি চালু হতে পারেনি',
  'model.noneLoaded': 'কোনো মডেল লোড হয়নি: একটি বেছে নিন',
  'model.noRequest': 'মডেলের ওয়ার্কার: "{type}" নামে কোনো অনুরোধ নেই',
  'model.needsTokenizer':
    'tokenizer.json: লেখাকে টোকেনে ভাঙতে পেজের দরকার মডেলের tokenizer.json, কিন্তু সেটি পাওয়া যায়নি',
  'load.failedStartHub':
    '{hubUrl} থেকে {hub} লোড করা গেল না: {message}। ওপর থেকে একটি মডেল বেছে নিন, বা নিজের ফাইল দিন।',
  'hub.note.multilingual': 'বাংলা আর আরও 103টি ভাষা',
  'hub.idLabel':
    'অথবা Hugging Face হাবের যেকোনো মানানসই মডেল (GPT-2, BERT, DistilBERT, Llama, Qwen2, Mistral; একটি <code>model.safetensors</code> বা তার টুকরোগুলো), তার আইডি দিয়ে; পেজের লিংকে এটি থেকে যায়:',
  'hub.idPlaceholder': 'মালিক/নাম',
  'hub.revisionAria': 'সংস্করণ (ব্রাঞ্চ, ট্যাগ বা কমিট)',
  'hub.load': 'হাব থেকে লোড করুন',
  'hub.urlLabel': 'হাবের ঠিকানা (একটি মিরর):',
  'hub.filesAria': 'যে মডেলটি লোড হচ্ছে তার ফাইলগুলো',
  'hub.loaded': 'হাব থেকে {id} লোড হয়েছে: "লিংক" বা পেজ রিলোড করলে এই মডেলই আবার খুলবে।',
  'hub.failed': '{id} লোড করা গেল না: {message}',
  'hub.idInvalid': '"{id}" হাবের আইডি নয়: "মালিক/নাম" আকারে হওয়ার কথা (অক্ষর, অঙ্ক, "-", "_" আর ".")',
  'generate.button': 'লেখা তৈরি করুন',
  'generate.stop': 'থামান',
  'generate.count': 'নতুন টোকেন',
  'generate.running': 'তৈরি হচ্ছে… {max}টির মধ্যে {n}টি টোকেন',
  'generate.done': (p) =>
    `${p.n}টি টোকেন তৈরি হয়েছে (` +
    `${{ length: 'যত চাওয়া হয়েছিল', stop: 'শেষের টোকেন এসেছে', callback: 'থামানো হয়েছে' }[p.reason] ?? p.reason})`,
  'generate.stopped': (p) => `${p.n}টি টোকেনের পরে থামানো হয়েছে`,
  'generate.failed': 'লেখা তৈরি করা গেল না: {message}',
  'generate.encoder': 'generate: এনকোডার লেখা তৈরি করে না; একটি ডিকোডার মডেল বেছে নিন',
  'generate.empty': 'text: চালিয়ে যেতে অন্তত 1টি টোকেন দরকার, পাওয়া গেল 0',
  'generate.full': 'text: {n}টি টোকেনেই মডেলের কনটেক্সট ({context}) ভরে গেছে: নতুন টোকেনের জায়গা নেই',
  'explain.computing': 'এই লেয়ারের q, k আর v হিসাব হচ্ছে…',
  'explain.unsupported': 'explain: এই প্যাকেজের {type} মডেল এখনো তাদের q, k আর v দেয় না (mha-wasm হালনাগাদ করুন)',
  'head.kvText': ' (কী-ভ্যালু হেড {kv})',
  'head.nameKv': 'H{head} · কেভি{kv}',
};

export const CATALOGUES = { en: EN, bn: BN };

let current = 'en';

/** The language in use ('en' or 'bn'). */
export const language = () => current;

/** Switches the language of every later t() (an unknown language is refused, naming it). */
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) throw new Error(`setLanguage: expected one of ${LANGUAGES.join(', ')}, got ${lang}`);
  current = lang;
}

/** The text of `key` in the current language with its {placeholders} filled from params. */
export function t(key, params = {}) {
  const value = CATALOGUES[current][key] ?? EN[key];
  if (value === undefined) throw new Error(`i18n: no string "${key}"`);
  if (typeof value === 'function') return value(params);
  return value.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

const ATTRIBUTES = [
  ['i18nTitle', 'title'],
  ['i18nAria', 'aria-label'],
  ['i18nPlaceholder', 'placeholder'],
];

/**
 * Writes the current language into every element under root that names a key (data-i18n*), and the
 * document's lang. params: placeholders of static strings (e.g. { limit } of files.intro).
 */
export function translatePage(root = document, params = {}) {
  document.documentElement.lang = current;
  for (const element of root.querySelectorAll('[data-i18n]')) {
    const html = t(element.dataset.i18n, params);
    if (element.innerHTML !== html) element.innerHTML = html;
  }
  for (const [data, attribute] of ATTRIBUTES)
    for (const element of root.querySelectorAll(
      `[data-${attribute === 'aria-label' ? 'i18n-aria' : `i18n-${attribute}`}]`,
    ))
      element.setAttribute(attribute, t(element.dataset[data], params));
}
