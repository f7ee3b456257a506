"""What a tracker may be given -- frames and init boxes -- checked the same way on every path into one: the
documented API (`pysot_ss.api.Tracker`, which the demo uses) and the toolkit's protocols (`toolkit.protocols`,
which run anyone's tracker). Each refusal says what is accepted:

* a frame is a ``uint8`` array of shape HxW (grey), HxWx1, HxWx3 (BGR) or HxWx4 (BGRA), at least 8x8 pixels;
* an init box is 4 finite numbers ``x, y, w, h`` with ``w > 0`` and ``h > 0`` that overlaps the frame;
* a frame file (`read_frame`) must decode completely: a truncated JPEG, which libjpeg only warns about (and fills
  with grey), is refused.
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import cv2
import numpy as np

from sotbase.errors import UserError

__all__ = ["InputError", "MIN_SIDE", "FRAMES", "check_frame", "check_box", "check_init_box", "read_frame"]

MIN_SIDE = 8
FRAMES = f"a uint8 array of shape HxW, HxWx1, HxWx3 (BGR) or HxWx4 (BGRA), at least {MIN_SIDE}x{MIN_SIDE} pixels"


class InputError(UserError, ValueError):
    """A frame or a box that a tracker cannot take; the message says what is accepted."""


def check_frame(img, what: str = "frame") -> np.ndarray:
    """`img` itself when it is a frame a tracker accepts, else an InputError naming `what`."""
    if img is None or not isinstance(img, np.ndarray):
        raise InputError(f"{what} is {'None' if img is None else 'a ' + type(img).__name__}; expected {FRAMES}")
    if img.dtype != np.uint8 or img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (1, 3, 4)):
        raise InputError(f"{what} is a {img.dtype} array of shape {img.shape}; expected {FRAMES}")
    if min(img.shape[:2]) < MIN_SIDE:
        raise InputError(f"{what} is {img.shape[1]}x{img.shape[0]} pixels{' (empty)' if img.size == 0 else ''}; "
                         f"expected {FRAMES}")
    return img


def check_box(box, what: str = "init box") -> Tuple[float, float, float, float]:
    """(x, y, w, h) as floats: 4 finite numbers with a positive width and height."""
    try:
        vals = tuple(float(v) for v in box)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be 4 numbers x, y, w, h, got {box!r}") from None
    if len(vals) != 4:
        raise InputError(f"{what} must be 4 numbers x, y, w, h, got {len(vals)}: {box!r}")
    if not all(math.isfinite(v) for v in vals) or vals[2] <= 0 or vals[3] <= 0:
        raise InputError(f"{what} must be finite with a positive width and height, got {box!r}")
    return vals


def check_init_box(box, shape: Sequence[int], min_inside: float = 0.0,
                   what: str = "init box") -> Tuple[float, float, float, float]:
    """`check_box`, and the box must overlap the frame of `shape` (more than `min_inside` of its area inside)."""
    x, y, w, h = vals = check_box(box, what)
    height, width = shape[:2]
    inside = max(0.0, min(x + w, width) - max(x, 0.0)) * max(0.0, min(y + h, height) - max(y, 0.0))
    if inside <= 0 or inside < min_inside * w * h:
        where = "entirely outside" if inside <= 0 else f"outside (less than {min_inside:.0%} of it inside)"
        raise InputError(f"{what} {list(vals)} lies {where} the {width}x{height} frame")
    return vals


def read_frame(path) -> np.ndarray:
    """The image file `path` as a BGR uint8 frame; an unreadable, truncated or too small image is an InputError
    naming the file. A JPEG is complete when its end-of-image marker (FFD9) follows its last scan (FFDA)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read the frame ({e.strerror or e})") from None
    if data[:2] == b"\xff\xd8" and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        raise InputError(f"{path}: truncated or corrupt JPEG (no end-of-image marker after its last scan)")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if img is None:
        raise InputError(f"{path}: not a readable image")
    return check_frame(img, str(path))
