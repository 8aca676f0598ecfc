// The side-by-side benchmark of bench/run.mjs, run in headless Chromium (the real target): same suite
// (bench/suite.mjs), same peers, shapes, options and table, loaded the way a web page loads them.
//
//   node bench/browser.mjs [--iterations 15] [--warmup 5] [--quick] [--shapes 128x512x8,512x768x12]
//                          [--peers simd,relaxed,threads,scalar,js,ort,tfjs,baseline] [--ort-threads N] [--simd-dist DIR] [--threads-dist DIR] [--scalar-dist DIR]
//                          [--baseline-dist DIR] [--budget-seconds 20] [--causal] [--json FILE]
//
// How: scripts/serve.mjs serves the repository (with COOP/COEP, so the page is cross-origin isolated) on
// 127.0.0.1, plus each --*-dist folder under /_mha/<kind>/; Chromium (/usr/bin/chromium, or MHA_CHROMIUM)
// is launched through the harness of the browser tests (tests/e2e/browser.mjs), which aborts every request
// that would leave 127.0.0.1. bench/page/ loads onnxruntime-web and tfjs-backend-wasm from bench/node_modules
// through an import map and runs the suite; progress and each shape's table stream back to this terminal.
//
// Clock: wall clock only (performance.now() in the page; a page has no CPU clock of its own). Every peer but
// `threads` runs single-threaded, but on a loaded machine wall times include time given to other processes: compare
// ratios within one run, and note the load average printed at the start and the end.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from '../scripts/serve.mjs';
import { describeCapacity, measureCapacity } from './capacity.mjs';
import { CHROMIUM_PATH, closeServer, launchBrowser, serverUrl, withPage } from '../tests/e2e/browser.mjs';
import { packageVersion } from './run.mjs';
import { failedRows, formatTable, parseArgs } from './suite.mjs';

const here = new URL('./', import.meta.url);
const repoRoot = fileURLToPath(new URL('../', here));

const USAGE =
  'usage: node bench/browser.mjs [--iterations N] [--warmup N] [--quick] [--shapes NxExH,...] ' +
  '[--peers simd,relaxed,threads,scalar,js,ort,tfjs,baseline] [--ort-threads N] [--simd-dist DIR] [--threads-dist DIR] [--scalar-dist DIR] [--baseline-dist DIR] ' +
  '[--budget-seconds S] [--causal] [--json FILE]   (wall clock only)';

const loadText = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// The version line of the installed Chromium (its wrapper script may print noise on stderr: ignored).
function chromiumVersion() {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2), { clocks: ['wall'] });
  if (options.help) {
    console.log(USAGE);
    return;
  }
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set MHA_CHROMIUM)`);

  // Each build of this package is served under its own prefix, wherever its folder is.
  const distFolders = {
    simd: options.simdDist ?? resolve(repoRoot, 'dist'),
    relaxed: options.simdDist ?? resolve(repoRoot, 'dist'),
    threads: options.threadsDist ?? resolve(repoRoot, 'dist'),
    scalar: options.scalarDist ?? resolve(repoRoot, 'build/wasm-scalar/dist'),
    baseline: options.baselineDist ?? resolve(repoRoot, 'build/bench/baseline/dist'),
  };
  const mounts = {},
    builds = {},
    skipped = {};
  for (const [kind, folder] of Object.entries(distFolders)) {
    if (!options.peers.includes(kind)) continue;
    if (existsSync(resolve(folder, 'index.js'))) {
      mounts[`/_mha/${kind}/`] = resolve(folder);
      builds[kind] = `/_mha/${kind}/`;
    } else {
      builds[kind] = null;
      skipped[kind] = `no build at ${resolve(folder, 'index.js')} (scripts/bench.sh builds it)`;
    }
  }
  const tfjsVersion = packageVersion('@tensorflow/tfjs-backend-wasm');
  const versions = {
    ort: packageVersion('onnxruntime-web'),
    tfjs: tfjsVersion && packageVersion('@tensorflow/tfjs-core') ? tfjsVersion : null,
  };

  const chromium = chromiumVersion();
  // The threads peer's speed-up depends on the second core being free: probe it before and after.
  const capacityBefore = options.peers.includes('threads') && !options.quick ? await measureCapacity() : null;
  const loadBefore = loadText();
  console.log(
    `headless ${chromium} (${CHROMIUM_PATH}); machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${os.cpus().length} cores, load ${loadBefore}`,
  );

  const server = await startServer({ port: 0, root: repoRoot, index: null, mounts });
  const browser = await launchBrowser();
  let outcome;
  try {
    outcome = await withPage(
      `${serverUrl(server)}/bench/page/`,
      async (page, log) => {
        // Progress arrives through an exposed function: lines, and each shape's rows for the table.
        await page.exposeFunction('benchReport', (event) => {
          if (event.type === 'log') console.log(event.line);
          else if (event.type === 'warn') console.error(event.line);
          else if (event.type === 'shape-start')
            console.log(`\n… running ${event.shape.join('x')}: cross-check, warm-up, timing`);
          else if (event.type === 'shape')
            for (const line of formatTable(event.result, options.clock)) console.log(line);
        });
        const result = await page.evaluate((config) => globalThis.mhaBench.run(config), {
          options,
          builds,
          skipped,
          versions,
        });
        // Which binaries the page really fetched (e.g. tfjs's single-threaded SIMD build, not its threaded one).
        result.wasmFiles = [
          ...new Set(log.requests.filter((url) => url.endsWith('.wasm')).map((url) => new URL(url).pathname)),
        ];
        return result;
      },
      { browser },
    );
  } finally {
    await browser.close();
    await closeServer(server);
  }
  const loadAfter = loadText();
  console.log(`\n.wasm files the page fetched: ${outcome.wasmFiles.join(', ')}`);
  console.log(`load average before ${loadBefore}, after ${loadAfter}`);
  const capacityAfter = capacityBefore ? await measureCapacity() : null;
  if (capacityBefore)
    console.log(`before: ${describeCapacity(capacityBefore)}\nafter:  ${describeCapacity(capacityAfter)}`);

  if (options.json) {
    writeFileSync(
      options.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpu: os.cpus()[0]?.model,
          chromium,
          browser: outcome.environment,
          load: { before: loadBefore, after: loadAfter },
          capacity: { before: capacityBefore, after: capacityAfter },
          options: { ...options, dists: distFolders },
          peers: outcome.peers,
          wasmFiles: outcome.wasmFiles,
          results: outcome.results,
        },
        null,
        2,
      ),
    );
    console.log(`wrote ${options.json}`);
  }
  const failures = failedRows(outcome.results);
  if (failures.length) {
    console.error(`\n${failures.length} peer result(s) did not match our output`);
    process.exitCode = 1;
  }
}

await main();
