#!/usr/bin/env python
"""The main job on the embedded default (`make demo`), with no data and no GPU:

1. generate the synthetic benchmark (VOT + OTB layouts) and unlabeled training images;
2. train S2SiamFC: stage 1 -> K-means hard negatives -> stage 2 (experiments/quickstart/);
3. run tools/test.py on both benchmarks for the trained model, the model-zoo model (if shipped) and the
   OpenCV baselines;
4. print tools/eval.py tables and write plots.

Every step is the command a user would type (printed before it runs). Re-running reuses what is done:
generated data, finished checkpoints (training resumes) and finished videos (test.py skips them).
"""
from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.synthetic import generate_benchmark, generate_unlabeled_images  # noqa: E402

ZOO_MODEL = REPO / "models" / "s2siamfc_alexnet.pth"


def run(cmd, **kw) -> None:
    print("\n$ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=REPO, **kw)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/synthetic", help="where generated data goes (relative to the repo)")
    p.add_argument("--results", default="results/quickstart", help="results root")
    p.add_argument("--outputs", default="outputs/quickstart", help="tables and plots")
    p.add_argument("--config", "--cfg", default="experiments/quickstart/config.yaml", help="training config (stage 2)")
    p.add_argument("--eao_interval", nargs=2, type=int, default=[20, 60],
                   help="EAO sequence-length interval suited to the 60-frame synthetic videos")
    p.add_argument("--skip_train", action="store_true", help="only evaluate already trained / shipped models")
    args = p.parse_args(argv)

    t0 = time.time()
    py = sys.executable
    data = REPO / args.data
    outputs = REPO / args.outputs
    outputs.mkdir(parents=True, exist_ok=True)

    print("[1/4] generating the synthetic benchmark and unlabeled images ...", flush=True)
    roots = generate_benchmark(data / "bench", seed=0, num_videos=6, num_frames=60)
    unlabeled = generate_unlabeled_images(data / "unlabeled", n=200, seed=0)
    print(f"  VOT layout: {roots['vot']}\n  OTB layout: {roots['otb']}\n  unlabeled:  {unlabeled}")

    trackers = []  # (tracker name, extra test.py args)
    trained = REPO / "runs" / "quickstart" / "model.pth"
    if not args.skip_train:
        print("\n[2/4] training S2SiamFC (stage 1 -> K-means -> stage 2) ...", flush=True)
        if trained.exists():
            print(f"  reusing {trained}")
        else:
            run([py, "tools/train.py", "--config", args.config, "--resume", "auto",
                 "--opts", "DATASET.SYNTHETIC.ROOT", unlabeled.relative_to(REPO)])
    if trained.exists():
        trackers.append(("s2siamfc_quickstart", ["--config", args.config, "--snapshot", trained]))
    if ZOO_MODEL.exists():
        trackers.append(("s2siamfc_zoo", ["--snapshot", ZOO_MODEL]))  # its stored config (MODEL_ZOO.md)
    trackers += [("opencv_kcf", ["--tracker", "opencv_kcf"]), ("opencv_csrt", ["--tracker", "opencv_csrt"])]

    print("\n[3/4] tracking both benchmarks (VOT reset protocol, OTB one-pass) ...", flush=True)
    benchmarks = [("VOT2016", roots["vot"]), ("OTB100", roots["otb"])]
    for dataset, root in benchmarks:
        for name, extra in trackers:
            run([py, "tools/test.py", "--dataset", dataset, "--dataset_root", root, "--tracker_name", name,
                 "--results_dir", args.results, *extra])

    print("\n[4/4] evaluating ...", flush=True)
    for dataset, root in benchmarks:
        cmd = [py, "tools/eval.py", "--tracker_path", args.results, "--dataset", dataset, "--dataset_root", root]
        if dataset.startswith("VOT"):
            cmd += ["--eao_interval", *map(str, args.eao_interval)]
        run(cmd + ["--plot", outputs / "plots" / dataset])
        with open(outputs / f"{dataset}.json", "w") as f:
            run(cmd + ["--format", "json", "--show_video_level"], stdout=f)

    print(f"\nDone in {time.time() - t0:.0f} s.")
    print(f"  results (pysot layout): {REPO / args.results}")
    print(f"  tables as JSON, plots:  {outputs}")
    if trained.exists():
        print(f"  trained model:          {trained} (logs: {trained.parent / 'logs'})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        print(f"quickstart: step failed with exit status {e.returncode}: {' '.join(map(str, e.cmd))}",
              file=sys.stderr)
        sys.exit(e.returncode or 1)
