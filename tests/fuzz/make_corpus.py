#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (small valid and invalid inputs).

Run from anywhere: python3 tests/fuzz/make_corpus.py. Deterministic, so re-running changes nothing.
"""
import json
import os
import random
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---- json ---------------------------------------------------------------------------------------
JSON_SEEDS = {
    "object": '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    "numbers": "[0, -0, 1.5, -2.5e-3, 1E+10, 123456789012345678901234567890, 5e-324]",
    "escapes": r'["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "caf\u00E9"]',
    "utf8": '{"\u0120the": 262, "caf\u00e9": 1, "\u4e2d": 2, "\U0001F600": 3}',
    "nested": "[[[[[[[[]]]]]]]]",
    "empty": "{}",
    "whitespace": " \t\r\n[ 1 , 2 ]\n",
    "bad_trailing_comma": "[1, 2,]",
    "bad_lone_surrogate": r'["\ud800"]',
    "bad_escape": r'["\x41"]',
    "bad_leading_zero": "[012]",
    "bad_duplicate": '{"a": 1, "a": 2}',
    "bad_control": '["a\tb"]',
    "bad_truncated": '{"a": [1, 2',
}

# ---- gpt2 config: the published GPT-2 small config.json fields, and broken variants ------------------
GPT2 = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": 50256,
    "embd_pdrop": 0.1,
    "eos_token_id": 50256,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 1024,
    "n_embd": 768,
    "n_head": 12,
    "n_layer": 12,
    "n_positions": 1024,
    "resid_pdrop": 0.1,
    "vocab_size": 50257,
}


def gpt2_variant(**changes):
    config = dict(GPT2)
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return json.dumps(config, indent=2)


CONFIG_SEEDS = {
    "gpt2": json.dumps(GPT2, indent=2),
    "n_ctx_only": gpt2_variant(n_positions=None),
    "tiny": '{"n_layer": 1, "n_head": 1, "n_embd": 4, "n_positions": 8, "vocab_size": 10}',
    "pytorch_tanh": gpt2_variant(activation_function="gelu_pytorch_tanh", layer_norm_epsilon=None),
    "bad_n_head": gpt2_variant(n_head=-1),
    "bad_divisible": gpt2_variant(n_head=7),
    "bad_activation": gpt2_variant(activation_function="relu"),
    "bad_missing": gpt2_variant(vocab_size=None),
}

# ---- safetensors ------------------------------------------------------------------------------------
DTYPE_SIZE = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "U8": 1}


def safetensors(tensors, metadata=None, header_override=None):
    """tensors: list of (name, dtype, shape, raw bytes); offsets are assigned in order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = header_override if header_override is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode("utf-8")
    text += b" " * (-len(text) % 8)  # the reference writer pads the header to a multiple of 8
    return struct.pack("<Q", len(text)) + text + data


F32 = ("w", "F32", [2, 3], struct.pack("<6f", 1, -2.5, 3, 0.5, 65504, -0.0))
F16 = ("h", "F16", [4], struct.pack("<4H", 0x3C00, 0xC100, 0x7BFF, 0x0001))
BF16 = ("b", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC020))
I64 = ("ids", "I64", [2], struct.pack("<2q", 7, -1))
SAFETENSORS_SEEDS = {
    "valid_multi": safetensors([F32, F16, BF16, I64], metadata={"format": "pt"}),
    "valid_scalar_and_empty": safetensors([("s", "F32", [], struct.pack("<f", 1)), ("e", "F16", [0, 3], b"")]),
    "valid_empty_header": safetensors([]),
    "bad_short": b"\x08\x00\x00",
    "bad_header_length": struct.pack("<Q", 1 << 40) + b"{}",
    "bad_dtype": safetensors([], header_override='{"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}') + b"\0",
    "bad_size": safetensors([], header_override='{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}') + b"\0" * 4,
    "bad_overlap": safetensors(
        [], header_override='{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},'
                            '"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}') + b"\0" * 3,
}

# ---- attention arguments ----------------------------------------------------------------------------
# fuzz_attention_args decodes with FuzzedDataProvider, which takes every small integer as ONE byte
# from the END of the input (value = min + byte % (max - min + 1)). So a seed is the list of bytes in
# the order the target consumes them, reversed. attention_seed() mirrors the target's decoding order
# and gives valid arguments (the fuzzer then mutates sizes and flags from there).
rng = random.Random(1234)


def attention_seed(e, h, b, lq, lk, kdim=0, causal=False, layout=0, mask_kind=0, padding=False, mode=1,
                   context=True):
    seq = []
    in_range = lambda value, low: seq.append(value - low)  # noqa: E731
    boolean = lambda flag: seq.append(1 if flag else 0)  # noqa: E731

    def buffer(n):
        seq.append(1)  # present, declared size right
        seq.extend(rng.randrange(256) for _ in range(n))

    in_range(e, -1)
    in_range(h, -1)
    boolean(kdim != 0)
    if kdim:
        in_range(kdim, -1)
    boolean(kdim != 0)  # vdim = kdim when given
    if kdim:
        in_range(kdim, -1)
    boolean(True)  # bias
    in_range(b, -1)
    in_range(lq, -1)
    in_range(lk, -1)
    kv = kdim or e
    boolean(kdim == 0)  # packed in_proj_weight only when kdim == vdim == E
    if kdim == 0:
        buffer(3 * e * e)
    else:
        buffer(e * e)
        buffer(e * kv)
        buffer(e * kv)
    buffer(e * e)
    buffer(3 * e)
    buffer(e)
    buffer(b * lq * e)
    buffer(b * lk * kv)
    buffer(b * lk * kv)
    boolean(causal)
    in_range(layout, 0)
    mask_elements = b * h * lq * lk if layout == 1 else lq * lk
    boolean(padding)
    if padding:
        buffer(b * lk)
    in_range(mask_kind, 0)
    if mask_kind & 1:
        buffer(mask_elements)
    if mask_kind & 2:
        buffer(mask_elements)
    in_range(mode, 0)
    seq.append(1)  # output present
    seq.append(1)  # weights present
    boolean(context)
    seq.append(1)  # context present
    boolean(False)  # no head_enabled
    return bytes(seq[::-1])


ATTENTION_SEEDS = {
    "self_8x2": attention_seed(8, 2, 1, 4, 4),
    "causal_averaged": attention_seed(8, 4, 2, 5, 5, causal=True, mode=2),
    "cross_kdim": attention_seed(6, 3, 1, 3, 7, kdim=5, padding=True),
    "bool_mask_per_head": attention_seed(4, 2, 2, 3, 3, layout=1, mask_kind=1),
    "float_mask": attention_seed(12, 3, 1, 6, 9, mask_kind=2, mode=0, context=False),
    "random": bytes(rng.randrange(256) for _ in range(512)),
}

for name, text in JSON_SEEDS.items():
    write("fuzz_json", name + ".json", text)
for name, text in CONFIG_SEEDS.items():
    write("fuzz_gpt2_config", name + ".json", text)
for name, data in SAFETENSORS_SEEDS.items():
    write("fuzz_safetensors", name + ".safetensors", data)
for name, data in ATTENTION_SEEDS.items():
    write("fuzz_attention_args", name + ".bin", data)

# ---- wordpiece: mode byte, max_length byte, then text / "vocab.txt \0 config" / tokenizer.json --------
ENCODERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "encoders")
with open(os.path.join(ENCODERS, "tokenizer_uncased.json"), "rb") as f:
    TOKENIZER_JSON = f.read()
with open(os.path.join(ENCODERS, "bert-tiny", "config.json"), "rb") as f:
    BERT_CONFIG = f.read()
WORDPIECE_SEEDS = {
    "text": b"\x00\x00The animal's caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 [MASK]!\x00and the second",
    "text_truncated": b"\x00\x05the the the the the the\x00a b a b a b",
    "vocab_txt": b"\x01\x00[UNK]\n[CLS]\n[SEP]\nthe\n##s\x00{\"do_lower_case\": false}",
    "vocab_txt_bad": b"\x01\x00[UNK]\n\xff\n\x00{\"added_tokens_decoder\": {\"9\": {\"content\": \"x\"}}}",
    "tokenizer_json": b"\x02\x00" + TOKENIZER_JSON,
    "bert_config": b"\x02\x00" + BERT_CONFIG,
}
for name, data in WORDPIECE_SEEDS.items():
    write("fuzz_wordpiece", name + ".bin", data)
