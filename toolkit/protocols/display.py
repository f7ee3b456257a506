"""``--vis``: show each frame with the ground truth (green) and the tracker's box (yellow) in an OpenCV window.

Needs an OpenCV build with GUI support (not the ``-headless`` wheels) and a display; `open_display` returns None
with the reason when either is missing, so the caller can say so and run without it.
"""
from __future__ import annotations

import os
import sys
from typing import Optional, Tuple

import cv2
import numpy as np

__all__ = ["FrameDisplay", "open_display"]

WINDOW = "pysot-ss"


class FrameDisplay:
    """``on_frame_factory`` for `run_dataset`: returns the per-frame callback of one video."""

    def __call__(self, video):
        name = str(video.name)

        def on_frame(idx: int, img: np.ndarray, gt, entry) -> None:
            show = img.copy()
            _draw(show, gt, (0, 255, 0))
            if not isinstance(entry, (int, np.integer)):
                _draw(show, entry, (0, 255, 255))
            cv2.putText(show, f"{name} #{idx}", (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 255, 255), 2)
            cv2.imshow(WINDOW, show)
            cv2.waitKey(1)

        return on_frame


def _draw(img: np.ndarray, region, color: Tuple[int, int, int]) -> None:
    r = [float(v) for v in region]
    if len(r) == 4:
        x, y, w, h = r
        cv2.rectangle(img, (int(round(x)), int(round(y))), (int(round(x + w)), int(round(y + h))), color, 2)
    elif len(r) >= 6:
        pts = np.round(np.array(r[: len(r) // 2 * 2]).reshape(-1, 1, 2)).astype(np.int32)
        cv2.polylines(img, [pts], True, color, 2)


def open_display() -> Tuple[Optional[FrameDisplay], Optional[str]]:
    """(display, None) when frames can be shown, else (None, reason)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None, "no display (DISPLAY is not set)"
    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error:
        return None, ("this OpenCV build has no GUI support (a -headless wheel?); "
                      "install opencv-contrib-python to use --vis")
    return FrameDisplay(), None
