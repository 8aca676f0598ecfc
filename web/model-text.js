// The words of model loading, the model picker and generation, in one place (to be translated with the rest of
// the page). Functions take the numbers they show; bytes are written with the package's formatBytes (MiB, GiB).
import { formatBytes } from '../dist/runtime.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const MODEL_TEXT = {
  builtInGroup: 'On this server',
  hubGroup: 'From the Hugging Face Hub',
  hubOption: (entry, bytes) => `${entry.name} · ${entry.id} · download ≈ ${formatBytes(bytes)}`,
  hubOther: (id) => `${id} (Hub)`,
  loading: (name) => `loading ${name}…`,
  loadingBytes: (name, loaded, total) =>
    total
      ? `loading ${name}… ${Math.round((100 * loaded) / total)}% (${formatBytes(loaded)} of ${formatBytes(total)})`
      : `loading ${name}… ${formatBytes(loaded)}`,
  fileStatus: { initiate: 'asked', download: 'downloading', progress: 'downloading', done: 'done' },
  fileBytes: (loaded, total) => (total ? `${formatBytes(loaded)} of ${formatBytes(total)}` : formatBytes(loaded)),
  memory: (bytes) => `in memory ${bytes === null ? '—' : formatBytes(bytes)}`,
  memoryTitle: "bytes the model holds in the engine's memory (weights, caches and scratch)",
  kvHeads: (nKvHead) => ` (${plural(nKvHead, 'kv head')}: grouped-query attention)`,
  restoring: (name) => `the new model did not load; loading ${name} again…`,
  kept: (name) => `${name} (kept: the new model did not load)`,
  noModel: 'no model loaded',
  hubLoaded: (id) => `Loaded ${id} from the Hub: "Link" and a reload open this model again.`,
  hubFailed: (id, message, kept) => `Could not load ${id}: ${message}${kept ? ` The page keeps using ${kept}.` : ''}`,
  hubIdInvalid: (id) => `"${id}" is not a Hub id: expected "owner/name" (letters, digits, "-", "_" and ".")`,
  generate: 'Generate',
  stop: 'Stop',
  generating: (n, max) => `generating… ${n} of ${max} tokens`,
  generated: (n, reason) =>
    `${plural(n, 'token')} generated (${{ length: 'the count asked', stop: 'an end token', callback: 'stopped' }[reason] ?? reason})`,
  stopped: (n) => `stopped after ${plural(n, 'token')}`,
  generateFailed: (message) => `Could not generate: ${message}`,
  generateAblated: 'Generation runs every head (the ablation applies to the views once it ends).',
};
