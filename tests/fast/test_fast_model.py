"""The shipped real-time model (models/s2siamfc_fast.pth and its int8 export models/s2siamfc_fast_int8.onnx): both
load by their zoo names and track; an int8 export (tools/export_onnx.py --int8) agrees with the fp32 model on a
generated video; tools/test.py runs the .onnx file; demo --fast uses it."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from pysot_ss.api import REPO, load_tracker, zoo_snapshot
from toolkit.synthetic import generate_benchmark
from toolkit.utils.statistics import overlap_ratio

FAST = REPO / "models" / "s2siamfc_fast.pth"
FAST_INT8 = REPO / "models" / "s2siamfc_fast_int8.onnx"


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


def test_zoo_files_load_by_name_with_their_fast_defaults():
    assert zoo_snapshot("s2siamfc_fast") == FAST_INT8 and zoo_snapshot("s2siamfc_fast_torch") == FAST
    obj = torch.load(FAST, map_location="cpu", weights_only=True)
    assert "alexnet_lite" in obj["config"] and FAST.stat().st_size < 2 ** 20
    assert FAST_INT8.stat().st_size < 0.6 * FAST.stat().st_size  # int8 weights
    for name, engine in (("s2siamfc_fast", "OnnxSiamFC"), ("s2siamfc_fast_torch", "SiamFCTracker")):
        t = load_tracker(name)
        assert engine in [c.__name__ for c in type(t.tracker).__mro__]
        cfg = t.cfg
        assert cfg.BACKBONE.TYPE == "alexnet_lite" and cfg.DEVICE == "cpu"
        assert cfg.TRACK.LINEAR_UPDATE and cfg.TRACK.UPDATE_SOURCE == "search"  # the measured best trade-off
    with pytest.raises(FileNotFoundError, match="model-zoo name"):
        zoo_snapshot("s2siamfc_tiny")


@pytest.mark.parametrize("name", ["s2siamfc_fast", "s2siamfc_fast_torch"])
def test_shipped_fast_models_track_generated_videos(video, name):
    """Mean IoU > 0.5 over both videos (textured target, camera motion, blur, occluder), as the zoo's alexnet_s2
    model must reach in tests/apps/test_model_zoo.py."""
    ious = []
    for seq in video[2]:
        frames, gt = _read(seq)
        boxes = _track(load_tracker(name, opts=["TRACK.NUM_THREADS", "1"]), frames, gt[0])
        ious.append(overlap_ratio(gt[1:], boxes[1:]))
    assert float(np.mean(np.concatenate(ious))) > 0.5


def test_tools_test_runs_the_onnx_file(video, tmp_path):
    """tools/test.py --snapshot models/s2siamfc_fast_int8.onnx: the config comes from the file, the siamfc_onnx
    engine tracks, results land in pysot's layout."""
    root = video[2][0].parent
    r = subprocess.run([sys.executable, str(REPO / "tools" / "test.py"), "--dataset", "OTB100", "--dataset_root",
                        str(root), "--snapshot", str(FAST_INT8), "--results_dir", str(tmp_path), "--no_progress",
                        "--opts", "TRACK.NUM_THREADS", "1"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    for seq in video[2]:
        pred = np.loadtxt(tmp_path / "OTB100" / "s2siamfc_fast_int8" / f"{seq.name}.txt", delimiter=",", ndmin=2)
        assert pred.shape == (40, 4)


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
