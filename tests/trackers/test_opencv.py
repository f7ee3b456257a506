"""OpenCV baselines follow a translating synthetic object; unavailable builds are reported, not skipped silently."""
import cv2
import numpy as np
import pytest

from pysot_ss.core.config import get_cfg
from pysot_ss.tracker.opencv import OpenCVCSRT, OpenCVKCF, TrackerUnavailable, _factory


def _iou(a, b):
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _sequence(n=30, speed=(3, 2)):
    rng = np.random.default_rng(0)
    bg = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 3)
    patch = rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)
    patch = cv2.resize(cv2.resize(patch, (6, 8)), (30, 40), interpolation=cv2.INTER_NEAREST)
    frames, boxes = [], []
    for t in range(n):
        x, y = 60 + speed[0] * t, 50 + speed[1] * t
        f = bg.copy()
        f[y:y + 40, x:x + 30] = patch
        frames.append(f)
        boxes.append([x, y, 30, 40])
    return frames, boxes


@pytest.mark.parametrize("cls", [OpenCVKCF, OpenCVCSRT])
def test_opencv_tracker_follows_translation(cls):
    frames, boxes = _sequence()
    tracker = cls(get_cfg())
    tracker.init(frames[0], boxes[0])
    ious = [_iou(tracker.track(f)["bbox"], b) for f, b in zip(frames[1:], boxes[1:])]
    assert np.mean(ious) > 0.6, ious


def test_kcf_failure_keeps_last_box_and_handles_gray():
    frames, boxes = _sequence(n=3)
    tracker = OpenCVKCF(None)
    tracker.init(cv2.cvtColor(frames[0], cv2.COLOR_BGR2GRAY), boxes[0])
    out = tracker.track(np.zeros((240, 320, 4), np.uint8))  # blank BGRA frame: nothing to find
    x, y, w, h = out["bbox"]
    assert w > 0 and h > 0 and np.isfinite([x, y, w, h]).all()


def test_missing_tracker_is_reported():
    with pytest.raises(TrackerUnavailable, match="opencv-contrib"):
        _factory("DoesNotExist")
