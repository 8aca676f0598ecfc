// A tiny ONNX model writer: just enough protobuf to build the benchmark's attention graph in memory,
// so the benchmark needs no Python and no model file.
//
// Protobuf wire format used here: every field is a key varint (field_number << 3 | wire_type) followed
// by either a varint (wire type 0) or a length-delimited payload (wire type 2: varint length + bytes).
// Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ...).

const VARINT = 0;
const BYTES = 2;

class Writer {
  #chunks = [];

  varint(value) {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // two's complement, as protobuf encodes negative int64
    const bytes = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.#chunks.push(Uint8Array.from(bytes));
    return this;
  }

  key(field, wireType) {
    return this.varint((field << 3) | wireType);
  }
  int(field, value) {
    return this.key(field, VARINT).varint(value);
  }

  bytes(field, data) {
    this.key(field, BYTES).varint(data.length);
    this.#chunks.push(data);
    return this;
  }

  string(field, text) {
    return this.bytes(field, new TextEncoder().encode(text));
  }
  message(field, build) {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish() {
    const length = this.#chunks.reduce((sum, c) => sum + c.length, 0);
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const INT32 = 6; // TensorProto.DataType.INT32
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT

// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian float32 or int32)
function tensor(w, name, dims, data) {
  for (const d of dims) w.int(1, d);
  w.int(2, data instanceof Int32Array ? INT32 : FLOAT);
  w.string(8, name);
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

// ValueInfoProto: name = 1, type = 2 (TypeProto.tensor_type = 1: elem_type = 1, shape = 2: dim = 1: dim_value = 1)
function valueInfo(w, name, dims, elemType = FLOAT) {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (t) => {
      t.int(1, elemType);
      t.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7
// AttributeProto: name = 1, i = 3, type = 20
function node(w, { op, domain = '', inputs, outputs, name, ints = {} }) {
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name);
  w.string(4, op);
  for (const [key, value] of Object.entries(ints))
    w.message(5, (a) => {
      a.string(1, key);
      a.int(3, value);
      a.int(20, ATTRIBUTE_INT);
    });
  if (domain) w.string(7, domain);
}

/**
 * The self-attention layer of torch.nn.MultiheadAttention as ONNX Runtime's fused contrib op:
 *   context = com.microsoft.Attention(input, W_qkv, b_qkv)   (projections + per-head softmax(QK^T/sqrt(d_k))V)
 *   output  = context . W_O^T + b_O                           (MatMul + Add)
 * `inProjWeight` is PyTorch's [3E, E]; the op wants its transpose [E, 3E] (columns q | k | v).
 * Returns the serialised ModelProto.
 */
export function attentionModel({ seqLen, embedDim, numHeads, causal = false, weights }) {
  const E = embedDim;
  const wQkv = new Float32Array(E * 3 * E); // [E, 3E] = in_proj_weight^T
  for (let r = 0; r < 3 * E; ++r) for (let c = 0; c < E; ++c) wQkv[c * 3 * E + r] = weights.in_proj_weight[r * E + c];
  const wOut = new Float32Array(E * E); // [E, E] = out_proj.weight^T
  for (let r = 0; r < E; ++r) for (let c = 0; c < E; ++c) wOut[c * E + r] = weights['out_proj.weight'][r * E + c];

  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (domain = 1, version = 2)
  const model = new Writer();
  model.int(1, 8);
  model.string(2, 'mha-wasm-bench');
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12
  model.message(7, (g) => {
    g.message(1, (n) =>
      node(n, {
        op: 'Attention',
        domain: 'com.microsoft',
        name: 'attention',
        inputs: ['input', 'w_qkv', 'b_qkv'],
        outputs: ['context'],
        ints: { num_heads: numHeads, unidirectional: causal ? 1 : 0 },
      }),
    );
    g.message(1, (n) =>
      node(n, { op: 'MatMul', name: 'out_proj', inputs: ['context', 'w_out'], outputs: ['projected'] }),
    );
    g.message(1, (n) => node(n, { op: 'Add', name: 'out_bias', inputs: ['projected', 'b_out'], outputs: ['output'] }));
    g.string(2, 'self_attention');
    g.message(5, (t) => tensor(t, 'w_qkv', [E, 3 * E], wQkv));
    g.message(5, (t) => tensor(t, 'b_qkv', [3 * E], weights.in_proj_bias));
    g.message(5, (t) => tensor(t, 'w_out', [E, E], wOut));
    g.message(5, (t) => tensor(t, 'b_out', [E], weights['out_proj.bias']));
    g.message(11, (v) => valueInfo(v, 'input', [1, seqLen, E]));
    g.message(12, (v) => valueInfo(v, 'output', [1, seqLen, E]));
  });
  model.message(8, (o) => o.int(2, 17));
  model.message(8, (o) => {
    o.string(1, 'com.microsoft');
    o.int(2, 1);
  });
  return model.finish();
}

/**
 * One Llama-family attention layer as ONNX Runtime runs it: the packed QKV projection, then the contrib op
 * com.microsoft.GroupQueryAttention (grouped-query heads, rotary embeddings on q and k with the given
 * cos/sin caches, causal, optional KV cache), then the output projection:
 *   qkv     = input . [W_q; W_k; W_v]^T                  [1, T, E + 2 E_kv]   (MatMul; with packed false,
 *                                                          three MatMuls into GQA's query, key and value)
 *   context, present_key, present_value = GroupQueryAttention(qkv, -, -, past_key, past_value,
 *             seqlens_k = [P + T - 1], total_sequence_length = P + T, cos_cache, sin_cache)
 *   output  = context . W_O^T                             [1, T, E]            (MatMul)
 * past_key / past_value [1, H_kv, P, d_k] (BNSH, rotated keys) are graph inputs when pastLength P > 0;
 * present_key / present_value [1, H_kv, P + T, d_k] are graph outputs. Weights in nn.Linear layout:
 * q_proj [E, E], k_proj and v_proj [E_kv, E], o_proj [E, E]; no biases. `cos`, `sin` [maxPositions, d_k / 2].
 */
export function groupQueryAttentionModel({
  seqLen,
  pastLength,
  embedDim,
  numHeads,
  numKvHeads,
  interleaved,
  weights,
  cos,
  sin,
  packed = true,
}) {
  const E = embedDim,
    dK = E / numHeads,
    kvWidth = numKvHeads * dK,
    width = E + 2 * kvWidth,
    total = pastLength + seqLen;
  // W^T of rows [E or E_kv, E] into `columns` columns of a [E, columns] matrix, from column `column0`
  const transpose = (target, columns, matrix, rows, column0) => {
    for (let r = 0; r < rows; ++r) for (let c = 0; c < E; ++c) target[c * columns + column0 + r] = matrix[r * E + c];
    return target;
  };
  // packed: one [E, E + 2 E_kv] projection (columns q | k | v) into GQA's packed query input; otherwise three
  const projections = packed
    ? [['qkv', width, [weights.q_proj, weights.k_proj, weights.v_proj]]]
    : [
        ['q', E, [weights.q_proj]],
        ['k', kvWidth, [weights.k_proj]],
        ['v', kvWidth, [weights.v_proj]],
      ];
  const projectionWeights = projections.map(([name, columns, parts]) => {
    const w = new Float32Array(E * columns);
    let column0 = 0;
    for (const part of parts) {
      transpose(w, columns, part, part.length / E, column0);
      column0 += part.length / E;
    }
    return [name, columns, w];
  });
  const wOut = new Float32Array(E * E);
  for (let r = 0; r < E; ++r) for (let c = 0; c < E; ++c) wOut[c * E + r] = weights.o_proj[r * E + c];
  const half = dK / 2,
    positions = cos.length / half;

  const model = new Writer();
  model.int(1, 8);
  model.string(2, 'mha-wasm-bench');
  model.message(7, (g) => {
    for (const [name] of projectionWeights)
      g.message(1, (n) =>
        node(n, { op: 'MatMul', name: `${name}_proj`, inputs: ['input', `w_${name}`], outputs: [name] }),
      );
    g.message(1, (n) =>
      node(n, {
        op: 'GroupQueryAttention',
        domain: 'com.microsoft',
        name: 'gqa',
        inputs: [
          ...(packed ? ['qkv', '', ''] : ['q', 'k', 'v']),
          pastLength ? 'past_key' : '',
          pastLength ? 'past_value' : '',
          'seqlens_k',
          'total_sequence_length',
          'cos_cache',
          'sin_cache',
        ],
        outputs: ['context', 'present_key', 'present_value'],
        ints: { num_heads: numHeads, kv_num_heads: numKvHeads, do_rotary: 1, rotary_interleaved: interleaved ? 1 : 0 },
      }),
    );
    g.message(1, (n) => node(n, { op: 'MatMul', name: 'o_proj', inputs: ['context', 'w_out'], outputs: ['output'] }));
    g.string(2, 'group_query_attention');
    for (const [name, columns, w] of projectionWeights) g.message(5, (t) => tensor(t, `w_${name}`, [E, columns], w));
    g.message(5, (t) => tensor(t, 'w_out', [E, E], wOut));
    g.message(5, (t) => tensor(t, 'seqlens_k', [1], Int32Array.of(total - 1)));
    g.message(5, (t) => tensor(t, 'total_sequence_length', [], Int32Array.of(total)));
    g.message(5, (t) => tensor(t, 'cos_cache', [positions, half], cos));
    g.message(5, (t) => tensor(t, 'sin_cache', [positions, half], sin));
    g.message(11, (v) => valueInfo(v, 'input', [1, seqLen, E]));
    if (pastLength) {
      g.message(11, (v) => valueInfo(v, 'past_key', [1, numKvHeads, pastLength, dK]));
      g.message(11, (v) => valueInfo(v, 'past_value', [1, numKvHeads, pastLength, dK]));
    }
    g.message(12, (v) => valueInfo(v, 'output', [1, seqLen, E]));
    g.message(12, (v) => valueInfo(v, 'present_key', [1, numKvHeads, total, dK]));
    g.message(12, (v) => valueInfo(v, 'present_value', [1, numKvHeads, total, dK]));
  });
  model.message(8, (o) => o.int(2, 17));
  model.message(8, (o) => {
    o.string(1, 'com.microsoft');
    o.int(2, 1);
  });
  return model.finish();
}
