"""Unlabeled images for self-supervised training: random crops of the bundled photos with pasted object cut-outs and
colour jitter."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Dict, Tuple

import cv2
import numpy as np

from toolkit.synthetic.motion import frame_unit
from toolkit.synthetic.photos import ALL_PHOTOS, TARGETS, load_photo
from toolkit.synthetic.plan import Layer, check_params
from toolkit.synthetic.render import composite, encode_jpeg, prepare_patch
from toolkit.synthetic.writer import generate_into, marker_params
from toolkit.utils.errors import ToolkitError


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
        side = rng.uniform(0.12, 0.3) * frame_unit(size)
        aspect = cut.box[2] / cut.box[3]
        wh = np.array([[side * math.sqrt(aspect), side / math.sqrt(aspect)]])
        center = np.array([[rng.uniform(0, W), rng.uniform(0, H)]])
        angle = np.array([rng.uniform(-30, 30) if rng.random() < 0.5 else 0.0])
        layer = Layer(cut, center, wh, angle, flip=bool(rng.random() < 0.5),
                      gains=tuple(float(g) for g in rng.uniform(0.85, 1.15, size=3)))
        composite(canvas, prepare_patch(layer), center[0], wh[0], float(angle[0]))
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
    check_params(seed, 1, 2, size)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ToolkitError(f"n must be a positive integer, got {n!r}")
    out = Path(os.path.abspath(out_dir))
    params = marker_params("unlabeled", seed, size, n=n)

    def write(tmps: Dict[str, Path]) -> Dict[str, dict]:
        for i in range(n):
            rng = np.random.default_rng([seed, 1, i])
            (tmps["images"] / f"{i:06d}.jpg").write_bytes(encode_jpeg(_unlabeled_image(rng, tuple(size))))
        return {}

    # the folder itself is the unit that is reused or replaced
    return generate_into(out.parent, {"images": out.name}, {"images": params}, overwrite, write)["images"]
