#!/usr/bin/env python
"""Quality study: S2SiamFC (self-supervised) vs supervised SiamFC vs OpenCV KCF/CSRT, with the paper's ablations.

    python benchmarks/quality.py --smoke --out /tmp/q                 # every row, tiny sizes (tests run this)
    python benchmarks/quality.py                                      # the CPU study (10 epochs x 800 pairs, 3 seeds)
    python benchmarks/quality.py --device cuda --epochs 50 --pairs_per_epoch 3862 --workers 8 --jobs 4
    python benchmarks/quality.py --rows main,baseline --seeds 3       # a subset of the rows (ROWS below)

Top to bottom (docs/study.md: several machines, resuming): (1) the data: the fixed split of ../shared/data
(MANIFEST.md), or the synthetic benchmark (--synthetic, or when that is absent); (2) the tools/*.py commands, in the
order they run; (3) running them; (4) the report (benchmarks/quality_report.py), raw numbers in <work>/results.json.
Everything lives in <out>/<data>_k<step>_e<epochs>_p<pairs>_b<batch>[...]/ (train/, results/, eval/, logs/).
The last stdout line is a JSON summary; exit status 1 when a command failed (the report is still written).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: `benchmarks.*`, `pysot_ss`, `toolkit` from this checkout

from benchmarks.quality_report import check_claims, render_markdown, row_numbers  # noqa: E402
from pysot_ss.core.config import load_cfg  # noqa: E402
from pysot_ss.datasets import build_sources  # noqa: E402
from toolkit.datasets import DatasetFactory  # noqa: E402
from sotbase.atomic import atomic_write_text  # noqa: E402
from toolkit.synthetic import generate_benchmark, generate_unlabeled_images  # noqa: E402

# MANIFEST.md of the shared data: the fixed split
TRAIN_SEQUENCES = ("Human3", "wakeboard7", "boat1", "MotorRolling", "car1")
EVAL_SEQUENCES = ("bag", "Crossing", "Girl", "ball1", "Deer", "MountainBike")
EVAL_NAME = "QualityEval"
EVAL_DATASET = "custom:" + EVAL_NAME  # a folder of our own sequences
COPY_FILE = "COPY.json"       # written by benchmarks/quality_copy.py at the top of a size-capped copy
SUPERVISED_CFG = "experiments/s2siamfc/siamfc_supervised.yaml"
STUDY = "experiments/study"
IMAGES_PER_CLUSTER = 39       # the paper: 3862 VID snippets, K = 100
PROTOCOLS = ("ope", "reset")

# (id, label, group, seeded: over every seed (else the first only), training, tracking)
ROWS = [
    ("siamfc_supervised", "SiamFC, supervised (train boxes)", "main", True,
     "train sequences, SiamFC frame pairs with boxes", "no update, no fine-tuning"),
    ("s2siamfc", "S2SiamFC", "main", True, "train frames, no boxes; stage 1 -> K-means -> stage 2",
     "no update, no fine-tuning"),
    ("s2siamfc_lu", "S2SiamFC + linear update", "main", True, "as S2SiamFC", "linear template update"),
    ("s2siamfc_ft", "S2SiamFC + one-image fine-tuning", "main", True, "as S2SiamFC", "fine-tuning on the first frame"),
    ("s2siamfc_lu_ft", "S2SiamFC + update + fine-tuning", "main", True, "as S2SiamFC", "linear update and fine-tuning"),
    ("s2siamfc_more", "S2SiamFC, train frames + unlabeled/", "more", False,
     "train frames + unlabeled/ images, no boxes; both stages", "no update, no fine-tuning"),
    ("s2siamfc_more_lu", "S2SiamFC, train frames + unlabeled/, + update", "more", False, "as the row above",
     "linear template update"),
    ("abl_ss", "SS", "ablation", False, "single-image pairs, plain loss", "no update"),
    ("abl_ss_ac", "SS + AC", "ablation", False, "+ anti-clutter weighting", "no update"),
    ("abl_ss_ac_hn", "SS + AC + HN", "ablation", False, "+ K-means hard negatives (stage-1 clusters)", "no update"),
    ("abl_ss_ac_am", "SS + AC + AM", "ablation", False,
     "+ 2 adversarial masks (= the stage-1 model of the full method)",
     "no update"),
    ("abl_all", "all (SS + AC + AM + HN)", "ablation", False, "the full method (= S2SiamFC, first seed)", "no update"),
    ("kcf", "OpenCV KCF", "baseline", False, "-", "opencv_kcf, KCF_DETECT_THRESH 0 (classic KCF)"),
    ("csrt", "OpenCV CSRT", "baseline", False, "-", "opencv_csrt"),
]
ROW_IDS = [r[0] for r in ROWS]
GROUPS = ("main", "more", "ablation", "baseline")

# --smoke: every row, tiny sizes; the *_iters..threads overrides are 0 (= the configs' values) in a real study
SMOKE = dict(epochs=1, pairs_per_epoch=2, batch_size=2, workers=0, seeds=1, eval_videos=2, eval_frames=20,
             finetune_iters=1, finetune_batch=2, scale_num=1, cluster_image_size=127, threads=1, jobs=2)
DEFAULTS = dict(epochs=10, pairs_per_epoch=800, batch_size=8, workers=2, seeds=3, eval_videos=0, eval_frames=0,
                finetune_iters=0, finetune_batch=0, scale_num=0, cluster_image_size=0, threads=0, jobs=1)


class StudyError(Exception):
    """A bad argument or data folder; main() prints it and exits with status 2."""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def display_path(path) -> str:
    """A path as written into commands (run from the repository root): relative when inside or beside the
    repository (``runs/quality``, ``../shared/data``), else absolute."""
    p = Path(os.path.abspath(path))
    for base, prefix in ((REPO, ""), (REPO.parent, "..")):
        if p == base or base in p.parents:
            rel = str(p.relative_to(base)) if p != base else ""
            return os.path.join(prefix, rel) if prefix else (rel or ".")
    return str(p)


def write_json(path, obj) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def read_json(path, default=None):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


# ---------------------------------------------------------------------------------------------------- 1. data
@dataclass
class StudyData:
    kind: str                      # "shared" or "synthetic"
    seq_root: Path                 # folder of sequence folders (train and eval)
    train_videos: List[str]
    eval_videos: List[str]
    unlabeled_root: Path
    unlabeled_subdirs: List[str]   # [] = the whole folder
    frame_step: int
    thinned: int = 1               # the train folders hold every `thinned`-th frame only (a quality_copy.py copy)
    copy: Optional[dict] = None    # COPY.json of such a copy
    notes: List[str] = field(default_factory=list)
    eval_root: Optional[Path] = None   # set by prepare_eval_dataset
    eval_lengths: Dict[str, int] = field(default_factory=dict)
    eao_interval: Tuple[int, int] = (1, 1)
    eao_info: dict = field(default_factory=dict)

    @property
    def source_step(self) -> int:
        """FRAME_STEP handed to the readers: the study's frame step over what the folders already thinned."""
        return self.frame_step // self.thinned


def find_shared(arg: Optional[str]) -> Optional[Path]:
    """--shared (or its data/), else $PYSOT_SS_SHARED/data, else ../shared/data; None without sequences/."""
    if arg:
        cands = [Path(arg), Path(arg) / "data"]
    elif os.environ.get("PYSOT_SS_SHARED"):
        cands = [Path(os.environ["PYSOT_SS_SHARED"]) / "data"]
    else:
        cands = [REPO.parent / "shared" / "data"]
    return next((c for c in cands if (c / "sequences").is_dir()), None)


def shared_data(shared: Path, frame_step: int, smoke: bool) -> StudyData:
    seq, unl = shared / "sequences", shared / "unlabeled"
    missing = [v for v in TRAIN_SEQUENCES + EVAL_SEQUENCES if not (seq / v).is_dir()]
    if missing:
        raise StudyError(f"{seq} lacks the sequence folder(s) {', '.join(missing)} (see MANIFEST.md)")
    if not unl.is_dir():
        raise StudyError(f"{unl} not found")
    # smoke: a few unlabeled images only (clustering reads every image of the sources)
    d = StudyData("shared", seq, list(TRAIN_SEQUENCES), list(EVAL_SEQUENCES), unl, ["misc_natural"] if smoke else [],
                  frame_step)
    info = read_json(shared / COPY_FILE)
    if info is not None:
        k = int(info["train_frame_step"])
        if frame_step % k:
            raise StudyError(f"{shared / COPY_FILE}: this copy holds every {k}th train frame only; --frame_step "
                             f"must be a multiple of {k}, got {frame_step}")
        d.thinned, d.copy, u = k, info, info["unlabeled"]
        d.notes.append(f"data: a size-capped copy of the shared data ({display_path(shared)}, made by "
                       f"benchmarks/quality_copy.py from {info['source']}): eval sequences byte-identical, train "
                       f"sequences pre-thinned to every {k}th frame (byte-identical), unlabeled/ re-encoded with the "
                       f"longer side <= {u['max_side']} px at JPEG quality {u['jpeg_quality']} (originals: <= 512 px, "
                       f"quality 85)")
    return d


def synthetic_data(work: Path, frame_step: int, smoke: bool) -> StudyData:
    """The synthetic benchmark (OTB layout) split in halves, plus generated unlabeled images (reused when there)."""
    n_videos, n_frames, n_unl = (4, 12, 12) if smoke else (10, 60, 200)
    seq = Path(generate_benchmark(work / "synthetic", seed=0, num_videos=n_videos, num_frames=n_frames,
                                  layouts=("otb",))["otb"])
    names = sorted(p.name for p in seq.iterdir() if (p / "groundtruth_rect.txt").is_file())
    unl = generate_unlabeled_images(work / "synthetic" / "unlabeled", n=n_unl, seed=0)
    d = StudyData("synthetic", seq, names[:len(names) // 2], names[len(names) // 2:], Path(unl), [], frame_step)
    d.notes.append("shared data not found: synthetic benchmark (toolkit.synthetic) used instead; its numbers "
                   "say nothing about real tracking quality")
    return d


def prepare_eval_dataset(d: StudyData, work: Path, max_videos: int = 0, max_frames: int = 0) -> None:
    """Write ``<work>/data/QualityEval/QualityEval.json`` (a pysot description of the eval sequences, frames read in
    place; the `max_videos` shortest and the first `max_frames` frames when > 0) and derive the EAO interval."""
    ds = DatasetFactory.create_dataset(name="custom:QualitySource", dataset_root=str(d.seq_root), videos=d.eval_videos)
    videos = {v.name: v for v in ds}
    if max_videos > 0:
        shortest = sorted(d.eval_videos, key=lambda n: (len(videos[n].gt_traj), n))[:max_videos]
        d.eval_videos = [v for v in d.eval_videos if v in shortest]
    desc = {}
    for name in d.eval_videos:
        v = videos[name]
        n = min(len(v.gt_traj), max_frames) if max_frames > 0 else len(v.gt_traj)
        gt = [[float(x) for x in box] for box in v.gt_traj[:n]]
        desc[name] = {"video_dir": name, "init_rect": gt[0], "attr": [], "gt_rect": gt,
                      "img_names": [os.path.abspath(p) for p in v.img_names[:n]]}
    d.eval_lengths = {name: len(desc[name]["gt_rect"]) for name in d.eval_videos}
    d.eval_root = work / "data" / EVAL_NAME
    write_json(d.eval_root / f"{EVAL_NAME}.json", desc)
    lo, hi, d.eao_info = eao_interval_from_lengths(list(d.eval_lengths.values()))
    d.eao_interval = (lo, hi)
    if max_frames > 0 or max_videos > 0:
        d.notes.append(f"smoke evaluation: {len(d.eval_videos)} video(s), first {max_frames or 'all'} frames each")


def eao_interval_from_lengths(lengths: Sequence[int], mass: float = 0.5) -> Tuple[int, int, dict]:
    """VOT's rule for the EAO interval [low, high] (VOT2015 onwards): a Gaussian kernel density estimate of the
    sequence-length distribution, and the range around its mode that holds `mass` (one half) of the probability.

    Bandwidth: Silverman's rule 0.9 * min(std, IQR / 1.34) * n^(-1/5), at least 1 frame. The density is evaluated
    on the integer lengths 1 .. max + 4 bandwidths and normalised there; starting at the mode, the interval grows
    one length at a time toward the denser neighbour (the left one on a tie) until it holds `mass`."""
    x = np.asarray([int(v) for v in lengths], dtype=np.float64)
    if x.size == 0 or np.any(x < 1):
        raise ValueError(f"sequence lengths must be positive integers, got {list(lengths)}")
    std = float(x.std(ddof=1)) if x.size > 1 else 0.0
    iqr = float(np.subtract(*np.percentile(x, [75, 25])))
    h = max(1.0, 0.9 * (min(std, iqr / 1.34) if iqr > 0 else std) * x.size ** -0.2)
    grid = np.arange(1, int(math.ceil(x.max() + 4 * h)) + 1, dtype=np.float64)
    dens = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / h) ** 2).sum(axis=1)
    dens /= dens.sum()
    lo = hi = mode = int(np.argmax(dens))
    acc = float(dens[mode])
    while acc < mass - 1e-12 and (lo > 0 or hi < len(grid) - 1):
        left = dens[lo - 1] if lo > 0 else -1.0
        right = dens[hi + 1] if hi < len(grid) - 1 else -1.0
        lo, hi = (lo - 1, hi) if left >= right else (lo, hi + 1)
        acc += float(dens[lo] if left >= right else dens[hi])
    info = {"rule": "VOT: KDE of the sequence lengths, the range around the mode holding half of the mass",
            "lengths": [int(v) for v in x], "bandwidth": round(h, 3), "mode": int(grid[mode]), "mass": round(acc, 4)}
    return int(grid[lo]), int(grid[hi]), info


def data_opts(d: StudyData, kind: str) -> List[str]:
    """Config overrides selecting the training data: "supervised" (train frames with boxes), "train" (the same
    frames, no boxes) or "more" (those + unlabeled/)."""
    if kind == "supervised":
        opts = ["DATASET.LABELLED.ROOT", display_path(d.seq_root), "DATASET.LABELLED.VIDEOS", repr(d.train_videos),
                "DATASET.LABELLED.FRAME_STEP", str(d.source_step)]
        if d.thinned > 1:  # pre-thinned folders: frame i there is frame i * thinned of the video
            opts += ["SAMPLER.FRAME_RANGE", str(int(load_cfg(str(REPO / SUPERVISED_CFG)).SAMPLER.FRAME_RANGE)
                                                // d.thinned)]
        return opts
    opts = ["DATASET.TRAINSEQ.ROOT", display_path(d.seq_root),
            "DATASET.TRAINSEQ.SUBDIRS", repr([f"{v}/img" for v in d.train_videos]),
            "DATASET.TRAINSEQ.FRAME_STEP", str(d.source_step)]
    if kind == "more":
        opts = ["DATASET.NAMES", repr(["TRAINSEQ", "UNLABELED"])] + opts + [
            "DATASET.UNLABELED.ROOT", display_path(d.unlabeled_root),
            "DATASET.UNLABELED.SUBDIRS", repr(d.unlabeled_subdirs)]
    return opts


def count_images(d: StudyData, kind: str) -> int:
    """Training items of the study configs with these data options (counted by the trainer's own source code)."""
    cwd = os.getcwd()
    os.chdir(REPO)  # relative ROOTs are relative to the repository root, as for the tools
    try:
        return sum(len(s) for s in build_sources(load_cfg(f"{STUDY}/ss.yaml", data_opts(d, kind))))
    finally:
        os.chdir(cwd)


# ------------------------------------------------------------------------------------------------ 2. commands
@dataclass
class Task:
    id: str                      # train_<run>, cluster_<run>, track_<run>_<protocol>, eval_<run>_<protocol>
    args: List[str]              # tools/<tool>.py and its arguments
    deps: List[str] = field(default_factory=list)
    done: Callable[[], bool] = lambda: False   # its outputs exist: reuse them
    run: str = ""                # "<tracking run>/<protocol>" of track and eval tasks

    @property
    def stage(self) -> str:
        return self.id.split("_", 1)[0]


def plan_tasks(rows: Sequence[str], work: Path, d: StudyData, a, k: Dict[str, int]):
    """The commands of the selected rows, in execution order (a command after the ones it needs), and per row its
    tracking runs and their seeds. Training runs (``<work>/train/<run>/``): ``sup_s<seed>`` (supervised config),
    ``stage1_s<seed>`` (ss_ac_am.yaml, clustered into clusters.json, K = images / 39), ``s2_s<seed>`` (s2siamfc.yaml,
    hard negatives from those clusters), ``more_stage1_s<seed>`` / ``more_s2_s<seed>`` (+ unlabeled/), and the
    ablations ``ss_s<seed>``, ``ss_ac_s<seed>``, ``ss_ac_hn_s<seed>``. Every tracking run is scored on its own."""
    tasks: Dict[str, Task] = {}
    row_runs: Dict[str, List[Tuple[Optional[int], str]]] = {}
    threads = ["TRACK.NUM_THREADS", str(a.threads)] if a.threads > 0 else []
    lo, hi = d.eao_interval

    def add(task: Task) -> str:
        tasks.setdefault(task.id, task)
        return task.id

    def model(run: str) -> Path:
        return work / "train" / run / "model.pth"

    def train(run: str, config: str, seed: int, kind: str, stage1: Optional[str] = None) -> str:
        opts = ["TRAIN.EPOCHS", str(a.epochs), "TRAIN.PAIRS_PER_EPOCH", str(a.pairs_per_epoch), "TRAIN.BATCH_SIZE",
                str(a.batch_size), "TRAIN.NUM_WORKERS", str(a.workers), "TRAIN.OUTPUT_DIR",
                display_path(work / "train" / run)] + data_opts(d, kind)
        deps = []
        if stage1:  # cluster the stage-1 model's features once; this run's hard negatives come from them
            clusters = work / "train" / stage1 / "clusters.json"
            size = ["CLUSTER.IMAGE_SIZE", str(a.cluster_image_size)] if a.cluster_image_size > 0 else []
            deps = [add(Task(f"cluster_{stage1}", [
                "tools/cluster.py", "--config", f"{STUDY}/ss_ac_am.yaml", "--snapshot", display_path(model(stage1)),
                "--out", display_path(clusters), "--device", a.device, "--opts", "SEED", str(seed),
                "CLUSTER.K", str(k["more" if kind == "more" else "train"]), *size, *data_opts(d, kind)],
                [f"train_{stage1}"], clusters.is_file))]
            opts += ["SAMPLER.CLUSTER_FILE", display_path(clusters)]
        add(Task(f"train_{run}", ["tools/train.py", "--config", config, "--seed", str(seed), "--device", a.device,
                                  "--resume", "auto", "--opts", *opts], deps, model(run).is_file))
        return run

    def full(kind: str, seed: int) -> str:  # stage 1 -> K-means -> stage 2
        prefix = "more_" if kind == "more" else ""
        s1 = train(f"{prefix}stage1_s{seed}", f"{STUDY}/ss_ac_am.yaml", seed, kind)
        return train(f"{prefix}s2_s{seed}", f"{STUDY}/s2siamfc.yaml", seed, kind, stage1=s1)

    def track(row: str, seed: Optional[int], run: str, train_run: Optional[str] = None, tracker: Optional[str] = None,
              opts: Sequence[str] = ()) -> None:
        row_runs.setdefault(row, []).append((seed, run))
        for protocol in PROTOCOLS:
            results = work / "results" / protocol / run
            common = ["--dataset", EVAL_DATASET, "--dataset_root", display_path(d.eval_root), "--protocol", protocol]
            common += ["--eao_interval", str(lo), str(hi)] if protocol == "reset" else []
            args = ["tools/test.py", *common, "--results_dir", display_path(results), "--tracker_name", run,
                    "--device", a.device, "--no_progress"]
            args += ["--snapshot", display_path(model(train_run))] if train_run else []
            args += ["--tracker", tracker] if tracker else []
            args += ["--opts", *opts] if opts else []
            out = results / EVAL_NAME / run
            files = ([out / "baseline" / v / f"{v}_001.txt" for v in d.eval_videos] if protocol == "reset"
                     else [out / f"{v}.txt" for v in d.eval_videos])
            tracked = add(Task(f"track_{run}_{protocol}", args, [f"train_{train_run}"] if train_run else [],
                               lambda files=files: all(f.is_file() for f in files), f"{run}/{protocol}"))
            add(Task(f"eval_{run}_{protocol}", ["tools/eval.py", "-p", display_path(results), "-d", EVAL_DATASET,
                                                *common[2:], "--format", "json", "--show_video_level"],
                     [tracked], run=f"{run}/{protocol}"))

    def model_row(row: str, seed: int, train_run: str, update=False, finetune=False, run=None) -> None:
        opts = ["TRACK.LINEAR_UPDATE", str(update), "TRACK.FINETUNE.ENABLED", str(finetune)]
        opts += ["TRACK.FINETUNE.ITERS", str(a.finetune_iters)] if finetune and a.finetune_iters > 0 else []
        opts += ["TRACK.FINETUNE.BATCH_SIZE", str(a.finetune_batch)] if finetune and a.finetune_batch > 0 else []
        opts += ["TRACK.SCALE_NUM", str(a.scale_num)] if a.scale_num > 0 else []
        track(row, seed, run or f"{row}_s{seed}", train_run, opts=opts + threads)

    # order = execution order with one job: cheap baselines, everything of the first seed (the ablations and the
    # extra data included), then the other seeds
    for row, opts in (("kcf", ["TRACK.OPENCV.KCF_DETECT_THRESH", "0.0"]), ("csrt", [])):
        if row in rows:
            track(row, None, row, tracker=f"opencv_{row}", opts=opts + threads)
    for i in range(a.seeds):
        if "siamfc_supervised" in rows:
            model_row("siamfc_supervised", i, train(f"sup_s{i}", SUPERVISED_CFG, i, "supervised"))
        s2_rows = [r for r in ("s2siamfc", "s2siamfc_lu", "s2siamfc_ft", "s2siamfc_lu_ft") if r in rows]
        if s2_rows or (i == 0 and "abl_all" in rows):
            s2 = full("train", i)
            for r in s2_rows:
                model_row(r, i, s2, update="_lu" in r, finetune=r.endswith("ft"))
        if i > 0:
            continue
        for row, run, cfg in (("abl_ss", "ss_s0", "ss.yaml"), ("abl_ss_ac", "ss_ac_s0", "ss_ac.yaml")):
            if row in rows:
                model_row(row, 0, train(run, f"{STUDY}/{cfg}", 0, "train"))
        if "abl_ss_ac_hn" in rows:
            s1 = train("stage1_s0", f"{STUDY}/ss_ac_am.yaml", 0, "train")
            model_row("abl_ss_ac_hn", 0, train("ss_ac_hn_s0", f"{STUDY}/ss_ac_hn.yaml", 0, "train", stage1=s1))
        if "abl_ss_ac_am" in rows:
            model_row("abl_ss_ac_am", 0, train("stage1_s0", f"{STUDY}/ss_ac_am.yaml", 0, "train"))
        if "abl_all" in rows:  # the same model and tracking as S2SiamFC's first seed: one tracking run
            model_row("abl_all", 0, full("train", 0), run="s2siamfc_s0")
        for row, update in (("s2siamfc_more", False), ("s2siamfc_more_lu", True)):
            if row in rows:
                model_row(row, 0, full("more", 0), update=update)
    return list(tasks.values()), row_runs


# ------------------------------------------------------------------------------------------------ 3. running
def needed_tasks(tasks: Sequence[Task]) -> set:
    """Ids of the tasks whose outputs must exist: those nothing depends on (the report's inputs), and those a
    needed task that has to run depends on. A training run whose tracking results all came back from another
    machine without its checkpoint is then not trained again. `tasks` lists a task after its dependencies."""
    users: Dict[str, List[Task]] = {t.id: [] for t in tasks}
    for t in tasks:
        for dep in t.deps:
            users[dep].append(t)
    need: Dict[str, bool] = {}
    for t in reversed(tasks):
        need[t.id] = not users[t.id] or any(need[u.id] and not u.done() for u in users[t.id])
    return {tid for tid, n in need.items() if n}


RUNNING: set = set()  # child processes, killed when the study is interrupted


def run_command(task: Task, logs: Path) -> Tuple[int, float]:
    """``python tools/<tool>.py ...`` from the repository root, stdout/stderr into logs/<task>.out / .err."""
    t0 = time.perf_counter()
    with open(logs / f"{task.id}.out", "wb") as out, open(logs / f"{task.id}.err", "wb") as err:
        proc = subprocess.Popen([sys.executable, *task.args], cwd=REPO, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        RUNNING.add(proc)
        try:
            rc = proc.wait()
        finally:
            RUNNING.discard(proc)
    return rc, round(time.perf_counter() - t0, 2)


def run_tasks(tasks: Sequence[Task], jobs: int, work: Path, machine: str) -> Dict[str, dict]:
    """Runs `tasks` in order, `jobs` at a time, and returns {task id: record}. A task is "reused" when its outputs
    exist, "skipped" when they are absent but not needed (see needed_tasks), "blocked" when a dependency failed.
    Records of commands that ran go to tasks.json (command, status, wall time, machine, fps)."""
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    state = read_json(work / "tasks.json", {}) or {}
    need, records, pending, running = needed_tasks(tasks), {}, list(tasks), {}
    py = display_path(sys.executable)

    def settle(t: Task, status: str, **extra) -> None:
        rec = {**state.get(t.id, {}), "command": shlex.join([py, *t.args]), "status": status, **extra}
        if status in ("ran", "failed"):
            state[t.id] = rec = {**rec, "machine": machine, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
            write_json(work / "tasks.json", state)
        records[t.id] = rec
        log(f"[{len(records)}/{len(tasks)}] {status:7s} {t.id}" +
            (f" {rec['wall_s']:.1f}s" if status == "ran" else ""))
        if status == "failed":
            tail = (logs / f"{t.id}.err").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
            log(f"    command: {rec['command']}\n" + "\n".join("      " + ln for ln in tail))

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        try:
            while pending or running:
                for t in list(pending):
                    deps = [records.get(dep, {}).get("status") for dep in t.deps]
                    if any(s in ("failed", "blocked") for s in deps):
                        pending.remove(t)
                        settle(t, "blocked")
                    elif None not in deps and len(running) < max(1, jobs):
                        pending.remove(t)
                        if t.done():
                            settle(t, "reused")
                        elif t.id not in need:
                            settle(t, "skipped")
                        else:
                            running[pool.submit(run_command, t, logs)] = t
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in finished:
                    t = running.pop(f)
                    rc, wall = f.result()
                    try:
                        extra = after_run(t, work) if rc == 0 else {}
                    except (ValueError, StudyError) as e:  # a bad output counts as a failure of the command
                        rc, extra = rc or 1, {"error": f"{type(e).__name__}: {e}"}
                    settle(t, "ran" if rc == 0 else "failed", wall_s=wall, returncode=rc, **extra)
        except BaseException:  # Ctrl-C, SIGTERM: kill what runs; finished outputs stay for a re-run
            for proc in list(RUNNING):
                proc.kill()
            raise
    return records


FPS = re.compile(r";\s*([0-9.]+) fps;")  # tools/test.py's last line: '<name> on <set>: N done, ...; 14.3 fps; ...'


def after_run(t: Task, work: Path) -> dict:
    """What the report keeps of a finished command: the fps of a tracking run, or a run's numbers from tools/eval.py
    (``<work>/eval/<run>_<protocol>.json``)."""
    logs = work / "logs"
    if t.stage == "track":
        text = "".join((logs / f"{t.id}.{ext}").read_text(encoding="utf-8", errors="replace") for ext in ("out", "err"))
        fps = FPS.findall(text)
        return {"fps": float(fps[-1])} if fps else {}
    if t.stage == "eval":
        run = t.run.split("/")[0]
        numbers = json.loads((logs / f"{t.id}.out").read_text(encoding="utf-8"))
        if run not in numbers:
            raise StudyError(f"tools/eval.py printed no numbers for {run}: {sorted(numbers)}")
        write_json(work / "eval" / f"{t.run.replace('/', '_')}.json", numbers[run])
    return {}


# ------------------------------------------------------------------------------------------------ 4. main
def hardware(device: str, threads: int, jobs: int) -> dict:
    cpu = platform.processor() or "unknown"
    if os.path.isfile("/proc/cpuinfo"):
        names = [ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo", encoding="utf-8")
                 if ln.lower().startswith("model name")]
        cpu = names[0] if names else cpu
    resolved = device if device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    gpu = torch.cuda.get_device_name(0) if resolved.startswith("cuda") and torch.cuda.is_available() else None
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "device": resolved, "gpu": gpu,
            "torch": torch.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "threads": threads or "default", "jobs": jobs}


def select_rows(spec: str) -> List[str]:
    """'all', or a comma list of row ids and group names (main, more, ablation, baseline)."""
    wanted = set()
    for item in filter(None, (s.strip() for s in spec.split(","))):
        if item not in ROW_IDS + list(GROUPS) + ["all"]:
            raise StudyError(f"unknown row {item!r}; rows: {', '.join(ROW_IDS)}; groups: {', '.join(GROUPS)}, all")
        wanted.update(r[0] for r in ROWS if item in ("all", r[0], r[2]))
    if not wanted:
        raise StudyError("--rows selects nothing")
    return [r for r in ROW_IDS if r in wanted]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="benchmarks/quality.py", description=__doc__.split("\n\n")[0])
    g = p.add_argument_group("sizes (defaults: a CPU study; --smoke: tiny)")
    for name, text in (("epochs", "epochs per training run"), ("pairs_per_epoch", "training pairs per epoch"),
                       ("batch_size", "pairs per step (8, the paper's)"), ("seeds", "seeds of the seeded rows: 0..N-1"),
                       ("workers", "DataLoader workers per training run"),
                       ("eval_videos", "only the N shortest eval sequences (0 = all)"),
                       ("eval_frames", "only the first N frames of each (0 = all)")):
        g.add_argument(f"--{name}", type=int, help=f"{text} (default {DEFAULTS[name]}, smoke {SMOKE[name]})")
    g.add_argument("--frame_step", type=int, help="use every k-th frame of the train sequences (5; smoke 25)")
    g.add_argument("--smoke", action="store_true", help="tiny sizes, every row (a pipeline check)")
    r = p.add_argument_group("what and where")
    r.add_argument("--rows", default="all", help=f"'all' or a comma list of row ids / groups ({', '.join(GROUPS)}); "
                   f"rows: {', '.join(ROW_IDS)}")
    r.add_argument("--out", default="runs/quality", help="checkpoints, results, logs (default runs/quality)")
    r.add_argument("--report_dir", default=None, help="where results.md goes (default docs/, --smoke: --out)")
    r.add_argument("--shared", default=None, help="shared data folder (default ../shared/data or $PYSOT_SS_SHARED)")
    r.add_argument("--synthetic", action="store_true", help="use the synthetic benchmark even if shared data exists")
    x = p.add_argument_group("execution")
    x.add_argument("--device", default="auto", help="cpu, cuda or auto (passed to every tool)")
    x.add_argument("--jobs", type=int, help="commands run at the same time (default 1; smoke 2)")
    x.add_argument("--threads", type=int, help="torch threads per command (0 = the default; smoke 1)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    a = build_parser().parse_args(argv)
    for key, value in (SMOKE if a.smoke else DEFAULTS).items():
        a.__dict__[key] = value if a.__dict__.get(key) is None else a.__dict__[key]
    try:
        return study(a, argv)
    except StudyError as e:
        log(f"quality.py: {e}")
        return 2
    except KeyboardInterrupt:
        log("quality.py: interrupted; finished checkpoints and videos are kept: re-run the same command to resume")
        return 130


def interrupt(signum, frame):
    raise KeyboardInterrupt


def study(a, argv: List[str]) -> int:
    t_start = time.perf_counter()
    for key in ("epochs", "pairs_per_epoch", "batch_size", "seeds"):
        if getattr(a, key) < 1:
            raise StudyError(f"--{key} must be >= 1, got {getattr(a, key)}")
    rows = select_rows(a.rows)
    if a.threads > 0:  # inherited by every command
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(a.threads)
    env_text = " ".join(f"{v}={os.environ[v]}" for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if v in os.environ)

    # 1. data
    shared = None if a.synthetic else find_shared(a.shared)
    if a.shared and shared is None and not a.synthetic:
        raise StudyError(f"--shared {a.shared}: no sequences/ folder there")
    kind = "shared" if shared is not None else "synthetic"
    frame_step = a.frame_step or ((25 if kind == "shared" else 3) if a.smoke else 5)
    out = Path(a.out) if Path(a.out).is_absolute() else REPO / a.out
    tag = f"{kind}_k{frame_step}_e{a.epochs}_p{a.pairs_per_epoch}_b{a.batch_size}"  # other sizes: other folders
    tag += (f"_v{a.eval_videos}f{a.eval_frames}" if a.eval_videos > 0 or a.eval_frames > 0 else "")
    work = out / (tag + ("_smoke" if a.smoke else ""))
    work.mkdir(parents=True, exist_ok=True)
    log(f"quality study: {len(rows)} row(s), work folder {display_path(work)}")
    d = shared_data(shared, frame_step, a.smoke) if shared is not None else synthetic_data(work, frame_step, a.smoke)
    prepare_eval_dataset(d, work, a.eval_videos, a.eval_frames)
    images = {k: count_images(d, k) for k in ("train", "more")}
    k = {kind_: max(2, min(n, round(n / IMAGES_PER_CLUSTER))) for kind_, n in images.items()}
    log(f"data: {kind}, train images {images['train']} (+unlabeled: {images['more']}), eval {d.eval_lengths}, "
        f"EAO interval {d.eao_interval}")

    # 2. commands, 3. running them
    tasks, row_runs = plan_tasks(rows, work, d, a, k)
    hw = hardware(a.device, a.threads, a.jobs)
    machine = f"{hw['gpu']} + {hw['cpu']} x{hw['cores']}" if hw["gpu"] else f"{hw['cpu']} x{hw['cores']}, no GPU"
    signal.signal(signal.SIGTERM, interrupt)  # `timeout` stops the study like Ctrl-C
    records = run_tasks(tasks, a.jobs, work, machine)

    # 4. the report
    wall, now = time.perf_counter() - t_start, time.strftime("%Y-%m-%d %H:%M:%S")
    invocation = shlex.join(["python", "benchmarks/quality.py"] + argv)
    ran = {st: sum(t.stage == st and records[t.id]["status"] == "ran" for t in tasks)
           for st in ("train", "cluster", "track", "eval")}
    # one entry per run that trained or tracked something (say, training on a GPU machine, OpenCV rows on this one)
    invocations = [e for e in read_json(work / "invocations.json", []) if any(
        n for st, n in e["ran"].items() if st != "eval")] + [
        {"date": now, "machine": machine, "invocation": invocation, "wall_s": round(wall, 1), "hardware": hw,
         "copy": d.copy is not None, "data_notes": d.notes, "ran": ran}]
    write_json(work / "invocations.json", invocations)
    statuses = [r["status"] for r in records.values()]
    summaries = {t.run: read_json(work / "eval" / f"{t.run.replace('/', '_')}.json")  # scored this time
                 for t in tasks if t.stage == "eval" and records[t.id]["status"] == "ran"}
    fps = {t.run: records[t.id].get("fps") for t in tasks if t.stage == "track"}
    numbers = row_numbers([r for r in ROWS if r[0] in rows], row_runs, summaries, fps)
    doc = {"meta": {"invocation": invocation, "date": now, "wall_s": wall, "smoke": a.smoke, "env": env_text,
                    "work": display_path(work), **{s: statuses.count(s) for s in
                                                   ("ran", "reused", "skipped", "failed", "blocked")}},
           "data": {"kind": d.kind, "sequences": display_path(d.seq_root), "train": d.train_videos,
                    "eval": d.eval_videos, "unlabeled": display_path(d.unlabeled_root),
                    "unlabeled_subdirs": d.unlabeled_subdirs, "frame_step": frame_step, "eval_lengths": d.eval_lengths,
                    "eval_dataset": display_path(d.eval_root / f"{EVAL_NAME}.json"), "notes": d.notes,
                    "eao_interval": list(d.eao_interval), "eao_rule": d.eao_info},
           "sizes": {**{key: getattr(a, key) for key in DEFAULTS}, "images": images, "clusters_k": k},
           "invocations": invocations, "rows": numbers, "claims": check_claims(numbers),
           "commands": [{"id": t.id, "stage": t.stage, **records[t.id]} for t in tasks]}
    report_dir = Path(a.report_dir) if a.report_dir else (out if a.smoke else REPO / "docs")
    md = atomic_write_text((report_dir if report_dir.is_absolute() else REPO / report_dir) / "results.md",
                           render_markdown(doc))
    js = write_json(work / "results.json", doc)
    log(f"wrote {display_path(md)} and {display_path(js)}")
    failed = statuses.count("failed") + statuses.count("blocked")
    print(json.dumps({"rows": len(numbers), "wall_s": round(wall, 1), "failed": failed,
                      "auc": {rid: r["ope"]["success_auc"]["mean"] for rid, r in numbers.items()},
                      "eao": {rid: r["reset"]["eao"]["mean"] for rid, r in numbers.items()},
                      "claims": {c["id"]: c["verdict"] for c in doc["claims"]}, "report": str(md),
                      "results": str(js)}), flush=True)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
