// A local server that answers like the Hugging Face Hub, for the hub loader's tests (no real hub is reachable
// from the test machines):
//   GET/HEAD /{id}/resolve/{revision}/{file}
//     small files: 200 with the bytes, ETag and Content-Length;
//     *.safetensors (the Hub's LFS files): 302 to /cas/<sha256> on a second port (another origin, as the Hub's
//       content store is), with X-Linked-Size and X-Linked-Etag; the store answers 200 with Content-Length;
//     a gated repository: 401 with x-error-code GatedRepo, a private one 401 RepoNotFound, unless the request
//       carries "Authorization: Bearer <its token>"; a missing repository, revision or file: 404 with
//       x-error-code RepoNotFound, RevisionNotFound or EntryNotFound.
//   Every answer carries CORS headers (any origin; Content-Length, ETag and the error code exposed) and
//   Cross-Origin-Resource-Policy: cross-origin, so that cross-origin-isolated pages may read it too.
//
//   const hub = await startHubServer({ 'test-org/austen-gpt': { folder: 'models/austen-gpt' } });
//   await loadModel('test-org/austen-gpt', { hubUrl: hub.url });
//   hub.requests  // ['GET /test-org/austen-gpt/resolve/main/config.json 200', 'GET /cas/5f0c... 200', ...]
//   await hub.close();
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODEL_FILES = /\.(json|txt|safetensors)$/;
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, ETag, X-Error-Code, X-Error-Message, X-Linked-Size, X-Linked-Etag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// The files of a repository: every model file of `folder` (or only those named in `only`), then `overrides`
// ({ name: Buffer | string }, where null removes a file).
function repositoryFiles({ folder, only, overrides = {} }) {
  const path = folder instanceof URL ? fileURLToPath(folder) : folder;
  const files = {};
  for (const name of only ??
    readdirSync(path).filter((name) => MODEL_FILES.test(name) && statSync(join(path, name)).isFile()))
    files[name] = readFileSync(join(path, name));
  for (const [name, bytes] of Object.entries(overrides)) {
    if (bytes === null) delete files[name];
    else files[name] = Buffer.from(bytes);
  }
  return files;
}

/**
 * Starts the fake Hub on two free 127.0.0.1 ports (the Hub and its content store). `repositories` maps ids
 * to { folder, only?, overrides?, gated?, private?, token? (what opens a gated or private one), revisions?
 * (default ['main']), claimedWeightsSize? (the store
 * announces this Content-Length for model.safetensors and sends nothing: a file too big to download) }.
 * `cors: false` leaves out the CORS headers (a host that pages of other origins cannot read); `errorCodes: false`
 * the x-error-code headers (a mirror or a plain file server).
 * Returns { url, casUrl, requests, throttle, onWeightsStarted, close() }: `requests` lists
 * "METHOD /path STATUS" per answer; set `throttle = { bytes, ms }` to send the store's files slowly, and
 * `onWeightsStarted` to hear when the first chunk of a throttled file has gone out.
 */
export async function startHubServer(repositories, { cors = true, errorCodes = true } = {}) {
  const repos = new Map();
  const store = new Map(); // sha256 -> { bytes, claimedSize }
  for (const [id, spec] of Object.entries(repositories)) {
    const files = repositoryFiles(spec);
    for (const [name, bytes] of Object.entries(files)) {
      if (!name.endsWith('.safetensors')) continue;
      const hash = sha256(bytes);
      store.set(hash, { bytes, claimedSize: spec.claimedWeightsSize });
    }
    repos.set(id, {
      files,
      gated: spec.gated === true,
      private: spec.private === true,
      token: spec.token,
      revisions: spec.revisions ?? ['main'],
    });
  }
  const hub = { requests: [], throttle: null, onWeightsStarted: null };
  const answer = (request, response, status, headers = {}, body) => {
    hub.requests.push(`${request.method} ${request.url} ${status}`);
    response.writeHead(status, { ...(cors ? CORS : {}), ...headers });
    if (request.method === 'HEAD' || body === undefined) return response.end();
    return response.end(body);
  };
  const fail = (request, response, status, code, message) =>
    answer(
      request,
      response,
      status,
      { ...(errorCodes ? { 'X-Error-Code': code, 'X-Error-Message': message } : {}), 'Content-Type': 'text/plain' },
      message,
    );

  const serveHub = (request, response) => {
    if (request.method === 'OPTIONS') {
      return answer(request, response, 204, {
        'Access-Control-Allow-Headers': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD',
      });
    }
    // The revision is one escaped segment ("refs%2Fpr%2F1"): split first, then decode.
    const match = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(new URL(request.url, 'http://hub').pathname);
    if (!match || !['GET', 'HEAD'].includes(request.method))
      return fail(request, response, 404, 'EntryNotFound', 'not a resolve URL');
    const [id, revision, name] = match.slice(1).map(decodeURIComponent);
    const repo = repos.get(id);
    if (!repo) return fail(request, response, 404, 'RepoNotFound', 'Repository not found');
    // The Hub answers an anonymous request for a private repository as for a missing one, with 401.
    const signedIn = repo.token !== undefined && request.headers.authorization === `Bearer ${repo.token}`;
    if (repo.private && !signedIn) return fail(request, response, 401, 'RepoNotFound', 'Repository not found');
    if (repo.gated && !signedIn)
      return fail(request, response, 401, 'GatedRepo', `Access to model ${id} is restricted. Please log in.`);
    if (!repo.revisions.includes(revision)) return fail(request, response, 404, 'RevisionNotFound', 'Invalid rev id');
    const bytes = repo.files[name];
    if (!bytes) return fail(request, response, 404, 'EntryNotFound', 'Entry not found');
    const etag = `"${name.endsWith('.safetensors') ? sha256(bytes) : createHash('sha1').update(bytes).digest('hex')}"`;
    if (name.endsWith('.safetensors')) {
      const hash = sha256(bytes);
      return answer(request, response, 302, {
        Location: `${hub.casUrl}/cas/${hash}`,
        ETag: etag,
        'X-Linked-Etag': etag,
        'X-Linked-Size': String(bytes.length),
      });
    }
    return answer(
      request,
      response,
      200,
      { 'Content-Length': bytes.length, ETag: etag, 'Content-Type': 'application/octet-stream' },
      bytes,
    );
  };

  const serveStore = (request, response) => {
    const hash = /^\/cas\/([0-9a-f]{64})$/.exec(request.url)?.[1];
    const entry = hash && store.get(hash);
    if (!entry) return answer(request, response, 404, { 'Content-Type': 'text/plain' }, 'no such object');
    const { bytes, claimedSize } = entry;
    const headers = {
      'Content-Length': claimedSize ?? bytes.length,
      ETag: `"${hash}"`,
      'Content-Type': 'application/octet-stream',
    };
    if (claimedSize !== undefined) {
      // announce the size, then wait for the client to go away
      hub.requests.push(`${request.method} ${request.url} 200`);
      response.writeHead(200, { ...(cors ? CORS : {}), ...headers });
      response.flushHeaders();
      return undefined;
    }
    if (!hub.throttle || request.method === 'HEAD') return answer(request, response, 200, headers, bytes);
    hub.requests.push(`${request.method} ${request.url} 200`);
    response.writeHead(200, { ...(cors ? CORS : {}), ...headers });
    const { bytes: chunk, ms } = hub.throttle;
    let at = 0;
    const timer = setInterval(() => {
      if (at === 0) hub.onWeightsStarted?.();
      response.write(bytes.subarray(at, at + chunk));
      at += chunk;
      if (at >= bytes.length) {
        clearInterval(timer);
        response.end();
      }
    }, ms);
    response.on('close', () => clearInterval(timer));
    return undefined;
  };

  const listen = (handler) =>
    new Promise((done, failed) => {
      const server = createServer(handler);
      server.once('error', failed);
      server.listen(0, '127.0.0.1', () => done(server));
    });
  const [hubServer, storeServer] = await Promise.all([listen(serveHub), listen(serveStore)]);
  hub.url = `http://127.0.0.1:${hubServer.address().port}/`;
  hub.casUrl = `http://127.0.0.1:${storeServer.address().port}`;
  hub.close = () =>
    Promise.all(
      [hubServer, storeServer].map(
        (server) =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      ),
    );
  return hub;
}

// By hand: `node tests/js/hub-server.mjs` serves the repository's models as a hub (for trying a page against it):
// test-org/austen-gpt, test-org/bert-tiny, test-org/distilbert-tiny and a gated test-org/gated (token hf_test).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const models = new URL('../../models/', import.meta.url),
    encoders = new URL('../fixtures/encoders/', import.meta.url);
  const hub = await startHubServer({
    'test-org/austen-gpt': { folder: new URL('austen-gpt/', models) },
    'test-org/bert-tiny': { folder: new URL('bert-tiny/', encoders) },
    'test-org/distilbert-tiny': { folder: new URL('distilbert-tiny/', encoders) },
    'test-org/gated': { folder: new URL('austen-gpt/', models), gated: true, token: 'hf_test' },
  });
  console.log(
    `fake hub at ${hub.url} (content store ${hub.casUrl}); loadModel('test-org/austen-gpt', { hubUrl: '${hub.url}' })`,
  );
}
