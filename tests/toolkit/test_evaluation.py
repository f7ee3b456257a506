"""Evaluation layer (docs/toolkit.md §3-5, §9): hand-computed VOT A/R/EAO and OPE numbers, tables, plots, the CLI.

Boxes are chosen so that the rasterised VOT overlap (docs/toolkit.md §1.3: inclusive pixels) is a simple fraction:
an axis-aligned GT polygon with corners (x0, y0)-(x1, y1) covers (x1-x0+1)(y1-y0+1) pixels, a result
rectangle [x, y, w, h] with integer values covers (w+1)(h+1) pixels.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from toolkit.datasets.base import Dataset, Video
from toolkit.evaluation import AccuracyRobustnessBenchmark, EAOBenchmark, OPEBenchmark
from toolkit.evaluation import ar_benchmark as ar, report
from toolkit.evaluation.eao_benchmark import build_fragments, expected_overlap_curves
from toolkit.evaluation.report import ope_summary, to_csv, to_json, vot_summary
from toolkit.utils.errors import ToolkitError
from toolkit.visualization import tables

REPO = Path(__file__).resolve().parents[2]
APPROX = dict(rel=2e-6, abs=2e-7)  # overlaps are float32 values (docs/toolkit.md §1.1)


# ----------------------------------------------------------------------------------------------- helpers
def poly(x0, y0, x1, y1):
    return [x0, y0, x1, y0, x1, y1, x0, y1]


def make_dataset(tmp_path, spec, name="hand", protocol="reset", eao_interval=(1, 10)):
    """spec: video -> dict(size=(W, H), gt=[...], tags={...}, absent=[...]). Only the first frame is a real image
    (Video.width/height read it)."""
    root = tmp_path / "data"
    videos = {}
    for vname, s in spec.items():
        w, h = s["size"]
        (root / vname).mkdir(parents=True)
        cv2.imwrite(str(root / vname / "00000001.jpg"), np.zeros((h, w, 3), np.uint8))
        gt = s["gt"]
        imgs = [f"{vname}/{i:08d}.jpg" for i in range(1, len(gt) + 1)]
        videos[vname] = Video(vname, root, vname, gt[0], imgs, gt, s.get("attr"), False, tags=s.get("tags"),
                              absent=s.get("absent"), protocol=protocol)
    return Dataset(name, root, videos, protocol=protocol, eao_interval=eao_interval)


def fmt_line(entry):
    return ",".join(f"{v:g}" for v in entry) if isinstance(entry, (list, tuple)) else str(entry)


def write_vot_results(results, tracker, video, lines):
    d = results / tracker / "baseline" / video
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{video}_001.txt").write_text("\n".join(fmt_line(x) for x in lines) + "\n")


def write_ope_results(results, tracker, video, boxes):
    d = results / tracker
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{video}.txt").write_text("\n".join(fmt_line(x) for x in boxes) + "\n")


# ------------------------------------------------------------------------- (1) hand-made 3-video VOT example
# GT of alpha and bravo (40x40 images): polygon (10,10)-(19,19), 100 px. Result rectangles against it:
EXACT = [10, 10, 9, 9]        # 100 px, IoU 1
SHIFT = [15, 10, 9, 9]        # cols 15..24: inter 5x10 = 50, union 150 -> 1/3
HALF_W = [10, 10, 4, 9]       # cols 10..14, inside GT: 50/100 = 1/2
HALF_H = [10, 10, 9, 4]       # 1/2
QUARTER = [10, 10, 4, 4]      # 25/100 = 1/4
# charlie (30x30 image): GT polygon (20,10)-(29,19) touches the right image border (column 29 = W-1).
C_EXACT = [20, 10, 9, 9]      # IoU 1 under any bound
C_WIDE = [20, 10, 10, 9]      # cols 20..30 (110 px). AR bound (W,H)=(30,30) keeps column 30: IoU 100/110 = 10/11;
#                               EAO bound (W-1,H-1)=(29,29) clips it to 100 px: IoU 1.
C_HALF = [20, 10, 4, 9]       # 50/100 = 1/2 under both bounds

ALPHA = [1] + [EXACT] * 9 + [SHIFT, HALF_W]                                   # 12 frames, no failure
BRAVO = [1, EXACT, EXACT, 2, 0, 0, 0, 0, 1] + [EXACT] * 9 + [HALF_H, QUARTER]   # 20 frames, failure at 3
CHARLIE = ([1, C_WIDE, 2, 0, 0, 0, 0, 1] + [C_EXACT] * 9 + [C_WIDE, C_WIDE, C_HALF, C_HALF, 2, 0, 0, 0])
#          25 frames, failures at 2 and 21 (21 + 5 = 26 > 25, so no re-init point: the fragment rule drops it)
# occlusion tag: only bravo frames 0..8 (exactly bravo's first fragment); 'empty' is its per-frame complement.
B_OCC = [1] * 9 + [0] * 11


def vot_spec():
    return {
        "alpha": dict(size=(40, 40), gt=[poly(10, 10, 19, 19)] * 12, tags={"occlusion": [0] * 12}),
        "bravo": dict(size=(40, 40), gt=[poly(10, 10, 19, 19)] * 20, tags={"occlusion": B_OCC}),
        "charlie": dict(size=(30, 30), gt=[poly(20, 10, 29, 19)] * 25, tags={"occlusion": [0] * 25}),
    }


@pytest.fixture
def vot_hand(tmp_path):
    ds = make_dataset(tmp_path, vot_spec())
    results = tmp_path / "results" / "hand"
    for vname, lines in (("alpha", ALPHA), ("bravo", BRAVO), ("charlie", CHARLIE)):
        write_vot_results(results, "T", vname, lines)
    ds.set_tracker(str(results), ["T"])
    ds.load_tracker(str(results), ["T"])
    return ds


def test_ar_hand_example(vot_hand):
    res = AccuracyRobustnessBenchmark(vot_hand).eval(["T"])["T"]
    nan = float("nan")
    # Burn-in 10 blanks the init frame and the 9 after it (chained re-inits included):
    # alpha frames 0..9; bravo 0..9 and 8..17; charlie 0..9 and 7..16. What is left (AR bound (W, H)):
    expected = {
        "alpha": [nan] * 10 + [1 / 3, 1 / 2],
        "bravo": [nan] * 18 + [1 / 2, 1 / 4],
        "charlie": [nan] * 17 + [10 / 11, 10 / 11, 1 / 2, 1 / 2] + [nan] * 4,
    }
    for v, exp in expected.items():
        assert np.allclose(res["overlaps"][v], exp, equal_nan=True, rtol=2e-6), v
    assert res["failures"] == {"alpha": [0], "bravo": [1], "charlie": [2]}
    # Accuracy pools the 8 counted frames of all videos:
    # (1/3 + 1/2 + 1/2 + 1/4 + 10/11 + 10/11 + 1/2 + 1/2) / 8 = (581/132) / 8 = 581/1056
    assert report.accuracy(res) == pytest.approx(581 / 1056, **APPROX)
    # 3 failures over 12 + 20 + 25 = 57 frames -> 100 * 3/57 failures per 100 frames; lost number 3
    assert report.total_frames(res) == 57
    assert report.robustness(res) == pytest.approx(300 / 57)
    assert report.lost_number(res) == 3.0
    per_video = report.video_summary(res)
    assert per_video["alpha"]["accuracy"] == pytest.approx(5 / 12, **APPROX)
    assert per_video["charlie"]["lost_number"] == 2.0
    assert per_video["charlie"]["robustness"] == pytest.approx(200 / 25)


def test_ar_burnin_argument(vot_hand):
    # burnin=0: alpha keeps frames 1..11 -> (9 + 1/3 + 1/2) / 11
    res = AccuracyRobustnessBenchmark(vot_hand, burnin=0).eval("T")["T"]
    assert np.nanmean(res["overlaps"]["alpha"]) == pytest.approx((9 + 1 / 3 + 1 / 2) / 11, **APPROX)


# EAO: bound (W-1, H-1), no burn-in. Fragments (columns = frames since the fragment start; every weight is 1
# for tag 'all'):
#   R1 alpha (no failure, NaN kept): [nan, 1 x9, 1/3, 1/2]                           12 columns, then NaN
#   R2 bravo 0..8 (not last, 0-filled): [0, 1, 1, 0, 0, 0, 0, 0, 0] then 0 to the end
#   R3 bravo 8..19 (last, NaN->0):      [0, 1 x9, 1/2, 1/4]                           12 columns, then NaN
#   R4 charlie 0..7 (not last):         [0, 1, 0 ...] (frame 1 is C_WIDE: IoU 1 under the EAO bound)
#   R5 charlie 7..24 (last):            [0, 1 x9, 1, 1, 1/2, 1/2, 0, 0, 0, 0]         18 columns, then NaN
# eo[i] = mean over rows with column i of mean(row[1..i]):
#   i = 1: (1+1+1+1+1)/5 = 1;  2 <= i <= 9: (1 + 2/i + 1 + 1/i + 1)/5 = (3 + 3/i)/5
#   i = 10: (28/30 + 2/10 + 9.5/10 + 1/10 + 1)/5;  i = 11: (9.8333/11 + 2/11 + 9.75/11 + 1/11 + 1)/5
#   i = 12: rows R1 and R3 end at column 11 -> (2/12 + 1/12 + 11.5/12)/3
EO_HAND = [1.0, 1.0] + [(3 + 3 / i) / 5 for i in range(2, 10)] + [
    (28 / 30 + 0.2 + 0.95 + 0.1 + 1) / 5,
    ((9 + 1 / 3 + 1 / 2) / 11 + 2 / 11 + 9.75 / 11 + 1 / 11 + 1) / 5,
    (2 / 12 + 1 / 12 + 11.5 / 12) / 3,
]


def test_eao_hand_example(vot_hand):
    out = EAOBenchmark(vot_hand, tags=["all"]).eval_curves(["T"])["T"]
    eo = out["curves"]["all"]
    assert eo.dtype == np.float32 and len(eo) == 25
    assert np.allclose(eo[:13], EO_HAND, rtol=2e-6)
    # interval (1, 10): mean of eo[0..9] = (1 + 1 + sum_{i=2..9} (3 + 3/i)/5) / 10 = 0.78973809...
    expected = (2 + sum((3 + 3 / i) / 5 for i in range(2, 10))) / 10
    assert expected == pytest.approx(0.7897380952, abs=1e-9)
    assert out["eao"]["all"] == pytest.approx(expected, **APPROX)
    # interval (11, 13): mean of eo[10..12]
    late = EAOBenchmark(vot_hand, interval=(11, 13)).eval("T")["T"]["all"]
    assert late == pytest.approx(sum(EO_HAND[10:13]) / 3, **APPROX)


def test_eao_per_tag_weights(vot_hand):
    res = EAOBenchmark(vot_hand, tags=["all", "occlusion", "empty"]).eval(["T"])["T"]
    # occlusion weights: R1 0, R2 9/9 = 1, R3 sum(occ[8:20])/12 = 1/12, R4 0, R5 0, so for i <= 9
    # eo[i] = (min(i,2)/i * 1 + 1 * 1/12) / (13/12) = (12 min(i,2)/i + 1) / 13
    occ = (1 + sum((12 * min(i, 2) / i + 1) / 13 for i in range(1, 10))) / 10
    assert res["occlusion"] == pytest.approx(occ, **APPROX)
    # empty = 1 - occlusion per frame: weights R1 1, R2 0, R3 11/12, R4 1, R5 1 (sum 47/12), so for i <= 9
    # eo[i] = (1 + 11/12 + 1/i + 1) / (47/12) = (35 + 12/i) / 47
    empty = (1 + sum((35 + 12 / i) / 47 for i in range(1, 10))) / 10
    assert res["empty"] == pytest.approx(empty, **APPROX)
    assert res["all"] == pytest.approx(0.7897380952, **APPROX)


def test_eao_interval_required(vot_hand):
    vot_hand.eao_interval = None
    with pytest.raises(ToolkitError, match="--eao_interval"):
        EAOBenchmark(vot_hand)
    assert EAOBenchmark(vot_hand, interval=(2, 5)).low == 2
    with pytest.raises(ToolkitError):
        EAOBenchmark(vot_hand, interval=(5, 2))


def test_eao_interval_beyond_sequences_is_nan(vot_hand):
    with pytest.warns(UserWarning, match="EAO"):
        res = EAOBenchmark(vot_hand, interval=(100, 356)).eval("T")["T"]
    assert math.isnan(res["all"])


def test_expected_overlap_matches_statistics():
    """The multi-tag running-sum version equals statistics.calculate_expected_overlap (docs/toolkit.md §2) per tag."""
    from toolkit.utils.statistics import calculate_expected_overlap
    rng = np.random.default_rng(0)
    frag = rng.random((30, 60))
    for r in range(30):  # NaN tails of varied length, some NaN first columns, one interior NaN
        frag[r, rng.integers(5, 61):] = np.nan
    frag[3, 0] = np.nan
    frag[7, 10] = np.nan
    weights = rng.random((3, 30))
    weights[1, :10] = 0
    curves = expected_overlap_curves(frag, weights)
    for t in range(3):
        ref = calculate_expected_overlap(frag, weights[t])
        assert np.allclose(curves[t], ref, rtol=1e-6, equal_nan=True)
        assert np.array_equal(np.isnan(curves[t]), np.isnan(ref))


def test_fragments_points_rule():
    # 10 frames, failures at 2 and 7: 2+5 = 7 <= 10 kept, 7+5 = 12 > 10 dropped -> points [0, 7]
    o = np.array([np.nan, .5, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, .9, .8])
    prefix = np.concatenate([[0], np.cumsum([1] * 10)])
    frags, w = build_fragments([(10, [2, 7], o, {"all": prefix}, 1.0)], ["all"], 5)
    assert frags.shape == (2, 10)
    assert np.array_equal(frags[0], [0, .5, 0, 0, 0, 0, 0, 0, 0, 0])  # o[0:8], NaN -> 0, zero-filled
    assert np.array_equal(frags[1, :3], [0, .9, .8]) and np.isnan(frags[1, 3:]).all()
    assert w[0, 0] == pytest.approx(8 / 8) and w[0, 1] == pytest.approx(3 / 3)


def test_ar_repetitions_aggregation():
    res = {"overlaps": {"a": [0.5] * 10, "b": [0.25] * 30},
           "failures": {"a": [1, 3], "b": [0, 2]}}
    # per repetition totals [1, 5]: lost number 3, robustness mean(1/40, 5/40) * 100 = 7.5
    assert report.lost_number(res) == 3.0
    assert report.robustness(res) == pytest.approx(7.5)
    assert report.accuracy(res) == pytest.approx((5 + 7.5) / 40)
    assert ar.nanmean_over_reps([[1, np.nan, 0.5], [0, np.nan, 1, 0.2]]) == pytest.approx(
        [0.5, np.nan, 0.75, 0.2], nan_ok=True)


# ----------------------------------------------------------------------------------------- (2) OPE by hand
def test_ope_success_and_precision_by_hand(tmp_path):
    gt = [[0, 0, 10, 10]] * 5 + [[0, 0, 0, 10]]   # frame 5: invalid GT (w = 0)
    pred = [
        [0, 0, 10, 10],     # IoU 1,     centre distance 0
        [5, 0, 10, 10],     # IoU 50/150 = 1/3, distance 5
        [0, 0, 6.2, 10],    # IoU 62/100 = 0.62, centre (0 + 5.2/2, 4.5) = (2.6, 4.5): distance 1.9
        [30, 30, 10, 10],   # IoU 0, distance 30*sqrt(2) = 42.43
        [100, 0, 10, 10],   # IoU 0, distance 100
        [0, 0, 10, 10],     # invalid GT: IoU -1 (never a success) but distance -1 (always a precision success)
    ]
    ds = make_dataset(tmp_path, {"v": dict(size=(200, 200), gt=gt)}, name="OTBhand", protocol="ope")
    write_ope_results(tmp_path / "res", "T", "v", pred)
    ds.set_tracker(str(tmp_path / "res"), ["T"])
    bench = OPEBenchmark(ds)
    succ = bench.eval_success("T")["T"]["v"]
    # successes (iou > thr) out of 6: thr 0 and 0.05..0.30 -> 3; 0.35..0.60 -> 2; 0.65..0.95 -> 1; 1.0 -> 0
    exp = np.array([3] * 7 + [2] * 6 + [1] * 7 + [0]) / 6
    assert np.allclose(succ, exp)
    # AUC = (3*7 + 2*6 + 1*7) / (6 * 21) = 40/126
    assert np.mean(succ) == pytest.approx(40 / 126)
    prec = bench.eval_precision("T")["T"]["v"]
    # dist <= thr: thr 0,1 -> {0, invalid}; 2..4 -> + 1.9; 5..42 -> + 5; 43..50 -> + 42.43
    exp_p = np.array([2, 2, 3, 3, 3] + [4] * 38 + [5] * 8) / 6
    assert np.allclose(prec, exp_p)
    assert prec[20] == pytest.approx(4 / 6)
    norm = bench.eval_norm_precision("T")["T"]["v"]
    # GT-normalised distances: 0, 0.5, 0.19, 4.24, 10, invalid -> @0.20: 3 of 6
    assert norm[20] == pytest.approx(3 / 6)
    summ = ope_summary(bench.eval_success("T"), bench.eval_precision("T"), bench.eval_norm_precision("T"))
    assert summ["T"]["success_auc"] == pytest.approx(40 / 126)
    assert summ["T"]["precision"] == pytest.approx(4 / 6)
    assert summ["T"]["norm_precision"] == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------ (3) LaSOT absent
def test_lasot_absent_frames_filtered_but_counted(tmp_path):
    gt = [[10, 10, 20, 20]] * 4
    pred = [[10, 10, 20, 20], [10, 10, 20, 20], [10, 10, 20, 20], [150, 150, 20, 20]]
    spec = {"v": dict(size=(200, 200), gt=gt, absent=[1, 0, 1, 1])}  # 1 = target present
    ds = make_dataset(tmp_path, spec, name="LaSOT", protocol="ope")
    write_ope_results(tmp_path / "res", "T", "v", pred)
    ds.set_tracker(str(tmp_path / "res"), ["T"])
    bench = OPEBenchmark(ds)
    succ = bench.eval_success("T")["T"]["v"]
    # frame 1 (absent) is dropped although the box is perfect; the denominator stays 4:
    # IoUs [1, 1, 0] -> 2/4 for thresholds 0..0.95, 0 at 1.0 -> AUC = 20 * 0.5 / 21 = 10/21
    assert np.mean(succ) == pytest.approx(10 / 21)
    prec = bench.eval_precision("T")["T"]["v"]
    assert prec[20] == pytest.approx(2 / 4)
    # without the absent flags the perfect frame 1 would count: 15/21
    ds["v"].absent = None
    assert np.mean(OPEBenchmark(ds).eval_success("T")["T"]["v"]) == pytest.approx(15 / 21)


def test_ope_attributes_and_video_subset(tmp_path):
    spec = {"a": dict(size=(50, 50), gt=[[0, 0, 10, 10]] * 3, attr=["IV"]),
            "b": dict(size=(50, 50), gt=[[0, 0, 10, 10]] * 3, attr=["OCC"])}
    ds = make_dataset(tmp_path, spec, name="OTBx", protocol="ope")
    write_ope_results(tmp_path / "res", "T", "a", [[0, 0, 10, 10]] * 3)
    write_ope_results(tmp_path / "res", "T", "b", [[40, 40, 5, 5]] * 3)
    ds.set_tracker(str(tmp_path / "res"), ["T"])
    bench = OPEBenchmark(ds)
    assert bench.attributes() == {"ALL": ["a", "b"], "IV": ["a"], "OCC": ["b"]}
    succ = bench.eval_success("T")
    assert ope_summary(succ, videos=["a"])["T"]["success_auc"] == pytest.approx(20 / 21)
    assert ope_summary(succ)["T"]["success_auc"] == pytest.approx(10 / 21)
    only_b = OPEBenchmark(ds, videos=["b"]).eval_success("T")["T"]
    assert list(only_b) == ["b"]
    with pytest.raises(ToolkitError):
        OPEBenchmark(ds, videos=["nope"])


# --------------------------------------------------------------------------------------- tables and report
def test_vot_table_layout_and_colour():
    name = "x" * 20
    summary = {name: {"accuracy": 0.6, "robustness": 0.2, "lost_number": 10.0, "eao": {"all": 0.4}},
               "b": {"accuracy": 0.5, "robustness": 0.1, "lost_number": 5.0, "eao": {"all": 0.3}}}
    text = tables.vot_table(summary, color=False)
    lines = text.splitlines()
    assert lines[1] == "|     Tracker Name     | Accuracy | Robustness | Lost Number |  EAO  |"
    assert lines[0] == lines[2] == lines[-1] == "-" * len(lines[1])
    assert lines[3] == f"|{name:^22}|{0.6:^10.3f}|{0.2:^12.3f}|{10.0:^13.1f}|{0.4:^7.3f}|"  # sorted by EAO
    assert "\x1b[" not in text
    colored = tables.vot_table(summary, color=True)
    assert "\x1b[32m\x1b[1m" + f"{0.6:^10.3f}" + "\x1b[0m|" in colored     # best accuracy (higher)
    assert "\x1b[32m\x1b[1m" + f"{0.1:^12.3f}" + "\x1b[0m|" in colored     # best robustness (lower)


def test_ope_and_eao_tables():
    summary = {"A": {"success_auc": 0.5, "precision": 0.6, "norm_precision": None},
               "B": {"success_auc": 0.7, "precision": 0.65, "norm_precision": None}}
    lines = tables.ope_table(summary).splitlines()
    assert lines[1] == "|Tracker name| Success | Norm Precision | Precision |"
    assert lines[3].startswith("|     B      |")  # sorted by AUC
    assert lines[3].endswith(f"|{0.0:^16.3f}|{0.65:^11.3f}|")
    tags = ["all", "camera_motion", "illum_change", "motion_change", "size_change", "occlusion", "empty"]
    header = tables.eao_table({"A": {t: 0.1 for t in tags}}, tags).splitlines()[1]
    assert header == ("|{:^20}|".format("Tracker Name")
                      + "{:^7}|{:^15}|{:^14}|{:^15}|{:^13}|{:^11}|{:^7}|".format(*tags))


def test_video_tables_red(vot_hand):
    res = AccuracyRobustnessBenchmark(vot_hand).eval("T")
    text = tables.vot_video_table(res, color=True)
    assert "\x1b[31m" + f"{2.0:^8.3f}" + "\x1b[0m|" in text  # charlie lost 2 -> red
    assert "\x1b[" not in tables.vot_video_table(res, color=False)
    curves = {"T": {"v": np.full(21, 0.9)}}
    prec = {"T": {"v": np.full(51, 0.3)}}
    text = tables.ope_video_table(curves, prec, color=True)
    assert "\x1b[31m" + f"{0.3:^11.3f}" in text and "\x1b[31m" + f"{0.9:^9.3f}" not in text


def test_report_json_csv(vot_hand):
    res = AccuracyRobustnessBenchmark(vot_hand).eval("T")
    summary = vot_summary(res, {"T": {"all": 0.5, "occlusion": float("nan")}}, video_level=True)
    data = json.loads(to_json(summary))
    assert data["T"]["lost_number"] == 3.0 and data["T"]["eao"]["occlusion"] is None
    assert set(data["T"]["videos"]) == {"alpha", "bravo", "charlie"}
    rows = list(csv.DictReader(io.StringIO(to_csv(summary))))
    assert [r["video"] for r in rows] == ["", "alpha", "bravo", "charlie"]
    assert float(rows[0]["robustness"]) == pytest.approx(300 / 57) and rows[0]["eao_all"] == "0.5"


def test_plots_written(tmp_path):
    from toolkit.visualization import plots
    succ = {"A": {"v": np.linspace(1, 0, 21)}, "B": {"v": np.linspace(0.8, 0, 21)}}
    prec = {"A": {"v": np.linspace(0, 1, 51)}, "B": {"v": np.linspace(0, 0.7, 51)}}
    paths = plots.draw_success_precision(succ, "OTBx", ["v"], "ALL", prec, prec, bold_name="A", out_dir=tmp_path)
    curves = {"A": {"eao": {"all": 0.3, "occlusion": 0.2},
                    "curves": {"all": np.linspace(1, 0.2, 30, dtype=np.float32),
                               "occlusion": np.linspace(1, 0.1, 30, dtype=np.float32)}}}
    paths += plots.draw_vot_plots("VOTx", curves, (5, 20), ["all", "occlusion"], tmp_path)
    assert len(paths) == 6
    paths += plots.draw_ope_plots("OTBx", {"ALL": ["v"], "IV": ["v"], "OCC": []}, succ, out_dir=tmp_path / "ope")
    assert sorted(p.name for p in paths[6:]) == ["success_OTBx_ALL.png", "success_OTBx_IV.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temp files left behind


# ------------------------------------------------------------------------- (4) tools/eval.py end to end
def run_eval(args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, str(REPO / "tools" / "eval.py")] + [str(a) for a in args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic benchmark in both layouts plus results of two fake trackers:
    'good' = GT boxes (bounding rectangles, never failing), 'bad' = shifted, one failure per VOT video."""
    synth = pytest.importorskip("toolkit.synthetic")
    from toolkit.datasets import DatasetFactory
    base = tmp_path_factory.mktemp("synth")
    roots = synth.generate_benchmark(base / "data", seed=0, num_videos=3, num_frames=24, size=(160, 120))
    results = base / "results"
    rng = np.random.default_rng(1)
    vot = DatasetFactory.create_dataset(name="VOT2016", dataset_root=str(roots["vot"]), load_img=False)
    for video in vot:
        good, bad = [1], [1]
        for i, g in enumerate(video.gt_traj[1:], start=1):
            xs, ys = g[0::2], g[1::2]
            rect = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
            good.append([round(v, 4) for v in rect])
            if i == 3:
                bad.append(2)
            elif 4 <= i <= 7:
                bad.append(0)
            elif i == 8:
                bad.append(1)
            else:
                bad.append([round(rect[0] + rect[2] * 0.3, 4)] + [round(v, 4) for v in rect[1:]])
        write_vot_results(results / "VOT2016", "good", video.name, good)
        write_vot_results(results / "VOT2016", "bad", video.name, bad)
    otb = DatasetFactory.create_dataset(name="OTB100", dataset_root=str(roots["otb"]), load_img=False)
    for video in otb:
        gt = np.asarray(video.gt_traj, float)
        write_ope_results(results / "OTB100", "good", video.name, np.round(gt + rng.normal(0, 1, gt.shape), 3).tolist())
        write_ope_results(results / "OTB100", "bad", video.name, (gt + [15, 10, 0, 0]).tolist())
    return {"base": base, "results": results, "vot": roots["vot"], "otb": roots["otb"],
            "vot_videos": [v.name for v in vot], "otb_videos": [v.name for v in otb]}


def vot_args(s):
    return ["-p", s["results"], "-d", "VOT2016", "--dataset_root", s["vot"], "--eao_interval", 1, 10]


def test_cli_vot_json_and_table(synthetic):
    s = synthetic
    out = run_eval(vot_args(s) + ["--format", "json", "-s"], s["base"])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert sorted(data) == ["bad", "good"]
    assert data["good"]["lost_number"] == 0 and data["bad"]["lost_number"] == 3  # one failure per video
    assert data["bad"]["robustness"] == pytest.approx(300 / (3 * 24))
    assert data["good"]["accuracy"] > data["bad"]["accuracy"] > 0
    assert set(data["good"]["eao"]) == {"all", "camera_motion", "illum_change", "motion_change", "size_change",
                                        "occlusion"}
    assert data["good"]["eao"]["all"] > data["bad"]["eao"]["all"]
    assert set(data["good"]["videos"]) == set(s["vot_videos"])
    assert "eval ar" in out.stderr and "eval eao" in out.stderr
    plot_dir = s["base"] / "vot_plots"
    table = run_eval(vot_args(s) + ["-n", 2, "--no_color", "--plot", plot_dir], s["base"])
    assert table.returncode == 0, table.stderr
    assert "|Tracker Name| Accuracy | Robustness | Lost Number |  EAO  |" in table.stdout
    assert table.stdout.index("good") < table.stdout.index("bad") and "\x1b[" not in table.stdout
    assert "|    Tracker Name    |  all  | camera_motion |" in table.stdout  # the per-tag EAO table
    pngs = sorted(p.name for p in plot_dir.glob("*.png"))
    assert pngs == sorted([f"eao_curve_VOT2016_{t}.png" for t in data["good"]["eao"]] + ["eao_tags_VOT2016.png"])


def test_cli_ope_csv(synthetic, capsys):
    from toolkit.cli.eval import main
    s = synthetic
    rc = main(["-p", str(s["results"]), "-d", "OTB100", "--dataset_root", str(s["otb"]), "--format", "csv", "-s"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert rows[0]["tracker"] == "bad" and rows[0]["video"] == ""
    assert len(rows) == 2 * (1 + len(s["otb_videos"]))
    by = {r["tracker"]: r for r in rows if not r["video"]}
    assert float(by["good"]["success_auc"]) > float(by["bad"]["success_auc"])
    assert set(rows[0]) == {"tracker", "video", "success_auc", "precision", "norm_precision"}


def test_cli_missing_video(synthetic, tmp_path, capsys):
    import shutil
    from toolkit.cli.eval import main
    s = synthetic
    results = tmp_path / "results"
    shutil.copytree(s["results"] / "OTB100", results / "OTB100")
    gone = s["otb_videos"][0]
    (results / "OTB100" / "bad" / f"{gone}.txt").unlink()
    args = ["-p", str(results), "-d", "OTB100", "--dataset_root", str(s["otb"]), "--format", "json"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert gone in err and "Traceback" not in err
    with pytest.warns(UserWarning, match=gone):  # the dataset's own warning, per tracker
        assert main(args + ["--allow_missing"]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and gone in captured.err
    data = json.loads(captured.out)
    assert data["bad"]["success_auc"] is not None


def test_cli_bad_result_line(synthetic, tmp_path):
    import shutil
    s = synthetic
    results = tmp_path / "results"
    shutil.copytree(s["results"] / "VOT2016", results / "VOT2016")
    video = s["vot_videos"][1]
    f = results / "VOT2016" / "bad" / "baseline" / video / f"{video}_001.txt"
    lines = f.read_text().splitlines()
    lines[4] = "1,2,abc,4"
    f.write_text("\n".join(lines) + "\n")
    out = run_eval(["-p", results, "-d", "VOT2016", "--dataset_root", s["vot"], "--eao_interval", 1, 10], tmp_path)
    assert out.returncode == 2
    assert f"{f}:5" in out.stderr and "Traceback" not in out.stderr


def test_cli_no_trackers(tmp_path):
    out = run_eval(["-p", tmp_path / "nothing", "-d", "VOT2016"], tmp_path)
    assert out.returncode == 2
    assert "no tracker result folders" in out.stderr and "Traceback" not in out.stderr


def test_cli_tags(synthetic, capsys):
    from toolkit.cli.eval import main
    s = synthetic
    base = [str(a) for a in vot_args(s)]
    assert main(base + ["--tags", "all", "bogus"]) == 2
    assert "bogus" in capsys.readouterr().err
    assert main(base + ["--tags", "occlusion", "empty", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["good"]["eao"]) == {"occlusion", "empty"}
