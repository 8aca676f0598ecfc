// A 3-token, 2-head layer with fixed weights, shared by the main thread and the worker.
export const identityCase = {
  config: { embedDim: 4, numHeads: 2 },
  state: () => ({
    in_proj_weight: Float32Array.from({ length: 48 }, (_, n) => Math.sin(n + 1) * 0.5),
    in_proj_bias: Float32Array.from({ length: 12 }, (_, n) => Math.cos(n) * 0.1),
    'out_proj.weight': Float32Array.from({ length: 16 }, (_, n) => (n % 5 === 0 ? 1 : 0)),
    'out_proj.bias': new Float32Array(4),
  }),
  query: () => Float32Array.from({ length: 12 }, (_, n) => Math.cos(n * 0.7)),
};
