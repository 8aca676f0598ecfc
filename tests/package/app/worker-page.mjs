// Page entry of the worker case: runs the consumer app in a module Web Worker and publishes its answer on
// globalThis.testResult. Bundlers that understand `new Worker(new URL(..., import.meta.url))` (Vite, webpack)
// bundle worker-entry.js themselves; for the others the test builds it to worker-entry.js beside this page.
const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module' });
worker.onmessage = ({ data }) => {
  document.querySelector('#result').textContent = JSON.stringify(data);
  globalThis.testResult = data;
};
worker.onerror = (event) => {
  globalThis.testResult = { ok: false, error: `worker error: ${event.message}` };
};
