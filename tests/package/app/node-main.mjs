// Node entry of the consumer app: prints where 'mha-wasm' resolved to and the computed numbers as JSON.
import { compute } from './compute.mjs';

console.log(JSON.stringify({ resolved: import.meta.resolve('mha-wasm'), ...(await compute()) }));
