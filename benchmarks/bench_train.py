#!/usr/bin/env python
"""Training speed: one step of the plain SiamFC loss vs the full S2SiamFC loss, and data-loading throughput.

    .venv/bin/python benchmarks/bench_train.py            # CPU (and CUDA when available), batch 8, 127/239
    .venv/bin/python benchmarks/bench_train.py --smoke    # a few seconds

Step = forward + backward + SGD update through ``pysot_ss.losses.Objective`` (the trainer's code) with the
S2SiamFC network (alexnet_s2 + xcorr_bn). "plain": LOSS.MODIFIERS [] ; "full": [anti_clutter, adversarial_mask]
with 2 chained masks. The two are timed alternately on the same fixed batch (random crops; every pair positive
but one negative), so load from other processes hits both alike; the reported times are medians. Target:
full <= 1.6 x plain (the authors' code recomputes the search branch per mask; we reuse its features).
On CUDA the trainer's bf16 autocast + channels_last settings are used.

Loader: ``build_train_dataset`` of the default config (generated synthetic images, single_image sampler with
rotation and colour jitter) through a DataLoader with 2 workers, batch 8; pairs/s after the first batch.

Last stdout line: one JSON object {"step_ms_plain", "step_ms_full", "ratio", "loader_pairs_per_s", ...}
(the CPU numbers; "cuda_*" keys are added when a GPU is present).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
from torch.utils.data import DataLoader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pysot_ss.core.config import get_cfg  # noqa: E402
from pysot_ss.datasets import build_train_dataset  # noqa: E402
from pysot_ss.datasets.generate import generate_missing_data  # noqa: E402
from pysot_ss.losses import Objective  # noqa: E402
from pysot_ss.models import build_model  # noqa: E402


def s2_cfg():
    cfg = get_cfg()
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE, cfg.INPUT.NORMALIZE = "alexnet_s2", "xcorr_bn", "unit"
    return cfg


def make_batch(cfg, batch: int, device) -> dict:
    g = torch.Generator().manual_seed(0)
    e, s = cfg.TRAIN.EXEMPLAR_SIZE, cfg.TRAIN.SEARCH_SIZE
    neg = torch.arange(batch) == batch - 1  # every pair positive but the last
    b = dict(template=torch.rand(batch, 3, e, e, generator=g) * 255,
             search=torch.rand(batch, 3, s, s, generator=g) * 255,
             offset=torch.zeros(batch, 2), negative=neg, mean_color=torch.rand(batch, 3, generator=g) * 255)
    return {k: v.to(device) for k, v in b.items()}


def time_steps(device: str, batch: int, reps: int, warmup: int) -> dict:
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    cfg = s2_cfg()
    data = make_batch(cfg, batch, dev)
    if cuda:
        for k in ("template", "search"):
            data[k] = data[k].contiguous(memory_format=torch.channels_last)
    runs = {}
    for name, mods in (("plain", []), ("full", ["anti_clutter", "adversarial_mask"])):
        torch.manual_seed(0)
        model = build_model(cfg).to(dev).train()
        if cuda:
            model = model.to(memory_format=torch.channels_last)
        obj = Objective(cfg, model, modifiers=mods)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
        runs[name] = (obj, opt)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else nullcontext()

    def step(name):
        obj, opt = runs[name]
        if cuda:
            torch.cuda.synchronize()
        t = time.perf_counter()
        with amp:
            loss = obj(**data)["total_loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if cuda:
            torch.cuda.synchronize()
        return (time.perf_counter() - t) * 1000.0

    times = {"plain": [], "full": []}
    for i in range(warmup + reps):
        for name in ("plain", "full") if i % 2 == 0 else ("full", "plain"):
            ms = step(name)
            if i >= warmup:
                times[name].append(ms)
    plain, full = statistics.median(times["plain"]), statistics.median(times["full"])
    return {"step_ms_plain": round(plain, 2), "step_ms_full": round(full, 2), "ratio": round(full / plain, 3)}


def loader_throughput(batches: int, workers: int = 2, batch: int = 8, data_root: str = "") -> float:
    cfg = get_cfg()
    if data_root:
        cfg.DATASET.SYNTHETIC.ROOT = data_root
    generate_missing_data(cfg)  # the default synthetic images, when missing
    ds = build_train_dataset(cfg, epoch_len=batch * (batches + 1))
    loader = DataLoader(ds, batch_size=batch, num_workers=workers, shuffle=False, drop_last=True)
    it = iter(loader)
    next(it)  # worker start-up and first decode excluded
    t = time.perf_counter()
    n = sum(b["template"].shape[0] for b in it)
    return n / (time.perf_counter() - t)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="few repetitions (CI)")
    p.add_argument("--reps", type=int, default=10, help="timed steps per loss")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    p.add_argument("--data", default="", help="image folder for the loader test (default: the synthetic images)")
    p.add_argument("--no-cuda", action="store_true")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    reps, warmup, batches = (2, 1, 4) if args.smoke else (args.reps, 2, 40)

    out = time_steps("cpu", args.batch, reps, warmup)
    print(f"cpu  ({torch.get_num_threads()} threads): plain {out['step_ms_plain']:.1f} ms/step, "
          f"full {out['step_ms_full']:.1f} ms/step, ratio {out['ratio']:.3f} (target <= 1.6)", flush=True)
    if torch.cuda.is_available() and not args.no_cuda:
        c = time_steps("cuda", args.batch, reps * 5, warmup * 5)
        out.update({f"cuda_{k}": v for k, v in c.items()})
        out["cuda_device"] = torch.cuda.get_device_name()
        print(f"cuda ({out['cuda_device']}): plain {c['step_ms_plain']:.2f} ms/step, full {c['step_ms_full']:.2f} "
              f"ms/step, ratio {c['ratio']:.3f}", flush=True)
    out["loader_pairs_per_s"] = round(loader_throughput(batches, data_root=args.data), 1)
    print(f"loader (2 workers, batch {args.batch}): {out['loader_pairs_per_s']:.1f} pairs/s", flush=True)
    out["batch"] = args.batch
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
