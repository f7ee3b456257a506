"""Result files whose length differs from the sequence (docs/toolkit.md §8): VOT results are scored by pysot's rule
with one warning per file, checked here against an independent transcription of that rule; one-pass results of the
wrong length and VOT repetitions of different lengths stay errors (pysot crashes on them)."""
import json
import math
import warnings

import numpy as np
import pytest

from toolkit.cli.eval import main
from toolkit.datasets import DatasetFactory, DatasetWarning
from toolkit.utils.errors import ToolkitError
from toolkit.utils.result_io import CountMismatchError

GT = [20, 20, 10, 10]
BOX = {"E": GT, "S": [25, 25, 10, 10]}  # rasterised IoU with GT: 1 and 36/206 (docs/toolkit.md §1.4)
IOU = {"E": 1.0, "S": float(np.float32(36) / np.float32(206))}


def result(n_lines, fails, inits):
    """Reset-protocol lines: codes 1 (init), 2 (failure), 0 (skipped until the next init), else a box E or S."""
    out, skipping = [], False
    for i in range(n_lines):
        if i in inits:
            out.append(1)
            skipping = False
        elif i in fails:
            out.append(2)
            skipping = True
        else:
            out.append(0 if skipping else "S" if i % 3 == 0 else "E")
    return out


# video: (frames, result lines). 'long' has 6 lines too many, with a failure (line 24) past the sequence's end;
# 'short' stops 4 frames early; 'norm' matches.
VIDEOS = {"long": (20, result(26, {10, 23}, {0, 15})), "norm": (30, result(30, {12}, {0, 17})),
          "short": (20, result(16, {4}, {0, 9}))}


def pysot_numbers(low, high):
    """pysot's statistics written out for these lines (burn-in 10 for accuracy, none for EAO, skipping 5)."""
    pooled, n_fail, n_frames, records = [], 0, 0, []
    for n, lines in VIDEOS.values():
        m = min(len(lines), n)                       # overlaps: the common length; failures: every line
        iou = [IOU[x] if isinstance(x, str) else math.nan for x in lines[:m]]
        burnt = {j for i, x in enumerate(lines) if x == 1 for j in range(i, i + 10)}
        pooled += [math.nan if i in burnt else v for i, v in enumerate(iou)]
        fails = [i for i, x in enumerate(lines) if x == 2]
        n_fail, n_frames = n_fail + len(fails), n_frames + m
        records.append((iou, fails, n))
    width = max(len(r[0]) for r in records)
    rows = []                                        # (values, weight); every video here has a failure
    for iou, fails, n in records:
        points = [0] + [f + 5 for f in fails if f + 5 <= len(iou)]
        for k, p in enumerate(points):
            if k + 1 < len(points):                  # ends in a failure: zero-padded to the full width
                vals = [0 if math.isnan(v) else v for v in iou[p:points[k + 1] + 1]]
                rows.append((vals + [0] * (width - len(vals)), 1.0))
            else:                                    # the last one: NaN-padded, weighted by its share of the GT
                vals = [0 if math.isnan(v) else v for v in iou[p:]]
                rows.append((vals + [math.nan] * (width - len(vals)), (len(iou) - p) / (n - p)))
    eo = [1.0]
    for i in range(1, width):
        live = [(sum(r[1:i + 1]) / i, w) for r, w in rows if not math.isnan(r[i])]
        eo.append(sum(m * w for m, w in live) / sum(w for _, w in live) if live else 0.0)
    window = eo[low - 1:high]
    acc = np.nanmean(pooled)
    return {"accuracy": acc, "lost_number": n_fail, "robustness": 100 * n_fail / n_frames,
            "eao": sum(window) / len(window)}


@pytest.fixture
def vot(tmp_path):
    """A VOT-style JSON with width/height and no frames, results of tracker T in pysot's layout."""
    root, results = tmp_path / "data", tmp_path / "results"
    root.mkdir()
    desc = {v: {"video_dir": v, "init_rect": GT, "img_names": [f"{v}/{i:08d}.jpg" for i in range(1, n + 1)],
                "gt_rect": [GT] * n, "width": 100, "height": 100} for v, (n, _) in VIDEOS.items()}
    (root / "hand.json").write_text(json.dumps(desc))
    files = {}
    for v, (_, lines) in VIDEOS.items():
        f = results / "hand" / "T" / "baseline" / v / f"{v}_001.txt"
        f.parent.mkdir(parents=True)
        f.write_text("\n".join(",".join(map(str, BOX[x])) if isinstance(x, str) else str(x) for x in lines) + "\n")
        files[v] = f
    return root, results, files


def test_vot_lengths_scored_like_pysot(vot, capsys):
    root, results, files = vot
    args = ["-p", str(results), "-d", "custom:hand", "--dataset_root", str(root), "--protocol", "reset",
            "--eao_interval", "5", "25", "--format", "json"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert main(args) == 0, capsys.readouterr().err
    msgs = [str(w.message) for w in rec if issubclass(w.category, DatasetWarning)]
    assert sorted(msgs) == [
        f"{files['long']}: 26 line(s) for a sequence of 20 frame(s); scored as pysot does: overlaps on the first "
        f"20 frame(s), failures on all 26 line(s)",
        f"{files['short']}: 16 line(s) for a sequence of 20 frame(s); scored as pysot does: overlaps on the first "
        f"16 frame(s), failures on all 16 line(s)"]
    got = json.loads(capsys.readouterr().out)["T"]
    want = pysot_numbers(5, 25)
    assert got["lost_number"] == want["lost_number"] == 4  # the failure past the end of 'long' counts
    assert got["robustness"] == pytest.approx(want["robustness"]) and want["robustness"] == pytest.approx(400 / 66)
    assert got["accuracy"] == pytest.approx(want["accuracy"], rel=1e-6)
    assert got["eao"]["all"] == pytest.approx(want["eao"], rel=1e-6)


def test_vot_errors_where_pysot_crashes(vot):
    root, results, files = vot
    ds = DatasetFactory.create_dataset(name="custom:hand", dataset_root=str(root), protocol="reset", need_frames=False)
    files["norm"].write_text("")  # pysot's EAO divides by the length
    with pytest.raises(CountMismatchError, match=f"{files['norm']}: has 0 line"):
        ds["norm"].load_tracker(results / "hand", "T")
    reps = [files["norm"].with_name(f"norm_{k:03d}.txt") for k in range(1, 16)]
    for k, f in enumerate(reps):  # 15 repetitions, one shorter: pysot's per-frame mean over them crashes
        f.write_text("1\n" + "20,20,10,10\n" * (28 if k == 3 else 29))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DatasetWarning)
        with pytest.raises(ToolkitError, match=r"norm: repetitions cover different numbers of frames \(30, 30, 30, 29"):
            ds["norm"].load_tracker(results / "hand", "T")


@pytest.mark.parametrize("n_lines", [9, 11])
def test_one_pass_wrong_length_is_an_error(tmp_path, n_lines):
    root = tmp_path / "data"
    root.mkdir()
    (root / "ope.json").write_text(json.dumps({"v": {"video_dir": "v", "init_rect": GT, "gt_rect": [GT] * 10,
                                                     "img_names": [f"v/{i}.jpg" for i in range(10)]}}))
    f = tmp_path / "results" / "T" / "v.txt"
    f.parent.mkdir(parents=True)
    f.write_text("20,20,10,10\n" * n_lines)
    ds = DatasetFactory.create_dataset(name="custom:ope", dataset_root=str(root), need_frames=False)
    with pytest.raises(CountMismatchError, match=f"{f}: has {n_lines} line\\(s\\) but the sequence has 10 frame"):
        ds.load_tracker(tmp_path / "results", ["T"])
