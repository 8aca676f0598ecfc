"""A small GPT-2-architecture language model, written out in plain PyTorch.

Layout and names follow Hugging Face's GPT2Model so the export is a rename:
  wte [V,E], wpe [P,E], h.{i}: ln_1, attn.c_attn (E -> 3E, q|k|v), attn.c_proj (E -> E),
  ln_2, mlp.c_fc (E -> 4E), mlp.c_proj (4E -> E); ln_f; LM head tied to wte.
Pre-LayerNorm blocks (eps 1e-5), causal softmax attention scaled by 1/sqrt(d_head), GELU with
the tanh approximation ("gelu_new"), biases everywhere, no dropout.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 4096
    n_positions: int = 128
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 8
    layer_norm_epsilon: float = 1e-5

    def to_dict(self):
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg.n_head
        self.d_head = cfg.n_embd // cfg.n_head
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        mask = torch.tril(torch.ones(cfg.n_positions, cfg.n_positions, dtype=torch.bool))
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, x, return_weights=False):
        # x [B, T, E] -> q, k, v [B, H, T, D]
        B, T, E = x.shape
        q, k, v = self.c_attn(x).split(E, dim=2)
        q = q.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.d_head))  # [B, H, T, T]
        scores = scores.masked_fill(~self.causal_mask[:T, :T], float("-inf"))
        weights = F.softmax(scores, dim=-1)
        y = (weights @ v).transpose(1, 2).contiguous().view(B, T, E)  # concat heads
        y = self.c_proj(y)
        return (y, weights) if return_weights else (y, None)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = MLP(cfg)

    def forward(self, x, return_weights=False):
        a, w = self.attn(self.ln_1(x), return_weights)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, w


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.apply(self._init)
        # GPT-2: residual projections scaled by 1/sqrt(2 * n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx, return_weights=False):
        # idx [B, T] -> logits [B, T, V]; weights: list per layer of [B, H, T, T]
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)[None]
        all_w = []
        for block in self.h:
            x, w = block(x, return_weights)
            all_w.append(w)
        x = self.ln_f(x)
        logits = x @ self.wte.weight.t()  # tied LM head
        return (logits, all_w) if return_weights else logits

    def n_params(self):
        return sum(p.numel() for p in self.parameters())


def sinusoidal_positions(n_positions, n_embd, rms=0.02):
    """[n_positions, n_embd]: the sinusoidal encoding of "Attention Is All You Need" (even
    dimensions sin(p / 10000^(i / E)), odd dimensions cos of the same angle), scaled to the given
    root mean square. Used as the starting value of the learned position embeddings (wpe stays a
    trained parameter, so the export is still GPT-2's file set): p and p - k differ by a fixed
    rotation in each frequency pair, so a previous-token query/key map is easy to learn early."""
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]
    freq = torch.pow(10000.0, -torch.arange(0, n_embd, 2, dtype=torch.float64) / n_embd)
    table = torch.zeros(n_positions, n_embd, dtype=torch.float64)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, :n_embd // 2]
    table *= rms / table.pow(2).mean().sqrt()
    return table.float()


def load_checkpoint(path):
    ckpt = torch.load(path, map_location="cpu")
    cfg = GPTConfig(**ckpt["config"])
    model = GPT(cfg)
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt
