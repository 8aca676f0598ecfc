// bench/gqa.mjs in headless Chromium: the same suite (bench/gqa-suite.mjs), peers loaded as a page loads them
// (bench/page/'s import map for onnxruntime-web; each build of this package under its own URL, so that each is
// its own module instance), wall clock only (a page has no CPU clock).
//
//   node bench/gqa-browser.mjs [--iterations 25] [--warmup 5] [--peers simd,relaxed,ort] [--simd-dist DIR]
//        [--cases 0,1,2,3]
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from '../scripts/serve.mjs';
import { closeServer, launchBrowser, serverUrl, withPage } from '../tests/e2e/browser.mjs';
import { GQA_CASES, formatGqaTable } from './gqa-suite.mjs';
import { packageVersion } from './run.mjs';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

function parse(argv) {
  const o = { iterations: 25, warmup: 5, peers: ['simd', 'relaxed', 'ort'], simdDist: 'dist' };
  o.cases = GQA_CASES.map((_, n) => n);
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key}: expected a value`);
    if (key === '--iterations') o.iterations = Number(value);
    else if (key === '--warmup') o.warmup = Number(value);
    else if (key === '--peers') o.peers = value.split(',');
    else if (key === '--simd-dist') o.simdDist = value;
    else if (key === '--cases') o.cases = value.split(',').map(Number);
    else throw new Error(`unknown argument ${key}`);
  }
  return o;
}

// In the page: the suite with one thread per peer, every case; results back to Node.
async function inPage(page, config) {
  return page.evaluate(async ({ options, versions, cases }) => {
    const suite = await import('/bench/gqa-suite.mjs');
    const peers = [];
    for (const kind of options.peers) {
      if (kind === 'ort') {
        const ort = await import('onnxruntime-web');
        const wasmPaths = new URL('/bench/node_modules/onnxruntime-web/dist/', location.href).href;
        peers.push(suite.ortGqaPeer({ ort, version: versions.ort, wasmPaths }, 1));
        continue;
      }
      const library = await import(`/_mha/${kind}/index.js`);
      await library.loadModule({ threads: 1, simd: kind === 'relaxed' ? 'relaxed' : 'baseline' });
      const info = await library.moduleInfo();
      const flavour = info.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128';
      peers.push(
        suite.mhaGqaPeer(`mha-wasm ${flavour}`, `mha-wasm ${flavour} (${info.file.split('/').pop()})`, library),
      );
    }
    const results = [];
    for (const n of cases) results.push(await suite.runGqaCase(peers, suite.GQA_CASES[n], { ...options, seed: n + 1 }));
    return { results, peers: peers.map((p) => p.version), userAgent: navigator.userAgent };
  }, config);
}

async function main() {
  const o = parse(process.argv.slice(2));
  const dist = resolve(o.simdDist);
  const mounts = { '/_mha/simd/': dist, '/_mha/relaxed/': dist };
  const server = await startServer({ port: 0, root: repoRoot, index: null, mounts });
  const browser = await launchBrowser();
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const before = load();
  try {
    const { results, peers, userAgent } = await withPage(
      `${serverUrl(server)}/bench/page/`,
      (page) => inPage(page, { options: o, versions: { ort: packageVersion('onnxruntime-web') }, cases: o.cases }),
      { browser },
    );
    console.log(`headless Chromium (${userAgent}); ${os.cpus()[0]?.model}, load ${before}; wall clock`);
    console.log(`peers: ${peers.join('; ')}; warm-up ${o.warmup}, ${o.iterations} round-robin rounds`);
    for (const result of results) for (const line of formatGqaTable(result, 'wall')) console.log(line);
    console.log(`\nload average before ${before}, after ${load()}`);
  } finally {
    await browser.close();
    await closeServer(server);
  }
}

await main();
