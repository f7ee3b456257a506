"""The SiamFC tracker on synthetic scenes with a hand-built, untrained network.

The toy backbone is grey level minus 128, average-pooled over 8x8 cells (stride 8, like AlexNet): 127 -> 15x15,
255 -> 31x31, response 17x17. The background is flat grey 128, so it has zero features and correlates with
nothing; the target is a random pattern of dark/bright 12 px blocks, whose autocorrelation peaks only when the
template sits exactly on it. So the correct answer is known without any training.
"""
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from pysot_ss.core.config import get_cfg
from pysot_ss.models import build_model
from pysot_ss.models.head.xcorr import XCorr
from pysot_ss.models.siamese import SiameseNet
from pysot_ss.tracker import build_tracker
from pysot_ss.utils.crop import crop_and_resize, crop_and_resize_reference

H, W, OBJ = 240, 320, 48


class GreyPool(nn.Module):
    stride = 8

    def forward(self, x):
        return F.avg_pool2d(x.mean(1, keepdim=True) - 128.0, 8)


def toy_model():
    return SiameseNet(GreyPool(), XCorr(out_scale=0.001), channel_order="BGR", normalize="none").eval()


def toy_cfg(fast=True, linear=False):
    cfg = get_cfg()
    cfg.DEVICE = "cpu"
    cfg.TRACK.FAST = fast
    cfg.TRACK.BF16 = "off"
    cfg.TRACK.LINEAR_UPDATE = linear
    return cfg


PATTERN = np.kron(np.random.default_rng(0).integers(0, 2, (4, 4)) * 200 + 28, np.ones((12, 12))).astype(np.uint8)


def scene(x, y, seed=0):
    """Grey frame with the 48x48 target's top-left corner at (x, y) (clipped at the border), and its box."""
    rng = np.random.default_rng(seed)
    frame = np.clip(128 + rng.normal(0, 2, (H, W, 3)), 0, 255).astype(np.uint8)
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + OBJ, W), min(y + OBJ, H)
    if x1 > x0 and y1 > y0:
        frame[y0:y1, x0:x1] = PATTERN[y0 - y:y1 - y, x0 - x:x1 - x, None]
    return frame, [float(x), float(y), float(OBJ), float(OBJ)]


def moving(n=25, start=(40, 50), vel=(4, 3)):
    return [scene(start[0] + vel[0] * t, start[1] + vel[1] * t, seed=t) for t in range(n)]


def iou(a, b):
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def run(tracker, frames):
    tracker.init(frames[0][0], frames[0][1])
    return [tracker.track(f)["bbox"] for f, _ in frames[1:]]


def assert_sane(box, score=0.0, width=W, height=H, min_size=2.0):
    assert all(np.isfinite(box)) and np.isfinite(score)
    x, y, w, h = box
    assert min_size <= w <= width and min_size <= h <= height
    cx, cy = x + (w - 1) / 2, y + (h - 1) / 2
    assert 0 <= cx <= width - 1 and 0 <= cy <= height - 1


@pytest.mark.parametrize("fast", [False, True], ids=["plain", "fast"])
def test_follows_translating_object(fast):
    frames = moving()
    boxes = run(build_tracker(toy_cfg(fast), toy_model()), frames)
    ious = [iou(b, gt) for b, (_, gt) in zip(boxes, frames[1:])]
    assert min(ious) > 0.7, ious


@pytest.mark.parametrize("fast", [False, True], ids=["plain", "fast"])
def test_identical_frame_returns_init_box(fast):
    """init(b) then the same frame gives b back: the box <-> centre conventions of init and track agree. The
    272x272 upsampled map has no centre cell, so the peak is half a cell off: 0.5 * 8/16 * x_sz/255 = 0.19 px
    here (x_sz = 96 * 255/127)."""
    frame, box = scene(100, 80)
    cfg = toy_cfg(fast)
    cfg.TRACK.SCALE_NUM = 1
    tracker = build_tracker(cfg, toy_model())
    tracker.init(frame, box)
    out = tracker.track(frame)["bbox"]
    assert np.allclose(out, box, atol=0.25), (out, box)
    tracker = build_tracker(toy_cfg(fast), toy_model())  # three scales: same box up to a scale step
    tracker.init(frame, box)
    assert iou(tracker.track(frame)["bbox"], box) > 0.9


def test_fast_and_plain_paths_agree():
    frames = moving(n=15)
    plain = run(build_tracker(toy_cfg(False), toy_model()), frames)
    fast = run(build_tracker(toy_cfg(True), toy_model()), frames)
    assert np.abs(np.array(plain) - np.array(fast)).max() < 1.5, (plain, fast)
    cfg = toy_cfg(True)
    cfg.TRACK.BF16 = "on"
    fast_bf16 = run(build_tracker(cfg, toy_model()), frames)
    assert np.abs(np.array(plain) - np.array(fast_bf16)).max() < 2.0


@pytest.mark.parametrize("fast", [False, True], ids=["plain", "fast"])
def test_linear_update_is_a_running_average_of_features(fast):
    cfg = toy_cfg(fast, linear=True)
    lam = cfg.TRACK.UPDATE_RATE
    model = toy_model()
    tracker = build_tracker(cfg, model)
    frames = moving(n=3)
    tracker.init(frames[0][0], frames[0][1])
    for frame, _ in frames[1:]:
        before = tracker.zf.clone()
        tracker.track(frame)
        # phi(z_t): exemplar cropped at the new estimate with the new exemplar size, embedded independently
        crop = crop_and_resize if fast else crop_and_resize_reference
        z = crop(frame, tracker.center, tracker.z_sz, 127, tracker.avg_color)
        with torch.no_grad():
            phi = model.embed(torch.from_numpy(z).permute(2, 0, 1)[None].float())
        change = tracker.zf - before
        # exact up to fp32 rounding of features of magnitude ~100 (the change itself is ~0.1)
        assert torch.allclose(change, lam * (phi - before), rtol=0, atol=1e-6 * before.abs().max().item() * 4)
        assert change.abs().max() > 1e-3


def test_without_update_the_template_is_fixed():
    tracker = build_tracker(toy_cfg(True), toy_model())
    frames = moving(n=3)
    tracker.init(frames[0][0], frames[0][1])
    zf = tracker.zf.clone()
    for f, _ in frames[1:]:
        tracker.track(f)
    assert torch.equal(tracker.zf, zf)


@pytest.mark.parametrize("fast", [False, True], ids=["plain", "fast"])
@pytest.mark.parametrize("kind", ["gray2d", "gray3d", "bgra"])
def test_grayscale_and_bgra_frames(fast, kind):
    convert = {
        "gray2d": lambda f: f[:, :, 0],
        "gray3d": lambda f: f[:, :, :1],
        "bgra": lambda f: np.concatenate([f, np.full(f.shape[:2] + (1,), 255, np.uint8)], axis=2),
    }[kind]
    frames = [(convert(f), b) for f, b in moving(n=6)]
    boxes = run(build_tracker(toy_cfg(fast), toy_model()), frames)
    for b, (_, gt) in zip(boxes, frames[1:]):
        assert_sane(b)
        assert iou(b, gt) > 0.7


@pytest.mark.parametrize("fast", [False, True], ids=["plain", "fast"])
def test_target_leaving_the_image(fast):
    frames = moving(n=20, start=(220, 150), vel=(9, 5))  # ends far outside the 320x240 frame
    tracker = build_tracker(toy_cfg(fast), toy_model())
    tracker.init(frames[0][0], frames[0][1])
    for f, _ in frames[1:]:
        out = tracker.track(f)
        assert_sane(out["bbox"], out["best_score"])


def test_tiny_and_huge_boxes_stay_in_range():
    frame, _ = scene(100, 80)
    for box in ([10, 10, 0.5, 0.5], [-50, -40, 600, 500]):
        tracker = build_tracker(toy_cfg(True), toy_model())
        tracker.init(frame, box)
        for _ in range(3):
            out = tracker.track(frame)
            assert_sane(out["bbox"], out["best_score"])


def test_non_finite_network_output_keeps_last_box():
    class NaNNet(GreyPool):
        def forward(self, x):
            return super().forward(x) * float("nan")

    tracker = build_tracker(toy_cfg(True), SiameseNet(NaNNet(), XCorr(), "BGR", "none"))
    frame, box = scene(100, 80)
    tracker.init(frame, box)
    out = tracker.track(frame)
    assert np.allclose(out["bbox"], box) and out["best_score"] == 0.0


def test_bad_init_box():
    tracker = build_tracker(toy_cfg(True), toy_model())
    frame, _ = scene(100, 80)
    for bad in ([1, 2, 3], [0, 0, 0, 10], [0, 0, float("nan"), 5], "abcd"):
        with pytest.raises(ValueError):
            tracker.init(frame, bad)
    with pytest.raises(RuntimeError):
        build_tracker(toy_cfg(True), toy_model()).track(frame)


def test_alexnet_tracker_runs_both_paths():
    """The real network (random weights) through both paths: finite output, eval-mode BN untouched."""
    frames = moving(n=3)
    for fast in (False, True):
        cfg = toy_cfg(fast, linear=True)
        cfg.TRACK.BF16 = "auto"
        torch.manual_seed(0)
        model = build_model(cfg)
        stats = model.backbone.conv1[1].running_mean.clone()
        tracker = build_tracker(cfg, model)
        assert not tracker.model.training
        for b in run(tracker, frames):
            assert_sane(b)
        assert torch.equal(model.backbone.conv1[1].running_mean, stats)


def test_finetune_hook_uses_the_returned_copy(monkeypatch):
    calls = []

    def fake_finetune(model, img, bbox, cfg):
        calls.append((model, img.shape, list(bbox), cfg.TRACK.FINETUNE.ITERS))
        tuned = toy_model()
        tuned.tag = "tuned"
        return tuned

    fake = types.ModuleType("pysot_ss.tracker.finetune")
    fake.finetune_on_first_frame = fake_finetune
    monkeypatch.setitem(sys.modules, "pysot_ss.tracker.finetune", fake)
    import pysot_ss.tracker as pkg

    monkeypatch.setattr(pkg, "finetune", fake, raising=False)
    cfg = toy_cfg(True)
    cfg.TRACK.FINETUNE.ENABLED = True
    base = toy_model()
    tracker = build_tracker(cfg, base)
    frames = moving(n=4)
    boxes = run(tracker, frames)
    assert len(calls) == 1 and calls[0][0] is base and calls[0][1] == (H, W, 3)
    assert calls[0][2] == frames[0][1]
    assert getattr(tracker.model, "tag", None) == "tuned" and not tracker.model.training
    assert iou(boxes[-1], frames[-1][1]) > 0.7
    run(tracker, frames)  # a second sequence fine-tunes again, from the base model
    assert len(calls) == 2 and calls[1][0] is base


def test_real_finetune_module_if_present():
    ft = pytest.importorskip("pysot_ss.tracker.finetune")
    if not hasattr(ft, "finetune_on_first_frame"):
        pytest.skip("pysot_ss.tracker.finetune has no finetune_on_first_frame yet")
    cfg = toy_cfg(True)
    cfg.TRACK.FINETUNE.ENABLED = True
    cfg.TRACK.FINETUNE.ITERS = 1
    cfg.TRACK.FINETUNE.BATCH_SIZE = 2
    torch.manual_seed(0)
    model = build_model(cfg)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tracker = build_tracker(cfg, model)
    frames = moving(n=2)
    for b in run(tracker, frames):
        assert_sane(b)
    assert tracker.model is not model
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # the base model is untouched


# ------------------------------------------------------------------------------------------- crops
def test_crop_geometry_by_hand():
    img = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    # size == out_size and an integer centre: a plain slice; centre (10, 8), side 5 -> columns 8..12, rows 6..10
    assert np.array_equal(crop_and_resize(img, (10, 8), 5, 5, 0), img[6:11, 8:13])
    assert np.array_equal(crop_and_resize_reference(img, (10, 8), 5, 5, 0), img[6:11, 8:13])
    # a crop hanging over the top-left corner: the outside is the pad colour, per channel
    out = crop_and_resize(img, (0, 0), 5, 5, (1, 2, 3))
    assert np.array_equal(out[:2, :2], np.broadcast_to(np.array([1, 2, 3], np.uint8), (2, 2, 3)))
    assert np.array_equal(out[2:, 2:], img[:3, :3])
    ref = crop_and_resize_reference(img, (0, 0), 5, 5, (1, 2, 3))
    assert np.array_equal(out, ref)
    # downscaling by 2 (side 10 -> 5): output pixel u samples source x = cx + (u - 2) * 2, i.e. between pixels
    smooth = np.tile(np.arange(30, dtype=np.float32) * 4, (20, 1))[:, :, None].repeat(3, 2)
    down = crop_and_resize(smooth, (14.5, 9.5), 10, 5, 0)
    assert np.allclose(down[2, :, 0], 4 * (14.5 + np.arange(-2, 3) * 2), atol=0.05)


def test_crop_writes_into_given_buffer():
    frame, _ = scene(100, 80)
    buf = np.zeros((2, 64, 64, 3), np.uint8)
    out = crop_and_resize(frame, (120.3, 99.7), 80.5, 64, (128, 128, 128), out=buf[1])
    assert np.shares_memory(out, buf) and buf[1].any() and not buf[0].any()


def test_the_stride_is_the_backbones_not_the_config():
    cfg = toy_cfg(True)
    cfg.TRACK.TOTAL_STRIDE = 4  # deprecated and ignored: kept only so that older stored configs load
    model = toy_model()
    assert build_tracker(cfg, model).hp.stride == float(model.stride)
