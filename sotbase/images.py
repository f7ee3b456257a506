"""Image files and frame folders: the one list of image extensions and the one rule for where a sequence keeps its
frames, shared by the benchmark readers (toolkit.datasets), the training sources (pysot_ss.datasets.sources) and
the demo (pysot_ss.apps.demo)."""
from __future__ import annotations

import os

__all__ = ["IMAGE_EXTS", "is_image", "frame_dir"]

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")  # compared lower-case
FRAME_SUBFOLDERS = ("color", "img")  # VOT2017+ keeps its frames in color/ (beside depth/, ir/), OTB in img/


def is_image(name) -> bool:
    """Whether a file name has an image extension (any case)."""
    return str(name).lower().endswith(IMAGE_EXTS)


def frame_dir(seq_dir) -> str:
    """Where a sequence keeps its frames: ``color/``, ``img/``, or the folder itself."""
    for sub in FRAME_SUBFOLDERS:
        candidate = os.path.join(seq_dir, sub)
        if os.path.isdir(candidate):
            return candidate
    return os.fspath(seq_dir)
