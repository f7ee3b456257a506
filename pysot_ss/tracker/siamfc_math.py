"""SiamFC's torch-free maths, as plain functions: what the torch tracker (pysot_ss/tracker/siamfc.py) and the ONNX
engine (pysot_ss/export/runtime.py) share. NumPy and OpenCV only, so the engine stays importable without torch
(this package's ``__init__`` is lazy for that reason).

One frame (docs/method.md, "SiamFC inference"), as each tracker's ``track`` spells it out: the network parts
(crops -> features -> responses) are the tracker's; then :func:`best_scale` (upsample, penalise, pick the scale,
window), :func:`move` (centre and damped size, :func:`clamp`-ed to the image), :func:`search_sizes`, and the
tracker's ``update``, which with UPDATE_SOURCE 'search' cuts the new exemplar's features from the search features
(:func:`template_from_search`, no second forward); :func:`result` is the output.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import cv2
import numpy as np

from pysot_ss.errors import ConfigError
from pysot_ss.utils.crop import context_size

__all__ = ["UPDATE_SOURCES", "SearchParams", "box_center", "search_sizes", "hann_window",
           "best_scale", "move", "clamp", "template_from_search", "box_of", "result"]

UPDATE_SOURCES = ("crop", "search")  # TRACK.UPDATE_SOURCE: a new exemplar crop (second forward) or search features


@dataclass(frozen=True)
class SearchParams:
    """The search's hyper-parameters, read once from the TRACK node (:meth:`from_track`) and checked."""

    exemplar_size: int
    instance_size: int
    stride: float              # the backbone's total stride (model.stride; the ONNX file's metadata)
    response_up: int
    context_amount: float
    scale_factors: np.ndarray  # SCALE_STEP ** (-(n//2) .. n//2)
    penalties: np.ndarray      # SCALE_PENALTY for every scale but the centre one (1)
    scale_lr: float
    window_influence: float
    min_size: float
    linear_update: bool
    update_source: str         # UPDATE_SOURCES
    update_every: int
    update_rate: float         # UPDATE_RATE compounded over UPDATE_EVERY frames

    @classmethod
    def from_track(cls, t, stride: float) -> "SearchParams":
        n = int(t.SCALE_NUM)
        if n < 1:
            raise ConfigError(f"TRACK.SCALE_NUM must be >= 1, got {n}")
        penalties = np.full(n, float(t.SCALE_PENALTY))
        penalties[n // 2] = 1.0
        source = str(t.UPDATE_SOURCE)
        if source not in UPDATE_SOURCES:
            raise ConfigError(f"TRACK.UPDATE_SOURCE must be one of {UPDATE_SOURCES}, got {source!r}")
        every = int(t.UPDATE_EVERY)
        if every < 1:
            raise ConfigError(f"TRACK.UPDATE_EVERY must be >= 1, got {every}")
        return cls(exemplar_size=int(t.EXEMPLAR_SIZE), instance_size=int(t.INSTANCE_SIZE), stride=float(stride),
                   response_up=int(t.RESPONSE_UP), context_amount=float(t.CONTEXT_AMOUNT),
                   scale_factors=float(t.SCALE_STEP) ** np.linspace(-(n // 2), n // 2, n), penalties=penalties,
                   scale_lr=float(t.SCALE_LR), window_influence=float(t.WINDOW_INFLUENCE),
                   min_size=float(t.MIN_SIZE), linear_update=bool(t.LINEAR_UPDATE), update_source=source,
                   update_every=every,
                   # N frames of rate lambda compound to 1 - (1 - lambda)^N: updating every N frames keeps the
                   # same memory
                   update_rate=1.0 - (1.0 - float(t.UPDATE_RATE)) ** every)


def box_center(x: float, y: float, w: float, h: float) -> Tuple[np.ndarray, np.ndarray]:
    """pysot's 0-based box -> (centre (cx, cy), size (w, h))."""
    return np.array([x + (w - 1) / 2.0, y + (h - 1) / 2.0]), np.array([w, h], dtype=np.float64)


def box_of(center: np.ndarray, target_sz: np.ndarray) -> List[float]:
    """(centre, size) -> pysot's 0-based [x, y, w, h]."""
    w, h = float(target_sz[0]), float(target_sz[1])
    return [float(center[0]) - (w - 1) / 2.0, float(center[1]) - (h - 1) / 2.0, w, h]


def search_sizes(target_sz: np.ndarray, p: SearchParams) -> Tuple[float, float]:
    """(z_sz, x_sz): the exemplar side with context, and the search side, in image pixels."""
    z_sz = context_size(target_sz[0], target_sz[1], p.context_amount)
    return z_sz, z_sz * p.instance_size / p.exemplar_size


def hann_window(n: int) -> np.ndarray:
    """outer(hanning(n), hanning(n)) normalised to sum 1 (siamfc-pytorch)."""
    w = np.outer(np.hanning(n), np.hanning(n))
    return w / w.sum()


def best_scale(resp: np.ndarray, p: SearchParams, windows: Dict[int, np.ndarray]):
    """(n, h, w) response maps -> (loc, sid, raw_peaks, up): the peak (col, row) of the chosen scale's upsampled,
    windowed map, the scale's index, every scale's raw upsampled peak, and the upsampled side.

    The penalty multiplies the peaks rather than the maps: max(p * r) == p * max(r) for p > 0 (exactly, in
    floating point too), and the chosen map is renormalised, so this equals penalising the maps. `windows` caches
    the Hann window per upsampled side."""
    up = resp.shape[1] * p.response_up
    ups = [cv2.resize(r, (up, up), interpolation=cv2.INTER_CUBIC) for r in resp]
    raw_peaks = np.array([u.max() for u in ups], dtype=np.float64)
    sid = int(np.argmax(raw_peaks * p.penalties))
    response = ups[sid]
    response -= response.min()
    if up not in windows:
        windows[up] = hann_window(up)
    wi = p.window_influence
    response = (1.0 - wi) * (response / (response.sum() + 1e-16)) + wi * windows[up]
    row, col = np.unravel_index(int(np.argmax(response)), response.shape)
    return np.array([col, row], dtype=np.float64), sid, raw_peaks, up


def move(center: np.ndarray, target_sz: np.ndarray, x_sz: float, loc: np.ndarray, sid: int, up: int,
         p: SearchParams, width: int, height: int) -> Tuple[np.ndarray, np.ndarray]:
    """The new (centre, size): the peak's offset from the map centre in image pixels, a damped scale step, then
    :func:`clamp` to the image."""
    disp = (loc - (up - 1) / 2.0) * p.stride / p.response_up
    center = center + disp * (x_sz * p.scale_factors[sid]) / p.instance_size
    lr = p.scale_lr
    target_sz = target_sz * ((1.0 - lr) + lr * p.scale_factors[sid])
    return clamp(center, target_sz, width, height, p.min_size)


def clamp(center: np.ndarray, target_sz: np.ndarray, width: int, height: int, lo: float):
    """Sizes in [lo, image size], centre inside the image: the output stays usable whatever happens."""
    if not np.isfinite(target_sz).all():
        target_sz = np.array([lo, lo])
    target_sz[0] = min(max(target_sz[0], lo), max(float(width), lo))
    target_sz[1] = min(max(target_sz[1], lo), max(float(height), lo))
    if not np.isfinite(center).all():
        center = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
    center[0] = min(max(center[0], 0.0), width - 1.0)
    center[1] = min(max(center[1], 0.0), height - 1.0)
    return center, target_sz


def template_from_search(xf, sid: int, loc: np.ndarray, up: int, template_hw, response_up: int):
    """The new exemplar's features without a second forward (TRACK.UPDATE_SOURCE 'search'): the template-sized
    (`template_hw`) window of scale `sid`'s search features `xf` whose centre is nearest the new target centre.

    Response cell k is the template placed at search-feature offset k, so the window starts at the response
    peak's cell, ``(W - w) / 2 + round(peak offset / RESPONSE_UP)``, clamped inside the map. The window is
    one feature stride (8 crop pixels) coarse and at the chosen scale, i.e. exemplar side ``z_sz * scale``
    rather than the damped new ``z_sz``: at UPDATE_RATE ~0.01 neither is visible (benchmarks/bench_tracker.py
    measures it). Works on torch tensors and NumPy arrays alike (plain slicing)."""
    h, w = template_hw
    hx, wx = xf.shape[-2:]
    off = np.rint((loc - (up - 1) / 2.0) / response_up).astype(int)  # (cols, rows) in feature cells
    c0 = int(min(max((wx - w) // 2 + off[0], 0), wx - w))
    r0 = int(min(max((hx - h) // 2 + off[1], 0), hx - h))
    return xf[sid:sid + 1, :, r0:r0 + h, c0:c0 + w]


def result(center: np.ndarray, target_sz: np.ndarray, score: float) -> Dict:
    """pysot's per-frame output: ``{'bbox': [x, y, w, h], 'best_score': score}`` (a non-finite score reads 0)."""
    return {"bbox": box_of(center, target_sz), "best_score": score if np.isfinite(score) else 0.0}
