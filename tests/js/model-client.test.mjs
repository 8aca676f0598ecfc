// web/model-client.js against a stand-in Worker that answers when the test says: requests and their results,
// progress and token messages, errors with the worker's name and message, and latest(): one request of a kind in
// the worker, only the newest waiting, the overtaken ones resolving to SUPERSEDED (no stale picture).
import assert from 'node:assert/strict';
import { test } from 'node:test';

class FakeWorker {
  static last = null;
  constructor(url, options) {
    Object.assign(this, { url: String(url), options, sent: [], listeners: {} });
    FakeWorker.last = this;
  }
  addEventListener(type, listener) {
    this.listeners[type] = listener;
  }
  postMessage(message) {
    this.sent.push(message);
  }
  /** The worker's answer to the request with this id. */
  answer(id, fields) {
    this.listeners.message({ data: { id, ...fields } });
  }
}
globalThis.Worker = FakeWorker;
const { ModelClient, SUPERSEDED } = await import('../../web/model-client.js');
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

test('a module worker; requests resolve with results, hear progress and tokens, reject with the error sent', async () => {
  const client = new ModelClient();
  const worker = FakeWorker.last;
  assert.match(worker.url, /\/web\/model-worker\.js$/);
  assert.deepEqual(worker.options, { type: 'module' });
  const events = [];
  const load = client.request('load', { source: 'x' }, { onProgress: (e) => events.push(e) });
  const generate = client.request('generate', {}, { onToken: (step) => events.push(step.id) });
  assert.deepEqual(
    worker.sent.map((m) => [m.id, m.type]),
    [
      [1, 'load'],
      [2, 'generate'],
    ],
  );
  worker.answer(1, { progress: { file: 'config.json', loaded: 1 } });
  worker.answer(2, { token: { id: 7 } });
  worker.answer(2, { token: { id: 8 } });
  worker.answer(1, { done: true, result: { config: 1 } });
  worker.answer(2, { done: true, error: { name: 'RangeError', message: 'text: too long' } });
  assert.deepEqual(await load, { config: 1 });
  await assert.rejects(generate, { name: 'RangeError', message: 'text: too long' });
  assert.deepEqual(events, [{ file: 'config.json', loaded: 1 }, 7, 8]);
  client.abort(2);
  assert.deepEqual(worker.sent.at(-1), { type: 'abort', args: { id: 2 } });
});

test('latest(): one in the worker, the newest waits; overtaken requests resolve to SUPERSEDED', async () => {
  const client = new ModelClient();
  const worker = FakeWorker.last;
  const first = client.latest('compute', { text: 'a' });
  const second = client.latest('compute', { text: 'ab' });
  const third = client.latest('compute', { text: 'abc' });
  assert.equal(await second, SUPERSEDED, 'replaced while waiting: never sent');
  assert.deepEqual(
    worker.sent.map((m) => m.args.text),
    ['a'],
  );
  assert.equal(client.busy('compute'), true);
  worker.answer(1, { done: true, result: 'run of a' });
  assert.equal(await first, SUPERSEDED, 'its answer came after a newer request: not drawn');
  assert.deepEqual(
    worker.sent.map((m) => m.args.text),
    ['a', 'abc'],
  );
  worker.answer(2, { done: true, result: 'run of abc' });
  assert.equal(await third, 'run of abc');
  await settled();
  assert.equal(client.busy('compute'), false);
  // alone, a request resolves with its own answer, and an error reaches its caller
  const alone = client.latest('compute', { text: 'x' });
  worker.answer(3, { done: true, error: { name: 'TypeError', message: 'no model is loaded: pick one' } });
  await assert.rejects(alone, { message: 'no model is loaded: pick one' });
});

test('a worker that cannot start rejects what waits and what comes after, with the reason', async () => {
  const client = new ModelClient();
  const worker = FakeWorker.last;
  const waiting = client.request('load', {});
  worker.listeners.error({ message: 'SyntaxError in model-worker.js', preventDefault() {} });
  await assert.rejects(waiting, /the model worker stopped: SyntaxError in model-worker\.js/);
  await assert.rejects(client.request('compute', {}), /the model worker stopped/);
});
