// The npm package as a user gets it: `npm pack` of the repository, installed from the tarball into an
// empty project, imported by name from Node, and typechecked from a TypeScript consumer.
// The browser side (bundled with esbuild, and unbundled from dist/) is tests/e2e/bundle.test.mjs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { assertIdentityResult, makeWorkDir, packAndInstall, readJson, repoRoot, run } from './pack.mjs';

const REQUIRED = [
  'README.md',
  'dist/index.d.ts',
  'dist/index.js',
  'package.json',
  ...['mha_wasm', 'mha_wasm_threads', 'mha_wasm_relaxed', 'mha_wasm_relaxed_threads'].flatMap((build) => [
    `dist/${build}.mjs`,
    `dist/${build}.wasm`,
  ]),
];
// Everything the tarball may hold: the package's own files and what npm always adds.
const ALLOWED = /^(package\.json|README\.md|LICEN[CS]E(\.\w+)?|dist\/[\w.-]+\.(js|mjs|d\.ts|wasm))$/;

describe('npm package', { timeout: 120_000 }, () => {
  let work, pkg;
  before(async () => {
    work = await makeWorkDir();
    pkg = await packAndInstall(work.path);
  });
  after(() => work?.remove());

  test('the tarball holds dist/, package.json and README.md, and nothing from src/, tests/ or bindings/', () => {
    for (const file of REQUIRED)
      assert.ok(pkg.files.includes(file), `tarball lacks ${file}; it has ${pkg.files.join(', ')}`);
    const unexpected = pkg.files.filter((file) => !ALLOWED.test(file));
    assert.deepEqual(unexpected, [], `unexpected files in the tarball: ${unexpected.join(', ')}`);
    for (const folder of ['src/', 'tests/', 'bindings/', 'build/', 'scripts/', 'web/', 'node_modules/'])
      assert.ok(!pkg.files.some((file) => file.startsWith(folder)), `tarball contains ${folder}`);
  });

  test('every relative import of the shipped modules is in the tarball', async () => {
    for (const file of pkg.files.filter((f) => /\.m?js$/.test(f))) {
      const source = await readFile(join(pkg.packageDir, file), 'utf8');
      const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map(
        (m) => m[1],
      );
      for (const specifier of specifiers) {
        const target = relative(pkg.packageDir, join(pkg.packageDir, file, '..', specifier));
        assert.ok(pkg.files.includes(target), `${file} imports ${specifier}, which is not in the tarball`);
      }
    }
    // The .wasm is located with new URL('./mha_wasm.wasm', import.meta.url) next to the modules.
    assert.ok((await stat(join(pkg.packageDir, 'dist/mha_wasm.wasm'))).size > 1000);
  });

  test('package.json entry points (main, types, exports) exist in the installed package', async () => {
    const manifest = await readJson(join(pkg.packageDir, 'package.json'));
    assert.equal(manifest.type, 'module');
    assert.deepEqual(manifest.dependencies ?? {}, {}, 'the package must have no runtime dependencies');
    const entries = [manifest.main, manifest.types, manifest.exports['.'].types, manifest.exports['.'].default];
    assert.equal(manifest.exports['.'].types, manifest.types, 'exports["."].types and types should agree');
    assert.equal(Object.keys(manifest.exports['.'])[0], 'types', '"types" must be the first condition of exports["."]');
    for (const entry of entries)
      assert.ok(existsSync(join(pkg.packageDir, entry)), `${entry} is missing from the installed package`);
  });

  test('Node imports it by name from the consumer project and computes the hand-derived numbers', async () => {
    const { stdout } = await run(process.execPath, ['node-main.mjs'], { cwd: pkg.project, timeout: 30_000 });
    const result = JSON.parse(stdout);
    assert.equal(
      result.resolved,
      pathToFileURL(join(pkg.packageDir, 'dist/index.js')).href,
      'mha-wasm must resolve to the installed tarball, not to the repository',
    );
    assertIdentityResult(result, 'node');
    // The threaded builds start Web Workers (browsers only): in Node the single-threaded build runs, and says so.
    assert.equal(result.threads.build, 'single');
    assert.equal(result.threads.threads, 1);
    assert.equal(
      result.threads.reason,
      'in Node the package runs its single-threaded build (the threaded builds start Web Workers: browsers only)',
    );
    assert.equal(result.threads.simd, 'baseline'); // Node 20 without --experimental-wasm-relaxed-simd
  });

  test('a strict TypeScript consumer typechecks against the shipped index.d.ts', async (t) => {
    const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
    if (!existsSync(tsc)) return t.skip('typescript is not installed (npm install)');
    await writeFile(
      join(pkg.project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'esnext.disposable', 'dom'],
          types: [],
          skipLibCheck: false,
        },
        files: ['consumer.mts'],
      }),
    );
    // The tsconfig must resolve 'mha-wasm' through node_modules/mha-wasm/package.json "exports".types.
    const { stdout } = await run(tsc, ['-p', 'tsconfig.json', '--explainFiles'], { cwd: pkg.project, timeout: 60_000 });
    assert.match(stdout, /node_modules\/mha-wasm\/dist\/index\.d\.ts/, 'tsc did not load the shipped index.d.ts');
  });
});
