#!/usr/bin/env python3
"""Writes the GPT-2-small benchmark of issue 14 (bench/gpt2/run.mjs): one random-weight GPT-2 small (12 layers,
12 heads, width 768, vocabulary 50,257, context 1,024) in two forms with the same weights:

  OUT/hf/                   config.json + model.safetensors in F16 (save_pretrained of the half model): ours
  OUT/gpt2_forward.onnx     T input ids [1, T] -> logits of the last position [1, V] and the present keys and
                            values of every layer (present.<l>.key / .value [1, 12, T, 64]): onnxruntime-web
  OUT/gpt2_decode.onnx      one id [1, 1] and past.<l>.key / .value [1, 12, T, 64] -> logits [1, V] and the
                            presents [1, 12, T + 1, 64]: one generated token with a KV cache at context T
  OUT/inputs.json           the T prompt ids and the decoded id (the greedy one: argmax of the prompt's
                            logits, what generate() appends first), and what transformers computes for them in
                            float32 (last-position logits of the prompt, logits of the decoded token), so that
                            the benchmark checks both peers against an outside reference before timing

The weights are drawn in float32 (transformers' GPT-2 initialisation, seed 0) and rounded to float16 once, so
the F16 file and the float32 ONNX graphs hold the same numbers. Never committed (about 0.9 GB): made at bench
time into a folder of your choice.

    ~/.cache/mha-wasm/pyref/bin/python bench/gpt2/make_gpt2_bench.py build/bench/gpt2 [--tokens 128]

Needs transformers and PyTorch (the pyref venv: transformers 4.46.3, torch 1.13.1); torch.onnx.export needs no
onnx package for a graph under 2 GB.
"""
import argparse
import json
import os

import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel


class LastLogits(torch.nn.Module):
    """The prompt: last-position logits (the LM head for the row asked, as our run() does) and the presents."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        out = self.model.transformer(input_ids=input_ids, use_cache=True)
        logits = self.model.lm_head(out.last_hidden_state[:, -1])
        return (logits,) + tuple(t for layer in out.past_key_values for t in layer)


class DecodeStep(torch.nn.Module):
    """One new token over the cached keys and values of the layers."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *past):
        pairs = tuple((past[2 * l], past[2 * l + 1]) for l in range(len(past) // 2))
        out = self.model.transformer(input_ids=input_ids, past_key_values=pairs, use_cache=True)
        logits = self.model.lm_head(out.last_hidden_state[:, -1])
        return (logits,) + tuple(t for layer in out.past_key_values for t in layer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    os.makedirs(os.path.join(args.out, "hf"), exist_ok=True)
    torch.manual_seed(0)
    config = GPT2Config(n_layer=12, n_head=12, n_embd=768, vocab_size=50257, n_positions=1024)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())  # the F16 values, in float32
    layers = config.n_layer
    names = [f"{kind}.{l}.{part}" for kind in ("present",) for l in range(layers) for part in ("key", "value")]
    past_names = [n.replace("present", "past") for n in names]
    generator = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, config.vocab_size, (1, args.tokens), generator=generator)
    with torch.no_grad():
        prompt_out = LastLogits(model)(prompt)
        next_id = prompt_out[0].argmax(-1, keepdim=True)  # greedy: the token generate() appends first
        decode_out = DecodeStep(model)(next_id, *prompt_out[1:])
        torch.onnx.export(LastLogits(model), (prompt,), os.path.join(args.out, "gpt2_forward.onnx"),
                          input_names=["input_ids"], output_names=["logits"] + names, opset_version=14)
        torch.onnx.export(DecodeStep(model), (next_id, *prompt_out[1:]), os.path.join(args.out, "gpt2_decode.onnx"),
                          input_names=["input_ids"] + past_names, output_names=["logits"] + names, opset_version=14)
    model.half().save_pretrained(os.path.join(args.out, "hf"), safe_serialization=True)
    with open(os.path.join(args.out, "inputs.json"), "w") as f:
        json.dump({
            "versions": f"transformers={transformers.__version__} torch={torch.__version__}",
            "prompt": prompt[0].tolist(),
            "next": int(next_id[0, 0]),
            "prompt_logits": prompt_out[0][0].tolist(),
            "next_logits": decode_out[0][0].tolist(),
        }, f)


if __name__ == "__main__":
    main()
