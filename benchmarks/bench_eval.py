#!/usr/bin/env python
"""Time VOT evaluation (A/R + EAO over 6 tags) of 10 trackers on a VOT2018-sized benchmark.

Generates, in a temporary folder: a pysot-style ``VOT2018.json`` with 60 videos (~21k frames, rotated 8-number
GT polygons, 5 per-frame attribute tags), one tiny real JPEG for the first and last frame of each video (the
dataset reads the frame size from the first one), and 10 simulated trackers' reset-protocol results in pysot's
layout (boxes around the GT with tracker-specific noise, failures followed by 4 skipped frames and a re-init).

Then times, through the exact code ``tools/eval.py`` runs:
* ``seconds``: ``toolkit.cli.eval.main`` in this process (dataset + result loading, A/R, EAO, JSON output);
* ``seconds_subprocess``: ``python tools/eval.py ...`` once, process start and imports included;
* ``traj_speedup``: ``vot_overlap_traj`` over one tracker's trajectories vs a per-frame ``vot_overlap`` loop.

Last stdout line: one JSON object {"seconds", "seconds_subprocess", "traj_speedup", "trackers", "frames"}.
``--smoke`` runs a tiny version (for CI). Target: about 9 s for the full run (pysot's compiled toolkit).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.cli.eval import main as eval_main  # noqa: E402
from toolkit.datasets import DatasetFactory  # noqa: E402
from toolkit.datasets.vot import VOT_VIDEOS  # noqa: E402
from toolkit.utils.region import vot_overlap, vot_overlap_traj  # noqa: E402

TAGS = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")
SIZES = ((1280, 720), (640, 360), (480, 360), (320, 240), (640, 480), (1920, 1080), (854, 480))
VOT2018_FRAMES = 21356


def video_lengths(rng, n_videos: int, total: int, low: int = 41) -> np.ndarray:
    raw = rng.lognormal(mean=0.0, sigma=0.7, size=n_videos)
    lengths = np.maximum(low, np.round(raw / raw.sum() * total)).astype(int)
    lengths[np.argmax(lengths)] += total - lengths.sum()  # exact total
    return lengths


def random_walk(rng, n: int, start: float, step: float, lo: float, hi: float) -> np.ndarray:
    x = start + np.cumsum(rng.normal(0, step, n))
    span = hi - lo  # reflect into [lo, hi]
    x = np.abs((x - lo) % (2 * span) - span)
    return lo + span - x


def ground_truth(rng, n: int, size):
    """(n, 8) rotated-rectangle polygons and (n, 4) their axis-aligned boxes."""
    W, H = size
    w = random_walk(rng, n, rng.uniform(0.08, 0.25) * W, 0.004 * W, 0.04 * W, 0.3 * W)
    h = random_walk(rng, n, rng.uniform(0.08, 0.25) * H, 0.004 * H, 0.04 * H, 0.3 * H)
    cx = random_walk(rng, n, W / 2, 0.01 * W, 0.2 * W, 0.8 * W)
    cy = random_walk(rng, n, H / 2, 0.01 * H, 0.2 * H, 0.8 * H)
    ang = random_walk(rng, n, 0.0, 1.5, -40, 40) * math.pi / 180
    c, s = np.cos(ang), np.sin(ang)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
    xs = cx[:, None] + corners[:, 0] * w[:, None] * c[:, None] - corners[:, 1] * h[:, None] * s[:, None]
    ys = cy[:, None] + corners[:, 0] * w[:, None] * s[:, None] + corners[:, 1] * h[:, None] * c[:, None]
    polys = np.round(np.stack([xs, ys], axis=2).reshape(n, 8), 2)
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    return polys, boxes


def tag_runs(rng, n: int, p_on: float) -> list:
    """0/1 per frame in runs (a two-state Markov chain)."""
    out, state = np.zeros(n, int), int(rng.random() < p_on)
    for i in range(n):
        if rng.random() < 0.02:
            state = int(rng.random() < p_on)
        out[i] = state
    return out.tolist()


def tracker_lines(rng, boxes: np.ndarray, quality: float) -> list:
    """Reset-protocol result lines: 1 at (re-)init, 2 at a failure, 0 for the 4 skipped frames."""
    n, jitter, hazard = len(boxes), (1 - quality) * 0.35, (1 - quality) * 0.012
    lines, i = [], 0
    while i < n:
        lines.append("1")
        i += 1
        while i < n:
            if rng.random() < hazard:
                lines.append("2")
                skip = min(4, n - i - 1)
                lines.extend(["0"] * skip)
                i += 1 + skip
                break
            x, y, w, h = boxes[i]
            dx, dy = rng.normal(0, jitter, 2) * (w, h)
            sw, sh = np.exp(rng.normal(0, jitter / 2, 2))
            nw, nh = w * sw, h * sh
            lines.append("%.4f,%.4f,%.4f,%.4f" % (x + dx + (w - nw) / 2, y + dy + (h - nh) / 2, nw, nh))
            i += 1
    return lines[:n]


def generate(out: Path, n_videos: int, total_frames: int, n_trackers: int, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    root = out / "testing_dataset" / "VOT2018"
    results = out / "results" / "VOT2018"
    names = list(VOT_VIDEOS["VOT2018"])[:n_videos]
    lengths = video_lengths(rng, n_videos, total_frames)
    qualities = np.linspace(0.95, 0.5, n_trackers)
    description, jpegs = {}, {}
    for name, n in zip(names, lengths):
        size = SIZES[int(rng.integers(len(SIZES)))]
        polys, boxes = ground_truth(rng, int(n), size)
        img_names = [f"{name}/color/{i:08d}.jpg" for i in range(1, n + 1)]
        if size not in jpegs:
            jpegs[size] = cv2.imencode(".jpg", np.zeros((size[1], size[0], 3), np.uint8))[1].tobytes()
        for rel in (img_names[0], img_names[-1]):
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(jpegs[size])
        entry = {"video_dir": name, "init_rect": polys[0].tolist(), "img_names": img_names,
                 "gt_rect": polys.tolist(), "width": size[0], "height": size[1]}
        for tag, p_on in zip(TAGS, (0.3, 0.2, 0.3, 0.3, 0.15)):
            entry[tag] = tag_runs(rng, int(n), p_on)
        description[name] = entry
        for t, q in enumerate(qualities):
            d = results / f"sim{t:02d}" / "baseline" / name
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{name}_001.txt").write_text("\n".join(tracker_lines(rng, boxes, q)) + "\n")
    root.mkdir(parents=True, exist_ok=True)
    (root / "VOT2018.json").write_text(json.dumps(description))
    return int(lengths.sum())


def eval_args(out: Path, num: int, interval) -> list:
    args = ["-p", str(out / "results"), "-d", "VOT2018", "--dataset_root", str(out / "testing_dataset" / "VOT2018"),
            "--format", "json", "-n", str(num)]
    return args + (["--eao_interval", str(interval[0]), str(interval[1])] if interval else [])


def time_in_process(out: Path, num: int, interval) -> tuple:
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        rc = eval_main(eval_args(out, num, interval))
    seconds = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"evaluation failed (exit {rc})")
    return seconds, json.loads(buf.getvalue())


def time_subprocess(out: Path, num: int, interval) -> float:
    cmd = [sys.executable, str(REPO / "tools" / "eval.py")] + eval_args(out, num, interval)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(out))
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"tools/eval.py failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def traj_speedup(out: Path) -> tuple:
    """Time vot_overlap_traj vs a per-frame vot_overlap loop over tracker sim00's trajectories (bound (W, H))."""
    ds = DatasetFactory.create_dataset(name="VOT2018", dataset_root=str(out / "testing_dataset" / "VOT2018"))
    work = [(video.load_tracker(str(out / "results" / "VOT2018"), "sim00", False)[0], video.gt_traj,
             (video.width, video.height)) for video in ds]
    t0 = time.perf_counter()
    fast = [vot_overlap_traj(p, g, b) for p, g, b in work]
    t_traj = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = [[vot_overlap(a, c, b) for a, c in zip(p, g)] for p, g, b in work]
    t_loop = time.perf_counter() - t0
    same = all(np.array_equal(np.asarray(f, float), np.asarray(s, float), equal_nan=True) for f, s in zip(fast, slow))
    return t_loop / t_traj, t_traj, t_loop, same


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny size (3 videos, 3 trackers)")
    p.add_argument("--num", type=int, default=1, help="worker processes for the evaluation (default 1)")
    p.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temp folder)")
    args = p.parse_args(argv)
    n_videos, total, n_trackers = (3, 360, 3) if args.smoke else (60, VOT2018_FRAMES, 10)
    interval = (1, 100) if args.smoke else None  # full run: VOT2018's own 100..356

    with contextlib.ExitStack() as stack:
        if args.keep:
            out = Path(args.keep)
            out.mkdir(parents=True, exist_ok=True)
        else:
            out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_eval_")))
        t0 = time.perf_counter()
        frames = generate(out, n_videos, total, n_trackers)
        print(f"generated {n_videos} videos, {frames} frames, {n_trackers} trackers in "
              f"{time.perf_counter() - t0:.1f}s ({out})", file=sys.stderr)
        seconds, result = time_in_process(out, args.num, interval)
        assert sorted(result) == [f"sim{t:02d}" for t in range(n_trackers)], sorted(result)
        for name, row in result.items():
            print(f"  {name}: A {row['accuracy']:.3f}  R {row['robustness']:.3f}  lost {row['lost_number']:.0f}  "
                  f"EAO {row['eao']['all']:.3f}", file=sys.stderr)
        seconds_sub = time_subprocess(out, args.num, interval)
        speedup, t_traj, t_loop, same = traj_speedup(out)
        if not same:
            raise SystemExit("vot_overlap_traj and the per-frame vot_overlap loop disagree")
    print(f"A/R + EAO (6 tags), {n_trackers} trackers, {frames} frames: in-process {seconds:.2f}s, "
          f"subprocess {seconds_sub:.2f}s; vot_overlap_traj {t_traj:.2f}s vs loop {t_loop:.2f}s "
          f"(x{speedup:.1f})")
    print(json.dumps({"seconds": round(seconds, 3), "seconds_subprocess": round(seconds_sub, 3),
                      "traj_speedup": round(speedup, 2), "trackers": n_trackers, "frames": frames}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
