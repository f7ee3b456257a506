"""Time vot_overlap_traj against a per-frame vot_overlap loop on the same frames, and check they agree.

The frames look like a VOT2018 accuracy pass: ~21k rotated 8-number GT polygons (20-200 px) against 4-number
predicted rectangles on a 640x480 image with bounds (W, H), special codes ([1], [2], [0]) mixed in.
The last line printed is one JSON object: {"frames", "traj_seconds", "loop_seconds", "traj_speedup"}.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.utils.region import vot_overlap, vot_overlap_traj  # noqa: E402

FRAMES = 21356  # VOT2018's frame count
BOUNDS = (640, 480)


def make_frames(n: int, seed: int = 0):
    """(predictions, ground truth) as lists of Python lists, like result files and dataset loaders give."""
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(40, 600, n), rng.uniform(40, 440, n)
    w, h = rng.uniform(20, 200, n), rng.uniform(20, 200, n)
    a = rng.uniform(0, np.pi, n)
    c, s = np.cos(a), np.sin(a)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    gt = np.stack([v for dx, dy in corners for v in (cx + c * dx - s * dy, cy + s * dx + c * dy)], axis=1)
    pred = np.stack([cx - w / 2 + rng.normal(0, 8, n), cy - h / 2 + rng.normal(0, 8, n),
                     w * rng.uniform(0.8, 1.2, n), h * rng.uniform(0.8, 1.2, n)], axis=1)
    gt, pred = gt.round(2).tolist(), pred.round(4).tolist()
    for i in range(0, n, 300):  # a reset every 300 frames: init, failure, 4 skipped frames
        pred[i] = [1]
        for j in range(i + 150, min(i + 156, n)):
            pred[j] = [2] if j == i + 150 else [0]
    return pred, gt


def best_of(fn, repeat: int):
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="small run (1000 frames)")
    p.add_argument("--frames", type=int, default=None, help=f"number of frames (default {FRAMES})")
    args = p.parse_args(argv)
    n = args.frames or (1000 if args.smoke else FRAMES)
    pred, gt = make_frames(n)

    vot_overlap_traj(pred[:100], gt[:100], BOUNDS)  # warm-up
    t_traj, fast = best_of(lambda: vot_overlap_traj(pred, gt, BOUNDS), 3)
    per_video = [(pred[i:i + 356], gt[i:i + 356]) for i in range(0, n, 356)]
    t_videos, _ = best_of(lambda: [vot_overlap_traj(a, b, BOUNDS) for a, b in per_video], 3)
    t_loop, slow = best_of(lambda: [vot_overlap(a, b, BOUNDS) for a, b in zip(pred, gt)], 1)

    same = np.array_equal(np.asarray(fast), np.asarray(slow), equal_nan=True)
    print(f"frames: {n}  mean overlap: {np.nanmean(fast):.4f}")
    print(f"vot_overlap_traj, one call:        {t_traj:.4f} s  ({n / t_traj:,.0f} frames/s)")
    print(f"vot_overlap_traj, per 356-frame video: {t_videos:.4f} s  ({n / t_videos:,.0f} frames/s)")
    print(f"vot_overlap loop:                  {t_loop:.4f} s  ({n / t_loop:,.0f} frames/s)")
    if not same:
        print("ERROR: vot_overlap_traj and the vot_overlap loop disagree", file=sys.stderr)
        return 1
    print(json.dumps({"frames": n, "traj_seconds": round(t_traj, 6), "loop_seconds": round(t_loop, 6),
                      "traj_speedup": round(t_loop / t_traj, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
