"""The ONNX row: the `siamfc_onnx` tracker (ONNX Runtime, fp32) against the torch fast path, in the same run.

    .venv/bin/python benchmarks/bench_onnx.py                       # random weights, synthetic 6 x 60 frames
    .venv/bin/python benchmarks/bench_onnx.py --smoke               # 2 x 8 frames, a few seconds
    .venv/bin/python benchmarks/bench_onnx.py --snapshot runs/quickstart/model.pth

The snapshot is exported to a temporary ONNX file (pysot_ss.export.onnx). Three trackers see the same frames in
lock-step (the order rotates every frame): torch fast path as configured (bf16 where the CPU/GPU has native bf16,
TRACK.BF16 auto), torch fast path in fp32 (TRACK.BF16 off) and ONNX Runtime. fps = tracked frames / summed
track() time; AUC = one-pass success AUC against the synthetic ground truth (toolkit.utils.statistics). Agreement:
per-frame IoU between the ONNX boxes and each torch path's boxes; the requirement is min IoU > 0.99 against the
fp32 fast path (same arithmetic precision). Both use TRACK.NUM_THREADS (0 = all cores) threads.

Prints a table and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.utils.bbox import init_box  # noqa: E402
from toolkit.utils.statistics import overlap_ratio, success_overlap  # noqa: E402


def synthetic_videos(cache: Path, smoke: bool):
    from toolkit.datasets import DatasetFactory
    from toolkit.synthetic import generate_benchmark

    nv, nf = (2, 8) if smoke else (6, 60)
    roots = generate_benchmark(cache / f"synthetic_{nv}x{nf}", seed=0, num_videos=nv, num_frames=nf,
                               layouts=("otb",))
    ds = DatasetFactory.create_dataset(name="OTB100", dataset_root=str(roots["otb"]))
    return [(v.name, list(v.img_names), np.asarray(v.gt_traj, dtype=np.float64)) for v in ds]


def build(args, tmp: Path):
    import torch

    from pysot_ss.api import config_for
    from pysot_ss.export.onnx import export_onnx
    from pysot_ss.models import build_model
    from pysot_ss.tracker import build_tracker
    from pysot_ss.utils.checkpoint import load_weights

    torch.manual_seed(0)
    cfg = config_for(args.config, args.snapshot, args.opts)
    cfg.DEVICE = "cpu"
    cfg.TRACK.FAST = True
    cfg.TRACK.NUM_THREADS = args.threads
    model = build_model(cfg)
    if args.snapshot:
        load_weights(model, args.snapshot)
    model.eval()
    onnx_path = export_onnx(model, cfg, tmp / "model.onnx")
    fp32 = cfg.clone()
    fp32.TRACK.BF16 = "off"
    ocfg = cfg.clone()
    ocfg.TRACK.TYPE = "siamfc_onnx"
    torch_fast = build_tracker(cfg, model)
    trackers = {"torch_fast": torch_fast, "torch_fast_fp32": build_tracker(fp32, model),
                "onnx": build_tracker(ocfg, str(onnx_path))}
    return trackers, bool(torch_fast.bf16)


def run(videos, trackers):
    names = list(trackers)
    times = {n: 0.0 for n in names}
    frames = 0
    boxes = {n: {} for n in names}
    for vname, paths, gt in videos:
        box0 = init_box(list(gt[0]))
        out = {n: [list(box0)] for n in names}
        img = cv2.imread(paths[0])
        for n in names:
            trackers[n].init(img, box0)
        for i, p in enumerate(paths[1:], 1):
            img = cv2.imread(p)
            order = names[i % len(names):] + names[:i % len(names)]
            for n in order:
                t0 = time.perf_counter()
                r = trackers[n].track(img)
                times[n] += time.perf_counter() - t0
                out[n].append(r["bbox"])
            frames += 1
        for n in names:
            boxes[n][vname] = np.asarray(out[n], dtype=np.float64)
    return boxes, times, frames


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", help="experiment YAML or name (default: stored in the snapshot, else defaults)")
    p.add_argument("--snapshot", help="weights (.pth); default: random weights")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--threads", type=int, default=0, help="TRACK.NUM_THREADS for both engines (0: all cores)")
    p.add_argument("--cache-dir", default=str(REPO / "outputs" / "bench_cache"))
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[])
    args = p.parse_args(argv)

    videos = synthetic_videos(Path(args.cache_dir), args.smoke)
    with tempfile.TemporaryDirectory() as tmp:
        trackers, bf16 = build(args, Path(tmp))
        boxes, times, frames = run(videos, trackers)
    row = {"frames": frames, "videos": len(videos), "torch_fast_bf16": bf16,
           "snapshot": args.snapshot or "random weights"}
    for n in trackers:
        aucs = [success_overlap(gt, boxes[n][v], len(gt)).mean() for v, _, gt in videos]
        row[f"{n}_fps"] = round(frames / times[n], 2)
        row[f"{n}_auc"] = round(float(np.mean(aucs)), 4)
    for ref in ("torch_fast_fp32", "torch_fast"):
        ious = np.concatenate([overlap_ratio(boxes["onnx"][v], boxes[ref][v]) for v, _, _ in videos])
        row[f"onnx_vs_{ref}_min_iou"] = round(float(ious.min()), 6)
        row[f"onnx_vs_{ref}_frac_iou_gt_0.99"] = round(float((ious > 0.99).mean()), 4)
    row["agree"] = row["onnx_vs_torch_fast_fp32_min_iou"] > 0.99

    print(f"{'engine':<18}{'fps':>9}{'AUC':>9}")
    for n in trackers:
        label = n + (" (bf16)" if n == "torch_fast" and bf16 else "")
        print(f"{label:<18}{row[n + '_fps']:>9.1f}{row[n + '_auc']:>9.3f}")
    print(f"ONNX vs torch fp32 fast path: min IoU {row['onnx_vs_torch_fast_fp32_min_iou']:.4f} over {frames} frames "
          f"({'agree' if row['agree'] else 'DISAGREE'}); vs torch_fast: min IoU "
          f"{row['onnx_vs_torch_fast_min_iou']:.4f}")
    print(json.dumps(row))
    return 0 if row["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
