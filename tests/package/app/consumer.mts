// TypeScript consumer of the installed package: must typecheck under --strict with NodeNext resolution.
import { MultiHeadAttention, MhaError, loadModule, moduleInfo, wasmHeapBytes } from 'mha-wasm';
import type { ModuleInfo } from 'mha-wasm';
import type { AttentionOptions, ForwardOptions, ForwardResult } from 'mha-wasm';

const options: AttentionOptions = { embedDim: 2, numHeads: 1 };
const mha: MultiHeadAttention = await MultiHeadAttention.create(options);
mha.loadWeights(new Map([['in_proj_weight', new Float32Array(12)], ['out_proj.weight', new Float32Array(4)]]));
const forwardOptions: ForwardOptions = { causal: true, keyPaddingMask: [false, true], averageWeights: false };
const result: ForwardResult = mha.forward(new Float32Array(4), forwardOptions);
const output: Float32Array = result.output;
const weights: Float32Array | null = result.weights;
const headDim: number = mha.config.headDim;
const bytes: number = await wasmHeapBytes();
await loadModule({ wasmPaths: new URL('./', import.meta.url), simd: 'auto', threads: 'auto' });
const info: ModuleInfo = await moduleInfo();
const simd: 'relaxed' | 'baseline' = info.simd;
const error: Error = new MhaError('x');
mha[Symbol.dispose]();
export { output, weights, headDim, bytes, error, simd };

// The declarations are real types, not `any`: each line below must be a type error.
// @ts-expect-error embedDim is a number
await MultiHeadAttention.create({ embedDim: '2', numHeads: 1 });
// @ts-expect-error unknown forward option
mha.forward(new Float32Array(4), { casual: true });
// @ts-expect-error simd is 'auto', 'relaxed' or 'baseline'
await loadModule({ simd: 'fma' });
// @ts-expect-error output is a Float32Array
const wrong: string = result.output;
export { wrong };
