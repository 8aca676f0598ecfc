// Model loading: the bundled models listed in models.json, or the user's own Hugging Face GPT-2 file
// set picked or dropped into the page. The model itself loads in the model worker (model-worker.js calls
// loadModelFromUrl and loadModelFromFiles there, with the loader's onProgress events); the main thread reads the
// lists and the offline tables.
import { GptModel, loadModel } from '../dist/index.js';
import { formatBytes, MAX_WEIGHTS_BYTES } from '../dist/runtime.js';
import { SCORES } from './analysis.js';
import { t } from './i18n.js';

/**
 * Largest file the page reads: the package's rule for a weights file (the engine's weights, about the file's
 * size, must fit in wasm memory); no other file comes near it.
 */
export const MAX_FILE_BYTES = MAX_WEIGHTS_BYTES;
/** The limit in words, in the package's binary units (MiB), as every message of the page states it. */
export const fileLimitText = () => formatBytes(MAX_FILE_BYTES);
export const REQUIRED_FILES = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'];

/**
 * The entries of models.json: [{ name, url, about, patterns?, cached? }]. An entry marked `cached` is a
 * model scripts/setup.sh fetches into its cache, which scripts/serve.mjs serves at /models/<name>/ and
 * lists in /models/cached.json; it is left out when that list does not name it (setup could not fetch it,
 * or another server serves the page).
 */
export async function loadModelList(url = new URL('models.json', import.meta.url)) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`models.json: HTTP ${response.status}`);
  const list = await response.json();
  if (!Array.isArray(list) || !list.length || !list.every((m) => typeof m.url === 'string'))
    throw new Error('models.json: expected a list of { name, url }');
  if (!list.some((m) => m.cached)) return list;
  const cached = await fetch(new URL('../models/cached.json', url))
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  const present = new Set(Array.isArray(cached.models) ? cached.models : []);
  const folderName = (m) => new URL(m.url, url).pathname.split('/').filter(Boolean).at(-1);
  return list.filter((m) => !m.cached || present.has(folderName(m)));
}

/**
 * Loads the model folder at `url` (absolute, or relative to this module; only this page's own server is
 * accepted): the class its config.json's model_type names (GptModel, EncoderModel or LlamaModel).
 * onProgress: the loader's events { status, file, loaded, total }.
 */
export async function loadModelFromUrl(url, onProgress, signal) {
  const folder = new URL(url, location.href);
  if (folder.origin !== location.origin)
    throw new Error(t('files.notOnServer', { url: folder.href, origin: location.origin }));
  return loadModel(folder.href, { onProgress, maxBytes: MAX_FILE_BYTES, signal });
}

/** Throws an Error with a message for people when a FileList / File[] is not the four files, or one is over the limit or empty. */
export function checkModelFiles(fileList) {
  const files = new Map([...fileList].map((f) => [f.name, f]));
  const missing = REQUIRED_FILES.filter((name) => !files.has(name));
  if (missing.length) {
    const got = [...files.keys()].join(', ') || t('files.nothing');
    throw new Error(t('files.missing', { missing: missing.join(', '), got, required: REQUIRED_FILES.join(', ') }));
  }
  for (const name of REQUIRED_FILES) {
    const size = files.get(name).size;
    if (size > MAX_FILE_BYTES)
      throw new Error(t('files.tooLarge', { name, size: formatBytes(size), limit: fileLimitText() }));
    if (size === 0) throw new Error(t('files.empty', { name }));
  }
  return files;
}

/**
 * Loads the four files from a FileList / File[]; throws an Error with a message for people (missing
 * or unexpected files, a file over the limit, a malformed file) before or while reading.
 */
export async function loadModelFromFiles(fileList, onProgress, signal) {
  const files = checkModelFiles(fileList);
  return GptModel.load(
    {
      config: files.get('config.json'),
      weights: files.get('model.safetensors'),
      vocab: files.get('vocab.json'),
      merges: files.get('merges.txt'),
    },
    { onProgress, maxBytes: MAX_FILE_BYTES, signal },
  );
}

/**
 * The offline head scores written by tools/train/head_patterns.py (head_patterns.json), when the
 * models.json entry names that file: { text, chance, heads: Map 'layer.head' -> { layer, head, scores,
 * labels: [{ key, name, short, score, chance }] } } (labels most specific first, as the file lists them).
 */
export async function loadHeadPatterns(modelUrl, file) {
  const response = await fetch(new URL(file, new URL(modelUrl, location.href)));
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  const json = await response.json();
  const chance = json.chance ?? {};
  const names = new Map(SCORES.map((s) => [s.key, s]));
  const labelOf = (h, key) => ({ ...names.get(key), key, score: h.scores[key], chance: chance[key] });
  const heads = (json.heads ?? [])
    .filter((h) => h.scores && Array.isArray(h.labels))
    .map((h) => ({
      layer: h.layer,
      head: h.head,
      scores: h.scores,
      labels: h.labels.filter((key) => names.has(key)).map((key) => labelOf(h, key)),
    }));
  return {
    text: json.text?.held_out ?? 'held-out text',
    chance,
    heads: new Map(heads.map((h) => [`${h.layer}.${h.head}`, h])),
  };
}

/**
 * A model's measured table (models.json's `measured`, relative to models.json), e.g.
 * models/all-MiniLM-L6-v2.it-attention.json written by tools/minilm/it_attention.mjs: { chance, heads:
 * [{ layer, head, right, wrong, timesChance, wins, winsFirst, winsSecond, resolves, moves, shift }],
 * sentences: [{ text, antecedent, other, chance, right, wrong }] }.
 */
export async function loadMeasured(file, base = new URL('models.json', import.meta.url)) {
  const response = await fetch(new URL(file, base));
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  const json = await response.json();
  if (json.format !== 'mha-it-attention' || !Array.isArray(json.heads) || !Array.isArray(json.sentences))
    throw new Error(t('files.badMeasured', { file, format: json.format }));
  return json;
}
