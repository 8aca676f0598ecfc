// Runs the same attention on the main thread and in a module Web Worker; both results are published
// on window.testResult for the test to compare bit for bit.
import { MultiHeadAttention } from '/dist/index.js';
import { identityCase } from './worker-case.mjs';

try {
  const mha = await MultiHeadAttention.create(identityCase.config);
  mha.loadWeights(identityCase.state());
  const main = Array.from(mha.forward(identityCase.query(), { causal: true, averageWeights: false }).weights);
  mha.dispose();
  const worker = new Worker(new URL('./worker-thread.mjs', import.meta.url), { type: 'module' });
  const fromWorker = await new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message));
  });
  worker.terminate();
  let evalBlocked = false; // proves the CSP is in force: the engine ran without eval
  try {
    (0, eval)('1');
  } catch {
    evalBlocked = true;
  }
  window.testResult = { ok: true, main, fromWorker, evalBlocked };
} catch (error) {
  window.testResult = { ok: false, error: String(error?.stack ?? error) };
}
document.querySelector('#result').textContent = JSON.stringify(window.testResult);
