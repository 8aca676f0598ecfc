// Browser entry of the consumer app: publishes the numbers on globalThis.testResult and in the page.
import { compute } from './compute.mjs';

compute().then(
  (result) => {
    document.querySelector('#result').textContent = JSON.stringify(result);
    globalThis.testResult = { ok: true, ...result };
  },
  (error) => {
    globalThis.testResult = { ok: false, error: String(error?.stack ?? error) };
  },
);
