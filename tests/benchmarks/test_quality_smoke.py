"""benchmarks/quality.py: one --smoke run end to end (every row of the table, both protocols), plus the pure pieces
(EAO interval rule, seed aggregation, claims check) on hand-worked numbers.

The smoke run uses ../shared/data when present and the synthetic benchmark otherwise; it writes only under tmp_path
(never docs/). --smoke runs 2 commands at a time, 1 torch thread each.
"""
import json
import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.quality import ROWS, StudyError, Task, data_opts, eao_interval_from_lengths, needed_tasks  # noqa: E402
from benchmarks.quality import run_tasks, shared_data as study_data  # noqa: E402
from benchmarks.quality_copy import make_copy  # noqa: E402
from benchmarks.quality_report import aggregate, check_claims  # noqa: E402

ROW_IDS = [r[0] for r in ROWS]


# ------------------------------------------------------------------------------------------------ pure pieces
def test_eao_interval_identical_lengths_by_hand():
    # four sequences of 50 frames: std = IQR = 0 -> bandwidth floor 1 frame; grid 1..54 (max + 4 h).
    # density ~ exp(-(x-50)^2/2): 50 -> 1, 49/51 -> .6065, 48/52 -> .1353, 47/53 -> .0111, 46/54 -> .0003;
    # total ~ 2.5065, so the mode alone holds .399 < .5; the neighbours tie and the left one is taken first:
    # [49, 50] holds 1.6065 / 2.5065 = .641
    lo, hi, info = eao_interval_from_lengths([50, 50, 50, 50])
    assert (lo, hi) == (49, 50)
    assert info["mode"] == 50 and info["bandwidth"] == 1.0
    assert info["mass"] == pytest.approx(1.6065 / 2.5065, abs=1e-3)


def test_eao_interval_of_the_shared_eval_lengths_holds_half_around_the_mode():
    lengths = [196, 120, 500, 105, 71, 228]  # bag, Crossing, Girl, ball1, Deer, MountainBike (MANIFEST.md)
    lo, hi, info = eao_interval_from_lengths(lengths)
    assert 1 <= lo < info["mode"] < hi <= max(lengths)
    assert 0.5 <= info["mass"] < 0.51
    with pytest.raises(ValueError):
        eao_interval_from_lengths([10, 0])


def test_aggregate_sample_std_and_missing_values():
    agg = aggregate([0.2, 0.4, None])
    # mean .3; sample std sqrt(((.1)^2 + (.1)^2) / (2 - 1)) = .1414
    assert agg["mean"] == pytest.approx(0.3) and agg["std"] == pytest.approx(math.sqrt(0.02))
    assert (agg["n"], agg["min"], agg["max"]) == (2, 0.2, 0.4)
    assert aggregate([0.5])["std"] is None
    assert aggregate([None])["mean"] is None


def _row(eao, auc, eao_std=None):
    return {"reset": {"eao": {"mean": eao, "std": eao_std}}, "ope": {"success_auc": {"mean": auc, "std": None}}}


def test_claims_check_ratio_and_noise():
    numbers = {"s2siamfc": _row(0.18, 0.50, eao_std=0.02), "siamfc_supervised": _row(0.188, 0.60),
               "kcf": _row(0.135, 0.40), "s2siamfc_lu": _row(0.19, 0.49)}
    claims = {c["id"]: c for c in check_claims(numbers)}
    # C1: EAO .18 / .188 = .957 >= .95 holds, AUC .5 / .6 = .833 does not
    assert claims["C1"]["verdict"].startswith("mixed (EAO: yes, AUC: no)")
    assert claims["C1"]["metrics"]["EAO"]["ratio"] == pytest.approx(0.18 / 0.188)
    assert claims["C2"]["verdict"] == "supported"  # .18 > .135 and .5 > .4
    # C8: EAO +.01 (< the S2SiamFC seed std .02: within noise), AUC -.01
    assert claims["C8"]["verdict"] == "mixed (EAO: yes, AUC: no); difference within seed noise"
    assert claims["C4"]["verdict"].startswith("not evaluated")


def test_runner_blocks_dependents_of_a_failure_and_reuses_finished_tasks(tmp_path):
    marker = tmp_path / "made.txt"
    tasks = [Task("ok", ["-c", f"open({str(marker)!r}, 'w').write('1'); print('hello')"]),
             Task("bad", ["-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"]),
             Task("after_bad", ["-c", "pass"], deps=["bad"]),
             Task("after_ok", ["-c", "pass"], deps=["ok"], done=marker.is_file)]
    res = run_tasks(tasks, 2, tmp_path, "here")
    assert {k: r["status"] for k, r in res.items()} == {"ok": "ran", "bad": "failed", "after_bad": "blocked",
                                                         "after_ok": "reused"}
    assert (tmp_path / "logs" / "ok.out").read_text().strip() == "hello" and res["bad"]["returncode"] == 3
    assert "boom" in (tmp_path / "logs" / "bad.err").read_text()
    assert shlex.split(res["ok"]["command"])[1:] == tasks[0].args  # recorded exactly
    state = json.loads((tmp_path / "tasks.json").read_text())
    assert state["bad"]["returncode"] == 3 and state["ok"]["machine"] == "here" and "after_ok" not in state


def test_runner_skips_a_missing_input_whose_dependents_are_all_done(tmp_path):
    """Results brought back without their checkpoint: the training is not redone, the scoring still runs."""
    have = tmp_path / "results.txt"
    have.write_text("x")
    (tmp_path / "tasks.json").write_text(json.dumps({"train_a": {"wall_s": 12.5, "machine": "gpu box"}}))
    tasks = [Task("train_a", ["-c", "raise SystemExit(5)"]),
             Task("other_a", ["-c", "raise SystemExit(6)"], deps=["train_a"], done=have.is_file),
             Task("score_a", ["-c", "print('scored')"], deps=["other_a"]),
             Task("train_b", ["-c", "print('trained')"]),
             Task("other_b", ["-c", "pass"], deps=["train_b"])]
    assert needed_tasks(tasks) == {"other_a", "score_a", "train_b", "other_b"}  # outputs that must exist
    res = run_tasks(tasks, 1, tmp_path, "here")
    assert {k: r["status"] for k, r in res.items()} == {"train_a": "skipped", "other_a": "reused", "score_a": "ran",
                                                         "train_b": "ran", "other_b": "ran"}
    assert res["train_a"]["wall_s"] == 12.5 and res["train_a"]["machine"] == "gpu box"  # as recorded where it ran


def test_copy_data_keeps_eval_exact_thins_train_and_the_study_reads_it(tmp_path, shared_data):
    info = make_copy(shared_data, tmp_path / "copy", frame_step=5, side=64, quality=50, budget_mb=200)
    seq = tmp_path / "copy" / "sequences"
    for name in ("Girl/img/0001.jpg", "bag/groundtruth.txt", "Girl/groundtruth_rect.txt"):  # eval: byte-identical
        assert (seq / name).read_bytes() == (shared_data / "sequences" / name).read_bytes()
    src = sorted((shared_data / "sequences" / "car1" / "img").iterdir())[::5]
    dst = sorted((seq / "car1" / "img").iterdir())
    assert len(dst) == 30 and [p.read_bytes() for p in dst] == [p.read_bytes() for p in src]
    gt = (shared_data / "sequences" / "car1" / "groundtruth.txt").read_text().splitlines()[::5]
    assert (seq / "car1" / "groundtruth.txt").read_text().splitlines() == gt
    assert info["unlabeled"]["images"] == 1253

    d = study_data(tmp_path / "copy", 5, smoke=False)
    assert d.thinned == 5 and d.source_step == 1 and any("size-capped copy" in n for n in d.notes)
    sup = data_opts(d, "supervised")
    # FRAME_RANGE 100 real frames = 20 steps of 5 on the pre-thinned folders: the same pairs as on the original
    assert sup[sup.index("DATASET.LABELLED.FRAME_STEP") + 1] == "1"
    assert sup[sup.index("SAMPLER.FRAME_RANGE") + 1] == "20"
    opts = data_opts(study_data(shared_data, 5, smoke=False), "supervised")
    assert opts[opts.index("DATASET.LABELLED.FRAME_STEP") + 1] == "5" and "SAMPLER.FRAME_RANGE" not in opts
    with pytest.raises(StudyError, match="multiple of 5"):
        study_data(tmp_path / "copy", 3, smoke=False)


# ------------------------------------------------------------------------------------------------ the smoke run
def test_quality_smoke_produces_every_row(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "quality.py"), "--smoke", "--out", str(tmp_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=480)
    assert proc.returncode == 0, proc.stderr[-4000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["rows"] == len(ROW_IDS) and summary["failed"] == 0
    for metric in ("auc", "eao"):
        assert set(summary[metric]) == set(ROW_IDS)
        assert all(isinstance(v, float) for v in summary[metric].values()), summary[metric]

    # the report lands in --out, not in docs/; the raw numbers in the work folder
    assert Path(summary["report"]).parent == tmp_path and Path(summary["results"]).parent.parent == tmp_path
    doc = json.loads(Path(summary["results"]).read_text())
    assert list(doc["rows"]) == ROW_IDS
    for rid, row in doc["rows"].items():
        # (Accuracy may be undefined in a 20-frame smoke run: AR skips 10 frames after every (re)start)
        for protocol, key in (("ope", "success_auc"), ("ope", "precision"), ("reset", "eao"),
                              ("reset", "lost_number"), ("reset", "robustness")):
            assert row[protocol][key]["mean"] is not None, (rid, protocol, key)
    assert {c["id"] for c in doc["claims"]} >= {"C1", "C2", "C4", "C5", "C6", "C8", "C9"}
    assert all(c["status"] in ("ran", "reused") for c in doc["commands"])
    tools = {c["command"].split()[1] for c in doc["commands"]}
    assert tools == {"tools/train.py", "tools/cluster.py", "tools/test.py", "tools/eval.py"}
    assert doc["meta"]["smoke"] is True and doc["data"]["eao_interval"][0] >= 1

    md = (tmp_path / "results.md").read_text()
    ope = md.split("## One-pass protocol")[1].split("## Reset protocol")[0]
    reset = md.split("## Reset protocol")[1].split("## Paper claims check")[0]
    for row in ROWS:  # columns: | Row | Seeds | AUC | Prec@20 | fps |  and  | Row | Seeds | Acc | Rob | Lost | EAO |
        for table, columns in ((ope, (3, 4)), (reset, (4, 5, 6))):
            line = next((ln for ln in table.splitlines() if ln.startswith(f"| {row[1]} |")), None)
            assert line is not None, row[1]
            cells = line.split("|")
            assert all("n/a" not in cells[i] for i in columns), line
    assert "## Paper claims check" in md and "## Commands" in md and "Smoke run" in md

    # a re-run reuses every checkpoint and tracking result and only re-scores them
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "quality.py"), "--smoke", "--out", str(tmp_path),
                           "--rows", "abl_ss,kcf"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    doc = json.loads(Path(json.loads(proc.stdout.strip().splitlines()[-1])["results"]).read_text())
    assert {c["id"]: c["status"] for c in doc["commands"] if c["stage"] != "eval"} == {
        "track_kcf_ope": "reused", "track_kcf_reset": "reused", "train_ss_s0": "reused",
        "track_abl_ss_s0_ope": "reused", "track_abl_ss_s0_reset": "reused"}
    assert list(doc["rows"]) == ["abl_ss", "kcf"] and doc["rows"]["kcf"]["ope"]["success_auc"]["mean"] is not None
