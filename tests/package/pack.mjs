// Helpers of the package tests: pack the repository with npm, install the tarball into an empty project
// (offline, private npm cache, no lockfile), and the numbers the consumer app (app/compute.mjs) must print.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const appDir = fileURLToPath(new URL('./app/', import.meta.url));
const exec = promisify(execFile);

/** Runs a command; on failure the error names the command and carries its stdout/stderr. */
export async function run(command, args, { cwd, timeout = 60_000, env } = {}) {
  try {
    return await exec(command, args, {
      cwd,
      timeout,
      maxBuffer: 16 * 1024 * 1024,
      killSignal: 'SIGKILL',
      env: {
        ...process.env,
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        ...env,
      },
    });
  } catch (error) {
    error.message =
      `${command} ${args.join(' ')} failed (in ${cwd}): ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`.slice(
        0,
        4000,
      );
    throw error;
  }
}

/** A temporary directory and its removal (call remove() in an after hook). */
export async function makeWorkDir(prefix = 'mha-package-') {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true, maxRetries: 3 }) };
}

/**
 * `npm pack` of the repository into `workDir`, then an empty project `workDir/consumer` (npm init -y)
 * that installs the tarball offline with a private cache, plus copies of the consumer app files.
 * Returns { tarball, files (paths in the tarball), project, packageDir }.
 */
export async function packAndInstall(workDir) {
  const cache = join(workDir, 'npm-cache');
  const npmFlags = ['--cache', cache, '--loglevel=error', '--no-audit', '--no-fund'];
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir, ...npmFlags], {
    cwd: repoRoot,
  });
  const [packed] = JSON.parse(stdout);
  const tarball = join(workDir, packed.filename);
  const project = join(workDir, 'consumer');
  await mkdir(project);
  await run('npm', ['init', '-y', ...npmFlags], { cwd: project });
  await run('npm', ['install', tarball, '--offline', '--no-package-lock', ...npmFlags], { cwd: project });
  await cp(appDir, project, { recursive: true });
  return {
    tarball,
    files: packed.files.map((f) => f.path).sort(),
    project,
    packageDir: join(project, 'node_modules', 'mha-wasm'),
  };
}

export async function readJson(path) {
  return JSON.parse(await readFile(path, 'utf8'));
}

// ---- the numbers app/compute.mjs must produce ---------------------------------------------------
const a = 1 / Math.sqrt(2);
const w = Math.exp(a) / (Math.exp(a) + 1); // 0.66976...
const bias = [0.5, -0.25];
export const expected = {
  weights: [w, 1 - w, 1 - w, w],
  output: [w + bias[0], 1 - w + bias[1], 1 - w + bias[0], w + bias[1]],
  causalWeights: [1, 0, 1 - w, w],
  causalOutput: [1 + bias[0], 0 + bias[1], 1 - w + bias[0], w + bias[1]],
};

/** Asserts the consumer app's result against the hand-computed values (float32 tolerance). */
export function assertIdentityResult(result, where) {
  assert.deepEqual(result.weightsShape, [1, 2, 2], `${where}: weightsShape`);
  assert.deepEqual(result.outputShape, [1, 2, 2], `${where}: outputShape`);
  for (const key of Object.keys(expected)) {
    assert.equal(result[key]?.length, expected[key].length, `${where}: ${key} length`);
    result[key].forEach((value, n) =>
      assert.ok(
        Math.abs(value - expected[key][n]) <= 1e-6,
        `${where}: ${key}[${n}] = ${value}, expected ${expected[key][n]} (full: ${JSON.stringify(result[key])})`,
      ),
    );
  }
  assert.match(
    result.rangeError,
    /^RangeError: query: /,
    `${where}: a bad query length must throw a RangeError naming it`,
  );
}
