"""Plans: every random choice of a video (effects, target, paths, camera, illumination, occluder, distractors) as
per-frame arrays, drawn from seeded generators. Rendering and events are pure functions of a plan."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from toolkit.synthetic.motion import REF_UNIT, billiard_path, fast_motion_px, frame_unit, half_extent, smooth_path
from toolkit.synthetic.photos import BACKGROUNDS, OCCLUDER_PHOTOS, TARGETS, Cutout, random_crop_box
from toolkit.utils.errors import ToolkitError

BLUR_EXPOSURE = 0.7            # blur length = speed * exposure


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


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def check_params(seed, num_videos, num_frames, size) -> None:
    """Raise ToolkitError unless the parameters shared by the plans and the generators are valid."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ToolkitError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(num_videos, (int, np.integer)) or num_videos < 1:
        raise ToolkitError(f"num_videos must be a positive integer, got {num_videos!r}")
    if not isinstance(num_frames, (int, np.integer)) or num_frames < 2:
        raise ToolkitError(f"num_frames must be an integer >= 2, got {num_frames!r}")
    dims = tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(dims) != 2 or not all(isinstance(v, (int, np.integer)) for v in dims) or dims[0] < 64 or dims[1] < 48:
        raise ToolkitError(f"size must be (width, height) integers of at least (64, 48), got {size!r}")


def _choose_effects(rng: np.random.Generator, index: int) -> Tuple[str, ...]:
    preset = PRESETS[index % len(PRESETS)]
    chosen = list(preset)
    for eff in EFFECTS:
        if rng.random() < EXTRA_PROB and eff not in chosen:
            chosen.append(eff)
    if "blur" in chosen and "fast_motion" not in chosen:
        chosen.append("fast_motion")
    if "fast_motion" in chosen and "out_of_view" in chosen:
        # the bouncing path keeps the box inside; keep whichever the preset asked for
        drop = "fast_motion" if "out_of_view" in preset else "out_of_view"
        chosen.remove(drop)
        if drop == "fast_motion" and "blur" in chosen:
            chosen.remove("blur")
    return tuple(e for e in EFFECTS if e in chosen)


def _plan_video(seed: int, index: int, T: int, size: Tuple[int, int], target_key: str) -> VideoPlan:
    rng = np.random.default_rng([seed, 0, index])
    W, H = size
    unit = frame_unit(size)
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
    ext = half_extent(wh, angle)             # (T,2) half size of the target's axis-aligned box
    mid = np.array([W / 2.0, H / 2.0])
    radius = np.maximum(mid - ext.max(axis=0) - 2.0, 0.0)
    if "fast_motion" in effects:
        center = billiard_path(rng, T, mid - radius, mid + radius, rng.uniform(0.8, 1.05) * fast_motion_px(size))
    else:
        center = smooth_path(rng, T, mid, radius, rng.uniform(1.0, 2.5) * k)
    if "out_of_view" in effects and T >= 4:
        tc = int(round(rng.uniform(0.45, 0.7) * (T - 1)))
        span = max(1, min(int(0.4 * T), 30, tc - 1))
        axis = int(rng.random() < 0.3)                       # mostly leave through the left/right side
        lim = (W, H)[axis]
        side = -1.0 if center[tc, axis] < lim / 2 else 1.0   # through the nearer edge
        frac = rng.uniform(0.3, 0.6)                         # share of the box outside at the peak
        hx = ext[tc, axis]
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
        camera[:, :2] = smooth_path(rng, T, np.zeros(2), np.array([0.1, 0.1]) * unit, rng.uniform(0.6, 1.2) * k)
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
        ocut = Cutout(photo, random_crop_box(rng, photo, (0.2, 0.5)), bool(rng.random() < 0.4))
        # pass over the target while it is fully in view (if it ever leaves it), so the occlusion can be seen
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
            dhalf = half_extent(np.tile(dwh, (T, 1)), np.zeros(T)).max(axis=0)
            drad = np.maximum(mid - dhalf - 2.0, 0.0)
            for _attempt in range(20):      # start away from the target so frame 1 is unambiguous
                path = smooth_path(rng, T, mid, drad, rng.uniform(1.5, 3.0) * k)
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
    check_params(seed, num_videos, num_frames, size)
    keys = sorted(TARGETS)
    order = np.random.default_rng([seed, 2]).permutation(len(keys))
    return [_plan_video(seed, i, num_frames, tuple(size), keys[order[i % len(keys)]]) for i in range(num_videos)]

