// The Llama-family transformers fixtures (tests/fixtures/llama, written by make_llama_fixtures.py) in headless
// Chromium, through the package build a page gets (cross-origin isolated: the threaded relaxed-SIMD build):
// loadModel(folder URL) fetches config.json and the weights (one file, or the index and its shards) from the
// repository server (its 404s for optional files are the only console errors allowed); logits, per-head attentions and hidden states match transformers within 1e-4 relative,
// and greedy generation equals generate().
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LLAMA_FIXTURES, LLAMA_MODELS, readFixture, relativeDifference } from '../js/fixtures.mjs';
import { closeServer, serverUrl, skipWithoutChromium, startRepoServer, withPage } from './browser.mjs';

// In the page: load each model from its folder URL, run every sequence, generate; plain arrays back.
async function runInPage(page, jobs) {
  return page.evaluate(async (jobs) => {
    const mha = await import('/dist/index.js');
    const info = await mha.moduleInfo();
    const models = [];
    for (const { name, sequences } of jobs) {
      const model = await mha.loadModel(new URL(`/tests/fixtures/llama/${name}/`, location.href));
      const runs = [];
      for (const { ids, newTokens } of sequences) {
        const r = model.run(ids, { allLogits: true, hiddenStates: true });
        // the references were made without an end-of-sequence token: stop: null keeps eos from ending early
        const generated = await model.generate(ids, { maxNewTokens: newTokens, stop: null });
        runs.push({
          logits: Array.from(r.logits),
          attentions: Array.from(r.attention),
          hidden_states: Array.from(r.hiddenStates),
          generated: Array.from(generated.ids),
        });
      }
      models.push({ name, className: model.constructor.name, runs });
      model.dispose();
    }
    return { info, models };
  }, jobs);
}

test(
  'Llama fixtures in Chromium: logits, attentions, hidden states and generate() match transformers',
  { timeout: 180_000 },
  async (t) => {
    if (skipWithoutChromium(t)) return;
    const references = new Map(
      LLAMA_MODELS.map((name) => [name, readFixture(new URL(`${name}/reference.bin`, LLAMA_FIXTURES))]),
    );
    const jobs = LLAMA_MODELS.map((name) => {
      const reference = references.get(name);
      const sequences = [];
      for (let s = 0; s < reference.get('sequences').data[0]; ++s) {
        const ids = Array.from(reference.get(`seq${s}/ids`).data);
        sequences.push({ ids, newTokens: reference.get(`seq${s}/generated`).data.length - ids.length });
      }
      return { name, sequences };
    });
    const server = await startRepoServer();
    t.after(() => closeServer(server));
    // The loader asks for files a folder may not have (tokenizer.json; model.safetensors of the sharded one):
    // the page logs their 404s, and nothing else may go wrong.
    const { info, models } = await withPage(
      `${serverUrl(server)}/tests/e2e/pages/llama.html`,
      async (page, log) => {
        const result = await runInPage(page, jobs);
        const others = log.consoleErrors.filter((line) => !/status of 404 \(Not Found\)/.test(line));
        assert.deepEqual(others, [], 'console errors other than the 404s of optional files');
        return result;
      },
      { allowConsoleErrors: true },
    );
    assert.equal(info.simd, 'relaxed', JSON.stringify(info));
    let compared = 0;
    for (const { name, className, runs } of models) {
      assert.equal(className, 'LlamaModel');
      const reference = references.get(name);
      runs.forEach((run, s) => {
        for (const key of ['logits', 'attentions', 'hidden_states']) {
          const { relative, maxDiff } = relativeDifference(run[key], reference.get(`seq${s}/${key}`).data);
          assert.ok(relative <= 1e-4, `${name} seq${s} ${key}: relative ${relative}, max abs diff ${maxDiff}`);
        }
        assert.deepEqual(
          run.generated,
          Array.from(reference.get(`seq${s}/generated`).data),
          `${name} seq${s} generate`,
        );
        ++compared;
      });
    }
    assert.equal(models.length, LLAMA_MODELS.length);
    t.diagnostic(
      `${compared} sequences of ${models.length} models on the ${info.build} ${info.simd} build, ${info.threads} threads`,
    );
  },
);
