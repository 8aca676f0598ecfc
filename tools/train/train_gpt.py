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

Recipe options (all off by default, so the committed model's commands still mean what they did):
  --mix austen=0.4,kjv=0.2,...  draw each window's source by these weights from
      <corpus>/train/<source>.bin (prepare_corpus.py --sources, train_bpe.py --encode); without
      it windows come uniformly from train.bin.
  --repeat-share P  a share P of the training windows holds a repeated span: a span of
      --repeat-min..--repeat-max tokens at a random place is copied to a later place of the same
      window, so the second copy is predictable from the first by looking back to the token that
      followed the earlier occurrence (what induction heads do). Of those windows a share
      --repeat-random-share has a span of random token ids (the vocabulary's merged tokens,
      256 .. vocab_size - 2) written in both places instead of natural text; the loss skips the
      targets inside the first random copy (they are noise), the second copy is trained on.
  --pos-init sinusoidal  start the learned position embeddings (wpe) from the sinusoidal
      encoding (model.sinusoidal_positions) at the token embeddings' scale, instead of N(0, 0.02).

Checkpoints hold the model, the AdamW state, the step and the state of both random generators
(batch positions, repeated spans); --resume continues from one. With --steps the schedule is
counted in steps, so a resumed run continues the same schedule and the same batch sequence as an
uninterrupted one. SIGINT/SIGTERM write the checkpoint before exiting.

Every --eval-every steps: loss on held-out Austen (val.bin; also in nats per character, using
the split's tokens per character from manifest.json), and the best previous-token and induction
scores over heads (tools/train/head_patterns.py's definitions: previous-token on 16 held-out
windows, induction on its 10 repeated random sequences, halved to fit a context under 100).

Log: <out>/log.jsonl, one JSON object per line (train loss, val loss, lr, tokens, seconds).
"""
import argparse
import json
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import GPT, GPTConfig, sinusoidal_positions  # noqa: E402
import head_patterns  # noqa: E402

DEFAULT_CORPUS = os.path.expanduser("~/.cache/mha-wasm/corpus")


IGNORE = -1  # target id the loss skips


def parse_mix(text):
    """--mix "austen=0.45,kjv=0.2" -> {"austen": 0.45, "kjv": 0.2} (weights, not necessarily summing to 1)."""
    return {name: float(weight) for name, weight in (item.split("=") for item in text.split(","))}


def get_batch(sources, batch_size, ctx, gen, rng, recipe):
    """Random windows of ctx + 1 tokens: inputs [B, ctx], targets [B, ctx] (IGNORE = no loss).
    sources: [(weight, uint16 array)]; one source: uniform windows (the original sampler)."""
    if len(sources) == 1:  # the original sampler, draw for draw
        data = sources[0][1]
        starts = torch.randint(0, len(data) - ctx - 1, (batch_size,), generator=gen).numpy()
        rows = [data[s:s + ctx + 1] for s in starts]
    else:
        weights = np.array([w for w, _ in sources], dtype=np.float64)
        picks = rng.choice(len(sources), size=batch_size, p=weights / weights.sum())
        rows = []
        for b in range(batch_size):
            data = sources[picks[b]][1]
            start = int(torch.randint(0, len(data) - ctx - 1, (1,), generator=gen))
            rows.append(data[start:start + ctx + 1])
    chunk = np.stack(rows).astype(np.int64)
    keep = np.ones((batch_size, ctx), dtype=bool)
    if recipe["repeat_share"] > 0:
        add_repeated_spans(chunk, keep, rng, recipe)
    targets = np.where(keep, chunk[:, 1:], IGNORE)
    return torch.from_numpy(chunk[:, :-1].copy()), torch.from_numpy(targets)


def add_repeated_spans(chunk, keep, rng, recipe):
    """In place: in a share of the windows, copy a span to a later place (see the docstring)."""
    n = chunk.shape[1]  # ctx + 1
    for b in range(chunk.shape[0]):
        if rng.random() >= recipe["repeat_share"]:
            continue
        m = int(rng.integers(recipe["repeat_min"], recipe["repeat_max"] + 1))
        m = min(m, n // 2)
        first = int(rng.integers(0, n - 2 * m + 1))
        second = int(rng.integers(first + m, n - m + 1))
        if rng.random() < recipe["repeat_random_share"]:
            chunk[b, first:first + m] = rng.integers(256, recipe["vocab_size"] - 1, size=m)
            # targets are chunk[1:]: input position p predicts chunk[p + 1]
            keep[b, max(first - 1, 0):first + m - 1] = False
        chunk[b, second:second + m] = chunk[b, first:first + m]


@torch.no_grad()
def head_score_summary(model, val_x):
    """Best previous-token score (held-out windows) and best induction score over all heads."""
    model.eval()
    T = val_x.shape[1]
    x = val_x.numpy()
    w = head_patterns.model_weights(model, x)  # [B, L, H, T, T]
    none = np.zeros(T, dtype=bool)
    prev = head_patterns.pooled_scores([{"previous": head_patterns.sequence_sums(w[n], x[n], none)["previous"]}
                                        for n in range(len(x))])["previous"]
    length = min(head_patterns.INDUCTION_LENGTH, model.cfg.n_positions // 2)
    rep = head_patterns.induction_sequences(model.cfg.vocab_size, length=length)
    w = head_patterns.model_weights(model, rep)
    no_delimiters = np.zeros(rep.shape[1], dtype=bool)
    ind = head_patterns.pooled_scores([{"induction": head_patterns.sequence_sums(w[n], rep[n], no_delimiters)["induction"]}
                                       for n in range(len(rep))])["induction"]
    model.train()
    out = {}
    for name, (scores, chance, _) in (("prev", prev), ("induction", ind)):
        l, h = np.unravel_index(int(np.argmax(scores)), scores.shape)
        out[name] = round(float(scores[l, h]), 4)
        out[name + "_head"] = "%d.%d" % (l, h)
        out[name + "_chance"] = round(float(chance), 4)
    return out


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


def save_checkpoint(path, model, opt, step, total_steps, args, extra, gen=None, rng=None):
    tmp = path + ".tmp"
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
             "total_steps": total_steps, "config": model.cfg.to_dict(), "args": vars(args), **extra}
    if gen is not None:
        state["torch_generator"] = gen.get_state()
    if rng is not None:
        state["numpy_generator"] = rng.bit_generator.state
    torch.save(state, tmp)
    os.replace(tmp, path)


def arg_parser():
    """The command line (also read by write_card.py, to print a run's non-default arguments)."""
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
    ap.add_argument("--mix", default="", help="source weights, e.g. austen=0.4,kjv=0.2,wordnet=0.2 "
                    "(windows from <corpus>/train/<source>.bin); empty: train.bin")
    ap.add_argument("--repeat-share", type=float, default=0.0,
                    help="share of windows with a repeated span (0 = off)")
    ap.add_argument("--repeat-random-share", type=float, default=0.5,
                    help="share of the repeated spans made of random token ids")
    ap.add_argument("--repeat-min", type=int, default=8)
    ap.add_argument("--repeat-max", type=int, default=48)
    ap.add_argument("--pos-init", choices=["normal", "sinusoidal"], default="normal",
                    help="initial position embeddings (sinusoidal: at the token embeddings' scale)")
    ap.add_argument("--head-scores", type=int, default=1,
                    help="1: log the best previous-token and induction scores at each evaluation")
    ap.add_argument("--resume", default=None,
                    help="continue from a checkpoint (model, optimizer, step); with --minutes the "
                         "cosine restarts from --lr over the new budget, without warm-up")
    return ap


def main():
    args = arg_parser().parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    if args.mix:
        sources = [(weight, np.memmap(os.path.join(args.corpus, "train", name + ".bin"), dtype=np.uint16, mode="r"))
                   for name, weight in parse_mix(args.mix).items()]
    else:
        sources = [(1.0, np.memmap(os.path.join(args.corpus, "train.bin"), dtype=np.uint16, mode="r"))]
    train_tokens = sum(len(d) for _, d in sources)
    val = np.memmap(os.path.join(args.corpus, "val.bin"), dtype=np.uint16, mode="r")
    tokens_per_char = None
    manifest_path = os.path.join(args.corpus, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            tokens_per_char = len(val) / json.load(f)["val_chars"]
    cfg = GPTConfig(vocab_size=args.vocab_size, n_positions=args.ctx, n_embd=args.n_embd,
                    n_layer=args.n_layer, n_head=args.n_head)
    model = GPT(cfg)
    if args.pos_init == "sinusoidal":
        with torch.no_grad():
            model.wpe.weight.copy_(sinusoidal_positions(cfg.n_positions, cfg.n_embd,
                                                        rms=float(model.wte.weight.pow(2).mean().sqrt())))
    recipe = {"repeat_share": args.repeat_share, "repeat_random_share": args.repeat_random_share,
              "repeat_min": args.repeat_min, "repeat_max": args.repeat_max, "vocab_size": cfg.vocab_size}
    assert int(max(max(int(d.max()) for _, d in sources), val.max())) < cfg.vocab_size
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
        if "torch_generator" in state:  # the batch sequence continues where it stopped
            gen.set_state(state["torch_generator"])
            rng.bit_generator.state = state["numpy_generator"]
        else:  # an older checkpoint: fresh batch order after the resume point
            gen.manual_seed(args.seed + step)
    print("params %d, train tokens %d, val tokens %d, tokens/step %d" % (
        model.n_params(), train_tokens, len(val), tokens_per_step), file=sys.stderr)

    log = open(os.path.join(args.out, "log.jsonl"), "a")

    def write_log(rec):
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), file=sys.stderr)

    write_log({"event": "start", "step": step, "params": model.n_params(), "config": cfg.to_dict(), "args": vars(args),
               "train_tokens": int(train_tokens), "val_tokens": int(len(val)), "time": time.time()})
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    t0 = time.time()
    deadline = t0 + args.minutes * 60
    total_steps = args.steps or 10 ** 9
    last_ckpt = t0
    t_warm = t0 if step >= args.warmup else None  # wall-clock time at the end of warm-up
    best_val = float("inf")
    running = state.get("train_loss") if args.resume else None  # the moving average goes on
    stop = {"signal": None}

    def on_signal(signum, frame):
        stop["signal"] = signum  # finish the step, write the checkpoint, exit

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    model.train()
    while step < total_steps:
        if time.time() >= deadline:
            write_log({"event": "time_limit", "step": step})
            break
        if stop["signal"] is not None:
            save_checkpoint(ckpt_path, model, opt, step, total_steps, args, {"train_loss": running}, gen, rng)
            write_log({"event": "signal", "signal": stop["signal"], "step": step, "checkpoint": ckpt_path})
            return
        # Progress through the cosine: by steps with --steps, else by wall clock (the machine
        # is shared, so throughput varies; the cosine then ends exactly at the time limit).
        if args.steps:
            progress = (step - args.warmup) / max(1, total_steps - args.warmup)
        else:
            progress = (time.time() - t_warm) / max(1.0, deadline - t_warm) if t_warm else 0.0
        lr = lr_at(step, progress, args.warmup, args.lr, args.min_lr_frac)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = get_batch(sources, args.batch_size, args.ctx, gen, rng, recipe)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=IGNORE)
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
                                args, {"train_loss": running, "val_loss_subset": vl}, gen, rng)
            rec = {"step": step, "train_loss": round(running, 4), "val_loss": round(vl, 4)}
            if tokens_per_char:
                rec["val_nats_per_char"] = round(vl * tokens_per_char, 4)
            if args.head_scores:
                rec.update(head_score_summary(model, vx[:16]))
            rec.update({"lr": round(lr, 6), "tokens": step * tokens_per_step, "seconds": round(time.time() - t0, 1)})
            write_log(rec)
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save_checkpoint(ckpt_path, model, opt, step, total_steps, args, {"train_loss": running}, gen, rng)
            last_ckpt = time.time()
    train_seconds = time.time() - t0
    full_vx, full_vy = val_windows(val, args.ctx, 10 ** 9)
    val_loss = evaluate(model, full_vx, full_vy)
    save_checkpoint(ckpt_path, model, opt, step, total_steps, args,
                    {"train_loss": running, "val_loss": val_loss, "train_seconds": train_seconds}, gen, rng)
    done = head_score_summary(model, full_vx[:16]) if args.head_scores else {}
    if tokens_per_char:
        done["val_nats_per_char"] = round(val_loss * tokens_per_char, 4)
    write_log({"event": "done", "step": step, "train_loss": round(running, 4), **done,
               "val_loss_full": round(val_loss, 4), "val_ppl": round(math.exp(val_loss), 2),
               "val_windows": len(full_vx), "train_seconds": round(train_seconds, 1),
               "tokens": step * tokens_per_step})


if __name__ == "__main__":
    main()
