"""A small, seeded synthetic tracking benchmark written in the VOT and OTB layouts.

Everything is built from the sample photos bundled in the scikit-image wheel (``skimage.data``; nothing is
downloaded). Each video shows one textured target, cut from one photo, moving over another photo used as background,
with a per-video mix of: translation along a smooth random path (always), scale change, in-plane rotation, partial
occlusion by a patch passing over the target, a global brightness/contrast ramp, fast motion with motion blur, partly
leaving the frame, camera motion (the background pans and zooms) and 1-2 similar-looking distractors (clutter).

Layout written by :func:`generate_benchmark` (``out_dir`` is the folder you pass)::

    <out_dir>/VOT2016/list.txt                          video names, one a line
    <out_dir>/VOT2016/VOT2016.json                      pysot's description (docs/toolkit.md §6.3)
    <out_dir>/VOT2016/<video>/groundtruth.txt           x1,y1,x2,y2,x3,y3,x4,y4 per frame, 4 decimals
    <out_dir>/VOT2016/<video>/color/00000001.jpg
    <out_dir>/VOT2016/<video>/{camera_motion,illum_change,motion_change,size_change,occlusion}.tag
    <out_dir>/OTB100/OTB100.json                        pysot's description, with `attr` per video
    <out_dir>/OTB100/<Video>/groundtruth_rect.txt       x,y,w,h per frame (axis-aligned box of the polygon)
    <out_dir>/OTB100/<Video>/img/0001.jpg               the same frames (hard links where possible)

The roots are named so that ``DatasetFactory.create_dataset(name='VOT2016' | 'OTB100', dataset_root=...)`` reads
them. VOT video names are lower case (``cup1``), OTB ones capitalised (``Cup1``); the frames are identical.
Coordinates are continuous pixel coordinates where pixel column ``i`` spans ``[i, i+1)``; the target occupies exactly
its (rotated) rectangle, or the ellipse inscribed in it for round objects. A box may extend past the image (OTB-like).

Each root holds a marker ``.synthetic.json`` (the generation parameters plus what each video contains), written
last. A call whose parameters match the marker returns at once; otherwise the root is generated in a temporary
folder next to it and renamed into place. A folder that exists without our marker is never replaced.

Per-frame tags (VOT) are computed from the generated motion, not declared: ``occlusion`` when the occluder covers
>= 2% of the target's area inside the image; ``size_change`` when the linear size changes by more than 0.4% from
the previous frame; ``motion_change`` when the centre's acceleration exceeds 1 px/frame^2; ``illum_change`` while
the global gain/bias ramps (> 0.5 grey level/frame); ``camera_motion`` while the background moves by more than
0.25 px/frame (pixel thresholds are for 320x240 and scale with sqrt(W*H)). OTB attributes: IV (any illum_change),
SV (box area vs frame 1 outside [1/2, 2], OTB's rule), OCC (any occlusion), MB (motion-blur kernel >= 3 px in some
frame), FM (centre moves more than OTB's 20 px/frame, scaled from 640x480 to the frame size), IPR (rotation > 15 deg
from frame 1), OV (more than 1% of the box outside the image in some frame), BC (distractors present), LR (box area
< 400 px). DEF and OPR never apply (the targets are rigid planar patches).
"""
from __future__ import annotations

import functools
import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from sotbase.atomic import atomic_write_json
from toolkit.utils.errors import ToolkitError

__all__ = [
    "generate_benchmark", "generate_unlabeled_images", "plan_benchmark", "render_frames", "video_events",
    "read_marker", "VideoPlan", "Layer", "Cutout", "ROOT_NAMES", "MARKER_NAME", "TAG_NAMES",
]

GENERATOR = "toolkit.datasets.synthetic"
GENERATOR_VERSION = 1          # bump when the output for given parameters changes
MARKER_NAME = ".synthetic.json"
ROOT_NAMES = {"vot": "VOT2016", "otb": "OTB100"}
TAG_NAMES = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")
JPEG_QUALITY = 90

# Event thresholds (see module docstring). Pixel thresholds are given for a 320x240 frame and scale with
# sqrt(W*H) (`_unit`).
OCCLUSION_MIN = 0.02
SIZE_CHANGE_MIN = 0.004
MOTION_CHANGE_MIN = 1.0
ILLUM_CHANGE_MIN = 0.5
CAMERA_MOTION_MIN = 0.25
OTB_FAST_MOTION = 20.0         # px/frame at 640x480
BLUR_EXPOSURE = 0.7            # blur length = speed * exposure
REF_UNIT = math.sqrt(320 * 240)


# ----------------------------------------------------------------------------------------------------------------
# Photos and cut-outs

@dataclass(frozen=True)
class Cutout:
    """A rectangle ``box = (x, y, w, h)`` of a bundled photo; ``ellipse`` keeps only the inscribed ellipse."""
    photo: str
    box: Tuple[int, int, int, int]
    ellipse: bool = False


# Targets: recognisable textured things (boxes picked by eye on the bundled photos).
TARGETS: Dict[str, Cutout] = {
    "face": Cutout("astronaut", (160, 20, 140, 160), True),
    "cat": Cutout("chelsea", (105, 30, 260, 250), True),
    "cup": Cutout("coffee", (165, 10, 265, 245)),
    "rocket": Cutout("rocket", (288, 118, 70, 230)),
    "coin": Cutout("coins", (300, 6, 72, 94), True),
    "cameraman": Cutout("camera", (150, 55, 190, 190)),
    "moto": Cutout("motorcycle", (95, 95, 600, 370)),
    "badge": Cutout("astronaut", (131, 345, 82, 82), True),
    "cells": Cutout("immunohistochemistry", (248, 300, 145, 205), True),
    "wheel": Cutout("colorwheel", (2, 2, 367, 366), True),
}
BACKGROUNDS = ("coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "astronaut", "gravel", "grass",
               "brick", "camera", "motorcycle", "chelsea")
OCCLUDER_PHOTOS = ("gravel", "brick", "grass", "coffee", "hubble_deep_field", "retina", "immunohistochemistry",
                   "motorcycle", "astronaut", "rocket")
ALL_PHOTOS = tuple(sorted(set(BACKGROUNDS) | set(OCCLUDER_PHOTOS) | {c.photo for c in TARGETS.values()}))


@functools.lru_cache(maxsize=None)
def load_photo(name: str) -> np.ndarray:
    """A bundled scikit-image sample photo as a read-only BGR uint8 array."""
    from skimage import data  # local import: skimage is slow to import and only needed here
    if name == "motorcycle":
        img = data.stereo_motorcycle()[0]
    else:
        loader = getattr(data, name, None)
        if loader is None:
            raise ToolkitError(f"skimage.data has no photo {name!r}")
        img = loader()
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise ToolkitError(f"skimage.data.{name} is {img.dtype}, expected uint8")
    if img.ndim == 2:
        bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        bgr = cv2.cvtColor(img, cv2.COLOR_RGBA2BGR)
    else:
        bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    bgr = np.ascontiguousarray(bgr)
    bgr.flags.writeable = False
    return bgr


# ----------------------------------------------------------------------------------------------------------------
# Plans: every random choice of a video, as per-frame arrays. Rendering and events are pure functions of a plan.

@dataclass
class Layer:
    """A patch moving over the frame: centre (T,2), size (T,2) as (w,h), angle (T,) in degrees (clockwise)."""
    cutout: Cutout
    center: np.ndarray
    wh: np.ndarray
    angle: np.ndarray
    flip: bool = False
    gains: Tuple[float, float, float] = (1.0, 1.0, 1.0)   # per-channel colour gains (B, G, R)


@dataclass
class VideoPlan:
    name: str
    index: int
    size: Tuple[int, int]                 # (W, H)
    effects: Tuple[str, ...]
    target_key: str
    target: Layer
    background: str
    bg_flip: bool
    camera: np.ndarray                    # (T,3): background offset x, y (frame px) and zoom
    gain: np.ndarray                      # (T,) global illumination: out = img * gain + bias
    bias: np.ndarray
    blur_len: np.ndarray                  # (T,) motion-blur kernel length in px (0 = none)
    blur_angle: np.ndarray                # (T,) degrees
    occluder: Optional[Layer] = None
    distractors: Tuple[Layer, ...] = ()

    @property
    def num_frames(self) -> int:
        return len(self.gain)

    @property
    def otb_name(self) -> str:
        return self.name[:1].upper() + self.name[1:]


# Effect combinations by video index (cycled), so that the default 6 videos cover every effect; each video then
# gets each further effect with probability EXTRA_PROB.
PRESETS: Tuple[Tuple[str, ...], ...] = (
    ("scale", "camera_motion", "illumination"),
    ("rotation", "occlusion"),
    ("fast_motion", "blur", "clutter"),
    ("out_of_view", "scale", "camera_motion"),
    ("rotation", "illumination", "clutter"),
    ("occlusion", "fast_motion", "blur", "scale"),
)
EFFECTS = ("scale", "rotation", "occlusion", "illumination", "fast_motion", "blur", "out_of_view", "clutter",
           "camera_motion")
EXTRA_PROB = 0.2


def _unit(size: Tuple[int, int]) -> float:
    return math.sqrt(size[0] * size[1])


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _smooth_path(rng: np.random.Generator, T: int, mid: np.ndarray, radius: np.ndarray, speed: float) -> np.ndarray:
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


def _billiard_path(rng: np.random.Generator, T: int, lo: np.ndarray, hi: np.ndarray, speed: float) -> np.ndarray:
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


def _half_extent(wh: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(T,2) half width/height of the axis-aligned box of each rotated rectangle."""
    r = np.deg2rad(angle)
    c, s = np.abs(np.cos(r)), np.abs(np.sin(r))
    return 0.5 * np.stack([wh[:, 0] * c + wh[:, 1] * s, wh[:, 0] * s + wh[:, 1] * c], axis=1)


def _random_crop_box(rng: np.random.Generator, photo: str, frac: Tuple[float, float]) -> Tuple[int, int, int, int]:
    ph, pw = load_photo(photo).shape[:2]
    side = rng.uniform(*frac) * min(pw, ph)
    aspect = rng.uniform(0.6, 1.6)
    w = int(min(pw, max(8, side * math.sqrt(aspect))))
    h = int(min(ph, max(8, side / math.sqrt(aspect))))
    return int(rng.integers(0, pw - w + 1)), int(rng.integers(0, ph - h + 1)), w, h


def _choose_effects(rng: np.random.Generator, index: int) -> Tuple[str, ...]:
    chosen = list(PRESETS[index % len(PRESETS)])
    for eff in EFFECTS:
        if rng.random() < EXTRA_PROB and eff not in chosen:
            chosen.append(eff)
    if "blur" in chosen and "fast_motion" not in chosen:
        chosen.append("fast_motion")
    if "fast_motion" in chosen and "out_of_view" in chosen:
        # the bouncing path keeps the box inside; keep whichever the preset asked for
        preset = PRESETS[index % len(PRESETS)]
        drop = "fast_motion" if "out_of_view" in preset else "out_of_view"
        chosen.remove(drop)
        if drop == "fast_motion" and "blur" in chosen:
            chosen.remove("blur")
    return tuple(e for e in EFFECTS if e in chosen)


def _plan_video(seed: int, index: int, T: int, size: Tuple[int, int], target_key: str) -> VideoPlan:
    rng = np.random.default_rng([seed, 0, index])
    W, H = size
    unit = _unit(size)
    k = unit / REF_UNIT                      # pixel quantities below are for 320x240
    t = np.arange(T, dtype=np.float64)
    effects = _choose_effects(rng, index)
    cut = TARGETS[target_key]

    # size and scale
    aspect = cut.box[2] / cut.box[3] * rng.uniform(0.9, 1.1)
    amp = rng.uniform(0.3, 0.42) if "scale" in effects else 0.0
    if amp:
        period = rng.uniform(45.0, 80.0)
        phase = rng.choice([-1.0, 1.0]) * math.pi / 2 + rng.uniform(-0.4, 0.4)
        log_s = amp * np.sin(2 * math.pi * t / period + phase)
    else:
        log_s = np.zeros(T)
    base = rng.uniform(0.17, 0.24) * unit
    stretch = max(math.sqrt(aspect), 1 / math.sqrt(aspect))
    base = min(base, 0.45 * min(W, H) / (math.exp(amp) * stretch))
    wh = np.exp(log_s)[:, None] * np.array([base * math.sqrt(aspect), base / math.sqrt(aspect)])

    # in-plane rotation
    if "rotation" in effects:
        rate = rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.5)
        wob, wper, wph = rng.uniform(5.0, 15.0), rng.uniform(20.0, 40.0), rng.uniform(0, 2 * math.pi)
        angle = rng.uniform(-10.0, 10.0) + rate * t + wob * (np.sin(2 * math.pi * t / wper + wph) - math.sin(wph))
    else:
        angle = np.zeros(T)

    # path of the centre
    half = _half_extent(wh, angle).max(axis=0)
    mid = np.array([W / 2.0, H / 2.0])
    radius = np.maximum(mid - half - 2.0, 0.0)
    if "fast_motion" in effects:
        tm = OTB_FAST_MOTION * unit / math.sqrt(640 * 480)
        center = _billiard_path(rng, T, mid - radius, mid + radius, rng.uniform(0.8, 1.05) * tm)
    else:
        center = _smooth_path(rng, T, mid, radius, rng.uniform(1.0, 2.5) * k)
    if "out_of_view" in effects and T >= 4:
        tc = int(round(rng.uniform(0.45, 0.7) * (T - 1)))
        span = max(1, min(int(0.4 * T), 30, tc - 1))
        axis = int(rng.random() < 0.3)                       # mostly leave through the left/right side
        lim = (W, H)[axis]
        side = -1.0 if center[tc, axis] < lim / 2 else 1.0   # through the nearer edge
        frac = rng.uniform(0.3, 0.6)                         # share of the box outside at the peak
        hx = _half_extent(wh, angle)[tc, axis]
        goal = hx * (1 - 2 * frac) if side < 0 else lim - hx * (1 - 2 * frac)
        bump = 0.5 * (1 + np.cos(np.pi * np.clip((t - tc) / span, -1, 1)))
        center[:, axis] += bump * (goal - center[tc, axis])

    # motion blur from the centre's velocity
    vel = np.gradient(center, axis=0) if T > 1 else np.zeros_like(center)
    speed = np.hypot(vel[:, 0], vel[:, 1])
    if "blur" in effects:
        blur_len = np.minimum(np.round(speed * BLUR_EXPOSURE), 25).astype(np.int64)
        blur_len[blur_len < 3] = 0
    else:
        blur_len = np.zeros(T, dtype=np.int64)
    blur_angle = np.degrees(np.arctan2(vel[:, 1], vel[:, 0]))

    # background and camera
    bg_choices = [b for b in BACKGROUNDS if b != cut.photo]
    background = bg_choices[int(rng.integers(len(bg_choices)))]
    bg_flip = bool(rng.random() < 0.5)
    camera = np.zeros((T, 3))
    camera[:, 2] = 1.0
    if "camera_motion" in effects:
        camera[:, :2] = _smooth_path(rng, T, np.zeros(2), np.array([0.1, 0.1]) * unit, rng.uniform(0.6, 1.2) * k)
        zamp, zper, zph = rng.uniform(0.04, 0.1), rng.uniform(60.0, 150.0), rng.uniform(0, 2 * math.pi)
        camera[:, 2] = np.exp(zamp * (np.sin(2 * math.pi * t / zper + zph) - math.sin(zph)))

    # illumination ramp (and maybe back)
    gain, bias = np.ones(T), np.zeros(T)
    if "illumination" in effects:
        darker = rng.random() < 0.5
        g1 = rng.uniform(0.45, 0.7) if darker else rng.uniform(1.3, 1.6)
        b1 = rng.uniform(0.0, 15.0) if darker else -rng.uniform(10.0, 35.0)
        t0, dur = rng.uniform(0.15, 0.4) * T, max(2.0, rng.uniform(0.15, 0.3) * T)
        level = _smoothstep((t - t0) / dur)
        t2 = t0 + dur + rng.uniform(0.1, 0.25) * T
        if rng.random() < 0.5 and t2 + dur <= T - 1:
            level = level - _smoothstep((t - t2) / dur)
        gain, bias = 1.0 + (g1 - 1.0) * level, b1 * level

    target = Layer(cut, center, wh, angle, flip=bool(rng.random() < 0.3))

    occluder = None
    if "occlusion" in effects:
        photos = [p for p in OCCLUDER_PHOTOS if p not in (cut.photo, background)]
        photo = photos[int(rng.integers(len(photos)))]
        ocut = Cutout(photo, _random_crop_box(rng, photo, (0.2, 0.5)), bool(rng.random() < 0.4))
        # pass over the target while it is fully in view (if it ever leaves it), so the occlusion can be seen
        ext = _half_extent(wh, angle)
        inside = np.all((center - ext >= 0) & (center + ext <= np.array([W, H])), axis=1)
        window = np.arange(int(0.3 * (T - 1)), int(0.75 * (T - 1)) + 1)
        window = window[inside[window]] if inside[window].any() else window
        tmid = float(window[int(rng.integers(len(window)))]) + rng.uniform(-0.5, 0.5)
        ext_t = float(np.sqrt(wh[int(round(tmid))].prod()))
        o_side = ext_t * rng.uniform(0.7, 1.1)
        o_aspect = ocut.box[2] / ocut.box[3]
        o_wh = np.array([o_side * math.sqrt(o_aspect), o_side / math.sqrt(o_aspect)])
        heading = rng.uniform(0, 2 * math.pi)
        u = np.array([math.cos(heading), math.sin(heading)])
        n = np.array([-u[1], u[0]])
        duration = float(np.clip(0.35 * T, 4.0, 30.0))
        reach = ext_t + o_side
        offset = rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 0.55) * reach / 2
        o_center = center + offset * n + (reach / duration) * (t - tmid)[:, None] * u
        occluder = Layer(ocut, o_center, np.tile(o_wh, (T, 1)), np.full(T, rng.uniform(-30.0, 30.0)))

    distractors: List[Layer] = []
    if "clutter" in effects:
        for _ in range(int(rng.integers(1, 3))):
            dwh = wh[0] * rng.uniform(0.85, 1.1)
            dhalf = _half_extent(np.tile(dwh, (T, 1)), np.zeros(T)).max(axis=0)
            drad = np.maximum(mid - dhalf - 2.0, 0.0)
            for _attempt in range(20):      # start away from the target so frame 1 is unambiguous
                path = _smooth_path(rng, T, mid, drad, rng.uniform(1.5, 3.0) * k)
                if np.hypot(*(path[0] - center[0])) > 1.3 * np.sqrt(wh[0].prod()):
                    break
            distractors.append(Layer(cut, path, np.tile(dwh, (T, 1)), np.full(T, rng.uniform(-8.0, 8.0)),
                                     flip=bool(rng.random() < 0.5),
                                     gains=tuple(float(g) for g in rng.uniform(0.85, 1.15, size=3))))

    return VideoPlan(name=f"{target_key}{index + 1}", index=index, size=(W, H), effects=effects,
                     target_key=target_key, target=target, background=background, bg_flip=bg_flip, camera=camera,
                     gain=gain, bias=bias, blur_len=blur_len, blur_angle=blur_angle, occluder=occluder,
                     distractors=tuple(distractors))


def plan_benchmark(seed: int = 0, num_videos: int = 6, num_frames: int = 60,
                   size: Tuple[int, int] = (320, 240)) -> List[VideoPlan]:
    """The plans of all videos. Video i depends only on (seed, i, num_frames, size), not on num_videos."""
    _check_params(seed, num_videos, num_frames, size)
    keys = sorted(TARGETS)
    order = np.random.default_rng([seed, 2]).permutation(len(keys))
    return [_plan_video(seed, i, num_frames, tuple(size), keys[order[i % len(keys)]]) for i in range(num_videos)]


# ----------------------------------------------------------------------------------------------------------------
# Geometry and events

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


def _shape_polygon(layer: Layer, t: int) -> np.ndarray:
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
    unit_k = _unit(plan.size) / REF_UNIT
    tg = plan.target
    polygon = rect_polygon(tg.center, tg.wh, tg.angle)
    frame = np.array([[0, 0], [W, 0], [W, H], [0, H]], dtype=np.float32)
    visible = np.empty(T)
    occluded = np.zeros(T)
    for t in range(T):
        box = polygon[t].reshape(4, 2).astype(np.float32)
        visible[t] = _intersection_area(box, frame) / max(_convex_area(box), 1e-9)
        if plan.occluder is not None:
            shape = _shape_polygon(tg, t)
            # only what happens inside the image counts (an out-of-view part cannot be seen being covered)
            covered = _intersection_area(shape, _shape_polygon(plan.occluder, t), frame)
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
    tags = {
        "camera_motion": cam_shift > CAMERA_MOTION_MIN * unit_k,
        "illum_change": illum > ILLUM_CHANGE_MIN,
        "motion_change": accel > MOTION_CHANGE_MIN * unit_k,
        "size_change": np.expm1(size_rate) > SIZE_CHANGE_MIN,
        "occlusion": occluded >= OCCLUSION_MIN,
    }
    tags = {k: v.astype(np.int64) for k, v in tags.items()}

    area = tg.wh.prod(axis=1)
    step = backward(tg.center)
    ratio = area / area[0]
    attr = []
    if tags["illum_change"].any():
        attr.append("IV")
    if (ratio > 2).any() or (ratio < 0.5).any():
        attr.append("SV")
    if tags["occlusion"].any():
        attr.append("OCC")
    if (plan.blur_len >= 3).any():
        attr.append("MB")
    if (step > OTB_FAST_MOTION * _unit(plan.size) / math.sqrt(640 * 480)).any():
        attr.append("FM")
    if (np.abs(tg.angle - tg.angle[0]) > 15).any():
        attr.append("IPR")
    if (visible < 0.99).any():
        attr.append("OV")
    if plan.distractors:
        attr.append("BC")
    if (area < 400).any():
        attr.append("LR")
    return {"polygon": polygon, "visible": visible, "occluded": occluded, "tags": tags, "attr": attr}


# ----------------------------------------------------------------------------------------------------------------
# Rendering

def _prepare_patch(layer: Layer) -> Tuple[np.ndarray, np.ndarray]:
    """Premultiplied float32 colour and alpha of a layer, at its largest rendered size."""
    x, y, w, h = layer.cutout.box
    crop = load_photo(layer.cutout.photo)[y:y + h, x:x + w]
    if layer.flip:
        crop = crop[:, ::-1]
    big = layer.wh.max(axis=0)
    pw, ph = max(2, int(math.ceil(big[0]))), max(2, int(math.ceil(big[1])))
    interp = cv2.INTER_AREA if pw < w else cv2.INTER_LINEAR
    col = cv2.resize(np.ascontiguousarray(crop), (pw, ph), interpolation=interp).astype(np.float32)
    col *= np.asarray(layer.gains, dtype=np.float32)
    if layer.cutout.ellipse:
        yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
        a, b = pw / 2.0, ph / 2.0
        d = np.sqrt(((xx + 0.5 - a) / a) ** 2 + ((yy + 0.5 - b) / b) ** 2)
        alpha = np.clip((1.0 - d) * min(a, b) + 0.5, 0.0, 1.0).astype(np.float32)
    else:
        alpha = np.ones((ph, pw), np.float32)
    np.minimum(col, 255.0, out=col)
    col *= alpha[..., None]
    return col, alpha


def _line_kernel(length: int, angle_deg: float) -> np.ndarray:
    size = length if length % 2 else length + 1
    img = np.zeros((size * 4, size * 4), np.uint8)      # drawn 4x larger with sub-pixel shift, then reduced
    c = size * 2.0
    r = math.radians(angle_deg)
    dx, dy = math.cos(r) * (length - 1) * 2.0, math.sin(r) * (length - 1) * 2.0
    p1 = (int(round((c - dx) * 16)), int(round((c - dy) * 16)))
    p2 = (int(round((c + dx) * 16)), int(round((c + dy) * 16)))
    cv2.line(img, p1, p2, 255, thickness=4, lineType=cv2.LINE_AA, shift=4)
    ker = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    return ker / max(float(ker.sum()), 1e-6)


def _composite(canvas: np.ndarray, patch: Tuple[np.ndarray, np.ndarray], center, wh, angle_deg: float,
               kernel: Optional[np.ndarray] = None) -> None:
    """Paste a premultiplied patch onto the float canvas, rotated/scaled to `wh` around `center` (in place)."""
    col, alpha = patch
    ph, pw = alpha.shape
    H, W = canvas.shape[:2]
    r = math.radians(angle_deg)
    A = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]]) @ np.diag([wh[0] / pw, wh[1] / ph])
    b = np.asarray(center, np.float64) - A @ np.array([pw / 2.0, ph / 2.0])
    corners = A @ np.array([[0, pw, pw, 0], [0, 0, ph, ph]], np.float64) + b[:, None]
    pad = 2 + (kernel.shape[0] // 2 if kernel is not None else 0)
    x0, x1 = max(int(math.floor(corners[0].min())) - pad, 0), min(int(math.ceil(corners[0].max())) + pad, W)
    y0, y1 = max(int(math.floor(corners[1].min())) - pad, 0), min(int(math.ceil(corners[1].max())) + pad, H)
    if x0 >= x1 or y0 >= y1:
        return
    # continuous coords (pixel i spans [i, i+1)) -> cv2 pixel-centre coords, shifted to the ROI
    M = np.hstack([A, (A @ np.array([0.5, 0.5]) + b - 0.5 - np.array([x0, y0]))[:, None]])
    dsize = (x1 - x0, y1 - y0)
    wc = cv2.warpAffine(col, M, dsize, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    wa = cv2.warpAffine(alpha, M, dsize, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if kernel is not None:
        wc = cv2.filter2D(wc, -1, kernel, borderType=cv2.BORDER_CONSTANT)
        wa = cv2.filter2D(wa, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    roi = canvas[y0:y1, x0:x1]
    roi *= (1.0 - np.clip(wa, 0.0, 1.0))[..., None]
    roi += wc


class _Background:
    """The background photo, scaled so that every camera position and zoom stays inside it."""

    def __init__(self, plan: VideoPlan):
        W, H = plan.size
        cam = plan.camera
        need_w = W / cam[:, 2].min() + 2 * np.abs(cam[:, 0]).max() + 4
        need_h = H / cam[:, 2].min() + 2 * np.abs(cam[:, 1]).max() + 4
        photo = load_photo(plan.background)
        if plan.bg_flip:
            photo = photo[:, ::-1]
        scale = max(need_w / photo.shape[1], need_h / photo.shape[0])
        bw, bh = int(math.ceil(photo.shape[1] * scale)), int(math.ceil(photo.shape[0] * scale))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        self.img = cv2.resize(np.ascontiguousarray(photo), (bw, bh), interpolation=interp)
        self.center = np.array([bw / 2.0, bh / 2.0])
        self.size, self.camera = (W, H), cam
        self._static = None

    def frame(self, t: int) -> np.ndarray:
        ox, oy, z = self.camera[t]
        if self._static is not None and (ox, oy, z) == self._static[0]:
            return self._static[1].copy()
        W, H = self.size
        A = np.eye(2) / z
        b = self.center + np.array([ox, oy]) - A @ np.array([W / 2.0, H / 2.0])
        M = np.hstack([A, (A @ np.array([0.5, 0.5]) + b - 0.5)[:, None]])
        out = cv2.warpAffine(self.img, M, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT).astype(np.float32)
        self._static = ((ox, oy, z), out)
        return out.copy()


def render_frames(plan: VideoPlan, with_target: bool = True, with_occluder: bool = True) -> Iterator[np.ndarray]:
    """Yield the BGR uint8 frames of a video; the flags leave out the target or the occluder (for tests/inspection)."""
    bg = _Background(plan)
    target = _prepare_patch(plan.target)
    distractors = [(d, _prepare_patch(d)) for d in plan.distractors]
    occluder = None
    if plan.occluder is not None and with_occluder:
        occluder = (plan.occluder, _prepare_patch(plan.occluder))
    for t in range(plan.num_frames):
        canvas = bg.frame(t)
        for layer, patch in distractors:
            _composite(canvas, patch, layer.center[t], layer.wh[t], layer.angle[t])
        if with_target:
            tg = plan.target
            kernel = _line_kernel(int(plan.blur_len[t]), plan.blur_angle[t]) if plan.blur_len[t] >= 3 else None
            _composite(canvas, target, tg.center[t], tg.wh[t], tg.angle[t], kernel)
        if occluder is not None:
            layer, patch = occluder
            _composite(canvas, patch, layer.center[t], layer.wh[t], layer.angle[t])
        canvas *= np.float32(plan.gain[t])
        canvas += np.float32(plan.bias[t])
        yield np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


def encode_jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [int(cv2.IMWRITE_JPEG_QUALITY), JPEG_QUALITY])
    if not ok:
        raise ToolkitError("cv2.imencode failed to encode a JPEG frame")
    return buf.tobytes()


# ----------------------------------------------------------------------------------------------------------------
# Writing the layouts

def _fmt(values: Iterable[float]) -> str:
    return ",".join("%.4f" % v for v in values)


def _gt_lines(events: dict) -> Tuple[List[str], List[str], List[List[float]], List[List[float]]]:
    """VOT and OTB ground-truth lines plus the parsed values (so the JSON equals what the text files say)."""
    vot_lines, otb_lines, vot_vals, otb_vals = [], [], [], []
    for poly in events["polygon"]:
        line = _fmt(poly)
        vals = [float(v) for v in line.split(",")]
        xs, ys = vals[0::2], vals[1::2]
        box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        oline = _fmt(box)
        vot_lines.append(line)
        vot_vals.append(vals)
        otb_lines.append(oline)
        otb_vals.append([float(v) for v in oline.split(",")])
    return vot_lines, otb_lines, vot_vals, otb_vals


def _write_text(path: Path, lines: Sequence[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _put_file(data: bytes, path: Path, link_from: Optional[Path]) -> None:
    if link_from is not None:
        try:
            os.link(link_from, path)
            return
        except OSError:
            pass
    path.write_bytes(data)


def _video_summary(plan: VideoPlan, events: dict) -> dict:
    return {
        "otb_name": plan.otb_name, "effects": list(plan.effects), "attr": events["attr"],
        "target": plan.target_key, "target_photo": plan.target.cutout.photo, "background": plan.background,
        "occluder": plan.occluder.cutout.photo if plan.occluder is not None else None,
        "distractors": len(plan.distractors),
        "max_occluded": round(float(events["occluded"].max()), 4),
        "min_visible": round(float(events["visible"].min()), 4),
        "tag_counts": {k: int(v.sum()) for k, v in events["tags"].items()},
    }


def _write_benchmark(plans: List[VideoPlan], dirs: Dict[str, Path]) -> Dict[str, dict]:
    """Render every video once and write it into each layout folder in `dirs`. Returns the per-video summaries."""
    vot_json, otb_json, summaries = {}, {}, {}
    for plan in plans:
        T, (W, H) = plan.num_frames, plan.size
        events = video_events(plan)
        vot_lines, otb_lines, vot_vals, otb_vals = _gt_lines(events)
        digits = max(4, len(str(T)))
        vot_names = [f"{plan.name}/color/{i + 1:08d}.jpg" for i in range(T)]
        otb_names = [f"{plan.otb_name}/img/{i + 1:0{digits}d}.jpg" for i in range(T)]
        if "vot" in dirs:
            (dirs["vot"] / plan.name / "color").mkdir(parents=True)
        if "otb" in dirs:
            (dirs["otb"] / plan.otb_name / "img").mkdir(parents=True)
        for i, img in enumerate(render_frames(plan)):
            data = encode_jpeg(img)
            first = None
            for layout, names in (("vot", vot_names), ("otb", otb_names)):
                if layout in dirs:
                    path = dirs[layout] / names[i]
                    _put_file(data, path, first)
                    first = first or path
        tags = {k: [int(x) for x in v] for k, v in events["tags"].items()}
        if "vot" in dirs:
            vdir = dirs["vot"] / plan.name
            _write_text(vdir / "groundtruth.txt", vot_lines)
            for name in TAG_NAMES:
                _write_text(vdir / f"{name}.tag", [str(x) for x in tags[name]])
            vot_json[plan.name] = {"video_dir": plan.name, "init_rect": vot_vals[0], "img_names": vot_names,
                                   "gt_rect": vot_vals, **{name: tags[name] for name in TAG_NAMES},
                                   "width": W, "height": H}
        if "otb" in dirs:
            _write_text(dirs["otb"] / plan.otb_name / "groundtruth_rect.txt", otb_lines)
            otb_json[plan.otb_name] = {"video_dir": plan.otb_name, "init_rect": otb_vals[0], "img_names": otb_names,
                                       "gt_rect": otb_vals, "attr": events["attr"]}
        summaries[plan.name] = _video_summary(plan, events)
    if "vot" in dirs:
        _write_text(dirs["vot"] / "list.txt", [p.name for p in plans])
        atomic_write_json(dirs["vot"] / f"{ROOT_NAMES['vot']}.json", vot_json)
    if "otb" in dirs:
        atomic_write_json(dirs["otb"] / f"{ROOT_NAMES['otb']}.json", otb_json)
    return summaries


# ----------------------------------------------------------------------------------------------------------------
# Markers, reuse and atomic replacement

def _versions() -> dict:
    import skimage
    return {"opencv": cv2.__version__, "numpy": np.__version__, "scikit-image": skimage.__version__}


def read_marker(folder) -> Optional[dict]:
    """The generator marker of a folder written here (None if missing or not ours)."""
    path = Path(folder) / MARKER_NAME
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("generator") != GENERATOR:
        return None
    return marker


def _marker_matches(folder: Path, params: dict) -> bool:
    marker = read_marker(folder)
    return marker is not None and marker.get("params") == params


def _check_replaceable(folder: Path) -> None:
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ToolkitError(f"{folder}: exists and is not a folder; remove it or choose another output folder")
    if read_marker(folder) is None and any(folder.iterdir()):
        raise ToolkitError(f"{folder}: exists but was not written by {GENERATOR} (no {MARKER_NAME}); "
                           "refusing to replace it - remove it or choose another output folder")


def _swap_in(tmp: Path, final: Path) -> None:
    """Move the finished `tmp` folder to `final`, replacing an older generation there."""
    try:
        os.rename(tmp, final)             # fails if `final` exists and is not empty
        return
    except OSError:
        if not final.exists():
            raise
    _check_replaceable(final)
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _check_params(seed, num_videos, num_frames, size) -> None:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ToolkitError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(num_videos, (int, np.integer)) or num_videos < 1:
        raise ToolkitError(f"num_videos must be a positive integer, got {num_videos!r}")
    if not isinstance(num_frames, (int, np.integer)) or num_frames < 2:
        raise ToolkitError(f"num_frames must be an integer >= 2, got {num_frames!r}")
    dims = tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(dims) != 2 or not all(isinstance(v, (int, np.integer)) for v in dims) or dims[0] < 64 or dims[1] < 48:
        raise ToolkitError(f"size must be (width, height) integers of at least (64, 48), got {size!r}")


def _generate_into(out: Path, names: Dict[str, str], params: Dict[str, dict], overwrite: bool,
                   write_fn) -> Dict[str, Path]:
    """Shared reuse / temp-folder / rename logic. `write_fn(tmp_dirs) -> {key: extra marker content}`."""
    finals = {key: out / name for key, name in names.items()}
    todo = [key for key in finals if overwrite or not _marker_matches(finals[key], params[key])]
    if not todo:
        return finals
    for key in todo:
        _check_replaceable(finals[key])
    if out.exists() and not out.is_dir():
        raise ToolkitError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    tmps: Dict[str, Path] = {}
    try:
        for key in todo:
            tmps[key] = out / f".{names[key]}.tmp-{uuid.uuid4().hex}"
            tmps[key].mkdir()             # not mkdtemp: its 0o700 mode would survive the rename
        extras = write_fn(tmps)
        for key in todo:
            marker = {"generator": GENERATOR, "params": params[key], **extras.get(key, {})}
            atomic_write_json(tmps[key] / MARKER_NAME, marker)      # last: marks the folder complete
        for key in todo:
            _swap_in(tmps[key], finals[key])
    finally:
        for tmp in tmps.values():
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return finals


def generate_benchmark(out_dir, seed: int = 0, num_videos: int = 6, num_frames: int = 60,
                       size: Tuple[int, int] = (320, 240), layouts: Sequence[str] = ("vot", "otb"),
                       overwrite: bool = False) -> Dict[str, Path]:
    """Write the synthetic benchmark under `out_dir`; returns ``{'vot': out_dir/VOT2016, 'otb': out_dir/OTB100}``
    (only the requested layouts). Reuses a root whose marker matches these parameters unless `overwrite`."""
    _check_params(seed, num_videos, num_frames, size)
    layouts = tuple(layouts)
    if not layouts or len(set(layouts)) != len(layouts) or any(lay not in ROOT_NAMES for lay in layouts):
        raise ToolkitError(f"layouts must be distinct values from {sorted(ROOT_NAMES)}, got {layouts!r}")
    base = {"kind": "benchmark", "version": GENERATOR_VERSION, "seed": int(seed), "num_videos": int(num_videos),
            "num_frames": int(num_frames), "size": [int(size[0]), int(size[1])], "jpeg_quality": JPEG_QUALITY,
            "versions": _versions()}
    params = {lay: {**base, "layout": lay} for lay in layouts}

    def write(tmps: Dict[str, Path]) -> Dict[str, dict]:
        plans = plan_benchmark(seed, num_videos, num_frames, tuple(size))
        summaries = _write_benchmark(plans, tmps)
        return {key: {"videos": summaries} for key in tmps}

    return _generate_into(Path(out_dir), {lay: ROOT_NAMES[lay] for lay in layouts}, params, overwrite, write)


# ----------------------------------------------------------------------------------------------------------------
# Unlabeled images for self-supervised training

def _unlabeled_image(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    W, H = size
    photo = load_photo(ALL_PHOTOS[int(rng.integers(len(ALL_PHOTOS)))])
    ph, pw = photo.shape[:2]
    # random crop with the output's aspect, 35-100% of the largest such crop
    full = min(pw / W, ph / H)
    s = full * rng.uniform(0.35, 1.0)
    cw, ch = max(8, int(W * s)), max(8, int(H * s))
    x, y = int(rng.integers(0, pw - cw + 1)), int(rng.integers(0, ph - ch + 1))
    crop = np.ascontiguousarray(photo[y:y + ch, x:x + cw])
    img = cv2.resize(crop, (W, H), interpolation=cv2.INTER_AREA if cw > W else cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        img = np.ascontiguousarray(img[:, ::-1])
    canvas = img.astype(np.float32)
    # paste 0-3 object cut-outs so that there are things to track
    keys = sorted(TARGETS)
    for _ in range(int(rng.choice([0, 1, 1, 2, 3]))):
        cut = TARGETS[keys[int(rng.integers(len(keys)))]]
        side = rng.uniform(0.12, 0.3) * _unit(size)
        aspect = cut.box[2] / cut.box[3]
        wh = np.array([[side * math.sqrt(aspect), side / math.sqrt(aspect)]])
        center = np.array([[rng.uniform(0, W), rng.uniform(0, H)]])
        angle = np.array([rng.uniform(-30, 30) if rng.random() < 0.5 else 0.0])
        layer = Layer(cut, center, wh, angle, flip=bool(rng.random() < 0.5),
                      gains=tuple(float(g) for g in rng.uniform(0.85, 1.15, size=3)))
        _composite(canvas, _prepare_patch(layer), center[0], wh[0], float(angle[0]))
    # colour jitter: saturation, per-channel gains, brightness/contrast
    gray = canvas.mean(axis=2, keepdims=True)
    canvas = gray + (canvas - gray) * np.float32(rng.uniform(0.6, 1.4))
    canvas *= rng.uniform(0.9, 1.1, size=3).astype(np.float32)
    mean = float(canvas.mean())
    canvas = (canvas - mean) * np.float32(rng.uniform(0.75, 1.25)) + mean * np.float32(rng.uniform(0.75, 1.25))
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


def generate_unlabeled_images(out_dir, n: int = 200, seed: int = 0, size: Tuple[int, int] = (320, 240),
                              overwrite: bool = False) -> Path:
    """Write `n` varied unlabeled photos ``000000.jpg ...`` into the folder `out_dir` (replaced as a whole, with the
    same marker/reuse rules as :func:`generate_benchmark`); returns its path."""
    _check_params(seed, 1, 2, size)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ToolkitError(f"n must be a positive integer, got {n!r}")
    out = Path(os.path.abspath(out_dir))
    params = {"kind": "unlabeled", "version": GENERATOR_VERSION, "seed": int(seed), "n": int(n),
              "size": [int(size[0]), int(size[1])], "jpeg_quality": JPEG_QUALITY, "versions": _versions()}

    def write(tmps: Dict[str, Path]) -> Dict[str, dict]:
        for i in range(n):
            rng = np.random.default_rng([seed, 1, i])
            (tmps["images"] / f"{i:06d}.jpg").write_bytes(encode_jpeg(_unlabeled_image(rng, tuple(size))))
        return {}

    # the folder itself is the unit that is reused or replaced
    return _generate_into(out.parent, {"images": out.name}, {"images": params}, overwrite, write)["images"]
