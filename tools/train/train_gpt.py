#!/usr/bin/env python3
"""Train the small GPT (tools/train/model.py) on the tokenised corpus, bounded in time.

Reads <corpus>/train.bin and val.bin (uint16 token ids from train_bpe.py --encode).
Batches are random windows of n_positions+1 tokens; AdamW; linear warm-up then cosine decay
to --min-lr-frac of the peak. The number of steps is either given (--steps) or derived from
--minutes: then the cosine follows the wall clock and ends at the time limit (throughput on a
shared machine varies); the step count reached is logged, and --steps N repeats the schedule
by steps. Training also stops at the --minutes wall-clock limit whatever happens, and a
checkpoint (ckpt.pt, written atomically) is saved every --ckpt-minutes and at the end, so an
export is possible at any time.

Log: <out>/log.jsonl, one JSON object per line (train loss, val loss, lr, tokens, seconds).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import GPT, GPTConfig  # noqa: E402

DEFAULT_CORPUS = os.path.expanduser("~/.cache/mha-wasm/corpus")


def get_batch(data, batch_size, ctx, gen):
    starts = torch.randint(0, len(data) - ctx - 1, (batch_size,), generator=gen).numpy()
    chunk = np.stack([data[s:s + ctx + 1] for s in starts]).astype(np.int64)
    chunk = torch.from_numpy(chunk)
    return chunk[:, :-1], chunk[:, 1:]


def val_windows(data, ctx, max_windows):
    """Non-overlapping windows spread evenly over the validation tokens."""
    n = (len(data) - 1) // ctx
    idx = np.linspace(0, n - 1, num=min(n, max_windows)).astype(np.int64)
    chunk = np.stack([data[i * ctx:i * ctx + ctx + 1] for i in idx]).astype(np.int64)
    chunk = torch.from_numpy(chunk)
    return chunk[:, :-1], chunk[:, 1:]


@torch.no_grad()
def evaluate(model, x, y, batch=32):
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(x), batch):
        logits = model(x[i:i + batch])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y[i:i + batch].reshape(-1),
                               reduction="sum")
        total += loss.item()
        count += y[i:i + batch].numel()
    model.train()
    return total / count


def lr_at(step, progress, warmup, peak, min_frac):
    """Linear warm-up over `warmup` steps, then cosine from peak to min_frac * peak as
    `progress` goes from 0 to 1."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, max(0.0, progress))
    return peak * (min_frac + (1 - min_frac) * 0.5 * (1 + math.cos(math.pi * progress)))


def save_checkpoint(path, model, opt, step, total_steps, args, extra):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                "total_steps": total_steps, "config": model.cfg.to_dict(), "args": vars(args),
                **extra}, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/mha-wasm/run"))
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=8)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--minutes", type=float, default=70.0, help="wall-clock limit for training")
    ap.add_argument("--steps", type=int, default=0, help="fixed step count (0: derive from --minutes)")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-windows", type=int, default=200)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--benchmark", type=int, default=0, help="only time N steps and exit")
    ap.add_argument("--resume", default=None,
                    help="continue from a checkpoint (model, optimizer, step); with --minutes the "
                         "cosine restarts from --lr over the new budget, without warm-up")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    train = np.memmap(os.path.join(args.corpus, "train.bin"), dtype=np.uint16, mode="r")
    val = np.memmap(os.path.join(args.corpus, "val.bin"), dtype=np.uint16, mode="r")
    cfg = GPTConfig(vocab_size=args.vocab_size, n_positions=args.ctx, n_embd=args.n_embd,
                    n_layer=args.n_layer, n_head=args.n_head)
    model = GPT(cfg)
    assert int(max(train.max(), val.max())) < cfg.vocab_size
    # AdamW; no weight decay on biases, LayerNorm parameters and position embeddings.
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and n != "wpe.weight"]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and n != "wpe.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    vx, vy = val_windows(val, args.ctx, args.eval_windows)
    tokens_per_step = args.batch_size * args.ctx
    step = 0
    if args.resume:
        state = torch.load(args.resume, map_location="cpu")
        assert state["config"] == cfg.to_dict(), "checkpoint config differs from the arguments"
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
        gen.manual_seed(args.seed + step)  # fresh batch order after the resume point
    print("params %d, train tokens %d, val tokens %d, tokens/step %d" % (
        model.n_params(), len(train), len(val), tokens_per_step), file=sys.stderr)

    log = open(os.path.join(args.out, "log.jsonl"), "a")

    def write_log(rec):
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), file=sys.stderr)

    write_log({"event": "start", "step": step, "params": model.n_params(), "config": cfg.to_dict(), "args": vars(args),
               "train_tokens": int(len(train)), "val_tokens": int(len(val)), "time": time.time()})
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    t0 = time.time()
    deadline = t0 + args.minutes * 60
    total_steps = args.steps or 10 ** 9
    last_ckpt = t0
    t_warm = t0 if step >= args.warmup else None  # wall-clock time at the end of warm-up
    best_val = float("inf")
    running = None
    model.train()
    while step < total_steps:
        if time.time() >= deadline:
            write_log({"event": "time_limit", "step": step})
            break
        # Progress through the cosine: by steps with --steps, else by wall clock (the machine
        # is shared, so throughput varies; the cosine then ends exactly at the time limit).
        if args.steps:
            progress = (step - args.warmup) / max(1, total_steps - args.warmup)
        else:
            progress = (time.time() - t_warm) / max(1.0, deadline - t_warm) if t_warm else 0.0
        lr = lr_at(step, progress, args.warmup, args.lr, args.min_lr_frac)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = get_batch(train, args.batch_size, args.ctx, gen)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        step += 1
        if step == args.warmup:
            t_warm = time.time()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if args.benchmark and step == args.benchmark:
            dt = time.time() - t0
            print(json.dumps({"benchmark_steps": step, "seconds": round(dt, 2),
                              "tokens_per_second": round(step * tokens_per_step / dt)}))
            return
        if step % 10 == 0 and step % args.eval_every != 0:
            write_log({"step": step, "train_loss": round(running, 4), "lr": round(lr, 6),
                       "tokens": step * tokens_per_step, "seconds": round(time.time() - t0, 1)})
        if step % args.eval_every == 0 or step == total_steps:
            vl = evaluate(model, vx, vy)
            if vl < best_val:
                best_val = vl
                save_checkpoint(os.path.join(args.out, "ckpt_best.pt"), model, opt, step, total_steps,
                                args, {"train_loss": running, "val_loss_subset": vl})
            write_log({"step": step, "train_loss": round(running, 4), "val_loss": round(vl, 4),
                       "lr": round(lr, 6), "tokens": step * tokens_per_step,
                       "seconds": round(time.time() - t0, 1)})
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save_checkpoint(ckpt_path, model, opt, step, total_steps, args, {"train_loss": running})
            last_ckpt = time.time()
    train_seconds = time.time() - t0
    full_vx, full_vy = val_windows(val, args.ctx, 10 ** 9)
    val_loss = evaluate(model, full_vx, full_vy)
    save_checkpoint(ckpt_path, model, opt, step, total_steps, args,
                    {"train_loss": running, "val_loss": val_loss, "train_seconds": train_seconds})
    write_log({"event": "done", "step": step, "train_loss": round(running, 4),
               "val_loss_full": round(val_loss, 4), "val_ppl": round(math.exp(val_loss), 2),
               "val_windows": len(full_vx), "train_seconds": round(train_seconds, 1),
               "tokens": step * tokens_per_step})


if __name__ == "__main__":
    main()
