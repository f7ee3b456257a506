"""The study's data: the fixed train/eval split of the shared real sequences (or the synthetic fallback), the
evaluation dataset handed to tools/test.py and tools/eval.py, and the EAO interval.

The evaluation dataset is a pysot description JSON ``<work>/data/<NAME>/<NAME>.json`` listing only the eval
sequences (absolute frame paths into the shared folder, read in place; nothing is copied), cut to the first
`max_frames` frames in smoke runs. tools/test.py and tools/eval.py read it as a custom dataset.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks.quality.common import REPO, atomic_write_json, display_path

# MANIFEST.md of the shared data: the fixed split
TRAIN_SEQUENCES = ("Human3", "wakeboard7", "boat1", "MotorRolling", "car1")
EVAL_SEQUENCES = ("bag", "Crossing", "Girl", "ball1", "Deer", "MountainBike")
EVAL_DATASET = "QualityEval"  # a custom dataset name (matches no registered benchmark)
COPY_FILE = "COPY.json"       # written by benchmarks/quality/copy_data.py at the top of a size-capped copy


@dataclass
class StudyData:
    kind: str                       # "shared" or "synthetic"
    seq_root: Path                  # folder of sequence folders (train and eval)
    train_videos: List[str]
    eval_videos: List[str]
    unlabeled_root: Path
    unlabeled_subdirs: List[str]    # [] = the whole folder
    frame_step: int
    thinned: int = 1                # the train sequences hold every `thinned`-th frame only (a copy_data copy)
    copy: Optional[dict] = None     # COPY.json of such a copy
    eval_root: Path = None          # folder holding <EVAL_DATASET>.json
    eval_lengths: Dict[str, int] = field(default_factory=dict)
    full_lengths: Dict[str, int] = field(default_factory=dict)
    eao_interval: Tuple[int, int] = (1, 1)
    eao_info: dict = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)

    @property
    def train_subdirs(self) -> List[str]:
        return [f"{v}/img" for v in self.train_videos]

    def describe(self) -> dict:
        return {"kind": self.kind, "sequences": display_path(self.seq_root), "train": self.train_videos,
                "eval": self.eval_videos, "unlabeled": display_path(self.unlabeled_root),
                "unlabeled_subdirs": self.unlabeled_subdirs, "frame_step": self.frame_step,
                "eval_dataset": display_path(self.eval_root / f"{EVAL_DATASET}.json"),
                "eval_lengths": self.eval_lengths, "full_lengths": self.full_lengths,
                "eao_interval": list(self.eao_interval), "eao_interval_rule": self.eao_info, "notes": self.notes,
                "copy": self.copy}

    @property
    def source_step(self) -> int:
        """FRAME_STEP handed to the readers: the study's frame step over what the folders already thinned."""
        return self.frame_step // self.thinned


def find_shared(arg: Optional[str]) -> Optional[Path]:
    """The shared data folder: --shared, else $PYSOT_SS_SHARED/data, else ../shared/data beside the repository.
    None when it has no sequences/ folder (the study then falls back to synthetic data)."""
    if arg:
        cands = [Path(arg), Path(arg) / "data"]
    elif os.environ.get("PYSOT_SS_SHARED"):
        cands = [Path(os.environ["PYSOT_SS_SHARED"]) / "data"]
    else:
        cands = [REPO.parent / "shared" / "data"]
    for c in cands:
        if (c / "sequences").is_dir():
            return c
    return None


def shared_data(shared: Path, frame_step: int, smoke: bool) -> StudyData:
    seq = shared / "sequences"
    missing = [v for v in TRAIN_SEQUENCES + EVAL_SEQUENCES if not (seq / v).is_dir()]
    if missing:
        raise SystemExit(f"quality.py: {seq} lacks the sequence folder(s) {', '.join(missing)} (see MANIFEST.md)")
    unl = shared / "unlabeled"
    if not unl.is_dir():
        raise SystemExit(f"quality.py: {unl} not found")
    # smoke: a few unlabeled images only (clustering reads every image of the sources)
    d = StudyData("shared", seq, list(TRAIN_SEQUENCES), list(EVAL_SEQUENCES), unl,
                  ["misc_natural"] if smoke else [], frame_step)
    info = read_copy_info(shared)
    if info is not None:
        k = int(info["train_frame_step"])
        if frame_step % k:
            raise SystemExit(f"quality.py: {shared / COPY_FILE}: this copy holds every {k}th train frame only; "
                             f"--frame_step must be a multiple of {k}, got {frame_step}")
        d.thinned, d.copy = k, info
        u = info["unlabeled"]
        d.notes.append(f"data: a size-capped copy of the shared data ({display_path(shared)}, made by "
                       f"benchmarks/quality/copy_data.py from {info['source']}): eval sequences byte-identical, "
                       f"train sequences pre-thinned to every {k}th frame (byte-identical), unlabeled/ re-encoded "
                       f"with the longer side <= {u['max_side']} px at JPEG quality {u['jpeg_quality']} "
                       f"(originals: <= 512 px, quality 85)")
    return d


def read_copy_info(root: Path) -> Optional[dict]:
    """COPY.json of a benchmarks/quality/copy_data.py copy, or None for an original shared folder."""
    p = Path(root) / COPY_FILE
    if not p.is_file():
        return None
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def synthetic_data(work: Path, frame_step: int, smoke: bool) -> StudyData:
    """The synthetic benchmark of toolkit.datasets.synthetic in the OTB layout, split in halves (train / eval),
    plus generated unlabeled images. Generation is skipped when the folders already match."""
    from toolkit.datasets.synthetic import generate_benchmark, generate_unlabeled_images

    n_videos, n_frames, n_unl = (4, 12, 12) if smoke else (10, 60, 200)
    roots = generate_benchmark(work / "synthetic", seed=0, num_videos=n_videos, num_frames=n_frames,
                               layouts=("otb",))
    seq = Path(roots["otb"])
    names = sorted(p.name for p in seq.iterdir() if (p / "groundtruth_rect.txt").is_file())
    half = len(names) // 2
    unl = generate_unlabeled_images(work / "synthetic" / "unlabeled", n=n_unl, seed=0)
    d = StudyData("synthetic", seq, names[:half], names[half:], Path(unl), [], frame_step)
    d.notes.append("shared data not found: synthetic benchmark (toolkit.datasets.synthetic) used instead; "
                   "its numbers say nothing about real tracking quality")
    return d


def prepare_eval_dataset(d: StudyData, work: Path, max_videos: int = 0, max_frames: int = 0) -> None:
    """Write the evaluation dataset JSON (eval videos only; the `max_videos` shortest and the first `max_frames`
    frames when > 0) and derive the EAO interval from its sequence lengths."""
    from toolkit.datasets import DatasetFactory

    ds = DatasetFactory.create_dataset(name="QualitySource", dataset_root=str(d.seq_root), videos=d.eval_videos)
    videos = {v.name: v for v in ds}
    d.full_lengths = {name: len(videos[name].gt_traj) for name in d.eval_videos}
    names = list(d.eval_videos)
    if max_videos > 0:
        names = sorted(names, key=lambda n: (d.full_lengths[n], n))[:max_videos]
        d.eval_videos = sorted(names, key=d.eval_videos.index)
    desc = {}
    for name in d.eval_videos:
        v = videos[name]
        n = min(len(v.gt_traj), max_frames) if max_frames > 0 else len(v.gt_traj)
        gt = [[float(x) for x in box] for box in v.gt_traj[:n]]
        desc[name] = {"video_dir": name, "init_rect": gt[0], "attr": [],
                      "img_names": [os.path.abspath(p) for p in v.img_names[:n]], "gt_rect": gt}
    d.eval_lengths = {name: len(desc[name]["gt_rect"]) for name in d.eval_videos}
    d.eval_root = work / "data" / EVAL_DATASET
    atomic_write_json(d.eval_root / f"{EVAL_DATASET}.json", desc)
    lo, hi, info = eao_interval_from_lengths(list(d.eval_lengths.values()))
    d.eao_interval, d.eao_info = (lo, hi), info
    if max_frames > 0 or max_videos > 0:
        d.notes.append(f"smoke evaluation: {len(d.eval_videos)} video(s), first {max_frames or 'all'} frames each")


def eao_interval_from_lengths(lengths: Sequence[int], mass: float = 0.5) -> Tuple[int, int, dict]:
    """VOT's rule for the EAO interval [low, high] (VOT2015 onwards): a Gaussian kernel density estimate of the
    sequence-length distribution, and the range around its mode that holds `mass` (one half) of the probability.

    Bandwidth: Silverman's rule 0.9 * min(std, IQR / 1.34) * n^(-1/5), at least 1 frame. The density is evaluated
    on the integer lengths 1 .. max + 4 bandwidths and normalised there; starting at the mode, the interval grows
    one length at a time toward the denser neighbour until it holds `mass`. Returns (low, high, details)."""
    x = np.asarray([int(v) for v in lengths], dtype=np.float64)
    if x.size == 0 or np.any(x < 1):
        raise ValueError(f"sequence lengths must be positive integers, got {list(lengths)}")
    n = x.size
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    iqr = float(np.subtract(*np.percentile(x, [75, 25])))
    spread = min(std, iqr / 1.34) if iqr > 0 else std
    h = max(1.0, 0.9 * spread * n ** -0.2)
    grid = np.arange(1, int(math.ceil(x.max() + 4 * h)) + 1, dtype=np.float64)
    dens = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / h) ** 2).sum(axis=1)
    dens /= dens.sum()
    mode = int(np.argmax(dens))
    lo = hi = mode
    acc = float(dens[mode])
    while acc < mass - 1e-12 and (lo > 0 or hi < len(grid) - 1):
        left = dens[lo - 1] if lo > 0 else -1.0
        right = dens[hi + 1] if hi < len(grid) - 1 else -1.0
        if left >= right:
            lo -= 1
            acc += float(dens[lo])
        else:
            hi += 1
            acc += float(dens[hi])
    low, high = int(grid[lo]), int(grid[hi])
    info = {"rule": "VOT: KDE of the sequence lengths, the range around the mode holding half of the mass",
            "lengths": [int(v) for v in x], "bandwidth": round(h, 3), "mode": int(grid[mode]),
            "mass": round(acc, 4)}
    return low, high, info


def count_images(config: str, opts: Sequence[str]) -> int:
    """Number of training items the config + overrides give (the trainer's own source code counts them)."""
    from pysot_ss.core.config import load_cfg
    from pysot_ss.datasets import build_sources

    cwd = os.getcwd()
    os.chdir(REPO)  # relative ROOTs are relative to the repository root, as for the tools
    try:
        return sum(len(s) for s in build_sources(load_cfg(config, list(opts))))
    finally:
        os.chdir(cwd)
