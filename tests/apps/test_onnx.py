"""ONNX export and the siamfc_onnx tracker: same features, same responses and the same boxes as the torch fast
path (fp32) on a generated sequence; the runtime needs no torch; bad inputs give clear errors."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from toolkit.utils.statistics import overlap_ratio  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, s2_snapshot):
    out = tmp_path_factory.mktemp("onnx") / "model.onnx"
    r = subprocess.run([sys.executable, str(REPO / "tools" / "export_onnx.py"), "--snapshot", str(s2_snapshot),
                        "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not [p for p in out.parent.iterdir() if p.name != "model.onnx"]  # no temp files left
    return out


def test_correlate_matches_torch_conv2d():
    from pysot_ss.export.runtime import correlate

    rng = np.random.default_rng(0)
    z = rng.standard_normal((1, 8, 3, 3)).astype(np.float32)
    x = rng.standard_normal((2, 8, 7, 6)).astype(np.float32)
    ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(z))[:, 0].numpy()  # cross-correlation, (2, 5, 4)
    got = correlate(z, x, {"type": "xcorr", "out_scale": 1.0, "bias": 0.0})
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    # BN head: (r - mean) / sqrt(var + eps) * w + b with mean 1, var 3, eps 1 -> (r - 1) / 2 * 4 + 0.5
    bn = correlate(z, x, {"type": "xcorr_bn", "running_mean": 1.0, "running_var": 3.0, "eps": 1.0,
                          "weight": 4.0, "bias": 0.5})
    np.testing.assert_allclose(bn, (ref - 1.0) * 2.0 + 0.5, rtol=1e-5, atol=1e-5)


def test_onnx_features_equal_torch(exported, s2_snapshot):
    from pysot_ss.api import load_tracker

    torch_t = load_tracker(None, s2_snapshot, opts=["TRACK.BF16", "off"])
    sess = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    crops = np.random.default_rng(2).uniform(0, 255, (3, 3, 255, 255)).astype(np.float32)
    got = sess.run(None, {"crops": crops})[0]
    with torch.no_grad():
        ref = torch_t.model.embed(torch.from_numpy(crops)).numpy()
    assert got.shape == ref.shape == (3, 256, 22, 22)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_boxes_agree_with_torch_fast_path(exported, s2_snapshot, tmp_path):
    import cv2

    from pysot_ss.api import load_tracker
    from toolkit.synthetic import generate_benchmark
    from toolkit.utils.bbox import init_box

    root = generate_benchmark(tmp_path, num_videos=1, num_frames=8, layouts=("otb",))["otb"]
    seq = next(p for p in root.iterdir() if p.is_dir())
    frames = sorted((seq / "img").glob("*.jpg"))
    gt0 = [float(v) for v in (seq / "groundtruth_rect.txt").read_text().split()[0].split(",")]
    a = load_tracker(None, s2_snapshot, opts=["TRACK.BF16", "off"])  # the fast path in fp32
    b = load_tracker(None, exported)
    assert a.fast and type(b.tracker).__name__ == "SiamFCOnnxTracker"
    box0 = init_box(gt0)
    img = cv2.imread(str(frames[0]))
    a.init(img, box0)
    b.init(img, box0)
    for f in frames[1:]:
        img = cv2.imread(str(f))
        (ba, sa), (bb, sb) = a.track(img), b.track(img)
        assert overlap_ratio(ba, bb)[0] > 0.99, (f.name, ba, bb)
        assert abs(sa - sb) <= 1e-3 * max(1.0, abs(sa))


def test_runtime_runs_without_torch(exported):
    code = ("import sys, numpy as np\n"
            "from pysot_ss.export.runtime import OnnxSiamFC\n"
            f"t = OnnxSiamFC.from_file({str(exported)!r})\n"
            "img = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)\n"
            "t.init(img, (60, 40, 30, 25)); r = t.track(img)\n"
            "assert len(r['bbox']) == 4 and np.isfinite(r['bbox']).all()\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_errors(tmp_path, s2_snapshot, exported):
    from pysot_ss.api import load_tracker
    from pysot_ss.export.runtime import config_from_onnx

    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.onnx"):
        config_from_onnx(junk)
    with pytest.raises(Exception, match="absent.onnx"):
        load_tracker(None, tmp_path / "absent.onnx")
    with pytest.raises(ValueError, match="FINETUNE"):
        load_tracker(None, exported, opts=["TRACK.FINETUNE.ENABLED", "True"])
    r = subprocess.run([sys.executable, str(REPO / "tools" / "export_onnx.py"), "--snapshot",
                        str(tmp_path / "gone.pth"), "--out", str(tmp_path / "x.onnx")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "gone.pth" in r.stderr and not (tmp_path / "x.onnx").exists()


def test_stride_comes_from_the_metadata_with_a_fallback_for_older_files(exported):
    """The engine has no torch model: the export stores the backbone's stride; files exported before that key
    (the shipped int8 model) are read as stride 8."""
    from pysot_ss.export.runtime import OnnxSiamFC, read_metadata

    assert read_metadata(exported)["pysot_ss.stride"] == "8"
    assert OnnxSiamFC.from_file(exported).hp.stride == 8.0
    shipped = REPO / "models" / "s2siamfc_fast_int8.onnx"
    if shipped.is_file():
        assert "pysot_ss.stride" not in read_metadata(shipped)
        assert OnnxSiamFC.from_file(shipped).hp.stride == 8.0
