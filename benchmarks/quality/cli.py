"""``python benchmarks/quality.py``: argument parsing and the study from data to report (see benchmarks/quality.py)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import List, Optional

from benchmarks.quality import data as qdata
from benchmarks.quality import plan as qplan
from benchmarks.quality import report as qreport
from benchmarks.quality.common import REPO, atomic_write_json, atomic_write_text, display_path
from benchmarks.quality.runner import TaskState, make_launcher, python_display, run_tasks

# --smoke: every row, tiny sizes (see the module docstring of benchmarks/quality.py)
SMOKE = dict(epochs=1, pairs_per_epoch=2, batch_size=2, workers=0, seeds=1, eval_videos=2, eval_frames=20,
             finetune_iters=1, finetune_batch=2, scale_num=1, cluster_image_size=127, threads=1, jobs=2,
             launcher="forkserver")
DEFAULTS = dict(epochs=10, pairs_per_epoch=800, batch_size=8, workers=2, seeds=3, eval_videos=0, eval_frames=0,
                finetune_iters=0, finetune_batch=0, scale_num=0, cluster_image_size=0, threads=0, jobs=1,
                launcher="subprocess")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="benchmarks/quality.py",
                                description="Quality study: S2SiamFC vs supervised SiamFC vs OpenCV KCF/CSRT, with "
                                            "the paper's ablations, through the real tools (module docstring of "
                                            "benchmarks/quality.py for the details).")
    g = p.add_argument_group("sizes (defaults: a CPU study; --smoke: tiny)")
    g.add_argument("--epochs", type=int, help=f"epochs per training run (default {DEFAULTS['epochs']})")
    g.add_argument("--pairs_per_epoch", type=int, help=f"training pairs per epoch ({DEFAULTS['pairs_per_epoch']})")
    g.add_argument("--batch_size", type=int, help=f"pairs per step ({DEFAULTS['batch_size']}, the paper's)")
    g.add_argument("--seeds", type=int, help=f"seeds of the seeded rows: 0..N-1 ({DEFAULTS['seeds']})")
    g.add_argument("--workers", type=int, help=f"DataLoader workers per training run ({DEFAULTS['workers']})")
    g.add_argument("--frame_step", type=int, help="use every k-th frame of the train sequences (5; smoke 25)")
    g.add_argument("--eval_videos", type=int, help="only the N shortest eval sequences (0 = all; smoke 2)")
    g.add_argument("--eval_frames", type=int, help="only the first N frames of each (0 = all; smoke 20)")
    g.add_argument("--smoke", action="store_true", help="tiny sizes, every row (under a minute on 2 cores)")
    r = p.add_argument_group("what and where")
    r.add_argument("--rows", default="all", help="'all' or a comma list of row ids / groups "
                   f"({', '.join(qplan.GROUPS)}); rows: {', '.join(qplan.ROW_BY_ID)}")
    r.add_argument("--out", default="runs/quality", help="checkpoints, results, logs (default runs/quality)")
    r.add_argument("--report_dir", default=None,
                   help="where results.md / results.json go (default docs/, --smoke: the --out folder)")
    r.add_argument("--shared", default=None, help="shared data folder (default ../shared/data or $PYSOT_SS_SHARED)")
    r.add_argument("--synthetic", action="store_true", help="use the synthetic benchmark even if shared data exists")
    x = p.add_argument_group("execution")
    x.add_argument("--device", default="auto", help="cpu, cuda or auto (passed to every tool)")
    x.add_argument("--jobs", type=int, help="commands run at the same time (1; smoke 2)")
    x.add_argument("--threads", type=int, help="torch threads per command (0 = leave the default; smoke 1)")
    x.add_argument("--launcher", choices=("subprocess", "forkserver"),
                   help="new interpreter per command, or forks of a pre-imported server (subprocess; smoke forkserver)")
    return p


def resolve(args) -> dict:
    base = SMOKE if args.smoke else DEFAULTS
    return {k: (getattr(args, k) if getattr(args, k, None) is not None else v) for k, v in base.items()}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def hardware(device: str, threads: int, launcher: str, jobs: int) -> dict:
    import cv2
    import numpy
    import torch

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    resolved = device if device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    gpu = torch.cuda.get_device_name(0) if resolved.startswith("cuda") and torch.cuda.is_available() else None
    return {"cpu": cpu, "cores": cores, "device": resolved, "gpu": gpu, "torch": torch.__version__,
            "opencv": cv2.__version__, "numpy": numpy.__version__, "python": platform.python_version(),
            "threads": threads or "default", "launcher": launcher, "jobs": jobs}


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    t_start = time.perf_counter()
    cfg = resolve(args)
    for key in ("epochs", "pairs_per_epoch", "batch_size", "seeds"):
        if cfg[key] < 1:
            raise SystemExit(f"quality.py: --{key} must be >= 1, got {cfg[key]}")
    rows = qplan.select_rows(args.rows)
    if cfg["threads"] > 0:  # before any child (or the fork server) starts
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(cfg["threads"])
    env_text = " ".join(f"{v}={os.environ[v]}" for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if v in os.environ)

    shared = None if args.synthetic else qdata.find_shared(args.shared)
    if args.shared and shared is None and not args.synthetic:
        raise SystemExit(f"quality.py: --shared {args.shared}: no sequences/ folder there")
    kind = "shared" if shared is not None else "synthetic"
    frame_step = args.frame_step or ((25 if kind == "shared" else 3) if args.smoke else 5)
    sizes = qplan.Sizes(cfg["epochs"], cfg["pairs_per_epoch"], cfg["batch_size"], cfg["workers"],
                        list(range(cfg["seeds"])), args.device, cfg["threads"], cfg["finetune_iters"],
                        cfg["finetune_batch"], cfg["scale_num"], cfg["cluster_image_size"])
    out = Path(args.out) if Path(args.out).is_absolute() else REPO / args.out
    work = out / sizes.tag(kind, frame_step, args.smoke, cfg["eval_videos"], cfg["eval_frames"])
    work.mkdir(parents=True, exist_ok=True)
    log(f"quality study: {len(rows)} row(s), work folder {display_path(work)}")

    t0 = time.perf_counter()
    data = (qdata.shared_data(shared, frame_step, args.smoke) if shared is not None
            else qdata.synthetic_data(work, frame_step, args.smoke))
    qdata.prepare_eval_dataset(data, work, cfg["eval_videos"], cfg["eval_frames"])
    builder_probe = qplan.Builder(work, data, sizes, {})
    images = {k: qdata.count_images(f"{qplan.STUDY}/ss.yaml", builder_probe.data_opts(k)) for k in ("train", "more")}
    data_wall = time.perf_counter() - t0
    log(f"data: {kind}, train images {images['train']} (+unlabeled: {images['more']}), eval "
        f"{data.eval_lengths}, EAO interval {data.eao_interval}")

    plan = qplan.build_plan(rows, work, data, sizes, images)
    launcher = make_launcher(cfg["launcher"])
    hw = hardware(args.device, cfg["threads"], launcher.name, cfg["jobs"])
    state = TaskState(work / "tasks.json", machine_label(hw))
    # SIGTERM (e.g. `timeout`) unwinds like Ctrl-C: running commands are killed, finished outputs stay for a re-run
    signal.signal(signal.SIGTERM, _terminate)
    try:
        results = run_tasks(plan.tasks, launcher, cfg["jobs"], work / "logs", state, log=log)
    except KeyboardInterrupt:
        log("quality.py: interrupted; finished checkpoints and videos are kept: re-run the same command to resume")
        return 130

    numbers = qreport.row_numbers(plan)
    claims = qreport.check_claims(numbers)
    statuses = [r.status for r in results.values()]
    stages = {"data": {"wall_s": data_wall, "cpu_s": None, "count": 1, "ran": 1}}
    for t in plan.tasks:
        r = results[t.id]
        st = stages.setdefault(t.stage, {"wall_s": 0.0, "cpu_s": 0.0, "count": 0, "ran": 0})
        st["count"] += 1
        st["ran"] += r.status == "ran"
        st["wall_s"] += r.wall_s or 0.0
        st["cpu_s"] += r.cpu_s or 0.0
    wall = time.perf_counter() - t_start
    invocation = shlex.join(["python", "benchmarks/quality.py"] + argv)
    invocations = _record_invocation(work / "invocations.json", {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": state.machine, "invocation": invocation,
        "wall_s": round(wall, 1),
        "hardware": hw, "data": display_path(shared) if shared is not None else "synthetic",
        "copy": data.copy is not None, "data_notes": list(data.notes),
        "ran": {st: sum(1 for t in plan.tasks if t.stage == st and results[t.id].status == "ran")
                for st in dict.fromkeys(t.stage for t in plan.tasks)}})
    doc = {
        "meta": {"invocation": invocation, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "wall_s": wall,
                 "smoke": bool(args.smoke), "repo": REPO.name, "work": display_path(work), "env": env_text,
                 "loadavg_end": _loadavg(),
                 "python": python_display(),
                 "tasks_ran": statuses.count("ran"), "tasks_reused": statuses.count("reused"),
                 "tasks_failed": statuses.count("failed"), "tasks_blocked": statuses.count("blocked"),
                 "tasks_skipped": statuses.count("skipped")},
        "data": data.describe(),
        "sizes": {"epochs": sizes.epochs, "pairs_per_epoch": sizes.pairs_per_epoch, "batch_size": sizes.batch_size,
                  "steps_per_run": sizes.epochs * (sizes.pairs_per_epoch // sizes.batch_size),
                  "workers": sizes.workers, "seeds": sizes.seeds, "images": images, "clusters_k":
                      {k: v for k, v in plan.clusters_k.items()
                       if any(t.data == k and t.clustered for t in plan.trains.values())},
                  "overrides": " ".join(
                      f"{k} {v}" for k, v in (("TRACK.FINETUNE.ITERS", sizes.finetune_iters),
                                              ("TRACK.FINETUNE.BATCH_SIZE", sizes.finetune_batch),
                                              ("TRACK.SCALE_NUM", sizes.scale_num),
                                              ("CLUSTER.IMAGE_SIZE", sizes.cluster_image_size),
                                              ("TRACK.NUM_THREADS", sizes.threads)) if v > 0)},
        "hardware": hw,
        "invocations": invocations,
        "rows": numbers,
        "claims": claims,
        "stages": stages,
        "fps": {tid: r.info.get("fps") for tid, r in results.items() if r.info.get("fps")},
        "commands": [{"id": t.id, "stage": t.stage, "command": results[t.id].command,
                      "status": results[t.id].status, "wall_s": results[t.id].wall_s, "cpu_s": results[t.id].cpu_s,
                      "returncode": results[t.id].returncode, "machine": state.get(t.id).get("machine")}
                     for t in plan.tasks],
    }
    atomic_write_json(work / "invocations.json", invocations)
    report_dir = Path(args.report_dir) if args.report_dir else (out if args.smoke else REPO / "docs")
    if not report_dir.is_absolute():
        report_dir = REPO / report_dir
    md_path = atomic_write_text(report_dir / "results.md", qreport.render_markdown(doc))
    js_path = atomic_write_json(report_dir / "results.json", doc)
    log(f"wrote {display_path(md_path)} and {display_path(js_path)}")
    failed = statuses.count("failed") + statuses.count("blocked")
    summary = {"rows": len(numbers), "wall_s": round(wall, 1), "failed": failed,
               "auc": {rid: _round(r["ope"]["success_auc"]["mean"]) for rid, r in numbers.items()},
               "eao": {rid: _round(r["reset"]["eao"]["mean"]) for rid, r in numbers.items()},
               "claims": {c["id"]: c["verdict"] for c in claims},
               "report": str(md_path), "results": str(js_path)}
    print(json.dumps(summary), flush=True)
    return 1 if failed else 0


def machine_label(hw: dict) -> str:
    """A short name of the hardware a command ran on (host names of cloud machines say nothing)."""
    cpu = f"{hw['cpu']} x{hw['cores']}"
    return f"{hw['gpu']} + {cpu}" if hw.get("gpu") else f"{cpu}, no GPU"


def _record_invocation(path: Path, entry: dict) -> list:
    """invocations.json of the work folder: one entry per quality.py run that ran something (the study may be
    assembled from several machines: say, training on a GPU machine, the OpenCV baselines on this one)."""
    from benchmarks.quality.common import read_json
    entries = [e for e in (read_json(path, []) or [])
               if any(n for st, n in (e.get("ran") or {}).items() if st != "eval")]  # not report-only re-runs
    entries.append(entry)
    return entries


def _terminate(signum, frame):
    raise KeyboardInterrupt


def _loadavg():
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def _round(v):
    return None if v is None else round(v, 4)
