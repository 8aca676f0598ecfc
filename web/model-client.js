// The main thread's side of the model worker (model-worker.js): requests go out as messages and come back as
// promises. latest() keeps one request of a kind in the worker at a time and only the newest waiting: a
// request that a newer one overtook resolves to SUPERSEDED instead of its result, so no stale picture is drawn.
// Errors come back as Errors with the package's name and message.
import { t } from './i18n.js';

/** What a request resolves to when a newer request of the same kind replaced it. */
export const SUPERSEDED = Symbol('superseded');

export class ModelClient {
  #worker;
  #nextId = 1;
  #requests = new Map(); // id -> { resolve, reject, onProgress, onToken }
  #lanes = new Map(); // kind -> { running: id | null, waiting: { type, args, resolve } | null }
  #failure = null; // the worker's own failure (it could not start), once it happened

  constructor(url = new URL('./model-worker.js', import.meta.url)) {
    this.#worker = new Worker(url, { type: 'module' });
    this.#worker.addEventListener('message', ({ data }) => this.#receive(data));
    this.#worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.#fail(new Error(t('model.workerStopped', { message: event.message || t('model.workerNoStart') })));
    });
  }

  /**
   * Sends a request; returns { id, promise }. onProgress(event) hears a load's progress, onToken(step) a
   * generate's steps.
   */
  send(type, args = {}, { onProgress, onToken } = {}) {
    const id = this.#nextId++;
    const promise = new Promise((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#requests.set(id, { resolve, reject, onProgress, onToken });
      this.#worker.postMessage({ id, type, args });
      return undefined;
    });
    return { id, promise };
  }

  /** The result of a request (see send). */
  request(type, args, handlers) {
    return this.send(type, args, handlers).promise;
  }

  /** Asks the worker to stop request id (its promise rejects with the AbortError). */
  abort(id) {
    this.#worker.postMessage({ type: 'abort', args: { id } });
  }

  /**
   * A request of a kind where only the newest counts: while one runs in the worker, a new one waits (replacing,
   * with SUPERSEDED, any that waited); when the running one ends and another waits, it resolves to SUPERSEDED.
   */
  latest(type, args) {
    const lane = this.#lanes.get(type) ?? { running: null, waiting: null };
    this.#lanes.set(type, lane);
    return new Promise((resolve, reject) => {
      lane.waiting?.resolve(SUPERSEDED);
      lane.waiting = { args, resolve, reject };
      if (lane.running === null) this.#startWaiting(type, lane);
    });
  }

  #startWaiting(type, lane) {
    const { args, resolve, reject } = lane.waiting;
    lane.waiting = null;
    const { id, promise } = this.send(type, args);
    lane.running = id;
    const finish = (settle) => (value) => {
      lane.running = null;
      if (lane.waiting) {
        resolve(SUPERSEDED);
        this.#startWaiting(type, lane);
      } else settle(value);
    };
    promise.then(finish(resolve), finish(reject));
  }

  /** True while a request of this kind is running or waiting. */
  busy(type) {
    const lane = this.#lanes.get(type);
    return Boolean(lane && (lane.running !== null || lane.waiting));
  }

  #receive({ id, progress, token, done, result, error }) {
    const request = this.#requests.get(id);
    if (!request) return;
    if (progress) return request.onProgress?.(progress);
    if (token) return request.onToken?.(token);
    if (!done) return;
    this.#requests.delete(id);
    if (error) request.reject(Object.assign(new Error(error.message), { name: error.name }));
    else request.resolve(result);
  }

  #fail(error) {
    this.#failure = error;
    for (const request of this.#requests.values()) request.reject(error);
    this.#requests.clear();
  }
}
