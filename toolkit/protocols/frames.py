"""Random access to a video's frames and ground truth for the protocols.

A toolkit Video has ``img_names`` (full paths) and ``gt_traj``; frames are read on demand with OpenCV so the reset
protocol does not decode the frames it skips, and an unreadable frame is an error naming the file (frames already
in memory, ``video.imgs``, are used as they are). An object
without ``img_names`` (e.g. a user's in-memory video) is iterated once for its ``(img, gt)`` pairs instead.
"""
from __future__ import annotations

from typing import List, Sequence

import cv2
import numpy as np

from toolkit.utils.errors import ToolkitError

__all__ = ["FrameSource", "FrameError"]


class FrameError(ToolkitError):
    """A frame that cannot be read."""


class FrameSource:
    def __init__(self, video):
        self.name = str(getattr(video, "name", "video"))
        img_names = getattr(video, "img_names", None)
        gt = getattr(video, "gt_traj", None)
        if img_names is not None and gt is not None:
            self._paths: List[str] = [str(p) for p in img_names]
            loaded = getattr(video, "imgs", None)  # pysot's load_img=True keeps the frames in memory
            self._images = list(loaded) if loaded is not None else None
            self._gt: List[Sequence[float]] = list(gt)
        else:
            pairs = list(video)
            self._paths = []
            self._images = [img for img, _ in pairs]
            self._gt = [g for _, g in pairs]
        n = len(self._paths) if self._images is None else len(self._images)
        if n != len(self._gt):
            raise ToolkitError(f"video {self.name!r}: {n} frames but {len(self._gt)} ground-truth entries")
        if n == 0:
            raise ToolkitError(f"video {self.name!r} has no frames")

    def __len__(self) -> int:
        return len(self._gt)

    def gt(self, idx: int) -> Sequence[float]:
        return self._gt[idx]

    def image(self, idx: int) -> np.ndarray:
        if self._images is not None:
            img = self._images[idx]
            if img is None:
                raise FrameError(f"video {self.name!r}: frame {idx} is missing")
            return img
        path = self._paths[idx]
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise FrameError(f"video {self.name!r}: cannot read frame {idx} ({path})")
        return img
