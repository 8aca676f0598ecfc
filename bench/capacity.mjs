// How many cores this machine really gives us right now. On a shared or virtualised machine the second
// core can be busy elsewhere for seconds at a time, and then no program gets a speed-up from threads;
// the thread-count figures of a run only mean something next to this probe, taken before and after.
//
// A fixed scalar loop runs alone on one worker thread, then on `cores` worker threads at once; the
// capacity is cores x (time alone / slowest time together): 2.0 on an idle 2-core machine, 1.0 when
// only one core is free.
//   node bench/capacity.mjs [--cores N]        or   import { measureCapacity } from './capacity.mjs'
import os from 'node:os';
import { Worker } from 'node:worker_threads';

const LOOP = `
  const { parentPort } = require('node:worker_threads');
  const start = performance.now();
  let x = 0;
  for (let i = 0; i < 12_000_000; ++i) x = (x + i * 0.5) % 1e9;
  parentPort.postMessage({ ms: performance.now() - start, x });
`;

function runLoop() {
  return new Promise((done, fail) => {
    const worker = new Worker(LOOP, { eval: true });
    worker.once('message', ({ ms }) => {
      done(ms);
      worker.terminate();
    });
    worker.once('error', fail);
  });
}

/** { cores, capacity, aloneMs, togetherMs } */
export async function measureCapacity(cores = os.cpus().length) {
  const alone = await runLoop();
  const together = Math.max(...(await Promise.all(Array.from({ length: cores }, runLoop))));
  return { cores, capacity: Math.min(cores, (cores * alone) / together), aloneMs: alone, togetherMs: together };
}

export function describeCapacity({ cores, capacity, aloneMs, togetherMs }) {
  return (
    `parallel capacity ${capacity.toFixed(2)} of ${cores} cores (a loop alone ${aloneMs.toFixed(0)} ms, ` +
    `${cores} at once ${togetherMs.toFixed(0)} ms)`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flag = process.argv.indexOf('--cores');
  console.log(describeCapacity(await measureCapacity(flag > 0 ? Number(process.argv[flag + 1]) : undefined)));
}
