"""Real-time tracking on a CPU: speed, FLOPs and accuracy of the shipped models and OpenCV's NanoTrack, measured
on the same frames in the same run.

    .venv/bin/python benchmarks/bench_tracker.py                  # the 6 eval sequences of ../shared/data
    .venv/bin/python benchmarks/bench_tracker.py --variants       # + the fast model's template-update variants
    .venv/bin/python benchmarks/bench_tracker.py --smoke          # a few seconds (2 generated videos + 10 frames)

Trackers (``--only`` picks some):

* ``alexnet_s2``: the reference model ``models/s2siamfc_alexnet.pth`` (S2SiamFC, alexnet_s2) with its stored
  defaults (torch fast path, linear template update);
* ``fast``: ``models/s2siamfc_fast.pth`` (alexnet_lite) with its stored defaults, torch;
* ``fast_int8``: its shipped int8 export ``models/s2siamfc_fast_int8.onnx`` (or, with --fast_snapshot, that
  file quantized here, calibrated on --calib) and ``fast_onnx``: the fp32 export (made once into --cache-dir),
  both run by the torch-free ``siamfc_onnx`` engine;
* ``nanotrack``: ``cv2.TrackerNano`` with the NanoTrack v2 ONNX files of ../shared/peers/nanotrack (skipped, with a
  message, when the folder or cv2.TrackerNano is missing);
* with ``--variants``: for ``fast`` and ``fast_int8``, ``<runtime>_update_crop`` (a second 127x127 forward per
  frame), ``_update_search`` (the new exemplar's features cut from the search features), ``_update_every5`` (a
  crop forward every 5th frame) and ``_no_update``, so the update trade-off is measured on the same frames.

Every tracker tracks the same decoded frames, one video after the other, each in one go (see ``run``).
Threads: torch, ONNX Runtime and OpenCV all get ``--threads`` (2). fps = tracked frames / summed ``track()`` time
(init and image decoding excluded: frames are decoded into memory first). Accuracy: one-pass success AUC as the
toolkit computes it (pysot's OPE: mean over videos of the success rate at IoU > 0, 0.05, ..., 1; polygons scored
by their bounding box; init box by toolkit.utils.bbox.init_box). GFLOPs per tracked frame (2 x multiply-adds): the
search forward of every scale + the correlation + the update's forward, if any, divided by UPDATE_EVERY --
counted by ``torch.utils.flop_counter`` for torch models and from the graph (convolutions and matrix products,
shapes by ONNX shape inference) for ONNX files; NanoTrack: its backbone on the 255x255 search + its head (the
template is embedded once).

The last stdout line is one JSON object: ``fps_<name>``, ``auc_<name>``, ``gflops_<name>`` for each tracker, plus
``ratio_fps_<name>_vs_nanotrack`` when NanoTrack ran, and ``iou_fast_int8_vs_fast_onnx`` (per sequence, the
mean IoU between the int8 and the fp32 ONNX boxes).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import cv2
import numpy as np
import onnx
import torch
from onnx import shape_inference
from torch.utils.flop_counter import FlopCounterMode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.quality import EVAL_SEQUENCES  # noqa: E402  (the fixed eval split of ../shared/data)
from pysot_ss.api import load_tracker, zoo_snapshot  # noqa: E402
from toolkit.datasets import DatasetFactory  # noqa: E402
from toolkit.evaluation.ope_benchmark import boxes_to_xywh  # noqa: E402
from toolkit.synthetic import generate_benchmark  # noqa: E402
from toolkit.utils.bbox import init_box  # noqa: E402
from toolkit.utils.statistics import overlap_ratio, success_overlap  # noqa: E402

# --variants: the template update's trade-offs, for the torch and the int8 runtime of the fast model
VARIANTS = {
    "update_crop": ["TRACK.LINEAR_UPDATE", "True", "TRACK.UPDATE_SOURCE", "crop", "TRACK.UPDATE_EVERY", "1"],
    "update_search": ["TRACK.LINEAR_UPDATE", "True", "TRACK.UPDATE_SOURCE", "search", "TRACK.UPDATE_EVERY", "1"],
    "update_every5": ["TRACK.LINEAR_UPDATE", "True", "TRACK.UPDATE_SOURCE", "crop", "TRACK.UPDATE_EVERY", "5"],
    "no_update": ["TRACK.LINEAR_UPDATE", "False"],
}
# runtimes compared box for box (mean IoU per sequence): int8 against fp32
AGREEMENT = (("fast_int8", "fast_onnx"),)


def shared_root() -> Path:
    env = os.environ.get("PYSOT_SS_SHARED")
    return Path(env) if env else REPO.parent / "shared"


# ---------------------------------------------------------------------------------------------- videos
def load_videos(root: Path, names=None, max_frames: int = 0):
    """[(name, [decoded BGR frames], [gt rows])] of a folder of sequences (custom dataset), decoded up front."""
    ds = DatasetFactory.create_dataset(name="custom:bench", dataset_root=str(root))
    out = []
    for v in ds:
        if names is not None and v.name not in names:
            continue
        paths = list(v.img_names)[:max_frames or None]
        frames = []
        for p in paths:
            img = cv2.imread(p, cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"cannot read frame {p}")
            frames.append(img)
        out.append((v.name, frames, [list(g) for g in v.gt_traj][:len(frames)]))
    return out


# ---------------------------------------------------------------------------------------------- FLOPs
def frame_gflops(tracker) -> float:
    """GFLOPs of one tracked frame of a SiamFC tracker (torch or ONNX engine, after init): the scales' search
    forward + the correlation, plus the template update's exemplar forward (UPDATE_SOURCE 'crop') spread over
    UPDATE_EVERY frames. torch models are counted by torch's FlopCounterMode, ONNX files from their graph."""
    t = tracker.cfg.TRACK
    n, s, e = int(t.SCALE_NUM), int(t.INSTANCE_SIZE), int(t.EXEMPLAR_SIZE)
    model = getattr(tracker, "model", None)
    if model is not None:
        with torch.no_grad(), FlopCounterMode(display=False) as search:
            model.embed(torch.zeros(n, 3, s, s))
        with torch.no_grad(), FlopCounterMode(display=False) as exemplar:
            model.embed(torch.zeros(1, 3, e, e))
        search, exemplar = search.get_total_flops() / 1e9, exemplar.get_total_flops() / 1e9
    else:
        name = tracker.input_name
        search = onnx_gflops(tracker.onnx_path, {name: [n, 3, s, s]})
        exemplar = onnx_gflops(tracker.onnx_path, {name: [1, 3, e, e]})
    _, c, h, w = tracker.zf.shape
    out = (s - e) // int(tracker.hp.stride) + 1
    corr = 2 * n * c * h * w * out * out / 1e9
    update = exemplar / int(t.UPDATE_EVERY) if t.LINEAR_UPDATE and str(t.UPDATE_SOURCE) == "crop" else 0.0
    return search + corr + update


def onnx_gflops(path, input_shapes: Dict[str, List[int]]) -> float:
    """2 x multiply-adds of every Conv / Gemm / MatMul of an ONNX graph, with the inputs fixed to `input_shapes`."""
    m = onnx.load(str(path))
    for inp in m.graph.input:
        if inp.name in input_shapes:
            dims = inp.type.tensor_type.shape.dim
            for d, v in zip(dims, input_shapes[inp.name]):
                d.ClearField("dim_param")
                d.dim_value = int(v)
    m = shape_inference.infer_shapes(m)
    shapes = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
              for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
    shapes.update({init.name: list(init.dims) for init in m.graph.initializer})
    total = 0
    for node in m.graph.node:
        if node.op_type == "Conv":
            w = shapes[node.input[1]]  # (Cout, Cin/g, kh, kw)
            out = shapes[node.output[0]]  # (N, Cout, H, W)
            total += 2 * int(np.prod(out)) * int(np.prod(w[1:]))
        elif node.op_type in ("Gemm", "MatMul"):
            a, out = shapes[node.input[0]], shapes[node.output[0]]
            total += 2 * int(np.prod(out)) * int(a[-1])
    return total / 1e9


# ---------------------------------------------------------------------------------------------- trackers
class NanoTrack:
    """cv2.TrackerNano behind the init/track interface (OpenCV wants whole-pixel rectangles)."""

    def __init__(self, folder: Path):
        self.params, self.tracker = cv2.TrackerNano_Params(), None
        self.params.backbone = str(folder / "nanotrack_backbone_sim.onnx")
        self.params.neckhead = str(folder / "nanotrack_head_sim.onnx")

    def init(self, img, box):
        x, y, w, h = box
        self.tracker = cv2.TrackerNano_create(self.params)
        self.tracker.init(img, (int(round(x)), int(round(y)), max(1, int(round(w))), max(1, int(round(h)))))

    def track(self, img):
        ok, b = self.tracker.update(img)
        return {"bbox": [float(v) for v in b], "best_score": float(self.tracker.getTrackingScore())}


def export_fast(snapshot: Path, cache: Path, calib: Optional[Path], int8: bool) -> Optional[Path]:
    """The ONNX export (fp32, or int8 calibrated on `calib`) of `snapshot`, made once into `cache`."""
    digest = hashlib.sha256(snapshot.read_bytes()).hexdigest()[:12]
    out = cache / f"{snapshot.stem}_{digest}_{'int8' if int8 else 'fp32'}.onnx"
    if out.is_file():
        return out
    cmd = [sys.executable, str(REPO / "tools" / "export_onnx.py"), "--snapshot", str(snapshot), "--out", str(out)]
    if int8:
        cmd += ["--int8", "--calib", str(calib), "--calib_images", "200"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"export failed: {' '.join(cmd)}\n{r.stderr}")
    return out


def build_entries(args) -> Dict[str, Callable[[], object]]:
    """name -> factory of a fresh tracker (called once per video)."""
    threads = ["TRACK.NUM_THREADS", str(args.threads)]
    fast = Path(args.fast_snapshot) if args.fast_snapshot else zoo_snapshot("s2siamfc_fast_torch")
    ref = Path(args.ref_snapshot) if args.ref_snapshot else zoo_snapshot("s2siamfc_alexnet")
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    entries: Dict[str, Callable[[], object]] = {
        "alexnet_s2": lambda: load_tracker(None, ref, opts=threads),
        "fast": lambda: load_tracker(None, fast, opts=threads),
    }
    fp32 = export_fast(fast, cache, None, int8=False)
    entries["fast_onnx"] = lambda: load_tracker(None, fp32, opts=threads)
    calib = Path(args.calib) if args.calib else shared_root() / "data" / "unlabeled"
    int8 = (zoo_snapshot("s2siamfc_fast") if not args.fast_snapshot  # the shipped int8 export
            else export_fast(fast, cache, calib, int8=True) if calib.is_dir() else None)
    if int8 is None:
        print(f"(fast_int8 skipped: no calibration images at {calib} to quantize --fast_snapshot; pass --calib DIR)")
    else:
        entries["fast_int8"] = lambda: load_tracker(None, int8, opts=threads)
    for base, path in (("fast", fast), ("fast_int8", int8)) if args.variants else ():
        for name, opts in VARIANTS.items():
            if path:
                entries[f"{base}_{name}"] = (lambda p, o: lambda: load_tracker(None, p, opts=threads + o))(path, opts)
    nano = shared_root() / "peers" / "nanotrack"
    if not hasattr(cv2, "TrackerNano_create"):
        print("(nanotrack skipped: this OpenCV has no cv2.TrackerNano)")
    elif not (nano / "nanotrack_backbone_sim.onnx").is_file():
        print(f"(nanotrack skipped: no NanoTrack ONNX files in {nano})")
    else:
        entries["nanotrack"] = lambda: NanoTrack(nano)
    if args.only:
        keep = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in keep if n not in entries]
        if unknown:
            raise SystemExit(f"--only: unknown or unavailable tracker(s) {unknown}; available: {sorted(entries)}")
        entries = {n: entries[n] for n in keep}
    return entries


def gflops_of(name: str, tracker) -> float:
    if name == "nanotrack":
        folder = Path(tracker.params.backbone).parent
        return (onnx_gflops(folder / "nanotrack_backbone_sim.onnx", {"input": [1, 3, 255, 255]})
                + onnx_gflops(folder / "nanotrack_head_sim.onnx", {}))
    return frame_gflops(getattr(tracker, "tracker", tracker))


# ---------------------------------------------------------------------------------------------- run
def run(videos, entries, warmup: int = 3):
    """Track every video with every tracker: per video, each tracker runs through all its frames in one go (the
    order of the trackers rotates from video to video), as it would in use. Interleaving the trackers frame by
    frame was tried and is unfair across runtimes: torch's OpenMP threads and ONNX Runtime's pool spin-wait for a
    while after each call, and the next runtime's threads then compete with them (NanoTrack measured 93 fps that
    way against ~330 fps alone)."""
    names = list(entries)
    times, curves = {n: [] for n in names}, {n: [] for n in names}
    agreement = {f"{a}_vs_{b}": {} for a, b in AGREEMENT if a in names and b in names}
    gflops: Dict[str, float] = {}
    for v, (vname, frames, gts) in enumerate(videos):
        boxes = {n: [] for n in names}
        box0 = init_box(gts[0])
        k = v % len(names)
        for n in names[k:] + names[:k]:
            tracker = entries[n]()
            tracker.init(frames[0], box0)
            boxes[n].append(box0)
            if n not in gflops:
                gflops[n] = gflops_of(n, tracker)
            for i, img in enumerate(frames[1:], 1):
                t0 = time.perf_counter()
                out = tracker.track(img)
                dt = time.perf_counter() - t0
                if i > warmup:  # the first calls build kernels (oneDNN, ORT)
                    times[n].append(dt)
                boxes[n].append(list(out["bbox"]) if isinstance(out, dict) else list(out[0]))
        gt = boxes_to_xywh(gts, vname)
        for a, b in AGREEMENT:
            if a in names and b in names:
                agreement[f"{a}_vs_{b}"][vname] = round(float(np.mean(overlap_ratio(
                    boxes_to_xywh(boxes[a][1:], a), boxes_to_xywh(boxes[b][1:], b)))), 4)
        for n in names:
            curves[n].append(success_overlap(gt, boxes_to_xywh(boxes[n], n), len(gt)))
        auc = "  ".join(f"{n} {curves[n][-1].mean():.3f}" for n in names)
        print(f"  {vname:<14} {len(frames):4d} frames  AUC {auc}", flush=True)
    return times, curves, gflops, agreement


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated tracker names (default: all available)")
    ap.add_argument("--variants", action="store_true", help="add the fast model's template-update variants")
    ap.add_argument("--fast_snapshot", help="fast model .pth (default: the zoo's models/s2siamfc_fast.pth and its "
                                            "shipped int8 export)")
    ap.add_argument("--ref_snapshot", help="reference model (default: the zoo's models/s2siamfc_alexnet.pth)")
    ap.add_argument("--calib", help="with --fast_snapshot: int8 calibration images (default: ../shared/data/unlabeled)")
    ap.add_argument("--threads", type=int, default=2, help="threads for torch, ONNX Runtime and OpenCV")
    ap.add_argument("--max-frames", type=int, default=0, help="frames per video (0 = all)")
    ap.add_argument("--cache-dir", default=os.environ.get("PYSOT_SS_CACHE", str(Path.home() / ".cache" / "pysot-ss")))
    ap.add_argument("--smoke", action="store_true", help="2 generated videos of 8 frames + 10 frames of one real one")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    seq_root = shared_root() / "data" / "sequences"
    if args.smoke:
        with tempfile.TemporaryDirectory() as tmp:
            roots = generate_benchmark(Path(tmp) / "synthetic", seed=0, num_videos=2, num_frames=8, layouts=("otb",))
            videos = load_videos(Path(roots["otb"]))
        if seq_root.is_dir():
            videos += load_videos(seq_root, names=("Deer",), max_frames=10)
    else:
        if not seq_root.is_dir():
            raise SystemExit(f"no shared sequences at {seq_root} (set PYSOT_SS_SHARED, or use --smoke)")
        videos = load_videos(seq_root, names=EVAL_SEQUENCES, max_frames=args.max_frames)
    entries = build_entries(args)
    print(f"{len(videos)} videos, {sum(len(f) for _, f, _ in videos)} frames; trackers: {', '.join(entries)}; "
          f"threads {args.threads}", flush=True)
    times, curves, gflops, agreement = run(videos, entries, warmup=0 if args.smoke else 3)
    summary = {}
    for n in entries:
        fps = len(times[n]) / max(sum(times[n]), 1e-12)
        auc = float(np.mean([c.mean() for c in curves[n]]))
        summary.update({f"fps_{n}": round(fps, 2), f"auc_{n}": round(auc, 4), f"gflops_{n}": round(gflops[n], 3)})
        ms = 1000 * float(np.median(times[n])) if times[n] else float("nan")
        print(f"{n:<24} {fps:7.1f} fps (median {ms:.2f} ms/frame)  AUC {auc:.3f}  "
              f"GFLOPs/frame {summary[f'gflops_{n}']}")
    summary.update({f"ratio_fps_{n}_vs_nanotrack": round(summary[f"fps_{n}"] / max(summary["fps_nanotrack"], 1e-12), 3)
                    for n in entries if n != "nanotrack" and "nanotrack" in entries})
    for key, per_video in agreement.items():
        print(f"box agreement {key} (mean IoU per sequence): {per_video}")
        summary[f"iou_{key}"] = per_video
    summary.update({"videos": len(videos), "frames_timed": {n: len(times[n]) for n in entries},
                    "threads": args.threads, "torch": torch.__version__, "opencv": cv2.__version__})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
