"""SiamFC tracker speed and accuracy: the plain fp32 path against the fast path, measured in the same run.

    .venv/bin/python benchmarks/bench_tracker.py                 # synthetic benchmark + shared sequences
    .venv/bin/python benchmarks/bench_tracker.py --smoke         # a few seconds
    .venv/bin/python benchmarks/bench_tracker.py --config s2siamfc --snapshot runs/s2siamfc/model_e50.pth

Both trackers share one model and see the same frames in lock-step: for every frame the plain tracker, the fast
tracker (alternating which goes first) and then the fast path's network alone (its 3-scale search forward +
correlation, on the crops the fast tracker just made) are timed back to back, so load from other processes hits all
three alike. fps = tracked frames / summed track() time (init and image decoding excluded); the *_median values use
the per-frame median, less sensitive to a busy machine. Accuracy: one-pass success AUC (pysot: mean over videos of
the success rate at IoU thresholds 0, 0.05, ..., 1) of each path. With random weights (no --snapshot) the AUC
itself means little, but the two paths must agree.

Sequences: the synthetic OTB-layout benchmark (toolkit.datasets.synthetic, generated once into --cache-dir) and,
when present, the folders of ../shared/data/sequences (or $PYSOT_SS_SHARED/data/sequences) read through
toolkit.datasets.DatasetFactory as a custom dataset. Polygon ground truth is scored as its axis-aligned bounding
box; trackers start from pysot's init box (toolkit.utils.bbox.init_box).

The last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pysot_ss.api import config_for  # noqa: E402
from pysot_ss.models import build_model  # noqa: E402
from pysot_ss.tracker import build_tracker  # noqa: E402
from pysot_ss.utils.checkpoint import load_weights  # noqa: E402

THRESHOLDS = np.arange(0, 1.05, 0.05)


# ---------------------------------------------------------------------------------------------- sequences
def shared_sequences() -> Path:
    env = os.environ.get("PYSOT_SS_SHARED")
    return (Path(env) if env else REPO.parent / "shared") / "data" / "sequences"


def axis_aligned(gt) -> list:
    gt = [float(v) for v in gt]
    if len(gt) == 8:
        xs, ys = gt[0::2], gt[1::2]
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    return gt


def first_box(gt) -> list:
    try:
        from toolkit.utils.bbox import init_box
        return init_box(gt)
    except ImportError:  # pysot's convention, inline
        x, y, w, h = axis_aligned(gt)
        return [x + 0.5, y + 0.5, w, h] if len(gt) == 4 else [x, y, w, h]


def load_videos(root: Path, name: str, max_frames: int = 0, max_videos: int = 0):
    """[(name, [frame paths], [gt rows])] of a folder of sequences."""
    out = []
    try:
        from toolkit.datasets import DatasetFactory

        ds = DatasetFactory.create_dataset(name=name, dataset_root=str(root))
        for v in ds:
            out.append((v.name, list(v.img_names), [list(g) for g in v.gt_traj]))
    except ImportError:  # toolkit.datasets not there: OTB layout read directly
        for seq in sorted(p for p in root.iterdir() if (p / "img").is_dir()):
            gt_file = seq / "groundtruth_rect.txt"
            if not gt_file.is_file():
                gt_file = seq / "groundtruth.txt"
            rows = [[float(v) for v in ln.replace("\t", ",").replace(" ", ",").split(",") if v]
                    for ln in gt_file.read_text().splitlines() if ln.strip()]
            frames = sorted(str(p) for p in (seq / "img").glob("*.jpg"))
            out.append((seq.name, frames[:len(rows)], rows))
    if max_videos:
        out = out[:max_videos]
    if max_frames:
        out = [(n, f[:max_frames], g[:max_frames]) for n, f, g in out]
    return out


def synthetic_videos(cache: Path, smoke: bool):
    from toolkit.datasets.synthetic import generate_benchmark

    nv, nf = (2, 8) if smoke else (6, 60)
    roots = generate_benchmark(cache / f"synthetic_{nv}x{nf}", seed=0, num_videos=nv, num_frames=nf,
                               layouts=("otb",))
    return load_videos(Path(roots["otb"]), "OTB100")


# ---------------------------------------------------------------------------------------------- scoring
def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """pysot's overlap_ratio of (N,4) x,y,w,h boxes."""
    left = np.maximum(a[:, 0], b[:, 0])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    top = np.maximum(a[:, 1], b[:, 1])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.maximum(0, right - left) * np.maximum(0, bottom - top)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.clip(inter / np.maximum(union, 1e-12), 0, 1)


def success_curve(gt: np.ndarray, res: np.ndarray) -> np.ndarray:
    try:
        from toolkit.utils.statistics import success_overlap
        return np.asarray(success_overlap(gt, res, len(gt)))
    except ImportError:
        valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        ov = np.full(len(gt), -1.0)
        ov[valid] = iou(gt[valid], res[valid])
        return np.array([(ov > t).sum() / len(gt) for t in THRESHOLDS])


# ---------------------------------------------------------------------------------------------- run
def make_trackers(args):
    cfg = config_for(args.config, args.snapshot, args.opts)
    cfg.DEVICE = args.device
    cfg.TRACK.NUM_THREADS = args.threads
    torch.manual_seed(args.seed)
    model = build_model(cfg)
    if args.snapshot:
        load_weights(model, args.snapshot)
    model.eval()
    trackers = {}
    for name, fast in (("plain", False), ("fast", True)):
        c = cfg.clone()
        c.TRACK.FAST = fast
        trackers[name] = build_tracker(c, model)
    return cfg, trackers


def network_only(tracker) -> float:
    """Seconds of the fast path's 3-scale forward + correlation on the crops of its last frame."""
    t0 = time.perf_counter()
    with torch.inference_mode():
        r = tracker.net.correlate(tracker.zf, tracker.net.embed(tracker._buf_t))
        r.cpu()
    return time.perf_counter() - t0


def run_videos(videos, trackers, times, results, score_only=False):
    plain, fast = trackers["plain"], trackers["fast"]
    for vname, frames, gts in videos:
        boxes = {"plain": [], "fast": []}
        for i, (path, gt) in enumerate(zip(frames, gts)):
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"cannot read frame {path}")
            if i == 0:
                box = first_box(gt)
                for name in ("plain", "fast"):
                    trackers[name].init(img, box)
                    boxes[name].append(box)
                continue
            order = ("plain", "fast") if i % 2 else ("fast", "plain")
            for name in order:
                t0 = time.perf_counter()
                out = trackers[name].track(img)
                times[name].append(time.perf_counter() - t0)
                boxes[name].append(out["bbox"])
            times["network"].append(network_only(fast))
        if results is not None:
            gt = np.array([axis_aligned(g) for g in gts])
            for name in ("plain", "fast"):
                results[name][vname] = success_curve(gt, np.array(boxes[name], dtype=np.float64))
            d = np.abs(np.array(boxes["plain"]) - np.array(boxes["fast"]))
            print(f"  {vname:<16} {len(frames):4d} frames  AUC plain {results['plain'][vname].mean():.3f} "
                  f"fast {results['fast'][vname].mean():.3f}  max |box diff| {d.max():.1f} px", flush=True)


def fps(ts) -> float:
    return len(ts) / max(sum(ts), 1e-12)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=None, help="experiment name or YAML (default: the snapshot's, else defaults)")
    ap.add_argument("--snapshot", default=None, help="weights (default: random init, seeded)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--opts", nargs="*", default=[], help="KEY VALUE overrides")
    ap.add_argument("--repeats", type=int, default=0, help="extra timing-only passes over the same videos")
    ap.add_argument("--max-frames", type=int, default=0, help="frames per video (0 = all)")
    ap.add_argument("--no-shared", action="store_true", help="synthetic videos only")
    ap.add_argument("--cache-dir", default=os.environ.get("PYSOT_SS_CACHE",
                                                          str(Path.home() / ".cache" / "pysot-ss")))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads for both paths (0 = available cores)")
    ap.add_argument("--smoke", action="store_true", help="2 tiny synthetic videos + 1 short real one")
    args = ap.parse_args(argv)

    cfg, trackers = make_trackers(args)
    fast = trackers["fast"]
    print(f"backbone {cfg.BACKBONE.TYPE} / head {cfg.HEAD.TYPE}; weights {args.snapshot or 'random'}; device "
          f"{fast.device}; threads {torch.get_num_threads()}; fast path bf16 {fast.bf16}; "
          f"linear update {cfg.TRACK.LINEAR_UPDATE}", flush=True)

    videos = synthetic_videos(Path(args.cache_dir), args.smoke)
    seq_root = shared_sequences()
    if not args.no_shared and seq_root.is_dir():
        videos += load_videos(seq_root, "sequences", max_frames=10 if args.smoke else args.max_frames,
                              max_videos=1 if args.smoke else 0)
    elif not args.no_shared:
        print(f"(no shared sequences at {seq_root})")
    if args.max_frames and not args.smoke:
        videos = [(n, f[:args.max_frames], g[:args.max_frames]) for n, f, g in videos]
    print(f"{len(videos)} videos, {sum(len(f) for _, f, _ in videos)} frames", flush=True)

    # warm-up (oneDNN builds its kernels on the first calls of each shape), not timed
    run_videos([(n, f[:4], g[:4]) for n, f, g in videos[:1]], trackers, {"plain": [], "fast": [], "network": []},
               None)
    times = {"plain": [], "fast": [], "network": []}
    results = {"plain": {}, "fast": {}}
    profile = fast.enable_profiling()
    run_videos(videos, trackers, times, results)
    for _ in range(args.repeats):
        run_videos(videos, trackers, times, None)

    auc = {k: float(np.mean([c.mean() for c in v.values()])) for k, v in results.items()}
    other = profile["total"] - profile["crop"] - profile["network"] - profile["upsample"]
    shares = {k: profile[k] / profile["total"] for k in ("crop", "network", "upsample")}
    shares["other"] = other / profile["total"]
    ms = {k: 1000 * profile[k] / max(profile["frames"], 1) for k in ("crop", "network", "upsample", "total")}
    summary = {
        "fps_plain": fps(times["plain"]),
        "fps_fast": fps(times["fast"]),
        "speedup": fps(times["fast"]) / fps(times["plain"]),
        "fps_network_only": fps(times["network"]),
        "fast_vs_network": fps(times["fast"]) / fps(times["network"]),
        "fps_plain_median": 1.0 / statistics.median(times["plain"]),
        "fps_fast_median": 1.0 / statistics.median(times["fast"]),
        "speedup_median": statistics.median(times["plain"]) / statistics.median(times["fast"]),
        "fps_network_only_median": 1.0 / statistics.median(times["network"]),
        "auc_plain": auc["plain"],
        "auc_fast": auc["fast"],
        "auc_delta": auc["fast"] - auc["plain"],
        "profile_fast_share": shares,
        "profile_fast_ms_per_frame": ms,
        "frames_timed": len(times["fast"]),
        "videos": len(videos),
        "backbone": cfg.BACKBONE.TYPE,
        "weights": args.snapshot or "random",
        "device": str(fast.device),
        "threads": torch.get_num_threads(),
        "bf16": fast.bf16,
        "linear_update": bool(cfg.TRACK.LINEAR_UPDATE),
    }
    print(f"plain {summary['fps_plain']:.1f} fps | fast {summary['fps_fast']:.1f} fps | speedup "
          f"{summary['speedup']:.2f}x (median {summary['speedup_median']:.2f}x) | fast network only "
          f"{summary['fps_network_only']:.1f} fps (fast end to end = {100 * summary['fast_vs_network']:.0f}%)")
    print(f"AUC plain {auc['plain']:.4f} fast {auc['fast']:.4f} (delta {summary['auc_delta']:+.4f})")
    print("fast path time per frame: " + ", ".join(f"{k} {ms[k]:.2f} ms ({100 * shares[k]:.1f}%)"
                                                   for k in ("crop", "network", "upsample"))
          + f", other {1000 * other / max(profile['frames'], 1):.2f} ms ({100 * shares['other']:.1f}%)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
