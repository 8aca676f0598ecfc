import { MultiHeadAttention } from '/dist/index.js';
import { identityCase } from './worker-case.mjs';

const mha = await MultiHeadAttention.create(identityCase.config);
mha.loadWeights(identityCase.state());
postMessage(Array.from(mha.forward(identityCase.query(), { causal: true, averageWeights: false }).weights));
mha.dispose();
