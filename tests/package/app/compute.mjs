// The consumer app of the package tests, written as a user would: it imports the package by name.
// Run by Node from a project that installed the packed tarball, bundled by esbuild for the browser, and
// loaded unbundled in the browser through an import map pointing 'mha-wasm' at the repository's dist/.
//
// One head, embedDim 2, identity projections, zero in-projection bias: for the tokens x1 = [1, 0] and
// x2 = [0, 1] the scaled scores are [[a, 0], [0, a]] with a = 1/sqrt(2), so the weights are
// [[w, 1-w], [1-w, w]] with w = e^a / (e^a + 1), and the output is weights + out_proj.bias.
import { MultiHeadAttention, threadCount } from 'mha-wasm';

export async function compute() {
  const mha = await MultiHeadAttention.create({ embedDim: 2, numHeads: 1 });
  try {
    const identity = [1, 0, 0, 1];
    mha.loadWeights({
      in_proj_weight: new Float32Array([...identity, ...identity, ...identity]),
      in_proj_bias: new Float32Array(6),
      'out_proj.weight': new Float32Array(identity),
      'out_proj.bias': new Float32Array([0.5, -0.25]),
    });
    const tokens = new Float32Array([1, 0, 0, 1]);
    const full = mha.forward(tokens);
    const causal = mha.forward(tokens, { causal: true });
    let rangeError = '';
    try {
      mha.forward(new Float32Array(3));
    } catch (error) {
      rangeError = `${error.name}: ${error.message}`;
    }
    return {
      weights: Array.from(full.weights),
      weightsShape: full.weightsShape,
      output: Array.from(full.output),
      outputShape: full.outputShape,
      causalWeights: Array.from(causal.weights),
      causalOutput: Array.from(causal.output),
      rangeError,
      threads: await threadCount(),
    };
  } finally {
    mha.dispose();
  }
}
