"""tools/demo.py headless on a generated clip: the CSV has one row per frame, starts at --init and follows the
target; bad inputs give one-line errors (exit status 2)."""
import csv
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from pysot_ss.apps import demo

REPO = Path(__file__).resolve().parents[2]
N, W, H = 12, 160, 120
BOX0 = (30.0, 40.0, 24.0, 20.0)
STEP = 3  # the target moves 3 px right per frame


def frames():
    rng = np.random.default_rng(0)
    bg = rng.integers(60, 90, (H, W, 3), dtype=np.uint8)
    patch = np.zeros((20, 24, 3), np.uint8)
    patch[:, :12] = (255, 255, 255)
    patch[:, 12:] = (0, 0, 255)
    out = []
    for t in range(N):
        f = bg.copy()
        x = int(BOX0[0]) + STEP * t
        f[40:60, x:x + 24] = patch
        out.append(f)
    return out


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    d = tmp_path_factory.mktemp("clip")
    (d / "frames").mkdir()
    for i, f in enumerate(frames()):
        cv2.imwrite(str(d / "frames" / f"{i:04d}.png"), f)
    vw = cv2.VideoWriter(str(d / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H))
    assert vw.isOpened()
    for f in frames():
        vw.write(f)
    vw.release()
    return d


def read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [(int(r["frame"]), [float(r[k]) for k in "xywh"], float(r["score"])) for r in rows]


def test_opencv_tracker_on_video_file_writes_csv_and_video(clip, tmp_path):
    out = tmp_path / "out" / "tracked.avi"
    rc = demo.main(["--tracker", "opencv_csrt", "--video", str(clip / "clip.avi"), "--init", "30,40,24,20",
                    "--out", str(out)])
    assert rc == 0
    rows = read_csv(out.with_suffix(".csv"))
    assert [r[0] for r in rows] == list(range(N))
    assert rows[0][1] == list(BOX0)  # frame 0 is the given box
    # the target is at x = 30 + 3 * 11 = 63 in the last frame; CSRT on this easy clip lands within a few px
    assert abs(rows[-1][1][0] - (30 + STEP * (N - 1))) < 6 and abs(rows[-1][1][1] - 40) < 6
    cap = cv2.VideoCapture(str(out))
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == N
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_siamfc_snapshot_on_frame_folder_via_tool(clip, tmp_path, s2_snapshot):
    csv_path = tmp_path / "boxes.csv"
    r = subprocess.run([sys.executable, str(REPO / "tools" / "demo.py"), "--snapshot", str(s2_snapshot),
                        "--video", str(clip / "frames"), "--init", "30,40,24,20", "--csv", str(csv_path),
                        "--show"],  # --show without a display: headless, a note on stderr
                       capture_output=True, text=True, timeout=120, env={"PATH": "", "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr
    rows = read_csv(csv_path)
    assert len(rows) == N and rows[0][1] == list(BOX0)
    assert all(np.isfinite(b).all() and b[2] > 0 and b[3] > 0 for _, b, _ in rows)


@pytest.mark.parametrize("case", ["unreadable", "missing_video", "outside", "no_snapshot", "missing_snapshot",
                                  "bad_init", "no_init_headless"])
def test_clear_errors(case, clip, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    bad = tmp_path / "broken.mp4"
    bad.write_text("not a video")
    video, extra = str(clip / "clip.avi"), ["--tracker", "opencv_csrt", "--init", "30,40,24,20"]
    expect = None
    if case == "unreadable":
        video, expect = str(bad), "broken.mp4"
    elif case == "missing_video":
        video, expect = str(tmp_path / "nothere.mp4"), "nothere.mp4"
    elif case == "outside":
        extra, expect = ["--tracker", "opencv_csrt", "--init", "150,110,40,40"], "outside"  # 10x10 of 40x40 inside
    elif case == "no_snapshot":
        extra, expect = ["--init", "30,40,24,20"], "--snapshot is required"
    elif case == "missing_snapshot":
        extra, expect = ["--snapshot", str(tmp_path / "gone.pth"), "--init", "30,40,24,20"], "gone.pth"
    elif case == "bad_init":
        extra, expect = ["--tracker", "opencv_csrt", "--init", "1,2,3"], "4 numbers"
    elif case == "no_init_headless":
        extra, expect = ["--tracker", "opencv_csrt"], "--init"
    rc = demo.main(["--video", video, "--csv", str(tmp_path / "b.csv")] + extra)
    err = capsys.readouterr().err
    assert rc == 2 and expect in err and "Traceback" not in err
    assert not (tmp_path / "b.csv").exists()
