// The README's npm examples, run verbatim from the packed tarball in a fresh project, as a new user would:
// every ```js block that follows the marker comment is written to a file of its own and run with Node.
// The model example reads ./austen-gpt/, which the README tells users to download; here it is copied
// from the repository.
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeWorkDir, packAndInstall, repoRoot, run } from './pack.mjs';

const MARKER = '<!-- README example, run verbatim from the packed tarball by tests/package/readme.test.mjs -->';

async function readmeExamples() {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  return readme
    .split(MARKER)
    .slice(1)
    .map((part) => {
      const block = /^\s*```js\n([\s\S]*?)\n```/.exec(part);
      assert.ok(block, 'a README example marker must be followed by a ```js block');
      return block[1];
    });
}

describe('README examples from the tarball', { timeout: 120_000 }, () => {
  let work, pkg, examples;
  before(async () => {
    examples = await readmeExamples();
    work = await makeWorkDir('mha-readme-');
    pkg = await packAndInstall(work.path);
    await cp(join(repoRoot, 'models', 'austen-gpt'), join(pkg.project, 'austen-gpt'), { recursive: true });
  });
  after(() => work?.remove());

  test('there are two: the attention layer and the model', () => {
    assert.equal(examples.length, 2);
    assert.match(examples[0], /MultiHeadAttention\.create/);
    assert.match(examples[1], /GptModel\.load\('\.\/austen-gpt\/'/);
  });

  test('the attention example prints what its comments say', async () => {
    await writeFile(join(pkg.project, 'readme-attention.mjs'), examples[0]);
    const { stdout } = await run(process.execPath, ['readme-attention.mjs'], { cwd: pkg.project });
    assert.equal(stdout, '[ 1, 2, 3, 3 ]\n[ 1, 0, 0 ]\n[ 1, 0, 0, 0 ]\n');
  });

  test('the model example loads ./austen-gpt/ by a plain path and prints tokens, shapes and guesses', async () => {
    await writeFile(join(pkg.project, 'readme-model.mjs'), examples[1]);
    const { stdout } = await run(process.execPath, ['readme-model.mjs'], { cwd: pkg.project });
    assert.match(stdout, /^config\.json \d+ \d+$/m); // progress lines
    // the README's comments (tools/train/sync_docs.py writes them from tests/fixtures/model/reference.json)
    const quoted = (text) => [...text.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
    const saidTokens = quoted(/console\.log\(run\.tokens\);\s*\/\/ austen-gpt: \[(.*)\]/.exec(examples[1])[1]);
    const saidShape = /\[nLayer, nHead, T, T\]: \[(\d+), (\d+), (\d+), (\d+)\]/.exec(examples[1]).slice(1).map(Number);
    // ... agree with the model's reference outputs (the same seed sentence, the model's own tokenizer)
    const reference = JSON.parse(
      await readFile(join(repoRoot, 'tests', 'fixtures', 'model', 'reference.json'), 'utf8'),
    );
    const seed = reference.prompts.find((p) => p.text === "The animal didn't cross the street because it was tired");
    const { n_layer: L, n_head: H } = reference.config;
    assert.deepEqual(
      saidShape,
      [L, H, seed.n_tokens, seed.n_tokens],
      'the README comment: run tools/train/sync_docs.py',
    );
    assert.ok(
      saidTokens.length >= 5 && saidTokens.length <= seed.n_tokens,
      `${saidTokens.length} tokens in the comment`,
    );
    // ... and with what the example prints
    const printed = quoted(stdout);
    assert.deepEqual(printed.slice(0, saidTokens.length), saidTokens);
    assert.equal(printed.slice(0, seed.n_tokens).join('').replace(/␣/g, ' '), seed.text);
    assert.match(stdout, new RegExp(`\\[ ${L}, ${H}, ${seed.n_tokens}, ${seed.n_tokens} \\]`));
    assert.match(stdout, /\{ id: \d+, token: '[^']*', probability: 0\.\d+ \}/); // topK guesses
  });
});
