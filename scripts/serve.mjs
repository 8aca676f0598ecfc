// A small static server for the demo: serves the repository root (the page at /web/ imports the
// package from /dist/), with the COOP/COEP headers that cross-origin isolation (threads) needs.
//   node scripts/serve.mjs [--port N]      (PORT env var also works; 0 = any free port)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cachedModelMounts } from './cached-models.mjs';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.ico': 'image/x-icon',
};

/**
 * Serves `root` (default: the repository) on host:port (0 = any free port); resolves to the listening
 * http.Server. `/` redirects to `index` when one is given (the demo at /web/). `mounts` serves more
 * folders under URL prefixes, e.g. { '/simd/': '/tmp/build/dist' } (the benchmark page loads builds that
 * may live outside the root this way). The pretrained models scripts/setup.sh caches outside the repository
 * are mounted under /models/<name>/ too, and /models/cached.json lists the ones present ({ "models": [names] }),
 * so that the page can leave out an absent one without requesting it (scripts/cached-models.mjs;
 * `cachedModels: false` mounts none and lists none).
 * `isolated: false` leaves out the COOP/COEP headers (a page that is not cross-origin isolated, as most are).
 */
export function startServer({
  port = 8080,
  host = '127.0.0.1',
  root = repoRoot,
  index = '/web/',
  mounts = {},
  isolated = true,
  cachedModels = true,
} = {}) {
  const modelMounts = cachedModels ? cachedModelMounts() : {};
  const all = { ...modelMounts, ...mounts };
  const cachedList = JSON.stringify({ models: Object.keys(modelMounts).map((prefix) => prefix.split('/')[2]) });
  const folders = Object.entries(all).map(([prefix, folder]) => [prefix.replace(/\/?$/, '/'), resolve(folder)]);
  folders.push(['/', resolve(root)]);
  const send = (response, type, body) => {
    response.writeHead(200, {
      'Content-Type': type,
      ...(isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {}),
      'Cache-Control': 'no-cache',
    });
    response.end(body);
  };
  const server = createServer(async (request, response) => {
    try {
      const path = normalize(decodeURIComponent(new URL(request.url, 'http://localhost').pathname));
      if (index && (path === '/' || path === '')) {
        response.writeHead(302, { Location: index });
        return response.end();
      }
      if (path === '/models/cached.json') return send(response, types['.json'], cachedList);
      const [prefix, base] = folders.find(([prefix]) => path.startsWith(prefix)) ?? folders.at(-1);
      let file = join(base, path.slice(prefix.length - 1));
      if (file !== base && !file.startsWith(base + sep)) {
        response.writeHead(403, { 'Content-Type': 'text/plain' });
        return response.end('forbidden');
      }
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      send(response, types[extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('not found');
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = process.argv.indexOf('--port');
  const port = Number(flag > 0 ? process.argv[flag + 1] : (process.env.PORT ?? 8080));
  const server = await startServer({ port });
  console.log(`mha-wasm demo: http://127.0.0.1:${server.address().port}/web/  (Ctrl+C to stop)`);
}
