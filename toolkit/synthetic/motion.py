"""Motion paths (smooth wandering, fast bouncing runs) and the frame-size unit that pixel quantities scale with."""
from __future__ import annotations

import math
from typing import Tuple

import numpy as np

# Pixel quantities (speeds, event thresholds) are given for a 320x240 frame and scale with sqrt(W*H).
REF_UNIT = math.sqrt(320 * 240)
OTB_FAST_MOTION = 20.0         # px/frame at 640x480


def frame_unit(size: Tuple[int, int]) -> float:
    return math.sqrt(size[0] * size[1])


def fast_motion_px(size: Tuple[int, int]) -> float:
    """OTB's fast-motion speed (20 px/frame at 640x480) scaled to a frame of `size` (W, H)."""
    return OTB_FAST_MOTION * frame_unit(size) / math.sqrt(640 * 480)


def smooth_path(rng: np.random.Generator, T: int, mid: np.ndarray, radius: np.ndarray, speed: float) -> np.ndarray:
    """(T,2) smooth wandering inside ``mid +- radius``: a random centre plus 2 sinusoids per axis (speed <~ `speed`)."""
    t = np.arange(T, dtype=np.float64)
    out = np.empty((T, 2))
    for axis in range(2):
        periods = rng.uniform(60.0, 150.0, size=2)
        phases = rng.uniform(0.0, 2 * math.pi, size=2)
        weights = rng.uniform(0.3, 1.0, size=2)
        weights /= weights.sum()
        amps = weights * speed * periods / (2 * math.pi)
        if amps.sum() > radius[axis]:
            amps *= radius[axis] / max(amps.sum(), 1e-9)
        base = mid[axis] + rng.uniform(-1.0, 1.0) * (radius[axis] - amps.sum())
        out[:, axis] = base + (amps[:, None] * np.sin(2 * math.pi * t[None] / periods[:, None]
                                                         + phases[:, None])).sum(0)
    return out


def billiard_path(rng: np.random.Generator, T: int, lo: np.ndarray, hi: np.ndarray, speed: float) -> np.ndarray:
    """Fast straight runs reflecting off the box [lo, hi] (abrupt bounces); speed swings by +-45% around `speed`."""
    pos = rng.uniform(lo, np.maximum(hi, lo))
    heading = rng.uniform(0.0, 2 * math.pi)
    period, phase = rng.uniform(20.0, 40.0), rng.uniform(0.0, 2 * math.pi)
    out = np.empty((T, 2))
    for t in range(T):
        out[t] = pos
        heading += rng.normal(0.0, 0.04)
        step = speed * (1.0 + 0.45 * math.sin(2 * math.pi * t / period + phase))
        pos = pos + step * np.array([math.cos(heading), math.sin(heading)])
        for a in range(2):
            if hi[a] <= lo[a]:
                pos[a] = lo[a]
                continue
            if pos[a] < lo[a]:
                pos[a] = 2 * lo[a] - pos[a]
            elif pos[a] > hi[a]:
                pos[a] = 2 * hi[a] - pos[a]
            else:
                continue
            pos[a] = min(max(pos[a], lo[a]), hi[a])
            heading = math.pi - heading if a == 0 else -heading
    return out


def half_extent(wh: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(T,2) half width/height of the axis-aligned box of each rotated rectangle."""
    r = np.deg2rad(angle)
    c, s = np.abs(np.cos(r)), np.abs(np.sin(r))
    return 0.5 * np.stack([wh[:, 0] * c + wh[:, 1] * s, wh[:, 0] * s + wh[:, 1] * c], axis=1)
