// What every model load takes besides the files: progress events with a status, and an AbortSignal.
// models/austen-gpt is served over HTTP by a server written here, which can send a file slowly so that
// a load can be aborted in the middle of a download.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { GptModel, loadModel } from '../../dist/index.js';

const folder = new URL('../../models/austen-gpt/', import.meta.url);
const FILES = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'];
const bytes = Object.fromEntries(FILES.map((file) => [file, readFileSync(new URL(file, folder))]));
let server, base;
let slowStarted; // resolves when the slow file's first chunk has gone out

before(async () => {
  server = createServer((request, response) => {
    const slow = request.url.startsWith('/slow/');
    const file = request.url.split('/').pop();
    if (!bytes[file]) return response.writeHead(404).end();
    response.writeHead(200, { 'Content-Length': bytes[file].length });
    if (!slow || file !== 'model.safetensors') return response.end(bytes[file]);
    // 64 KiB every 50 ms: about 6 s for the 8 MB weights, unless the client goes away.
    let at = 0;
    const timer = setInterval(() => {
      if (at === 0) slowStarted?.();
      response.write(bytes[file].subarray(at, at + 65536));
      at += 65536;
      if (at >= bytes[file].length) {
        clearInterval(timer);
        response.end();
      }
    }, 50);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('progress: initiate, download, progress and done for each file, with the sizes', async () => {
  const events = [];
  const model = await GptModel.load(`${base}/models/`, { onProgress: (event) => events.push(event) });
  model.dispose();
  for (const file of FILES) {
    const mine = events.filter((event) => event.file === file);
    assert.deepEqual(mine[0], { status: 'initiate', file, loaded: 0, total: undefined });
    assert.deepEqual(mine[1], { status: 'download', file, loaded: 0, total: bytes[file].length });
    assert.deepEqual(mine.at(-1), { status: 'done', file, loaded: bytes[file].length, total: bytes[file].length });
    const progress = mine.filter((event) => event.status === 'progress');
    assert.ok(progress.length >= 1, `${file}: no progress events`);
    assert.equal(progress.at(-1).loaded, bytes[file].length);
    assert.ok(
      progress.every((event, n) => n === 0 || event.loaded > progress[n - 1].loaded),
      `${file}: loaded must grow`,
    );
  }
});

test('progress for a local path: initiate, download with the size, done', async () => {
  const events = [];
  const model = await loadModel(folder, { onProgress: (event) => events.push(event) });
  model.dispose();
  const weights = events.filter((event) => event.file === 'model.safetensors').map((event) => event.status);
  assert.deepEqual(weights, ['initiate', 'download', 'done']);
});

test('an AbortSignal stops a load: before it starts, and in the middle of a download; the module keeps working', async () => {
  await assert.rejects(GptModel.load(`${base}/models/`, { signal: AbortSignal.abort() }), { name: 'AbortError' });

  const controller = new AbortController();
  const started = new Promise((done) => (slowStarted = done));
  const events = [];
  const load = GptModel.load(`${base}/slow/`, { signal: controller.signal, onProgress: (event) => events.push(event) });
  await started;
  controller.abort();
  const t0 = performance.now();
  await assert.rejects(load, { name: 'AbortError' });
  assert.ok(performance.now() - t0 < 1000, 'the load must stop at once, not when the download ends');
  const weights = events.filter((event) => event.file === 'model.safetensors');
  assert.ok(!weights.some((event) => event.status === 'done'), 'an aborted file is never done');
  assert.ok(weights.at(-1).loaded < bytes['model.safetensors'].length);

  const model = await GptModel.load(`${base}/models/`); // afterwards, the next load works
  assert.equal(model.run('It is a truth').tokens[0], 'It');
  model.dispose();
});

test('load options are checked: a signal must be an AbortSignal, unknown names are refused', async () => {
  await assert.rejects(GptModel.load(folder, { signal: 'stop' }), {
    name: 'TypeError',
    message: 'options.signal: expected an AbortSignal, got "stop"',
  });
  await assert.rejects(loadModel(folder, { onprogress() {} }), {
    name: 'TypeError',
    message:
      'options: unknown option "onprogress"; expected one of onProgress, maxBytes, signal, hub, revision, hubUrl, cache, headers',
  });
  await assert.rejects(GptModel.load(folder, { onProgress: 1 }), {
    name: 'TypeError',
    message: 'options.onProgress: expected a function, got 1',
  });
});
