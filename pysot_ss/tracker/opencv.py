"""OpenCV's classic correlation-filter trackers (opencv-contrib) behind the same init/track interface.

Registered as ``opencv_kcf`` and ``opencv_csrt``: the baselines of the paper's tables, runnable through the same
``tools/test.py`` protocols. They need no weights.

KCF note: OpenCV's TrackerKCF has a detection gate, ``detect_thresh`` (default 0.5), that the published KCF does not
have. When the correlation peak falls below it, ``update`` returns ``False``, reports the box ``(0, 0, 0, 0)`` and does
not move or learn, so a caller that uses the returned box sees the tracker "stall" after a few frames. We keep the last
box when ``update`` fails, and default the gate to ``TRACK.OPENCV.KCF_DETECT_THRESH = 0.0`` (classic KCF, always
updating); set it to 0.5 for OpenCV's behaviour.
"""
from __future__ import annotations

from typing import Callable, Dict

import cv2
import numpy as np

from pysot_ss.errors import PysotSSError
from pysot_ss.utils.crop import ensure_bgr
from pysot_ss.utils.registry import TRACKERS
from sotbase.validate import check_box


class TrackerUnavailable(PysotSSError, RuntimeError):
    """This OpenCV build lacks the tracker (install opencv-contrib-python-headless)."""


def _factory(name: str) -> Callable:
    fn = getattr(cv2, f"Tracker{name}_create", None)
    if fn is None and hasattr(cv2, "legacy"):
        fn = getattr(cv2.legacy, f"Tracker{name}_create", None)
    if fn is None:
        raise TrackerUnavailable(
            f"OpenCV {cv2.__version__} has no Tracker{name}: install opencv-contrib-python-headless")
    return fn


class OpenCVTracker:
    """Wraps a cv2.Tracker; `track` returns the last good box when OpenCV reports a failure."""

    kind = ""
    NEEDS_WEIGHTS = False

    def __init__(self, cfg=None, model=None):
        self.cfg = cfg
        self._create = _factory(self.kind)
        self._tracker = None
        self._box = None

    def _make(self):
        return self._create()

    def init(self, img: np.ndarray, bbox) -> None:
        x, y, w, h = check_box(bbox)
        img = ensure_bgr(img)
        H, W = img.shape[:2]
        # OpenCV wants an integer Rect inside the image with a positive size
        x0 = int(np.clip(round(x), 0, W - 1))
        y0 = int(np.clip(round(y), 0, H - 1))
        w0 = int(max(1, min(round(w), W - x0)))
        h0 = int(max(1, min(round(h), H - y0)))
        self._tracker = self._make()
        self._tracker.init(img, (x0, y0, w0, h0))
        self._box = [x, y, w, h]

    def track(self, img: np.ndarray) -> Dict:
        if self._tracker is None:
            raise RuntimeError("call init() before track()")
        ok, box = self._tracker.update(ensure_bgr(img))
        if ok and box[2] > 0 and box[3] > 0:
            self._box = [float(v) for v in box]
        return {"bbox": list(self._box), "best_score": 1.0 if ok else 0.0}


@TRACKERS.register("opencv_kcf")
class OpenCVKCF(OpenCVTracker):
    kind = "KCF"

    def _make(self):
        thresh = 0.0
        if self.cfg is not None and "OPENCV" in self.cfg.TRACK:
            thresh = float(self.cfg.TRACK.OPENCV.KCF_DETECT_THRESH)
        params_cls = getattr(cv2, "TrackerKCF_Params", None)
        if params_cls is None:
            return self._create()
        params = params_cls()
        params.detect_thresh = thresh
        return self._create(params)


@TRACKERS.register("opencv_csrt")
class OpenCVCSRT(OpenCVTracker):
    kind = "CSRT"
