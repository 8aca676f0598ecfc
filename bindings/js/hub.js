// Models from the Hugging Face Hub, or from any server with its URL layout: {hubUrl}{id}/resolve/{revision}/{file}.
// config.json comes first, then the files its model_type needs. Each file is taken from the cache when it is
// there (Cache Storage in browsers, a folder in Node), else downloaded whole and only then cached, so an
// aborted or failed download never leaves part of a file behind. Errors name the repository, the file and the
// cause: the Hub's x-error-code header tells a missing repository, revision and file apart.
import {
  describe,
  isNode,
  localFileSize,
  locationUrl,
  ModelFormatError,
  readLocalFile,
  weightsFitError,
} from './runtime.js';
import { INDEX_NAME, shardNames } from './llama.js';
import { DEFAULT_MAX_BYTES, overLimitError, readStream } from './model.js';

/** Where ids are resolved unless options.hubUrl says otherwise. */
export const DEFAULT_HUB_URL = 'https://huggingface.co/';
/** The Cache Storage cache (browsers) that holds the Hub's files, keyed by resolve URL. */
export const HUB_CACHE_NAME = 'mha-wasm-hub';
/** The options of loadModel that only a Hub load takes (besides hub itself). */
export const HUB_OPTIONS = ['revision', 'hubUrl', 'cache', 'headers'];

// Node-only modules are imported through a variable so that bundlers for the web leave them alone.
const NODE_FS = 'node:fs/promises';
const nodeFs = () => import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);

/** Thrown when the Hub (or the network to it) does not deliver a file; the message names repo, file and cause. */
export class HubError extends Error {
  /**
   * repo, revision, file: what was asked; url: the resolve URL; status: the HTTP status (0 when no answer
   * came: offline, refused, CORS); code: the x-error-code header ('RepoNotFound', 'RevisionNotFound',
   * 'EntryNotFound', 'GatedRepo') or ''.
   */
  constructor(message, { repo, revision, file, url, status, code, cause }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HubError';
    Object.assign(this, { repo, revision, file, url, status, code });
  }
}

// ---- which strings are Hub ids ------------------------------------------------------------------

// One part of an id: letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most
// 96 characters ("gpt2", "openai-community", "all-MiniLM-L6-v2", "Qwen2.5-0.5B").
const ID_PART = '[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?';
const HUB_ID = new RegExp(`^(?:${ID_PART}/)?${ID_PART}$`);

/** Whether `text` has the shape of a Hub id: "name" or "owner/name" (no scheme, no leading '.' or '/', no '..'). */
export function isHubId(text) {
  return typeof text === 'string' && HUB_ID.test(text) && !text.includes('..');
}

async function existsHere(text) {
  if (!isNode()) return false;
  try {
    await localFileSize(await locationUrl(text, 'source'));
    return true;
  } catch (error) {
    return error.code !== 'ENOENT' && error.code !== 'ENOTDIR';
  }
}

/**
 * Whether loadModel reads `source` from the Hub. options.hub = true: always (the source must be an id);
 * false: never. Otherwise: when the source is a string shaped like an id and, in Node, no file or folder of
 * that name exists (relative to the working folder). The Hub-only options with a source read otherwise are
 * refused, so that a typo cannot silently load a local folder instead.
 */
export async function isHubSource(source, options) {
  const { hub } = options;
  if (hub !== undefined && typeof hub !== 'boolean')
    throw new TypeError(`options.hub: expected a boolean, got ${describe(hub)}`);
  if (hub === true && !isHubId(source))
    throw new TypeError(
      `source: expected a Hub id ("name" or "owner/name") with options.hub = true, got ${describe(source)}`,
    );
  let why = '';
  if (hub === false) why = 'options.hub is false';
  else if (!isHubId(source)) why = `${describe(source)} is not a Hub id ("name" or "owner/name")`;
  else if (hub !== true && (await existsHere(source)))
    why = `${describe(source)} is an existing path here (pass options.hub = true to read the Hub)`;
  const hubOnly = HUB_OPTIONS.find((key) => options[key] !== undefined);
  if (why && hubOnly) throw new TypeError(`options.${hubOnly}: only for models from the Hub, and ${why}`);
  return !why;
}

// ---- options -------------------------------------------------------------------------------------

function checkHubOptions({ revision = 'main', hubUrl = DEFAULT_HUB_URL, cache, headers }) {
  if (typeof revision !== 'string' || revision === '')
    throw new TypeError(
      `options.revision: expected a branch, tag or commit hash (a non-empty string), got ${describe(revision)}`,
    );
  let base;
  try {
    base = new URL(String(hubUrl));
  } catch {
    /* refused below */
  }
  if (!(typeof hubUrl === 'string' || hubUrl instanceof URL) || !base || !['http:', 'https:'].includes(base.protocol))
    throw new TypeError(
      `options.hubUrl: expected an absolute http(s) URL such as "${DEFAULT_HUB_URL}", got ${describe(hubUrl)}`,
    );
  if (!base.pathname.endsWith('/')) base.pathname += '/'; // a mirror under a path: https://host/hf -> https://host/hf/
  const folder = typeof cache === 'string' || cache instanceof URL;
  if (cache !== undefined && typeof cache !== 'boolean' && !folder)
    throw new TypeError(`options.cache: expected a boolean or (Node) a folder path, got ${describe(cache)}`);
  if (folder && !isNode())
    throw new TypeError(
      'options.cache: a folder is for Node; browsers cache in Cache Storage (cache: true, the default, or false)',
    );
  const headerObject = headers !== null && typeof headers === 'object' && !Array.isArray(headers);
  if (headers !== undefined && !headerObject)
    throw new TypeError(
      "options.headers: expected an object of HTTP headers such as { Authorization: 'Bearer hf_...' }, " +
        `got ${describe(headers)}`,
    );
  return { revision, hubUrl: base, cache, headers };
}

// ---- caches: the Hub's answer per file, its bytes or "not in the repository" -----------------------
// Both kinds: read(url, file) -> { bytes } | { stream, size } | { absent: true } | null (not cached);
// write(url, file, bytes) once a file was read whole; writeAbsent(url, file) after a 404 EntryNotFound.

// Cache Storage (browsers and workers), keyed by the resolve URL. A file that the Hub says is not in the
// repository (404 EntryNotFound) is kept as a 404 entry, so that an offline load tries the same files.
class StorageCache {
  #cache;
  static async open() {
    try {
      return new StorageCache(await globalThis.caches.open(HUB_CACHE_NAME));
    } catch {
      return null; // no Cache Storage here (an insecure or opaque origin): load without it
    }
  }

  constructor(cache) {
    this.#cache = cache;
  }

  async read(url) {
    const response = await this.#cache.match(url.href);
    if (!response) return null;
    if (response.status === 404) return { absent: true };
    return { stream: response.body, size: Number(response.headers.get('content-length')) || undefined };
  }

  async write(url, file, bytes) {
    await this.#put(
      url,
      new Response(bytes, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) },
      }),
    );
  }

  async writeAbsent(url) {
    await this.#put(url, new Response(null, { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } }));
  }

  async #put(url, response) {
    try {
      await this.#cache.put(url.href, response);
    } catch (error) {
      console.warn(`mha-wasm: not cached (${error.message}): ${url.href}`); // e.g. over the storage quota
    }
  }
}

// A folder (Node): <folder>/<id>/<revision>/<file>, written to a temporary file and renamed, so that a file
// is there whole or not at all. An absent file is marked by an empty <file>.entry-not-found.
class FolderCache {
  #folder;
  static async open(folder, id, revision) {
    const root = await locationUrl(/[\\/]$/.test(String(folder)) ? String(folder) : `${folder}/`, 'options.cache');
    // The revision is one folder: "refs/pr/1" is written "refs%2Fpr%2F1" (escaped once more inside the URL).
    return new FolderCache(new URL(`${id}/${encodeURIComponent(encodeURIComponent(revision))}/`, root));
  }

  constructor(folder) {
    this.#folder = folder;
  }

  async read(url, file) {
    const at = new URL(file, this.#folder);
    try {
      return { bytes: await readLocalFile(at) };
    } catch (error) {
      if (error.code !== 'ENOENT')
        throw new TypeError(`options.cache: cannot read ${at.pathname} (${error.message})`, { cause: error });
    }
    const { access } = await nodeFs();
    return access(new URL(`${file}.entry-not-found`, this.#folder)).then(
      () => ({ absent: true }),
      () => null,
    );
  }

  async write(url, file, bytes) {
    await this.#writeAtomically(file, bytes);
  }

  async writeAbsent(url, file) {
    await this.#writeAtomically(`${file}.entry-not-found`, new Uint8Array(0));
  }

  async #writeAtomically(name, bytes) {
    const { mkdir, rename, rm, writeFile } = await nodeFs();
    const target = new URL(name, this.#folder);
    const temporary = new URL(`${name}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`, this.#folder);
    try {
      await mkdir(this.#folder, { recursive: true });
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new TypeError(`options.cache: cannot write ${target.pathname} (${error.message})`, { cause: error });
    }
  }
}

async function openCache(cache, id, revision) {
  if (cache === false) return null;
  if (typeof cache === 'string' || cache instanceof URL) return FolderCache.open(cache, id, revision);
  return typeof globalThis.caches?.open === 'function' ? StorageCache.open() : null; // Node: no folder, no cache
}

// ---- one repository at one revision ----------------------------------------------------------------

class HubRepository {
  #id;
  #revision;
  #hubUrl;
  #headers;
  #cache;
  #maxBytes;
  #signal;
  #onProgress;

  constructor(id, { revision, hubUrl, headers, cache }, { maxBytes, signal, onProgress }) {
    this.#id = id;
    this.#revision = revision;
    this.#hubUrl = hubUrl;
    this.#headers = headers;
    this.#cache = cache;
    this.#maxBytes = maxBytes;
    this.#signal = signal;
    this.#onProgress = onProgress;
  }

  get where() {
    return `repository "${this.#id}" at revision "${this.#revision}"`;
  }

  url(file) {
    return new URL(`${this.#id}/resolve/${encodeURIComponent(this.#revision)}/${file}`, this.#hubUrl);
  }

  /**
   * The bytes of `file`, from the cache or else the network. An optional file that the Hub says is not there
   * (404 EntryNotFound) gives null and sends no progress event at all; any other failure throws.
   */
  async read(file, { optional = false } = {}) {
    const url = this.url(file);
    const report = (status, loaded, total) => this.#onProgress?.({ status, file, loaded, total });
    const refuse = (size) => {
      throw overLimitError(`${file} of "${this.#id}"`, size, this.#maxBytes);
    };
    this.#signal?.throwIfAborted();
    if (!optional) report('initiate', 0, undefined);
    const cached = await this.#cache?.read(url, file);
    this.#signal?.throwIfAborted();
    const reading = { file, url, optional, report, refuse };
    const bytes = cached ? await this.#readCached(cached, reading) : await this.#download(reading);
    if (bytes === null) return null;
    this.#signal?.throwIfAborted();
    report('done', bytes.length, bytes.length);
    return bytes;
  }

  async #readCached(cached, { file, url, optional, report, refuse }) {
    if (cached.absent) {
      if (optional) return null;
      throw this.#httpError(file, url, 404, '', 'EntryNotFound');
    }
    if (optional) report('initiate', 0, undefined);
    const size = cached.bytes?.length ?? cached.size;
    this.#checkSize(file, size, refuse);
    if (!cached.bytes)
      return readStream(cached.stream, size, { report, refuse, maxBytes: this.#maxBytes, signal: this.#signal });
    report('download', 0, size);
    return cached.bytes;
  }

  async #download({ file, url, optional, report, refuse }) {
    const response = await this.#fetch(file, url);
    const code = response.headers.get('x-error-code') ?? '';
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      // A 404 without x-error-code (a mirror or a plain file server) can only be the file: config.json came.
      if (optional && response.status === 404 && (code === 'EntryNotFound' || code === '')) {
        await this.#cache?.writeAbsent(url, file);
        return null;
      }
      throw this.#httpError(file, url, response.status, response.statusText, code);
    }
    if (optional) report('initiate', 0, undefined);
    // The size comes with the answer's headers (after the redirect, for files in the content store), before
    // the first byte of the body: the 'download' event carries it, and a file too big is refused here.
    const size = Number(response.headers.get('content-length')) || undefined;
    try {
      this.#checkSize(file, size, refuse);
    } catch (error) {
      await response.body?.cancel().catch(() => {});
      throw error;
    }
    const bytes = await readStream(response.body, size, {
      report,
      refuse,
      maxBytes: this.#maxBytes,
      signal: this.#signal,
    });
    this.#signal?.throwIfAborted();
    await this.#cache?.write(url, file, bytes); // only now that the whole body is here
    return bytes;
  }

  #checkSize(file, size, refuse) {
    if (size === undefined) return;
    if (size > this.#maxBytes) refuse(size);
    const tooBig = file === 'model.safetensors' && weightsFitError(`${file} of "${this.#id}"`, size);
    if (tooBig) throw tooBig;
  }

  async #fetch(file, url) {
    try {
      return await fetch(url, { headers: this.#headers, signal: this.#signal, redirect: 'follow' });
    } catch (error) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      // Node says "fetch failed" with the cause (refused, unknown host) one level down; a browser says only
      // "Failed to fetch", for an offline machine and a missing CORS header alike.
      const cause = error.cause?.message ?? error.cause?.code ?? error.message;
      let why = 'offline, or the host is down or mistyped (options.hubUrl)';
      if (!isNode()) {
        why =
          globalThis.navigator?.onLine === false
            ? 'this browser is offline'
            : 'offline, the host is down, or it does not allow cross-origin requests from this page ' +
              '(CORS: its answers need an Access-Control-Allow-Origin header)';
      }
      throw new HubError(`${file}: cannot fetch ${url.href} for ${this.where} (${cause}): ${why}`, {
        ...this.#fields(file, url),
        status: 0,
        code: '',
        cause: error,
      });
    }
  }

  #fields(file, url) {
    return { repo: this.#id, revision: this.#revision, file, url: url.href };
  }

  #httpError(file, url, status, statusText, code) {
    const id = `"${this.#id}"`;
    const http = `HTTP ${status}${code ? ` ${code}` : statusText ? ` ${statusText}` : ''}`;
    const token = "pass an access token as options.headers = { Authorization: 'Bearer hf_...' }";
    let message;
    if (code === 'RepoNotFound')
      message = `no repository ${id} on ${this.#hubUrl.href} (${http}); check the id, or if the repository is private, ${token}`;
    else if (code === 'RevisionNotFound')
      message = `repository ${id} has no revision "${this.#revision}" (${http}); a revision is a branch, a tag or a commit hash`;
    else if (code === 'EntryNotFound')
      message =
        `no such file in ${this.where} (${http})` +
        (file === 'model.safetensors' ? '; this package reads the weights from one model.safetensors file' : '');
    else if (status === 401)
      message =
        `repository ${id} is gated or private (${http}): the Hub serves it only to a signed-in user with access; ` +
        `${token} (and accept the repository's conditions on its Hub page if it is gated)`;
    else if (status === 403)
      message =
        `access to repository ${id} refused (${http}): the token in options.headers has no access to it ` +
        '(for a gated repository, accept its conditions on its Hub page)';
    else if (status === 404)
      message =
        `not found at ${url.href} (${http}): the repository "${this.#id}", its revision "${this.#revision}" or ` +
        'the file is missing (no x-error-code header says which)';
    else message = `fetching ${url.href} for ${this.where} failed with ${http}`;
    return new HubError(`${file}: ${message}`, { ...this.#fields(file, url), status, code });
  }
}

// ---- the file set of each architecture ---------------------------------------------------------------

// WordPiece: tokenizer.json when the repository has one; otherwise vocab.txt and, if present,
// tokenizer_config.json. Tried in this order so that an offline load from the cache asks the same questions.
async function readWordPieceFiles(repository) {
  const tokenizer = await repository.read('tokenizer.json', { optional: true });
  if (tokenizer) return { tokenizer };
  const [vocab, tokenizerConfig] = await Promise.all([
    repository.read('vocab.txt', { optional: true }),
    repository.read('tokenizer_config.json', { optional: true }),
  ]);
  if (!vocab)
    throw new ModelFormatError(`vocab.txt: expected tokenizer.json or vocab.txt in ${repository.where}, found neither`);
  return tokenizerConfig ? { vocab, tokenizerConfig } : { vocab };
}

const FILE_SETS = {
  gpt2: async (repository) => {
    const files = ['model.safetensors', 'vocab.json', 'merges.txt'];
    const [weights, vocab, merges] = await Promise.all(files.map((file) => repository.read(file)));
    return { weights, vocab, merges };
  },
  bert: async (repository) => {
    const [weights, tokenizerFiles] = await Promise.all([
      repository.read('model.safetensors'),
      readWordPieceFiles(repository),
    ]);
    return { weights, ...tokenizerFiles };
  },
};
FILE_SETS.distilbert = FILE_SETS.bert;
// Llama family: model.safetensors, or model.safetensors.index.json and the shards it names, and tokenizer.json when
// the repository has one (without it the model takes token ids). The shape LlamaModel.load takes as an object.
FILE_SETS.llama = async (repository) => {
  const [index, tokenizer] = await Promise.all([
    repository.read(INDEX_NAME, { optional: true }),
    repository.read('tokenizer.json', { optional: true }),
  ]);
  const tokenizerFiles = tokenizer ? { tokenizer } : {};
  if (!index) return { weights: await repository.read('model.safetensors'), ...tokenizerFiles };
  const names = shardNames(index);
  const shards = await Promise.all(names.map((name) => repository.read(name)));
  return { index, shards: Object.fromEntries(names.map((name, n) => [name, shards[n]])), ...tokenizerFiles };
};
FILE_SETS.qwen2 = FILE_SETS.llama;
FILE_SETS.mistral = FILE_SETS.llama;

/**
 * Downloads (or takes from the cache) the files of Hub model `id`: config.json, then what
 * `modelTypeOf(configBytes, where)` (which throws for a type it cannot load) says it is. Returns
 * { modelType, files: { config, weights, ... } } as bytes. The first failure stops the other downloads.
 */
export async function readHubModel(id, options, modelTypeOf) {
  const hubOptions = checkHubOptions(options);
  const { onProgress, maxBytes = DEFAULT_MAX_BYTES, signal } = options;
  // One controller for this load: the user's abort, or the first failed file, stops every download.
  const controller = new AbortController();
  const stop = () => controller.abort(signal.reason);
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const cache = await openCache(hubOptions.cache, id, hubOptions.revision);
    const repository = new HubRepository(
      id,
      { ...hubOptions, cache },
      { maxBytes, signal: controller.signal, onProgress },
    );
    const config = await repository.read('config.json');
    const modelType = await modelTypeOf(config, repository.where);
    if (!FILE_SETS[modelType]) {
      // an architecture loadModel runs from files, whose Hub file set is not written yet
      const known = Object.keys(FILE_SETS)
        .map((type) => `"${type}"`)
        .join(', ');
      throw new ModelFormatError(
        `config.json: model_type "${modelType}" loads from files but not from the Hub yet ` +
          `(the Hub loader knows the files of ${known}) (${repository.where})`,
      );
    }
    const files = await FILE_SETS[modelType](repository).catch((error) => {
      controller.abort(error);
      throw error;
    });
    return { modelType, files: { config, ...files } };
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
