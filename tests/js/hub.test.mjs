// loadModel('owner/name') from the Hub, against a local server that answers like it (hub-server.mjs): the same
// logits as the same files read from disk, the weights through a 302 to the content store, the size known
// before the download, each error with its message, the Node cache folder (a second load sends no request,
// an aborted download leaves nothing), and the rule that tells Hub ids from paths.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { EncoderModel, GptModel, HubError, LlamaModel, loadModel, ModelFormatError } from '../../dist/index.js';
import { startHubServer } from './hub-server.mjs';

const austen = new URL('../../models/austen-gpt/', import.meta.url);
const bertTiny = new URL('../fixtures/encoders/bert-tiny/', import.meta.url);
const distilbertTiny = new URL('../fixtures/encoders/distilbert-tiny/', import.meta.url);
const llamaSharded = new URL('../fixtures/llama/llama_rope_linear_f16_sharded/', import.meta.url);
const austenWeights = readFileSync(new URL('model.safetensors', austen));
const PROMPT = 'It is a truth universally acknowledged';
const SENTENCE = 'the quick brown fox jumps over the lazy dog';

let hub, hubUrl, closedUrl, cacheRoot;
let reference; // logits and attention of the models read from disk

async function runModel(model) {
  try {
    const result = model.run(model instanceof GptModel ? PROMPT : SENTENCE);
    return { logits: result.logits, attention: result.attention, tokens: result.tokens };
  } finally {
    model.dispose();
  }
}

before(async () => {
  hub = await startHubServer({
    'test-org/austen-gpt': { folder: austen },
    'austen-gpt': { folder: austen, revisions: ['main', 'refs/pr/1'] },
    'test-org/bert-tiny': { folder: bertTiny },
    'test-org/distilbert-tiny': { folder: distilbertTiny },
    'test-org/gated': { folder: austen, gated: true, token: 'hf_test' },
    'test-org/private': { folder: austen, private: true },
    'test-org/no-merges': { folder: austen, overrides: { 'merges.txt': null } },
    'test-org/no-safetensors': {
      folder: austen,
      overrides: { 'model.safetensors': null, 'pytorch_model.bin': 'pickle' },
    },
    'test-org/no-vocab': { folder: bertTiny, overrides: { 'vocab.txt': null } },
    'test-org/llama-sharded': { folder: llamaSharded },
    'test-org/roberta': { folder: austen, overrides: { 'config.json': '{"model_type": "roberta"}' } },
    'test-org/huge': {
      folder: austen,
      overrides: { 'model.safetensors': 'a big file' },
      claimedWeightsSize: 4 * 1024 ** 3, // over the 3.94 GiB a wasm32 module can use, not over maxBytes 2^32
    },
  });
  hubUrl = hub.url;
  const closed = createServer();
  await new Promise((done) => closed.listen(0, '127.0.0.1', done));
  closedUrl = `http://127.0.0.1:${closed.address().port}/`;
  await new Promise((done) => closed.close(done));
  cacheRoot = await mkdtemp(join(tmpdir(), 'mha-hub-cache-'));
  reference = {
    gpt: await runModel(await loadModel(austen)),
    bert: await runModel(await loadModel(bertTiny)),
    distilbert: await runModel(await loadModel(distilbertTiny)),
  };
});
after(async () => {
  await hub?.close();
  if (cacheRoot) await rm(cacheRoot, { recursive: true, force: true });
});

// The requests the hub answered while `body` ran.
async function requestsDuring(body) {
  const before = hub.requests.length;
  const result = await body();
  return { result, requests: hub.requests.slice(before) };
}

describe('loading from the Hub', () => {
  test('Llama family: the index, the shards it names and no tokenizer.json give the same logits as from disk', async () => {
    const { result: model, requests } = await requestsDuring(() =>
      loadModel('test-org/llama-sharded', { hubUrl, cache: false }),
    );
    assert.ok(model instanceof LlamaModel);
    const fromDisk = await loadModel(llamaSharded);
    assert.deepEqual(model.run([1, 2, 3]).logits, fromDisk.run([1, 2, 3]).logits);
    assert.ok(requests.includes('GET /test-org/llama-sharded/resolve/main/model.safetensors.index.json 200'));
    assert.ok(requests.some((line) => line.includes('model-00002-of-00002.safetensors')));
    model.dispose();
    fromDisk.dispose();
  });

  test('GPT-2: the same logits and attention as from disk; the weights come through a 302 to the content store', async () => {
    const events = [];
    const { result: model, requests } = await requestsDuring(() =>
      loadModel('test-org/austen-gpt', { hubUrl, onProgress: (event) => events.push(event) }),
    );
    assert.ok(model instanceof GptModel);
    assert.deepEqual(await runModel(model), reference.gpt);
    const hash = requests
      .find((line) => line.startsWith('GET /cas/'))
      .split(' ')[1]
      .slice(5);
    assert.deepEqual(requests.sort(), [
      `GET /cas/${hash} 200`,
      'GET /test-org/austen-gpt/resolve/main/config.json 200',
      'GET /test-org/austen-gpt/resolve/main/merges.txt 200',
      'GET /test-org/austen-gpt/resolve/main/model.safetensors 302',
      'GET /test-org/austen-gpt/resolve/main/vocab.json 200',
    ]);
    // The size of each file is known (Content-Length) before its first byte arrives.
    const weights = events.filter((event) => event.file === 'model.safetensors');
    assert.deepEqual(weights.slice(0, 2), [
      { status: 'initiate', file: 'model.safetensors', loaded: 0, total: undefined },
      { status: 'download', file: 'model.safetensors', loaded: 0, total: austenWeights.length },
    ]);
    assert.equal(weights[2].status, 'progress');
    assert.deepEqual(weights.at(-1), {
      status: 'done',
      file: 'model.safetensors',
      loaded: austenWeights.length,
      total: austenWeights.length,
    });
    assert.deepEqual([...new Set(events.map((event) => event.file))].sort(), [
      'config.json',
      'merges.txt',
      'model.safetensors',
      'vocab.json',
    ]);
    assert.equal(events[0].file, 'config.json', 'config.json is read first: it says which files the model needs');
  });

  test('an id without owner, and a revision with a slash (escaped in the URL)', async () => {
    const { result: model, requests } = await requestsDuring(() =>
      loadModel('austen-gpt', { hubUrl, revision: 'refs/pr/1' }),
    );
    assert.deepEqual(await runModel(model), reference.gpt);
    assert.ok(requests.includes('GET /austen-gpt/resolve/refs%2Fpr%2F1/config.json 200'), requests.join('\n'));
  });

  test('BERT with vocab.txt: tokenizer.json is tried first; the same outputs as from disk', async () => {
    const { result: model, requests } = await requestsDuring(() =>
      loadModel('test-org/bert-tiny', { hubUrl: new URL(hubUrl) }),
    );
    assert.ok(model instanceof EncoderModel);
    assert.deepEqual(await runModel(model), reference.bert);
    assert.deepEqual(requests.filter((line) => !line.startsWith('GET /cas/')).sort(), [
      'GET /test-org/bert-tiny/resolve/main/config.json 200',
      'GET /test-org/bert-tiny/resolve/main/model.safetensors 302',
      'GET /test-org/bert-tiny/resolve/main/tokenizer.json 404',
      'GET /test-org/bert-tiny/resolve/main/tokenizer_config.json 200',
      'GET /test-org/bert-tiny/resolve/main/vocab.txt 200',
    ]);
  });

  test('DistilBERT with tokenizer.json: vocab.txt is never asked for; the same outputs as from disk', async () => {
    const events = [];
    const { result: model, requests } = await requestsDuring(() =>
      loadModel('test-org/distilbert-tiny', { hubUrl, onProgress: (event) => events.push(event) }),
    );
    assert.deepEqual(await runModel(model), reference.distilbert);
    assert.ok(
      !requests.some((line) => line.includes('vocab.txt') || line.includes('tokenizer_config.json')),
      requests.join('\n'),
    );
    assert.deepEqual([...new Set(events.map((event) => event.file))].sort(), [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
    ]);
  });
});

describe('Hub errors name the repository, the file and the cause', () => {
  const load = (id, options) => loadModel(id, { hubUrl, ...options });
  const hubError = (file, repo, status, code, message) => ({
    name: 'HubError',
    file,
    repo,
    status,
    code,
    revision: 'main',
    message,
  });

  test('401 for a gated repository', async () => {
    await assert.rejects(
      load('test-org/gated'),
      hubError(
        'config.json',
        'test-org/gated',
        401,
        'GatedRepo',
        'config.json: repository "test-org/gated" is gated or private (HTTP 401 GatedRepo): the Hub serves it only to a ' +
          "signed-in user with access; pass an access token as options.headers = { Authorization: 'Bearer hf_...' } " +
          "(and accept the repository's conditions on its Hub page if it is gated)",
      ),
    );
    await assert.rejects(load('test-org/gated'), HubError);
    // The Hub answers an anonymous request for a private repository as for a missing one.
    await assert.rejects(
      load('test-org/private'),
      hubError(
        'config.json',
        'test-org/private',
        401,
        'RepoNotFound',
        `config.json: no repository "test-org/private" on ${hubUrl} (HTTP 401 RepoNotFound); check the id, or if the ` +
          "repository is private, pass an access token as options.headers = { Authorization: 'Bearer hf_...' }",
      ),
    );
  });

  test('options.headers carry a token: the gated repository loads', async () => {
    const model = await load('test-org/gated', { headers: { Authorization: 'Bearer hf_test' } });
    assert.deepEqual(await runModel(model), reference.gpt);
  });

  test('404: a missing repository, revision and file are told apart by x-error-code', async () => {
    await assert.rejects(
      load('test-org/missing'),
      hubError(
        'config.json',
        'test-org/missing',
        404,
        'RepoNotFound',
        `config.json: no repository "test-org/missing" on ${hubUrl} (HTTP 404 RepoNotFound); check the id, or if the ` +
          "repository is private, pass an access token as options.headers = { Authorization: 'Bearer hf_...' }",
      ),
    );
    await assert.rejects(load('test-org/austen-gpt', { revision: 'v2' }), {
      name: 'HubError',
      code: 'RevisionNotFound',
      revision: 'v2',
      message:
        'config.json: repository "test-org/austen-gpt" has no revision "v2" (HTTP 404 RevisionNotFound); ' +
        'a revision is a branch, a tag or a commit hash',
    });
    await assert.rejects(
      load('test-org/no-merges'),
      hubError(
        'merges.txt',
        'test-org/no-merges',
        404,
        'EntryNotFound',
        'merges.txt: no such file in repository "test-org/no-merges" at revision "main" (HTTP 404 EntryNotFound)',
      ),
    );
    await assert.rejects(
      load('test-org/no-safetensors'),
      hubError(
        'model.safetensors',
        'test-org/no-safetensors',
        404,
        'EntryNotFound',
        'model.safetensors: no such file in repository "test-org/no-safetensors" at revision "main" (HTTP 404 EntryNotFound); ' +
          'this package reads the weights from one model.safetensors file',
      ),
    );
    await assert.rejects(load('test-org/no-vocab'), {
      name: 'ModelFormatError',
      message:
        'vocab.txt: expected tokenizer.json or vocab.txt in repository "test-org/no-vocab" at revision "main", found neither',
    });
  });

  test('a server without x-error-code (a mirror): a missing optional file is still absent; other 404s say what may be missing', async () => {
    const mirror = await startHubServer({ 'test-org/bert-tiny': { folder: bertTiny } }, { errorCodes: false });
    try {
      const model = await loadModel('test-org/bert-tiny', { hubUrl: mirror.url });
      assert.deepEqual(await runModel(model), reference.bert);
      assert.ok(mirror.requests.includes('GET /test-org/bert-tiny/resolve/main/tokenizer.json 404'));
      const url = `${mirror.url}test-org/missing/resolve/main/config.json`;
      await assert.rejects(loadModel('test-org/missing', { hubUrl: mirror.url }), {
        name: 'HubError',
        status: 404,
        code: '',
        message:
          `config.json: not found at ${url} (HTTP 404 Not Found): the repository "test-org/missing", its revision ` +
          '"main" or the file is missing (no x-error-code header says which)',
      });
    } finally {
      await mirror.close();
    }
  });

  test('an architecture the package does not run is refused after config.json, before any weights', async () => {
    const { requests } = await requestsDuring(() =>
      assert.rejects(load('test-org/roberta'), {
        name: 'ModelFormatError',
        message:
          'config.json: model_type: expected one of "gpt2", "bert", "distilbert", "llama", "qwen2", "mistral", got "roberta" ' +
          '(repository "test-org/roberta" at revision "main")',
      }),
    );
    assert.deepEqual(requests, ['GET /test-org/roberta/resolve/main/config.json 200']);
    await assert.rejects(load('test-org/roberta'), ModelFormatError);
  });

  test('no answer (offline, host down): the URL, the cause and what it may mean', async () => {
    const port = new URL(closedUrl).port;
    await assert.rejects(loadModel('test-org/austen-gpt', { hubUrl: closedUrl }), {
      name: 'HubError',
      status: 0,
      code: '',
      file: 'config.json',
      url: `${closedUrl}test-org/austen-gpt/resolve/main/config.json`,
      message:
        `config.json: cannot fetch ${closedUrl}test-org/austen-gpt/resolve/main/config.json for repository ` +
        `"test-org/austen-gpt" at revision "main" (connect ECONNREFUSED 127.0.0.1:${port}): offline, or the host is down ` +
        'or mistyped (options.hubUrl)',
    });
  });

  test('too big: over maxBytes, or over what wasm memory holds, refused from Content-Length before the body', async () => {
    await assert.rejects(load('test-org/austen-gpt', { maxBytes: 1024 * 1024 }), {
      name: 'RangeError',
      message: 'model.safetensors of "test-org/austen-gpt": 8.09 MiB is over the limit of 1 MiB (maxBytes)',
    });
    const t0 = performance.now();
    await assert.rejects(load('test-org/huge', { maxBytes: 2 ** 32 }), {
      name: 'RangeError',
      message:
        'model.safetensors of "test-org/huge": 4 GiB cannot fit in wasm memory: the engine holds weights at about ' +
        "the file's size, more than the 3.94 GiB a wasm32 module can use (4 GiB less 64 MiB reserved)",
    });
    assert.ok(performance.now() - t0 < 5000, 'refused on the header: the store never sends the body');
  });
});

describe('the Node cache folder', () => {
  test('files land under <folder>/<id>/<revision>/; a second load sends no request and gives the same logits', async () => {
    const cache = join(cacheRoot, 'first');
    const first = await requestsDuring(() => loadModel('test-org/austen-gpt', { hubUrl, cache }));
    assert.deepEqual(await runModel(first.result), reference.gpt);
    assert.equal(first.requests.length, 5);
    const folder = join(cache, 'test-org', 'austen-gpt', 'main');
    assert.deepEqual(readdirSync(folder).sort(), ['config.json', 'merges.txt', 'model.safetensors', 'vocab.json']);
    assert.ok(readFileSync(join(folder, 'model.safetensors')).equals(austenWeights));

    const events = [];
    const second = await requestsDuring(() =>
      loadModel('test-org/austen-gpt', { hubUrl, cache, onProgress: (event) => events.push(event) }),
    );
    assert.deepEqual(second.requests, []);
    assert.deepEqual(await runModel(second.result), reference.gpt);
    assert.deepEqual(
      events.filter((event) => event.file === 'model.safetensors').map((event) => [event.status, event.total]),
      [
        ['initiate', undefined],
        ['download', austenWeights.length],
        ['done', austenWeights.length],
      ],
    );

    // With the server gone, too; cache: false goes to the network and says so.
    const offline = { hubUrl: closedUrl, cache };
    assert.deepEqual(await runModel(await loadModel('test-org/austen-gpt', offline)), reference.gpt);
    await assert.rejects(loadModel('test-org/austen-gpt', { ...offline, cache: false }), {
      name: 'HubError',
      status: 0,
    });
  });

  test('a file the repository lacks is remembered, so an offline load asks the same questions', async () => {
    const cache = join(cacheRoot, 'bert');
    await runModel(await loadModel('test-org/bert-tiny', { hubUrl, cache }));
    assert.deepEqual(readdirSync(join(cache, 'test-org', 'bert-tiny', 'main')).sort(), [
      'config.json',
      'model.safetensors',
      'tokenizer.json.entry-not-found',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    assert.deepEqual(
      await runModel(await loadModel('test-org/bert-tiny', { hubUrl: closedUrl, cache })),
      reference.bert,
    );
  });

  test('an abort in the middle of the weights leaves no part of them in the cache; the next load completes it', async () => {
    const cache = join(cacheRoot, 'aborted');
    const folder = join(cache, 'test-org', 'austen-gpt', 'main');
    hub.throttle = { bytes: 65536, ms: 50 }; // about 6 s for the 8 MB weights
    const started = new Promise((done) => {
      hub.onWeightsStarted = done;
    });
    const controller = new AbortController();
    const events = [];
    try {
      const loading = loadModel('test-org/austen-gpt', {
        hubUrl,
        cache,
        signal: controller.signal,
        onProgress: (event) => events.push(event),
      });
      await started;
      controller.abort();
      await assert.rejects(loading, { name: 'AbortError' });
    } finally {
      hub.throttle = null;
      hub.onWeightsStarted = null;
    }
    const weights = events.filter((event) => event.file === 'model.safetensors');
    assert.ok(weights.at(-1).loaded < austenWeights.length && weights.at(-1).status !== 'done');
    assert.deepEqual(
      readdirSync(folder).sort(),
      ['config.json', 'merges.txt', 'vocab.json'],
      'no weights, no temporary file',
    );

    const { result: model, requests } = await requestsDuring(() => loadModel('test-org/austen-gpt', { hubUrl, cache }));
    assert.deepEqual(await runModel(model), reference.gpt);
    assert.deepEqual(
      requests.filter((line) => !line.startsWith('GET /cas/')),
      ['GET /test-org/austen-gpt/resolve/main/model.safetensors 302'],
    );
    assert.equal(statSync(join(folder, 'model.safetensors')).size, austenWeights.length);
  });
});

describe('which sources go to the Hub', () => {
  test('an existing folder shaped like an id is read from disk; hub: true sends it to the Hub', async () => {
    const workingFolder = process.cwd();
    process.chdir(fileURLToPath(new URL('../../', import.meta.url))); // the repository root: models/austen-gpt exists
    try {
      const path = 'models/austen-gpt';
      assert.deepEqual(await runModel(await loadModel(path)), reference.gpt);
      await assert.rejects(loadModel(path, { hubUrl }), {
        name: 'TypeError',
        message: `options.hubUrl: only for models from the Hub, and "${path}" is an existing path here (pass options.hub = true to read the Hub)`,
      });
      const { requests } = await requestsDuring(() =>
        assert.rejects(loadModel(path, { hub: true, hubUrl }), { code: 'RepoNotFound' }),
      );
      assert.deepEqual(requests, [`GET /${path}/resolve/main/config.json 404`]);
    } finally {
      process.chdir(workingFolder);
    }
  });

  test('paths, URLs and odd strings are never ids; Hub options with them are refused', async () => {
    for (const source of [
      './test-org/austen-gpt',
      '/test-org/austen-gpt',
      'test-org/austen-gpt/',
      'a/b/c',
      'org/../name',
      'file:///x',
    ]) {
      await assert.rejects(loadModel(source, { revision: 'main' }), {
        name: 'TypeError',
        message: `options.revision: only for models from the Hub, and "${source}" is not a Hub id ("name" or "owner/name")`,
      });
    }
    await assert.rejects(loadModel('test-org/austen-gpt', { hub: false, cache: false }), {
      name: 'TypeError',
      message: 'options.cache: only for models from the Hub, and options.hub is false',
    });
    await assert.rejects(loadModel('./x', { hub: true }), {
      name: 'TypeError',
      message: 'source: expected a Hub id ("name" or "owner/name") with options.hub = true, got "./x"',
    });
  });

  test('Hub options are checked', async () => {
    const id = 'test-org/austen-gpt';
    await assert.rejects(loadModel(id, { hubUrl, revision: '' }), {
      name: 'TypeError',
      message: 'options.revision: expected a branch, tag or commit hash (a non-empty string), got ""',
    });
    await assert.rejects(loadModel(id, { hubUrl: 'ftp://example/' }), {
      name: 'TypeError',
      message:
        'options.hubUrl: expected an absolute http(s) URL such as "https://huggingface.co/", got "ftp://example/"',
    });
    await assert.rejects(loadModel(id, { hubUrl, cache: 3 }), {
      name: 'TypeError',
      message: 'options.cache: expected a boolean or (Node) a folder path, got 3',
    });
    await assert.rejects(loadModel(id, { hubUrl, headers: 'token' }), {
      name: 'TypeError',
      message:
        'options.headers: expected an object of HTTP headers such as { Authorization: \'Bearer hf_...\' }, got "token"',
    });
    await assert.rejects(loadModel(id, { hub: 'yes' }), {
      name: 'TypeError',
      message: 'options.hub: expected a boolean, got "yes"',
    });
    assert.equal(existsSync(join(process.cwd(), id)), false);
  });
});
