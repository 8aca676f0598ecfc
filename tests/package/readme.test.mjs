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
    const tokens = [
      'The',
      '␣anim',
      'al',
      '␣did',
      'n',
      "'t",
      '␣cross',
      '␣the',
      '␣street',
      '␣because',
      '␣it',
      '␣was',
      '␣tired',
    ];
    const printed = [...stdout.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
    assert.deepEqual(printed.slice(0, tokens.length), tokens); // as the README's comment says
    assert.match(stdout, /\[ 4, 8, 13, 13 \]/); // austen-gpt: 4 layers x 8 heads, 13 tokens
    assert.match(stdout, /\{ id: \d+, token: '[^']*', probability: 0\.\d+ \}/); // topK guesses
  });
});
