"""Square crops around a point, resized to a fixed size, padded with a constant colour (SiamFC's exemplar/instance
crops).

Coordinates are continuous pixel coordinates in pysot's 0-based convention: pixel column ``i`` has its centre at
``x = i``. A crop of side ``size`` centred on ``(cx, cy)`` and resized to ``out_size`` maps output pixel ``u`` to
source ``x = cx + (u - (out_size - 1) / 2) * size / out_size`` (the same pixel-centre alignment as ``cv2.resize``),
so the centre of the output is exactly ``(cx, cy)``.

* :func:`crop_and_resize` does that with one ``cv2.warpAffine`` (cost independent of the image and of ``size``).
* :func:`crop_and_resize_reference` is siamfc-pytorch's ``ops.crop_and_resize``: round the size and the corners to
  whole pixels, pad the whole image when the crop leaves it, slice, ``cv2.resize``. The plain tracker uses it so
  that FAST=False reproduces the reference numerics; the two agree to a fraction of a pixel.
"""
from __future__ import annotations

from typing import Optional, Sequence

import cv2
import numpy as np


def ensure_bgr(img: np.ndarray) -> np.ndarray:
    """Grayscale (H,W) / (H,W,1) and BGRA (H,W,4) frames -> (H,W,3) BGR; other dtypes than uint8 -> float32."""
    img = np.asarray(img)
    if img.dtype != np.uint8 and img.dtype != np.float32:
        img = img.astype(np.float32)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.ndim != 3:
        raise ValueError(f"expected an image of shape (H,W), (H,W,1), (H,W,3) or (H,W,4), got {img.shape}")
    c = img.shape[2]
    if c == 3:
        return np.ascontiguousarray(img)
    if c == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if c == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"expected 1, 3 or 4 colour channels, got an image of shape {img.shape}")


def mean_color(img: np.ndarray) -> tuple:
    """Per-channel mean colour (the padding of SiamFC's crops)."""
    m = cv2.mean(img)
    return tuple(float(v) for v in m[: img.shape[2] if img.ndim == 3 else 1])


def context_size(w: float, h: float, context_amount: float = 0.5) -> float:
    """SiamFC's exemplar side: sqrt((w + p)(h + p)) with p = context_amount * (w + h)."""
    p = context_amount * (w + h)
    return float(np.sqrt((w + p) * (h + p)))


def crop_and_resize(img: np.ndarray, center_xy: Sequence[float], size: float, out_size: int,
                    pad_color=0, interp: int = cv2.INTER_LINEAR, out: Optional[np.ndarray] = None) -> np.ndarray:
    """The square of side `size` centred on `center_xy`, resized to (out_size, out_size), in one warpAffine.

    Parts outside the image take `pad_color` (a scalar or one value per channel). `out`: optional preallocated
    (out_size, out_size, C) array of the image's dtype to write into (no allocation per frame).
    """
    size = max(float(size), 1e-3)
    s = size / out_size
    cx, cy = float(center_xy[0]), float(center_xy[1])
    off = (out_size - 1) / 2.0
    # maps output (u, v) to source (x, y); WARP_INVERSE_MAP says so
    m = np.array([[s, 0.0, cx - s * off], [0.0, s, cy - s * off]], dtype=np.float64)
    border = _border_value(pad_color)
    return cv2.warpAffine(img, m, (out_size, out_size), dst=out, flags=interp | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def crop_and_resize_reference(img: np.ndarray, center_xy: Sequence[float], size: float, out_size: int,
                              pad_color=0, interp: int = cv2.INTER_LINEAR) -> np.ndarray:
    """siamfc-pytorch's crop: whole-pixel corners, pad by the largest overflow, slice, resize."""
    size = max(int(round(float(size))), 1)
    cx, cy = float(center_xy[0]), float(center_xy[1])
    x0 = int(round(cx - (size - 1) / 2.0))
    y0 = int(round(cy - (size - 1) / 2.0))
    x1, y1 = x0 + size, y0 + size
    h, w = img.shape[:2]
    npad = max(0, -x0, -y0, x1 - w, y1 - h)
    if npad > 0:
        img = cv2.copyMakeBorder(img, npad, npad, npad, npad, cv2.BORDER_CONSTANT, value=_border_value(pad_color))
    patch = img[y0 + npad:y1 + npad, x0 + npad:x1 + npad]
    return cv2.resize(patch, (out_size, out_size), interpolation=interp)


def _border_value(pad_color):
    if np.isscalar(pad_color):
        return (float(pad_color),) * 4
    vals = [float(v) for v in pad_color]
    return tuple(vals + [0.0] * (4 - len(vals)))
