"""The shipped real-time model (models/s2siamfc_fast.pth): it loads by its zoo name and tracks; its int8 ONNX
export (tools/export_onnx.py --int8) agrees with the fp32 model on a generated video; demo --fast uses it."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from pysot_ss.api import REPO, load_tracker, zoo_snapshot
from toolkit.datasets.synthetic import generate_benchmark
from toolkit.utils.statistics import overlap_ratio

FAST = REPO / "models" / "s2siamfc_fast.pth"


def _read(seq: Path):
    frames = [cv2.imread(str(f)) for f in sorted((seq / "img").glob("*.jpg"))]
    gt = np.loadtxt(seq / "groundtruth_rect.txt", delimiter=",", ndmin=2)
    gt[:, :2] -= 1  # OTB's 1-based corners -> pysot's 0-based
    return frames, gt


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """The two generated OTB-layout videos of the zoo's own test (seed 3, 40 frames): (frames of the first,
    its GT, the sequence folders)."""
    root = Path(generate_benchmark(tmp_path_factory.mktemp("bench"), seed=3, num_videos=2, num_frames=40,
                                   layouts=("otb",))["otb"])
    seqs = sorted(p for p in root.iterdir() if (p / "img").is_dir())
    return (*_read(seqs[0]), seqs)


def _track(tracker, frames, box):
    tracker.init(frames[0], tuple(box))
    return np.array([box] + [list(tracker.track(f)[0]) for f in frames[1:]], dtype=np.float64)


def test_zoo_file_loads_by_name_with_its_fast_defaults():
    assert zoo_snapshot("s2siamfc_fast") == FAST
    obj = torch.load(FAST, map_location="cpu", weights_only=True)
    assert "alexnet_lite" in obj["config"] and FAST.stat().st_size < 2 * 2 ** 20
    t = load_tracker("s2siamfc_fast")
    cfg = t.full_cfg
    assert cfg.BACKBONE.TYPE == "alexnet_lite" and cfg.TRACK.FAST
    assert cfg.TRACK.LINEAR_UPDATE and cfg.DEVICE == "cpu"
    with pytest.raises(FileNotFoundError, match="model-zoo name"):
        from pysot_ss.api import zoo_snapshot as z
        z("s2siamfc_tiny")


def test_shipped_fast_model_tracks_generated_videos(video):
    """Mean IoU > 0.5 over both videos (textured target, camera motion, blur, occluder), as the zoo's alexnet_s2
    model must reach in tests/apps/test_model_zoo.py."""
    ious = []
    for seq in video[2]:
        frames, gt = _read(seq)
        boxes = _track(load_tracker("s2siamfc_fast", opts=["TRACK.NUM_THREADS", "1"]), frames, gt[0])
        ious.append(overlap_ratio(gt[1:], boxes[1:]))
    assert float(np.mean(np.concatenate(ious))) > 0.5


def test_int8_export_agrees_with_fp32(video, tmp_path):
    """int8 (calibrated on the other generated video's frames: no real data needed) vs the fp32 ONNX export of
    the same model on the first video: the boxes agree (mean IoU), and the int8 file is smaller."""
    frames, gt, seqs = video
    fp32, int8 = tmp_path / "fast.onnx", tmp_path / "fast_int8.onnx"
    export = [sys.executable, str(REPO / "tools" / "export_onnx.py"), "--snapshot", str(FAST)]
    r = subprocess.run(export + ["--out", str(fp32)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run(export + ["--out", str(int8), "--int8", "--calib", str(seqs[1] / "img"), "--calib_images",
                                 "20"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int8.stat().st_size < 0.5 * fp32.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast.onnx", "fast_int8.onnx"]  # no temp file left
    opts = ["TRACK.NUM_THREADS", "1"]
    a = _track(load_tracker(None, fp32, opts=opts), frames, gt[0])
    b = _track(load_tracker(None, int8, opts=opts), frames, gt[0])
    agreement = float(np.mean(overlap_ratio(a[1:], b[1:])))
    assert agreement > 0.8, agreement
    assert float(np.mean(overlap_ratio(gt[1:], b[1:]))) > 0.5


def test_int8_export_needs_calibration_images(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "tools" / "export_onnx.py"), "--snapshot", str(FAST), "--out",
                        str(tmp_path / "x.onnx"), "--int8"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--calib" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = subprocess.run([sys.executable, str(REPO / "tools" / "export_onnx.py"), "--snapshot", str(FAST), "--out",
                        str(tmp_path / "x.onnx"), "--int8", "--calib", str(empty)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "no image found" in r.stderr
    assert not (tmp_path / "x.onnx").exists()


def test_demo_fast_uses_the_zoo_model(video, tmp_path):
    _, gt, seqs = video
    csv = tmp_path / "boxes.csv"
    box = ",".join(str(v) for v in gt[0])
    r = subprocess.run([sys.executable, str(REPO / "tools" / "demo.py"), "--fast", "--video", str(seqs[0] / "img"),
                        "--init", box, "--csv", str(csv), "--max-frames", "10"], capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(csv.read_text().splitlines()) == 11  # header + 10 frames
    r = subprocess.run([sys.executable, str(REPO / "tools" / "demo.py"), "--fast", "--snapshot", str(FAST),
                        "--video", str(seqs[0] / "img"), "--init", box], capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)
    assert r.returncode == 2 and "--fast" in r.stderr
