// The page's model in a Web Worker (issues 14 and 17), in headless Chromium against a fake Hub
// (tests/js/hub-server.mjs): the picker loads Hub models and the URL names them; the main thread keeps running
// while the worker computes; Generate appends tokens one by one with their attention and matches the package in
// Node; a GPT-2-small-shaped and a SmolLM2-135M-shaped random model (scripts/random-models.mjs, written into
// ~/.cache/mha-wasm at test time) run in the page, the latter with its heads named by their kv head.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { GptModel, loadModel } from '../../dist/index.js';
import { randomModel } from '../../scripts/random-models.mjs';
import { embeddingMatrix, embeddingRows } from '../../web/embeddings.js';
import { startHubServer } from '../js/hub-server.mjs';
import { afterUpdate, ready, useDemoPage } from './demo-page.mjs';

const demo = useDemoPage();
const hook = (page, expression, arg) => page.evaluate(expression, arg);
const AUSTEN = fileURLToPath(new URL('../../models/austen-gpt/', import.meta.url));
const PROMPT = 'It is a truth universally acknowledged';
const HUB_GPT2 = 0; // index in web/hub-models.js: openai-community/gpt2
const HUB_SMOLLM2 = 5; // HuggingFaceTB/SmolLM2-135M

/** Row i of head (layer, head) of attention [nLayer, nHead, T, T]. */
const rowOf = (attention, { nHead }, T, layer, head, i) =>
  Array.from(attention.slice(((layer * nHead + head) * T + i) * T, ((layer * nHead + head) * T + i + 1) * T));

const maxAbsDiff = (a, b) => a.reduce((m, x, n) => Math.max(m, Math.abs(x - b[n])), 0);

/** The page's run as plain arrays: { ids, attention, config, T }. */
const pageRun = (page) =>
  hook(page, () => ({
    ids: window.mhaDemo.ids,
    attention: Array.from(window.mhaDemo.attention),
    config: window.mhaDemo.config,
    T: window.mhaDemo.ids.length,
  }));

/** Greedy ids after `ids` from the package in Node: generate() per the contract when it has it, else runs. */
async function nodeGreedy(model, ids, count) {
  const contract = typeof GptModel.prototype.generate === 'function' && GptModel.prototype.generate.length < 2;
  if (contract) return Array.from((await model.generate(Int32Array.from(ids), { maxNewTokens: count })).newIds);
  if (model.config.nKvHead !== undefined) return Array.from(model.generate(Int32Array.from(ids), count)).slice(-count);
  const all = [...ids];
  for (let n = 0; n < count; ++n) {
    const { logits } = model.run(all, { attention: false });
    let best = 0;
    for (let id = 1; id < logits.length; ++id) if (logits[id] > logits[best]) best = id;
    all.push(best);
  }
  return all.slice(ids.length);
}

/** Records the token chips' count at every change of #tokens, and head 0's last row of the last layer then. */
function recordTokens(page) {
  return hook(page, () => {
    window.tokenCounts = [];
    window.lastRows = {};
    new MutationObserver(() => {
      const { config, attention, ids } = window.mhaDemo;
      const T = ids.length;
      window.tokenCounts.push(T);
      const at = ((config.nLayer - 1) * config.nHead * T + T - 1) * T;
      window.lastRows[T] = Array.from(attention.slice(at, at + T));
    }).observe(document.getElementById('tokens'), { childList: true });
  });
}

test('the picker loads a model from the Hub (any id), the URL names it, and the link loads it again', async (t) => {
  const hub = await startHubServer({ 'test-org/austen-gpt': { folder: AUSTEN } });
  t.after(() => hub.close());
  let link, first;
  await demo.onPage(t, `hubUrl=${hub.url}`, async (page) => {
    await page.click('#model-files-button');
    assert.equal(await page.inputValue('#hub-url'), hub.url);
    await hook(page, () => {
      window.progressRows = [];
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('#load-files li')) window.progressRows.push(row.textContent);
      }).observe(document.getElementById('load-files'), { childList: true, subtree: true, characterData: true });
    });
    await page.fill('#hub-id', 'test-org/austen-gpt');
    await afterUpdate(page, () => page.click('#hub-form button[type="submit"]'));
    const state = await hook(page, () => ({ name: window.mhaDemo.modelName, hub: window.mhaDemo.state.hub }));
    assert.deepEqual(state, { name: 'test-org/austen-gpt', hub: { id: 'test-org/austen-gpt', revision: 'main' } });
    link = await hook(page, () => location.search);
    const params = new URLSearchParams(link);
    assert.equal(params.get('hub'), 'test-org/austen-gpt');
    assert.equal(params.get('hubUrl'), hub.url);
    assert.equal(params.has('model'), false);
    assert.match(await page.textContent('#load-message'), /Loaded test-org\/austen-gpt from the Hub/);
    assert.equal(
      await page.$eval('#model-select', (s) => s.selectedOptions[0].textContent),
      'test-org/austen-gpt (Hub)',
    );
    // the weights came through the Hub's redirect to its content store, with per-file bars of bytes
    assert.ok(hub.requests.includes('GET /test-org/austen-gpt/resolve/main/model.safetensors 302'), hub.requests);
    const rows = await hook(page, () => window.progressRows);
    assert.ok(
      rows.some((row) => /^model\.safetensors(downloading|done) · [\d.]+ [KM]iB of [\d.]+ MiB$/.test(row)),
      rows.join('\n'),
    );
    assert.match(await page.textContent('#model-info'), /4 layers × 8 heads.* · in memory (—|[\d.]+ [MG]iB)$/);
    first = await pageRun(page);

    // the token embeddings of the kinds view and the walkthrough's first step: read by the worker from the Hub's
    // model.safetensors (the main thread holds no weights), the rows of the run's ids
    await page.click('#tab-kinds');
    await page.waitForFunction(() => window.mhaDemo.kinds && !window.mhaDemo.kinds.semantic.missing);
    await page.click('#tab-steps');
    await page.waitForFunction(() => window.mhaDemo.steps?.embedding);
    const steps = await hook(page, () => window.mhaDemo.steps);
    const matrix = embeddingMatrix(new Uint8Array(await readFile(`${AUSTEN}model.safetensors`)).buffer);
    assert.deepEqual(steps.embedding, Array.from(embeddingRows(matrix, [first.ids[steps.i]])));

    // a missing repository: the Hub's message, and the page loads the model it had again
    await page.fill('#hub-id', 'test-org/nope');
    await page.click('#hub-form button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#load-message').classList.contains('error'));
    await ready(page);
    assert.match(
      await page.textContent('#load-message'),
      /^Could not load test-org\/nope: config\.json: no repository "test-org\/nope" on .* The page keeps using test-org\/austen-gpt\.$/,
    );
    assert.equal(await hook(page, () => window.mhaDemo.modelName), 'test-org/austen-gpt');
    await afterUpdate(page, () => page.fill('#text-input', 'Still working after a missing repository'));
    assert.equal(await hook(page, () => new URLSearchParams(location.search).get('hub')), 'test-org/austen-gpt');
  });
  await demo.onPage(t, link, async (page) => {
    assert.equal(await hook(page, () => window.mhaDemo.modelName), 'test-org/austen-gpt');
    assert.deepEqual(await pageRun(page), first, 'the link reproduces the run');
  });
});

test('Generate appends tokens one by one with their attention, equal to the package in Node', async (t) => {
  const model = await loadModel(AUSTEN);
  t.after(() => model.dispose());
  await demo.onPage(t, `text=${encodeURIComponent(PROMPT)}&view=model`, async (page) => {
    assert.equal(await page.isVisible('#generate-button'), true);
    const prompt = await hook(page, () => window.mhaDemo.ids);
    const T = prompt.length,
      count = 8;
    await recordTokens(page);
    await page.fill('#generate-count', String(count));
    await page.click('#generate-button');
    await page.waitForFunction(() => window.mhaDemo.generated && !window.mhaDemo.generating);
    await ready(page);
    const generated = await hook(page, () => window.mhaDemo.generated);
    assert.equal(generated.stopReason, 'length');
    assert.deepEqual(generated.newIds, await nodeGreedy(model, prompt, count));
    // each step drawn once it came (with those that came while the page drew the previous ones), in order
    assert.deepEqual(
      generated.steps.map((s) => s.index),
      Array.from({ length: count }, (_, n) => T + n),
    );
    const shown = generated.steps.map((s) => s.shownTokens);
    shown.forEach((U, n) => assert.ok(U >= T + n + 1 && (n === 0 || U >= shown[n - 1]), `shown: ${shown}`));
    assert.equal(shown.at(-1), T + count);
    const counts = await hook(page, () => window.tokenCounts);
    const drawn = [...new Set(counts.filter((U) => U > T && U <= T + count))];
    assert.deepEqual(drawn, [...new Set(shown)], 'the token row followed the steps');
    t.diagnostic(`${count} tokens drawn in ${drawn.length} steps: ${drawn.map((U) => U - T).join(', ')}`);
    // the text box holds the continuation, and the page ran it: the streamed row equals a whole run's
    assert.equal(await page.inputValue('#text-input'), PROMPT + generated.text);
    const after = await pageRun(page);
    const streamed = (await hook(page, () => window.lastRows))[T + count];
    if (after.T === T + count && after.ids.every((id, n) => id === generated.ids[n])) {
      const whole = rowOf(after.attention, after.config, after.T, after.config.nLayer - 1, 0, after.T - 1);
      assert.ok(maxAbsDiff(streamed, whole) < 1e-5, `streamed row vs whole run: ${maxAbsDiff(streamed, whole)}`);
    } else t.diagnostic('the generated text tokenizes differently: streamed row not compared');
  });
});

test('a GPT-2-small-shaped model (F16) runs in the page from the picker, the main thread stays responsive, Stop ends a generation', async (t) => {
  const { folder, seconds } = await randomModel('gpt2-small-f16');
  t.diagnostic(`gpt2-small-f16: ${seconds ? `written in ${seconds.toFixed(1)} s` : 'already written'} (${folder})`);
  const hub = await startHubServer({ 'openai-community/gpt2': { folder } });
  t.after(() => hub.close());
  const model = await loadModel(folder);
  t.after(() => model.dispose());
  await demo.onPage(t, `hubUrl=${hub.url}&view=model`, async (page) => {
    await afterUpdate(page, () => page.selectOption('#model-select', `hub:${HUB_GPT2}`), { timeout: 180_000 });
    const config = await hook(page, () => window.mhaDemo.config);
    assert.deepEqual(
      [config.nLayer, config.nHead, config.nEmbd, config.nPositions, config.vocabSize],
      [12, 12, 768, 1024, 50257],
    );
    assert.match(await hook(page, () => location.search), /hub=openai-community%2Fgpt2/);
    const run = await pageRun(page);
    const reference = model.run(run.ids);
    const diff = maxAbsDiff(run.attention, Array.from(reference.attention));
    assert.ok(diff < 1e-4, `attention vs Node: ${diff}`);

    // responsiveness: a 5 ms timer on the main thread while the worker runs ~200 tokens on one thread (so that
    // the two cores are not both the worker's); blocked, the main thread would miss the whole forward pass
    await hook(page, () => window.mhaDemo.setThreads(1));
    const text = 'The animal did not cross the street because it was tired. '.repeat(17);
    await hook(page, () => {
      window.ticks = [];
      const tick = () => {
        window.ticks.push(performance.now());
        window.tickTimer = setTimeout(tick, 5);
      };
      tick();
    });
    await afterUpdate(page, () => page.fill('#text-input', text), { timeout: 120_000 });
    const measured = await hook(page, () => {
      clearTimeout(window.tickTimer);
      const { forwardMs, tokens } = window.mhaDemo.timings;
      const { requestedAt, receivedAt } = window.mhaDemo.roundTrip;
      const inside = window.ticks.filter((x) => x >= requestedAt && x <= receivedAt);
      const gaps = inside.slice(1).map((x, n) => x - inside[n]);
      return {
        inFlight: receivedAt - requestedAt,
        forwardMs,
        tokens,
        maxGap: Math.max(0, ...gaps),
        ticks: inside.length,
      };
    });
    t.diagnostic(
      `${measured.tokens} tokens: worker forward ${measured.forwardMs.toFixed(0)} ms (1 thread), request in flight ` +
        `${measured.inFlight.toFixed(0)} ms, longest main-thread timer gap meanwhile ${measured.maxGap.toFixed(1)} ms ` +
        `(${measured.ticks} ticks)`,
    );
    assert.ok(measured.forwardMs > 300, `the forward pass (${measured.forwardMs} ms) is too short to measure gaps`);
    assert.ok(measured.maxGap < measured.forwardMs / 2, JSON.stringify(measured));
    assert.equal(await hook(page, () => window.mhaDemo.tokens.length), measured.tokens);
    // typing while the worker computes another long text (no prefix in common: no KV cache to reuse)
    await page.fill('#text-input', `A cat. ${text}`);
    await page.waitForFunction(() => window.mhaDemo.computing);
    await page.focus('#text-input');
    await page.keyboard.press('End');
    await page.keyboard.type(' Typed');
    const typed = await hook(page, () => ({ text: window.mhaDemo.state.text, computing: window.mhaDemo.computing }));
    assert.ok(typed.computing, 'the worker was still computing after the typing');
    assert.ok(typed.text.endsWith(' Typed'), 'typing reached the state while the worker computed');
    await ready(page, 1, { timeout: 120_000 });
    assert.ok((await hook(page, () => window.mhaDemo.tokens)).join('').endsWith('␣Typed'), 'the newest text is drawn');

    // Stop: a long generation ends where it is, its tokens kept (this model is slow enough to stop it midway)
    await page.fill('#generate-count', '512');
    const before = await hook(page, () => window.mhaDemo.ids.length);
    await page.click('#generate-button');
    await page.waitForFunction((n) => window.mhaDemo.ids.length >= n + 2, before);
    await page.click('#stop-button');
    await page.waitForFunction(() => window.mhaDemo.generated?.stopReason === 'abort' && !window.mhaDemo.generating);
    await ready(page);
    const stopped = await hook(page, () => window.mhaDemo.generated);
    assert.ok(stopped.newIds.length >= 2 && stopped.newIds.length < 512, `${stopped.newIds.length} tokens`);
    assert.match(await page.textContent('#generate-status'), /stopped after \d+ tokens/);
  });
});

test('a SmolLM2-135M-shaped model runs in the page: 9 query heads on 3 kv heads, named so; Generate works', async (t) => {
  const { folder, seconds } = await randomModel('smollm2-135m-bf16');
  t.diagnostic(`smollm2-135m-bf16: ${seconds ? `written in ${seconds.toFixed(1)} s` : 'already written'} (${folder})`);
  const hub = await startHubServer({ 'HuggingFaceTB/SmolLM2-135M': { folder } });
  t.after(() => hub.close());
  const model = await loadModel(folder);
  t.after(() => model.dispose());
  await demo.onPage(t, `hubUrl=${hub.url}&view=heads`, async (page) => {
    await afterUpdate(page, () => page.selectOption('#model-select', `hub:${HUB_SMOLLM2}`), { timeout: 180_000 });
    const config = await hook(page, () => window.mhaDemo.config);
    assert.deepEqual(
      [config.family, config.nLayer, config.nHead, config.nKvHead, config.nEmbd, config.vocabSize],
      ['llama', 30, 9, 3, 576, 49152],
    );
    const chips = await page.$$eval('#view-heads .chip', (all) => all.map((c) => c.firstChild.nextSibling.textContent));
    assert.deepEqual(
      chips.map((c) => c.trim()),
      ['H0 · kv0', 'H1 · kv0', 'H2 · kv0', 'H3 · kv1', 'H4 · kv1', 'H5 · kv1', 'H6 · kv2', 'H7 · kv2', 'H8 · kv2'],
    );
    assert.match(await page.textContent('#model-info'), /9 heads \(3 kv heads: grouped-query attention\)/);
    const run = await pageRun(page);
    assert.deepEqual(run.ids, Array.from(model.tokenize(await page.inputValue('#text-input')).ids));
    const diff = maxAbsDiff(run.attention, Array.from(model.run(run.ids).attention));
    assert.ok(diff < 1e-4, `attention vs Node: ${diff}`);
    // Generate: 3 greedy tokens, as the package gives them in Node
    await page.fill('#generate-count', '3');
    await page.click('#generate-button');
    await page.waitForFunction(() => window.mhaDemo.generated && !window.mhaDemo.generating, null, {
      timeout: 120_000,
    });
    await ready(page);
    const generated = await hook(page, () => window.mhaDemo.generated);
    assert.deepEqual(generated.newIds, await nodeGreedy(model, run.ids, 3));
    // in Bengali: the kv heads named in Bengali, in the chips and the model line
    await afterUpdate(page, () => page.click('#lang-toggle [data-lang="bn"]'));
    const chipsBn = await page.$$eval('#view-heads .chip', (all) =>
      all.map((c) => c.firstChild.nextSibling.textContent),
    );
    assert.deepEqual(
      chipsBn.slice(2, 4).map((c) => c.trim()),
      ['H2 · কেভি0', 'H3 · কেভি1'],
    );
    assert.match(await page.textContent('#model-info'), /9টি হেড \(3টি কী-ভ্যালু হেড: গ্রুপড-কোয়েরি অ্যাটেনশন\)/);
  });
});
