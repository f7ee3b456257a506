"""Cases 8 and 10 of the reliability issue (the tracking tools' part): one-line errors without a traceback, found
before any work is done, and no tracked frame lost to a late error.

Covers: tools/test.py with an unwritable ``--results_dir``; the demo with an unwritable ``--out``, with ``--csv``
naming a folder (both refused before the tracker is even built), and with a garbage ``.onnx`` snapshot; a bad frame
in the middle of the demo's video (a truncated JPEG) still writes the CSV of the frames tracked before it, atomically,
then reports the error naming the file.
"""
import csv

import cv2
import numpy as np
import pytest

from pysot_ss.apps import demo
from tests.protocols.test_test_cli import _load_cli

N, W, H = 8, 96, 72


@pytest.fixture(scope="module")
def frames_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("frames")
    rng = np.random.default_rng(0)
    for i in range(N):
        cv2.imwrite(str(d / f"{i:04d}.jpg"), rng.integers(0, 255, (H, W, 3), dtype=np.uint8))
    return d


def one_error_line(err: str, tool: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{tool}: error: ") and "Traceback" not in err, err
    return lines[0]


def test_test_py_unwritable_results_dir(frames_dir, tmp_path, monkeypatch, capsys):
    from tests.reliability.test_results_paths import otb_root

    root = otb_root(tmp_path, "seq")
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.chdir(tmp_path)
    rc = _load_cli().main(["--dataset", "OTB100", "--dataset_root", str(root), "--tracker", "opencv_csrt",
                           "--results_dir", str(blocker / "results"), "--no_progress"])
    line = one_error_line(capsys.readouterr().err, "test.py")
    assert rc == 2 and f"cannot write the results to {blocker / 'results' / 'OTB100' / 'opencv_csrt'}" in line


@pytest.fixture
def no_tracker(monkeypatch):
    def refuse(args):
        raise AssertionError("the tracker was built before the outputs were checked")
    monkeypatch.setattr(demo, "make_tracker", refuse)


@pytest.mark.parametrize("case", ["out_unwritable", "csv_folder"])
def test_demo_outputs_are_checked_before_tracking(case, frames_dir, tmp_path, capsys, no_tracker):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    if case == "out_unwritable":
        extra, expect = ["--out", str(blocker / "out.avi")], f"--out {blocker / 'out.avi'}: cannot write there"
    else:
        extra, expect = ["--csv", str(tmp_path)], f"--csv {tmp_path} is a folder"
    rc = demo.main(["--tracker", "opencv_csrt", "--video", str(frames_dir), "--init", "30,20,20,20"] + extra)
    assert rc == 2 and expect in one_error_line(capsys.readouterr().err, "demo")


def test_demo_garbage_onnx(frames_dir, tmp_path, capsys):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"garbage" * 20)
    rc = demo.main(["--snapshot", str(junk), "--video", str(frames_dir), "--init", "30,20,20,20",
                    "--csv", str(tmp_path / "b.csv")])
    assert rc == 2 and "junk.onnx: not a readable ONNX model" in one_error_line(capsys.readouterr().err, "demo")
    assert not (tmp_path / "b.csv").exists()


def test_demo_keeps_the_rows_tracked_before_a_bad_frame(frames_dir, tmp_path, capsys):
    video = tmp_path / "video"
    video.mkdir()
    for f in frames_dir.iterdir():
        (video / f.name).write_bytes(f.read_bytes())
    bad = video / "0005.jpg"
    bad.write_bytes(bad.read_bytes()[:2000])
    out_csv = tmp_path / "boxes.csv"
    rc = demo.main(["--tracker", "opencv_csrt", "--video", str(video), "--init", "30,20,20,20", "--csv", str(out_csv)])
    line = one_error_line(capsys.readouterr().err, "demo")
    assert rc == 2 and f"{bad}: truncated or corrupt JPEG" in line and "5 frame(s) tracked before it are in" in line
    with open(out_csv) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["frame"]) for r in rows] == list(range(5))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # written atomically: no temp file left
