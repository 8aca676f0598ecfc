// The browser side of bench/browser.mjs: loads the peers the way a web page does (ES modules through the
// import map in index.html, .wasm files fetched over HTTP) and runs bench/suite.mjs, the same suite the Node
// runner uses. Only the wall clock exists here (performance.now(); no per-process CPU time in a page).
//
// The driver calls `await mhaBench.run(config)` after load, with
//   config = { options,                       parsed by the suite's parseArgs in Node
//              builds: { simd: url | null, scalar, baseline },    folders of dist/index.js; null = skipped
//              skipped: { simd: reason, ... }, versions: { ort, tfjs } (null = not installed) }
// and may expose `benchReport(event)` to receive progress: { type: 'log' | 'warn', line },
// { type: 'shape-start', shape }, { type: 'shape', result }. run() resolves to { peers, results, environment }.
import { describeRun, loadPeers, runBenchmark } from '../suite.mjs';

const logElement = document.getElementById('log');

async function report(event) {
  if (event.type === 'log' || event.type === 'warn') logElement.textContent += `\n${event.line}`;
  if (typeof globalThis.benchReport === 'function') await globalThis.benchReport(event);
}

// The engine, as the page sees it: "Chromium 156.0.8078.108" from the full version list when available.
async function engineName() {
  const brands = navigator.userAgentData
    ? ((await navigator.userAgentData.getHighEntropyValues(['fullVersionList'])).fullVersionList ?? [])
    : [];
  const brand = brands.find((b) => /chrom/i.test(b.brand) && !/not/i.test(b.brand));
  return brand ? `${brand.brand} ${brand.version}` : navigator.userAgent;
}

function browserLoaders({ builds, skipped, versions }, runtime) {
  const folder = (path) => new URL(path, location.href).href;
  return {
    runtime,
    async mha(kind) {
      if (!builds[kind]) return { skipped: skipped[kind] ?? 'no build given' };
      return { library: await import(new URL('index.js', folder(builds[kind])).href) };
    },
    async ort() {
      if (!versions.ort) return { skipped: 'not installed (npm install in bench/)' };
      const ort = await import('onnxruntime-web');
      return { ort, version: versions.ort, wasmPaths: folder('/bench/node_modules/onnxruntime-web/dist/') };
    },
    async tfjs() {
      if (!versions.tfjs) return { skipped: 'not installed (npm install in bench/)' };
      return {
        tf: await import('@tensorflow/tfjs-core'), // the ops the peer uses are all in core
        backend: await import('@tensorflow/tfjs-backend-wasm'),
        version: versions.tfjs,
        wasmPaths: folder('/bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/'),
      };
    },
  };
}

async function run(config) {
  const { options } = config;
  const runtime = await engineName();
  const log = (line) => report({ type: 'log', line });
  const peers = await loadPeers(options.peers, browserLoaders(config, runtime), log, options);
  const environment =
    `browser: ${runtime}, ${navigator.hardwareConcurrency} logical cores, ` +
    `crossOriginIsolated: ${globalThis.crossOriginIsolated}`;
  for (const line of describeRun(options, peers, environment)) await log(line);
  const results = await runBenchmark(peers, options, {
    cpuTime: null,
    warn: (line) => report({ type: 'warn', line }),
    onShapeStart: (shape) => report({ type: 'shape-start', shape }),
    onShape: (result) => report({ type: 'shape', result }),
  });
  return { peers: peers.map((p) => p.version), results, environment, runtime };
}

globalThis.mhaBench = { run };
