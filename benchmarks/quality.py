#!/usr/bin/env python
"""Quality study: S2SiamFC (self-supervised) vs supervised SiamFC vs OpenCV KCF/CSRT, with the paper's ablations.

    .venv/bin/python benchmarks/quality.py --smoke --out /tmp/q          # every row, tiny sizes, ~1 min on 2 cores
    .venv/bin/python benchmarks/quality.py                               # the CPU study (sizes below)
    .venv/bin/python benchmarks/quality.py --device cuda --epochs 50 --pairs_per_epoch 3862 --workers 8
    .venv/bin/python benchmarks/quality.py --rows main,baseline --seeds 3   # a subset of the rows

Data: the shared real sequences (../shared/data, MANIFEST.md) with their fixed split -- train: Human3, wakeboard7,
boat1, MotorRolling, car1; eval: bag, Crossing, Girl, ball1, Deer, MountainBike -- and unlabeled/ for row 2b; the
synthetic benchmark of toolkit.datasets.synthetic when that folder is absent (or with --synthetic).

Rows (benchmarks/quality/plan.py): supervised SiamFC (boxes of the train sequences) and S2SiamFC (the same frames,
every k-th, no boxes; stage 1 -> K-means -> stage 2) with/without linear template update and one-image fine-tuning,
each over --seeds seeds; S2SiamFC with unlabeled/ added; the ablations SS, +AC, +HN, +AM, all (paper Table 3);
OpenCV KCF and CSRT. Each row is tracked under the one-pass protocol (success AUC, precision@20) and the reset
protocol (Accuracy, Robustness, Lost Number, EAO over an interval derived from the eval sequence lengths).

Sizes. Defaults (a CPU study): 10 epochs x 800 pairs = 1000 steps of 8 per training run, 3 seeds, 14 training
runs (8 with the full S2SiamFC loss at ~1.7-2 s/step, 6 plain at ~1.3-1.5 s/step on 2 idle cores): ~7 h of
training + 6-8 h of tracking (42 SiamFC runs of ~2,500 frames, both protocols, at 3-6 fps per process on one
core) on 2 cores; the wall time grows with the machine's load. docs/results.md was made with --epochs 10
--pairs_per_epoch 1600 on a GPU machine in 6 minutes (docs/study.md). The paper trains 50 x 3862 pairs (24k
steps). Rows can be run separately (--rows) and a run can be stopped and resumed at any time.

Several machines, one study: runs with the same sizes share the work folder, so the SiamFC rows can run where
there is a GPU (--device cuda --rows main,more,ablation; ``python -m benchmarks.quality.copy_data`` makes a
size-capped copy of the data for a machine that cannot read ../shared) and the OpenCV rows and the report here:
a task whose outputs are absent is run only when a task still to run needs them, so the tracking results that
came back are scored without their checkpoints. tasks.json and invocations.json record which machine ran what.

Everything runs through the real tools (tools/train.py, tools/cluster.py, tools/test.py, tools/eval.py) as child
processes from the repository root; the exact commands are recorded. Outputs live in
``<out>/<data>_k<step>_e<epochs>_p<pairs>_b<batch>[_v<videos>f<frames>][_smoke]/`` (train/, results/, eval/,
logs/, tasks.json): a re-run with the same sizes reuses finished checkpoints (model.pth; an interrupted run resumes
with --resume auto) and finished videos. The report goes to docs/results.md + docs/results.json (--smoke: into
--out). The last stdout line is a JSON summary {"rows", "wall_s", "failed", "auc": {row: ...}, "eao": {row: ...},
"claims", ...}. SIGTERM/Ctrl-C kill the running command; re-run the same command to resume.
Exit status: 0, or 1 when a command failed (the report is still written, with n/a where numbers are missing).
"""
import os
import sys

# benchmarks/quality/ (the package) is imported as benchmarks.quality; this file is only the entry point
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.quality.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
