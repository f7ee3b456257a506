"""The study's table rows and the tool commands behind them.

Training runs (tools/train.py, one output folder each under ``<work>/train/``):
* ``sup_s<seed>``        experiments/s2siamfc/siamfc_supervised.yaml: SiamFC pairs of the train sequences, boxes used;
* ``stage1_s<seed>``     experiments/study/ss_ac_am.yaml: SS + AC + AM on the train frames (no boxes) = stage 1 of
  the full method, clustered by tools/cluster.py (``clusters.json`` in the same folder, K = images / 39);
* ``s2_s<seed>``         experiments/study/s2siamfc.yaml: the full method (stage 2, hard negatives from those clusters);
* ``more_stage1_s<s>`` / ``more_s<s>``: the same two stages on the train frames + ../shared/data/unlabeled;
* ``ss_s<s>``, ``ss_ac_s<s>``, ``ss_ac_hn_s<s>``: ablation runs (experiments/study/ss*.yaml).
Every run gets the same sizes (--epochs, --pairs_per_epoch, batch) and the seed via ``train.py --seed``.

Tracking runs (tools/test.py, both protocols) use the snapshot's stored config plus explicit TRACK options; each is
scored by tools/eval.py on its own (``-p <results>/<protocol>/<run>``), so one failed run cannot spoil the others.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.quality.common import REPO, atomic_write_json, display_path
from benchmarks.quality.data import EVAL_DATASET, StudyData
from benchmarks.quality.runner import Task, TaskResult

PROTOCOLS = ("ope", "reset")
SUPERVISED_CFG = "experiments/s2siamfc/siamfc_supervised.yaml"
STUDY = "experiments/study"
IMAGES_PER_CLUSTER = 39  # the paper: 3862 VID snippets, K = 100


@dataclass(frozen=True)
class RowSpec:
    id: str
    label: str
    group: str            # "main", "more", "ablation", "baseline"
    seeded: bool          # repeated over every seed (else the first seed only)
    training: str         # what the model was trained on / how (for the report)
    tracking: str         # tracking options (for the report)


ROWS: List[RowSpec] = [
    RowSpec("siamfc_supervised", "SiamFC, supervised (train boxes)", "main", True,
            "train sequences, SiamFC frame pairs with boxes", "no update, no fine-tuning"),
    RowSpec("s2siamfc", "S2SiamFC", "main", True, "train frames, no boxes; stage 1 -> K-means -> stage 2",
            "no update, no fine-tuning"),
    RowSpec("s2siamfc_lu", "S2SiamFC + linear update", "main", True, "as S2SiamFC", "linear template update"),
    RowSpec("s2siamfc_ft", "S2SiamFC + one-image fine-tuning", "main", True, "as S2SiamFC",
            "fine-tuning on the first frame"),
    RowSpec("s2siamfc_lu_ft", "S2SiamFC + update + fine-tuning", "main", True, "as S2SiamFC",
            "linear update and fine-tuning"),
    RowSpec("s2siamfc_more", "S2SiamFC, train frames + unlabeled/", "more", False,
            "train frames + unlabeled/ images, no boxes; both stages", "no update, no fine-tuning"),
    RowSpec("s2siamfc_more_lu", "S2SiamFC, train frames + unlabeled/, + update", "more", False,
            "as the row above", "linear template update"),
    RowSpec("abl_ss", "SS", "ablation", False, "single-image pairs, plain loss", "no update"),
    RowSpec("abl_ss_ac", "SS + AC", "ablation", False, "+ anti-clutter weighting", "no update"),
    RowSpec("abl_ss_ac_hn", "SS + AC + HN", "ablation", False, "+ K-means hard negatives (stage-1 clusters)",
            "no update"),
    RowSpec("abl_ss_ac_am", "SS + AC + AM", "ablation", False,
            "+ 2 adversarial masks (= the stage-1 model of the full method)", "no update"),
    RowSpec("abl_all", "all (SS + AC + AM + HN)", "ablation", False,
            "the full method (= S2SiamFC, first seed)", "no update"),
    RowSpec("kcf", "OpenCV KCF", "baseline", False, "-", "opencv_kcf, KCF_DETECT_THRESH 0 (classic KCF)"),
    RowSpec("csrt", "OpenCV CSRT", "baseline", False, "-", "opencv_csrt"),
]
ROW_BY_ID = {r.id: r for r in ROWS}
GROUPS = ("main", "more", "ablation", "baseline")


def select_rows(spec: str) -> List[RowSpec]:
    """'all', or a comma list of row ids and group names (main, more, ablation, baseline)."""
    wanted = set()
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        if item == "all":
            wanted.update(ROW_BY_ID)
        elif item in GROUPS:
            wanted.update(r.id for r in ROWS if r.group == item)
        elif item in ROW_BY_ID:
            wanted.add(item)
        else:
            raise SystemExit(f"quality.py: unknown row {item!r}; rows: {', '.join(ROW_BY_ID)}; "
                             f"groups: {', '.join(GROUPS)}, all")
    if not wanted:
        raise SystemExit("quality.py: --rows selects nothing")
    return [r for r in ROWS if r.id in wanted]


@dataclass
class Sizes:
    epochs: int
    pairs_per_epoch: int
    batch_size: int
    workers: int
    seeds: List[int]
    device: str
    threads: int = 0              # > 0: torch threads of every command (env + TRACK.NUM_THREADS)
    finetune_iters: int = 0       # > 0: TRACK.FINETUNE.ITERS override (smoke)
    finetune_batch: int = 0       # > 0: TRACK.FINETUNE.BATCH_SIZE override (smoke)
    scale_num: int = 0            # > 0: TRACK.SCALE_NUM override (smoke)
    cluster_image_size: int = 0   # > 0: CLUSTER.IMAGE_SIZE override (smoke)

    def tag(self, data_kind: str, frame_step: int, smoke: bool, eval_videos: int = 0, eval_frames: int = 0) -> str:
        """Names the work folder, so runs of other sizes never reuse each other's checkpoints or results."""
        t = f"{data_kind}_k{frame_step}_e{self.epochs}_p{self.pairs_per_epoch}_b{self.batch_size}"
        if eval_videos > 0 or eval_frames > 0:
            t += f"_v{eval_videos}f{eval_frames}"
        return t + ("_smoke" if smoke else "")


@dataclass
class TrainRun:
    id: str
    config: str
    seed: int
    data: str                       # "train", "more" or "supervised"
    stage1: Optional[str] = None    # id of the stage-1 run whose clusters this run's hard negatives use
    clustered: bool = False         # is this a stage-1 run that gets clustered


@dataclass
class TrackRun:
    id: str
    train: Optional[str]            # training run id (None: a tracker without weights)
    tracker: Optional[str] = None   # --tracker (OpenCV baselines)
    opts: List[str] = field(default_factory=list)


@dataclass
class Plan:
    rows: List[RowSpec]
    row_runs: Dict[str, List[str]]            # row id -> tracking run ids (one per seed)
    row_seeds: Dict[str, List[Optional[int]]]
    trains: Dict[str, TrainRun]
    tracks: Dict[str, TrackRun]
    tasks: List[Task]
    clusters_k: Dict[str, int]
    images: Dict[str, int]
    summaries: Dict[str, dict] = field(default_factory=dict)  # "<track run>/<protocol>" -> tools/eval.py numbers


class Builder:
    def __init__(self, work: Path, data: StudyData, sizes: Sizes, images: Dict[str, int]):
        self.work, self.data, self.sizes, self.images = work, data, sizes, images
        self.trains: Dict[str, TrainRun] = {}
        self.tracks: Dict[str, TrackRun] = {}
        self.tasks: List[Task] = []
        self.task_ids = set()
        self.k = {kind: max(2, min(n, round(n / IMAGES_PER_CLUSTER))) for kind, n in images.items()}
        self.summaries: Dict[str, dict] = {}

    # -- paths and option lists --------------------------------------------------------------------------------
    def train_dir(self, run_id: str) -> Path:
        return self.work / "train" / run_id

    def results_root(self, protocol: str, run_id: str) -> Path:
        return self.work / "results" / protocol / run_id

    def data_opts(self, kind: str) -> List[str]:
        d = self.data
        if kind == "supervised":  # the same frames as the self-supervised rows, with their boxes
            opts = ["DATASET.LABELLED.ROOT", display_path(d.seq_root), "DATASET.LABELLED.VIDEOS",
                    repr(d.train_videos), "DATASET.LABELLED.FRAME_STEP", str(d.source_step)]
            if d.thinned > 1:  # pre-thinned folders: frame i there is frame i * thinned of the video
                opts += ["SAMPLER.FRAME_RANGE", str(supervised_frame_range() // d.thinned)]
            return opts
        opts = ["DATASET.TRAINSEQ.ROOT", display_path(d.seq_root), "DATASET.TRAINSEQ.SUBDIRS", repr(d.train_subdirs),
                "DATASET.TRAINSEQ.FRAME_STEP", str(d.source_step)]
        if kind == "more":
            opts = ["DATASET.NAMES", repr(["TRAINSEQ", "UNLABELED"])] + opts + [
                "DATASET.UNLABELED.ROOT", display_path(d.unlabeled_root),
                "DATASET.UNLABELED.SUBDIRS", repr(d.unlabeled_subdirs)]
        return opts

    def size_opts(self) -> List[str]:
        s = self.sizes
        return ["TRAIN.EPOCHS", str(s.epochs), "TRAIN.PAIRS_PER_EPOCH", str(s.pairs_per_epoch),
                "TRAIN.BATCH_SIZE", str(s.batch_size), "TRAIN.NUM_WORKERS", str(s.workers)]

    def _add(self, task: Task) -> None:
        if task.id not in self.task_ids:
            self.task_ids.add(task.id)
            self.tasks.append(task)

    # -- training ----------------------------------------------------------------------------------------------
    def train(self, run: TrainRun) -> str:
        """Adds the run (and what it needs) once; returns its task id."""
        tid = f"train_{run.id}"
        if run.id in self.trains:
            return tid
        deps = []
        opts = self.size_opts() + ["TRAIN.OUTPUT_DIR", display_path(self.train_dir(run.id))] + self.data_opts(run.data)
        if run.stage1:
            deps.append(self.cluster(run.stage1))
            opts += ["SAMPLER.CLUSTER_FILE", display_path(self.train_dir(run.stage1) / "clusters.json")]
        self.trains[run.id] = run
        model = self.train_dir(run.id) / "model.pth"
        self._add(Task(tid, "train", ["tools/train.py", "--cfg", run.config, "--seed", str(run.seed),
                                      "--device", self.sizes.device, "--resume", "auto", "--opts", *opts],
                       deps=deps, done=model.is_file))
        return tid

    def cluster(self, stage1_id: str) -> str:
        run = self.trains[stage1_id]
        run.clustered = True
        tid = f"cluster_{stage1_id}"
        d = self.train_dir(stage1_id)
        out = d / "clusters.json"
        kind = "more" if run.data == "more" else "train"
        self._add(Task(tid, "cluster", ["tools/cluster.py", "--cfg", run.config, "--snapshot",
                                        display_path(d / "model.pth"), "--out", display_path(out),
                                        "--device", self.sizes.device, "--opts", "SEED", str(run.seed),
                                        "CLUSTER.K", str(self.k[kind]), *self.cluster_opts(),
                                        *self.data_opts(run.data)],
                       deps=[f"train_{stage1_id}"], done=out.is_file))
        return tid

    def cluster_opts(self) -> List[str]:
        n = self.sizes.cluster_image_size
        return ["CLUSTER.IMAGE_SIZE", str(n)] if n > 0 else []

    def stage1(self, kind: str, seed: int) -> str:
        rid = f"{'more_' if kind == 'more' else ''}stage1_s{seed}"
        self.train(TrainRun(rid, f"{STUDY}/ss_ac_am.yaml", seed, kind))
        return rid

    def full(self, kind: str, seed: int) -> str:
        s1 = self.stage1(kind, seed)
        rid = f"{'more_' if kind == 'more' else ''}s2_s{seed}"
        self.train(TrainRun(rid, f"{STUDY}/s2siamfc.yaml", seed, kind, stage1=s1))
        return rid

    # -- tracking and evaluation -------------------------------------------------------------------------------
    def track_opts(self, update: bool, finetune: bool) -> List[str]:
        s = self.sizes
        opts = ["TRACK.LINEAR_UPDATE", str(update), "TRACK.FINETUNE.ENABLED", str(finetune)]
        if finetune and s.finetune_iters > 0:
            opts += ["TRACK.FINETUNE.ITERS", str(s.finetune_iters)]
        if finetune and s.finetune_batch > 0:
            opts += ["TRACK.FINETUNE.BATCH_SIZE", str(s.finetune_batch)]
        if s.scale_num > 0:
            opts += ["TRACK.SCALE_NUM", str(s.scale_num)]
        return opts + self.thread_opts()

    def thread_opts(self) -> List[str]:
        return ["TRACK.NUM_THREADS", str(self.sizes.threads)] if self.sizes.threads > 0 else []

    def track(self, run: TrackRun) -> str:
        if run.id in self.tracks:
            return run.id
        self.tracks[run.id] = run
        d = self.data
        lo, hi = d.eao_interval
        for protocol in PROTOCOLS:
            results = self.results_root(protocol, run.id)
            common = ["--dataset", EVAL_DATASET, "--dataset_root", display_path(d.eval_root), "--protocol", protocol]
            if protocol == "reset":
                common += ["--eao_interval", str(lo), str(hi)]
            args = ["tools/test.py", *common, "--results_dir", display_path(results), "--tracker_name", run.id,
                    "--device", self.sizes.device, "--no_progress"]
            deps = []
            if run.train:
                args += ["--snapshot", display_path(self.train_dir(run.train) / "model.pth")]
                deps.append(f"train_{run.train}")
            if run.tracker:
                args += ["--tracker", run.tracker]
            if run.opts:
                args += ["--opts", *run.opts]
            track_id = f"track_{run.id}_{protocol}"
            self._add(Task(track_id, "track", args, deps=deps, done=self._tracked(results, run.id, protocol),
                           after=_parse_fps))
            eval_args = ["tools/eval.py", "-p", display_path(results), "-d", EVAL_DATASET, *common[2:],
                         "--format", "json", "--show_video_level"]
            self._add(Task(f"eval_{run.id}_{protocol}", "eval", eval_args, deps=[track_id],
                           after=self._summary_saver(run.id, protocol)))
        return run.id

    def _tracked(self, results: Path, run_id: str, protocol: str):
        root = results / EVAL_DATASET / run_id

        def done() -> bool:
            if protocol == "reset":
                return all((root / "baseline" / v / f"{v}_001.txt").is_file() for v in self.data.eval_videos)
            return all((root / f"{v}.txt").is_file() for v in self.data.eval_videos)
        return done

    def _summary_saver(self, run_id: str, protocol: str):
        path = self.work / "eval" / f"{run_id}_{protocol}.json"

        def after(task: Task, res: TaskResult) -> None:
            import json
            summary = json.loads(res.stdout)
            if run_id not in summary:
                raise ValueError(f"tools/eval.py printed no numbers for {run_id}: {sorted(summary)}")
            atomic_write_json(path, summary[run_id])
            self.summaries[f"{run_id}/{protocol}"] = summary[run_id]
        return after


def supervised_frame_range() -> int:
    """SAMPLER.FRAME_RANGE of the supervised config (its pairs are at most this many frames apart)."""
    from pysot_ss.core.config import load_cfg
    return int(load_cfg(str(REPO / SUPERVISED_CFG)).SAMPLER.FRAME_RANGE)


_FPS = re.compile(r";\s*([0-9.]+) fps;")


def _parse_fps(task: Task, res: TaskResult) -> None:
    """tools/test.py's last log line: '<name> on <dataset>: N done, ...; 14.3 fps; results in ...'."""
    text = res.stdout
    if res.stderr_path is not None:
        text += Path(res.stderr_path).read_text(encoding="utf-8", errors="replace")
    m = _FPS.findall(text)
    if m:
        res.info["fps"] = float(m[-1])


def build_plan(rows: List[RowSpec], work: Path, data: StudyData, sizes: Sizes, images: Dict[str, int]) -> Plan:
    b = Builder(work, data, sizes, images)
    seeds = sizes.seeds
    first = seeds[0]
    row_runs: Dict[str, List[str]] = {}
    row_seeds: Dict[str, List[Optional[int]]] = {}
    wanted = {r.id for r in rows}

    def model_row(row_id: str, seed: int, train_id: str, update=False, finetune=False, run_id=None):
        run_id = run_id or f"{row_id}_s{seed}"
        b.track(TrackRun(run_id, train_id, opts=b.track_opts(update, finetune)))
        row_runs.setdefault(row_id, []).append(run_id)
        row_seeds.setdefault(row_id, []).append(seed)

    # order = preferred execution order with one job: cheap baselines, then everything of the first seed,
    # the ablations and the extra data, then the other seeds
    for row_id, tracker, opts in (("kcf", "opencv_kcf", ["TRACK.OPENCV.KCF_DETECT_THRESH", "0.0"]),
                                  ("csrt", "opencv_csrt", [])):
        if row_id in wanted:
            b.track(TrackRun(row_id, None, tracker=tracker, opts=opts + b.thread_opts()))
            row_runs[row_id], row_seeds[row_id] = [row_id], [None]
    for i, seed in enumerate(seeds):
        if "siamfc_supervised" in wanted:
            sup = f"sup_s{seed}"
            b.train(TrainRun(sup, SUPERVISED_CFG, seed, "supervised"))
            model_row("siamfc_supervised", seed, sup)
        s2_rows = [r for r in ("s2siamfc", "s2siamfc_lu", "s2siamfc_ft", "s2siamfc_lu_ft") if r in wanted]
        if s2_rows or (i == 0 and "abl_all" in wanted):
            s2 = b.full("train", seed)
            for r in s2_rows:
                model_row(r, seed, s2, update="_lu" in r, finetune=r.endswith("ft"))
        if i > 0:
            continue
        for row_id, cfg in (("abl_ss", "ss.yaml"), ("abl_ss_ac", "ss_ac.yaml")):
            if row_id in wanted:
                rid = f"{row_id[4:]}_s{seed}"
                b.train(TrainRun(rid, f"{STUDY}/{cfg}", seed, "train"))
                model_row(row_id, seed, rid)
        if "abl_ss_ac_hn" in wanted:
            rid = f"ss_ac_hn_s{seed}"
            b.train(TrainRun(rid, f"{STUDY}/ss_ac_hn.yaml", seed, "train", stage1=b.stage1("train", seed)))
            model_row("abl_ss_ac_hn", seed, rid)
        if "abl_ss_ac_am" in wanted:
            model_row("abl_ss_ac_am", seed, b.stage1("train", seed))
        if "abl_all" in wanted:  # the same model and tracking as S2SiamFC's first seed: one tracking run
            model_row("abl_all", seed, b.full("train", seed), run_id=f"s2siamfc_s{seed}")
        for row_id, update in (("s2siamfc_more", False), ("s2siamfc_more_lu", True)):
            if row_id in wanted:
                model_row(row_id, seed, b.full("more", seed), update=update)
    return Plan(rows, row_runs, row_seeds, b.trains, b.tracks, b.tasks, b.k, images, b.summaries)
