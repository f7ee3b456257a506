"""Case 2 of the reliability issue: names from data files and flags never lead outside the results folder.

Covers: a video name with ``..`` in a dataset's JSON description; ``--tracker_name`` with ``..``, an absolute path or
a path separator; the name rule itself (`toolkit.protocols.result_name`). Each is refused with a one-line error
naming the value and where it came from, and nothing is written outside the results root.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.protocols.test_test_cli import _load_cli
from toolkit.protocols import make_layout, result_name
from toolkit.utils.errors import ToolkitError

ESCAPE = "../../../../escaped"  # from <tmp>/results/OTB100/<tracker>/ this is <tmp>/escaped


def files_under(root: Path) -> set:
    return {p for p in root.rglob("*") if p.is_file()}


def otb_root(tmp_path, video):
    """An OTB100 root whose JSON names its one video `video` (its frames are a plain folder)."""
    root = tmp_path / "OTB100"
    (root / "seq" / "img").mkdir(parents=True)
    names = []
    for i in range(3):
        cv2.imwrite(str(root / "seq" / "img" / f"{i:04d}.jpg"), np.full((48, 64, 3), 40 * i, np.uint8))
        names.append(f"seq/img/{i:04d}.jpg")
    box = [10, 10, 20, 20]
    (root / "OTB100.json").write_text(json.dumps({video: {"video_dir": "seq", "init_rect": box, "img_names": names,
                                                          "gt_rect": [box] * 3, "attr": []}}))
    return root


def run_cli(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    rc = _load_cli().main(args + ["--tracker", "opencv_csrt", "--no_progress"])
    err = capsys.readouterr().err
    written = files_under(tmp_path) - before
    results = (tmp_path / "results").resolve()
    assert all(results in p.resolve().parents for p in written), written  # nothing outside the results root
    return rc, err


def test_video_name_from_the_json_is_refused(tmp_path, monkeypatch, capsys):
    rc, err = run_cli(["--dataset", "OTB100", "--dataset_root", str(otb_root(tmp_path, ESCAPE))], tmp_path,
                      monkeypatch, capsys)
    assert rc == 2 and "Traceback" not in err
    line = next(ln for ln in err.splitlines() if ln.startswith("test.py: error:"))
    assert f"video name {ESCAPE!r} (from dataset 'OTB100')" in line
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs_x", "a/b", "..", "a\\b"])
def test_tracker_name_flag_is_refused(name, tmp_path, monkeypatch, capsys):
    rc, err = run_cli(["--dataset", "OTB100", "--dataset_root", str(otb_root(tmp_path, "seq")), "--tracker_name",
                       name], tmp_path, monkeypatch, capsys)
    assert rc == 2 and "Traceback" not in err
    assert f"--tracker_name {name!r}" in err
    assert not (tmp_path / "results").exists() and not Path("/tmp/abs_x").exists()


def test_the_name_rule():
    assert result_name("Basketball-1_a.b", "video") == "Basketball-1_a.b"
    for bad in ("", ".", "..", "a/b", "/abs", "a\\b", "nul\0"):
        with pytest.raises(ToolkitError, match="cannot name a results folder"):
            result_name(bad, "video name")
    layout = make_layout("vot", "results", "VOT2016", "t")
    with pytest.raises(ToolkitError, match=r"video name '../x' \(from dataset 'VOT2016'\)"):
        layout.files("../x")
    with pytest.raises(ToolkitError, match="tracker name '../t'"):
        make_layout("ope", "results", "OTB100", "../t")
