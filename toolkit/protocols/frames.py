"""Random access to a video's frames and ground truth for the protocols.

A toolkit Video has ``img_names`` (full paths) and ``gt_traj``; frames are read on demand with OpenCV so the reset
protocol does not decode the frames it skips; frames already in memory (``video.imgs``) are used as they are. An
object without ``img_names`` (e.g. a user's in-memory video) is iterated once for its ``(img, gt)`` pairs instead.

Every frame and every init box given to a tracker passes `sotbase.validate` (the checks of pysot_ss's API too): an
unreadable or truncated frame file, a frame that is not a uint8 image of at least 8x8 pixels, or an init box that
is not finite, has no area or lies outside the frame fails the video with a `FrameError` naming the file/frame.
"""
from __future__ import annotations

from typing import List, Sequence

import numpy as np

from sotbase.errors import UserError
from sotbase.validate import check_frame, check_init_box, read_frame
from toolkit.utils.bbox import init_box
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
        try:
            if self._images is not None:
                return check_frame(self._images[idx], "the frame")
            return read_frame(self._paths[idx])
        except UserError as e:
            raise FrameError(f"video {self.name!r} frame {idx}: {e}") from None

    def init(self, tracker, idx: int, img: np.ndarray, gt: Sequence[float]) -> List[float]:
        """Initialise `tracker` on frame `idx` with the init box of `gt` (docs/toolkit.md §7.1); returns the box."""
        box = init_box(gt)
        try:
            check_init_box(box, img.shape)
        except UserError as e:
            raise FrameError(f"video {self.name!r} frame {idx}: {e}") from None
        tracker.init(img, box)
        return box
