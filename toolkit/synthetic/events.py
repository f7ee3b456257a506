"""Ground truth and events of a plan: the target's polygons, its share inside the image and under the occluder, the
per-frame VOT tags and the OTB attributes, all computed from the planned motion (rules in the package docstring)."""
from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

from toolkit.synthetic.motion import REF_UNIT, fast_motion_px, frame_unit
from toolkit.synthetic.plan import Layer, VideoPlan

TAG_NAMES = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")

# Event thresholds; the pixel ones (motion, camera) are for a 320x240 frame and scale with sqrt(W*H).
OCCLUSION_MIN = 0.02
SIZE_CHANGE_MIN = 0.004
MOTION_CHANGE_MIN = 1.0
ILLUM_CHANGE_MIN = 0.5
CAMERA_MOTION_MIN = 0.25


def rect_polygon(center: np.ndarray, wh: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """(T,8) corners TL, TR, BR, BL of the rotated rectangles (clockwise on screen)."""
    r = np.deg2rad(angle_deg)
    c, s = np.cos(r), np.sin(r)
    out = np.empty((len(center), 8))
    for i, (sx, sy) in enumerate(((-1, -1), (1, -1), (1, 1), (-1, 1))):
        dx, dy = sx * wh[:, 0] / 2, sy * wh[:, 1] / 2
        out[:, 2 * i] = center[:, 0] + c * dx - s * dy
        out[:, 2 * i + 1] = center[:, 1] + s * dx + c * dy
    return out


def shape_polygon(layer: Layer, t: int) -> np.ndarray:
    """(N,2) float32 outline of what the layer shows at frame t: its rectangle or its inscribed ellipse."""
    if layer.cutout.ellipse:
        a = np.linspace(0, 2 * math.pi, 48, endpoint=False)
        local = np.stack([np.cos(a) * layer.wh[t, 0] / 2, np.sin(a) * layer.wh[t, 1] / 2], axis=1)
    else:
        w, h = layer.wh[t] / 2
        local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]])
    r = math.radians(layer.angle[t])
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    return (local @ rot.T + layer.center[t]).astype(np.float32)


def _convex_area(poly: np.ndarray) -> float:
    return float(abs(cv2.contourArea(poly)))


def _intersection_area(p1: np.ndarray, p2: np.ndarray, p3: Optional[np.ndarray] = None) -> float:
    """Area of the intersection of two (or three) convex polygons."""
    area, inter = cv2.intersectConvexConvex(p1, p2)
    if p3 is not None and area > 0 and inter is not None and len(inter) >= 3:
        area, _ = cv2.intersectConvexConvex(inter.reshape(-1, 2).astype(np.float32), p3)
    return max(float(area), 0.0)


def video_events(plan: VideoPlan) -> dict:
    """Ground truth and per-frame events of a plan.

    Returns ``polygon`` (T,8), ``visible`` (share of the box inside the image), ``occluded`` (share of the target
    covered by the occluder), ``tags`` (the 5 VOT tags as 0/1 int arrays) and ``attr`` (OTB attribute codes).
    """
    T, (W, H) = plan.num_frames, plan.size
    unit_k = frame_unit(plan.size) / REF_UNIT
    tg = plan.target
    polygon = rect_polygon(tg.center, tg.wh, tg.angle)
    frame = np.array([[0, 0], [W, 0], [W, H], [0, H]], dtype=np.float32)
    visible, occluded = np.empty(T), np.zeros(T)
    for t in range(T):
        box = polygon[t].reshape(4, 2).astype(np.float32)
        visible[t] = _intersection_area(box, frame) / max(_convex_area(box), 1e-9)
        if plan.occluder is not None:
            shape = shape_polygon(tg, t)
            # only what happens inside the image counts (an out-of-view part cannot be seen being covered)
            covered = _intersection_area(shape, shape_polygon(plan.occluder, t), frame)
            occluded[t] = covered / max(_convex_area(shape), 1e-9)

    def backward(x: np.ndarray) -> np.ndarray:    # |x_t - x_{t-1}|, frame 0 copies frame 1
        d = np.zeros(len(x))
        if len(x) > 1:
            diff = np.diff(x, axis=0)
            d[1:] = np.abs(diff) if diff.ndim == 1 else np.linalg.norm(diff, axis=1)
            d[0] = d[1]
        return d

    lin_size = np.sqrt(tg.wh.prod(axis=1))
    size_rate = backward(np.log(lin_size))
    accel = np.zeros(T)
    if T >= 3:
        acc = tg.center[2:] - 2 * tg.center[1:-1] + tg.center[:-2]
        accel[1:-1] = np.linalg.norm(acc, axis=1)
        accel[0], accel[-1] = accel[1], accel[-2]
    illum = backward(plan.gain * 128.0 + plan.bias)
    cam = plan.camera
    cam_shift = backward(cam[:, :2]) + backward(np.log(cam[:, 2])) * 0.5 * math.hypot(W, H)
    tags = {k: v.astype(np.int64) for k, v in (
        ("camera_motion", cam_shift > CAMERA_MOTION_MIN * unit_k), ("illum_change", illum > ILLUM_CHANGE_MIN),
        ("motion_change", accel > MOTION_CHANGE_MIN * unit_k), ("size_change", np.expm1(size_rate) > SIZE_CHANGE_MIN),
        ("occlusion", occluded >= OCCLUSION_MIN))}

    area = tg.wh.prod(axis=1)
    step = backward(tg.center)
    ratio = area / area[0]
    found = {
        "IV": tags["illum_change"].any(),
        "SV": (ratio > 2).any() or (ratio < 0.5).any(),
        "OCC": tags["occlusion"].any(),
        "MB": (plan.blur_len >= 3).any(),
        "FM": (step > fast_motion_px(plan.size)).any(),
        "IPR": (np.abs(tg.angle - tg.angle[0]) > 15).any(),
        "OV": (visible < 0.99).any(),
        "BC": bool(plan.distractors),
        "LR": (area < 400).any(),
    }
    attr = [code for code, present in found.items() if present]
    return {"polygon": polygon, "visible": visible, "occluded": occluded, "tags": tags, "attr": attr}


