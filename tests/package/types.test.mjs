// The package's declarations (dist/index.d.ts) under a matrix of TypeScript configurations a user may have:
// tsc --noEmit, strict, skipLibCheck false, NodeNext resolution of 'mha-wasm' through package.json "exports",
// on tests/package/types/consumer.mts. Each configuration is a separate test.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeWorkDir, repoRoot, run } from './pack.mjs';

const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
const nodeTypes = join(repoRoot, 'node_modules', '@types');

const CONFIGURATIONS = {
  'lib es2022 + dom (a page or a bundler)': { lib: ['es2022', 'dom'], types: [] },
  'lib es2022 + Node types only': { lib: ['es2022'], types: ['node'], typeRoots: [nodeTypes] },
  'lib es2022 + esnext.disposable + dom': { lib: ['es2022', 'esnext.disposable', 'dom'], types: [] },
  'lib esnext + dom + Node types': { lib: ['esnext', 'dom'], types: ['node'], typeRoots: [nodeTypes] },
  'lib es2022 + dom + webworker.importscripts (a module worker)': {
    lib: ['es2022', 'dom', 'webworker.importscripts'],
    types: [],
  },
};

describe('TypeScript declarations', { timeout: 180_000 }, () => {
  let work;
  before(async () => {
    work = await makeWorkDir('mha-types-');
    // the package as node_modules/mha-wasm: its package.json and its declarations
    const packageDir = join(work.path, 'node_modules', 'mha-wasm');
    await mkdir(join(packageDir, 'dist'), { recursive: true });
    await copyFile(join(repoRoot, 'package.json'), join(packageDir, 'package.json'));
    await copyFile(join(repoRoot, 'dist', 'index.d.ts'), join(packageDir, 'dist', 'index.d.ts'));
    await copyFile(join(repoRoot, 'tests', 'package', 'types', 'consumer.mts'), join(work.path, 'consumer.mts'));
  });
  after(() => work?.remove());

  for (const [name, options] of Object.entries(CONFIGURATIONS)) {
    test(name, async (t) => {
      if (!existsSync(tsc)) return t.skip('typescript is not installed (npm install)');
      if (options.types.includes('node') && !existsSync(join(nodeTypes, 'node')))
        return t.skip('@types/node is not installed');
      const project = `tsconfig.${Object.keys(CONFIGURATIONS).indexOf(name)}.json`;
      await writeFile(
        join(work.path, project),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            noUnusedLocals: false,
            ...options,
          },
          files: ['consumer.mts'],
        }),
      );
      let output = '';
      try {
        await run(tsc, ['-p', project, '--pretty', 'false'], { cwd: work.path, timeout: 120_000 });
      } catch (error) {
        output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
      }
      assert.equal(output, '', `tsc reported errors under ${name}:\n${output}`);
    });
  }
});
