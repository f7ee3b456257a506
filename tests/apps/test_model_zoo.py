"""The shipped model-zoo file (models/s2siamfc_alexnet.pth, MODEL_ZOO.md) and tools/export_zoo.py."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
ZOO = REPO / "models" / "s2siamfc_alexnet.pth"


def _iou(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    iw = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def test_zoo_file_is_an_fp16_state_dict_with_its_config():
    obj = torch.load(ZOO, map_location="cpu", weights_only=True)  # no pickle: plain tensors and strings
    state = obj["model"]
    floats = {k: v for k, v in state.items() if v.is_floating_point()}
    assert all(bool(torch.isfinite(v).all()) for v in floats.values())
    assert {k for k, v in floats.items() if v.dtype != torch.float16} == set(obj["zoo"]["fp32_keys"])
    assert sum(v.numel() for k, v in floats.items() if v.dtype == torch.float16) > 0.99 * sum(
        v.numel() for v in floats.values())
    assert 5 * 2 ** 20 < ZOO.stat().st_size < 8 * 2 ** 20
    assert "alexnet_s2" in obj["config"] and obj["zoo"]["dtype"] == "float16"

    from pysot_ss.api import config_for
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import load_weights

    cfg = config_for(None, str(ZOO))
    assert cfg.DEVICE == "auto" and cfg.TRACK.LINEAR_UPDATE  # trained on a GPU, tracks anywhere
    load_weights(build_model(cfg), ZOO, strict=True)


def test_zoo_model_tracks_a_generated_sequence(tmp_path):
    """tools/test.py --snapshot models/s2siamfc_alexnet.pth, exactly as from a fresh clone, on two generated
    videos of the synthetic benchmark (textured target, camera motion, blur, occluder): mean IoU > 0.5."""
    from toolkit.synthetic import generate_benchmark

    root = generate_benchmark(tmp_path / "bench", seed=3, num_videos=2, num_frames=40, layouts=("otb",))["otb"]
    proc = subprocess.run([sys.executable, "tools/test.py", "--dataset", "OTB100", "--dataset_root", str(root),
                           "--snapshot", str(ZOO), "--tracker_name", "zoo", "--results_dir", str(tmp_path / "res"),
                           "--device", "cpu", "--no_progress"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ious = []
    for gt_file in sorted(Path(root).glob("*/groundtruth_rect.txt")):
        gt = np.loadtxt(gt_file, delimiter=",", ndmin=2)
        pred = np.loadtxt(tmp_path / "res" / "OTB100" / "zoo" / f"{gt_file.parent.name}.txt", delimiter=",",
                          ndmin=2)
        assert pred.shape == gt.shape
        ious.append(_iou(pred[1:], gt[1:]))
    assert len(ious) == 2
    mean = float(np.mean(np.concatenate(ious)))
    assert mean > 0.5, mean  # 0.666 when written


def test_fp16_state_dict_keeps_what_fp16_cannot_hold():
    sys.path.insert(0, str(REPO / "tools"))
    from export_zoo import fp16_state_dict

    state = {"w": torch.tensor([0.5, -2.0]), "head.map_norm.running_var": torch.tensor([1.2e5]),
             "tiny": torch.tensor([1e-9]), "steps": torch.tensor(7)}
    out, kept = fp16_state_dict(state)
    assert out["w"].dtype == torch.float16 and out["steps"].dtype == torch.int64
    assert kept == ["head.map_norm.running_var"] and out["tiny"].dtype == torch.float16
    assert float(out["head.map_norm.running_var"]) == pytest.approx(1.2e5)  # not inf


def test_export_zoo_halves_the_file_and_keeps_the_responses(tmp_path, s2_snapshot):
    out = tmp_path / "zoo.pth"
    proc = subprocess.run([sys.executable, "tools/export_zoo.py", "--snapshot", str(s2_snapshot), "--out", str(out),
                           "--note", "test", "--opts", "TRACK.LINEAR_UPDATE", "True"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size < 0.6 * Path(s2_snapshot).stat().st_size

    from pysot_ss.api import config_for
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import load_weights

    torch.manual_seed(0)
    z, x = torch.rand(1, 3, 127, 127) * 255, torch.rand(1, 3, 255, 255) * 255
    responses = []
    for path in (s2_snapshot, out):
        cfg = config_for(None, str(path))
        model = build_model(cfg).eval()
        load_weights(model, path)
        with torch.no_grad():
            responses.append(model.correlate(model.embed(z), model.embed(x)))
    assert config_for(None, str(out)).TRACK.LINEAR_UPDATE
    assert torch.load(out, weights_only=True)["zoo"]["note"] == "test"
    scale = responses[0].abs().max()
    diff = (responses[0] - responses[1]).abs().max()
    assert diff <= 1e-2 * float(scale), diff
