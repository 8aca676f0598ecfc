// Module Web Worker of the consumer app: computes the same numbers as the page and posts them back.
import { compute } from './compute.mjs';

compute().then(
  (result) => postMessage({ ok: true, ...result }),
  (error) => postMessage({ ok: false, error: String(error?.stack ?? error) }),
);
