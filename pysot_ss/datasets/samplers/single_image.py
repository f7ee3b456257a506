"""`single_image` (paper 3.2): template and search from ONE unlabeled image around a random pseudo target."""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from pysot_ss.errors import ConfigError
from pysot_ss.utils.registry import CROP_GEOMETRIES, SAMPLERS

from .base import Box, PairSampler, to_item
from .geometry import centred

__all__ = ["SingleImageSampler"]


def _as_bgr(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f"expected a BGR image (H, W, 3), got shape {img.shape}")
    return np.ascontiguousarray(img[..., :3])


@SAMPLERS.register("single_image")
class SingleImageSampler(PairSampler):
    """Pseudo target ``tw = W // U{MIN..MAX}``, ``th = H // U{MIN..MAX}`` (independent divisors), centre
    ``cx = U{tw .. W - tw - 1}``, ``cy = U{th .. H - th - 1}`` (the authors' randint(tw, W - tw)); the
    template and the search crop are cut around it as SAMPLER.CROP_GEOMETRY says (geometry.py: "centred", the
    paper's crop, by default; "authors", their code's corner/xywh mix-up) and augmented independently. Never a
    negative pair.

    `sample_from_image(img, rng, box=None)` makes one such pair from a given image (one-image fine-tuning);
    with `box` = (x, y, w, h) the pseudo target is that box, its centre moved by up to +-`box_jitter` of its
    size and each side scaled by 1 +- `box_scale_jitter`, and the crops are centred on it whatever the
    geometry (a real target box, not a pseudo one).
    """

    def __init__(self, cfg, sources: Optional[Sequence] = None, box_jitter: float = 0.1,
                 box_scale_jitter: float = 0.1):
        super().__init__(cfg, sources)
        self.div_min = int(cfg.SAMPLER.TARGET_DIV_MIN)
        self.div_max = int(cfg.SAMPLER.TARGET_DIV_MAX)
        if not 1 <= self.div_min <= self.div_max:
            raise ConfigError(f"need 1 <= SAMPLER.TARGET_DIV_MIN <= TARGET_DIV_MAX, got {self.div_min}, {self.div_max}")
        self.box_jitter = float(box_jitter)
        self.box_scale_jitter = float(box_scale_jitter)
        name = str(cfg.SAMPLER.CROP_GEOMETRY)
        if name not in CROP_GEOMETRIES:
            raise ConfigError(f"SAMPLER.CROP_GEOMETRY must be one of {', '.join(CROP_GEOMETRIES.names())}, "
                             f"got {name!r}")
        self.geometry = CROP_GEOMETRIES.get(name)

    def pseudo_box(self, height: int, width: int, rng: np.random.Generator) -> Box:
        d = rng.integers(self.div_min, self.div_max + 1, size=2)
        u = rng.random(2)
        tw, th = max(1, width // int(d[0])), max(1, height // int(d[1]))
        cx = tw + np.floor(u[0] * (width - 2 * tw)) if width > 2 * tw else (width - 1) / 2.0
        cy = th + np.floor(u[1] * (height - 2 * th)) if height > 2 * th else (height - 1) / 2.0
        return float(cx), float(cy), float(tw), float(th)

    def jittered_box(self, box: Sequence[float], rng: np.random.Generator) -> Box:
        x, y, w, h = (float(v) for v in box)
        if not (w > 0 and h > 0):
            raise ValueError(f"box must have a positive width and height, got {list(box)}")
        u = 2.0 * rng.random(4) - 1.0
        cx = x + (w - 1) / 2.0 + self.box_jitter * w * u[0]
        cy = y + (h - 1) / 2.0 + self.box_jitter * h * u[1]
        return cx, cy, w * (1 + self.box_scale_jitter * u[2]), h * (1 + self.box_scale_jitter * u[3])

    def pair_from_image(self, img: np.ndarray, rng: np.random.Generator, box: Optional[Box] = None) -> Dict:
        """A pair around a pseudo box (the sampler's geometry) or, when given, around `box` (centred)."""
        if box is None:
            box = self.pseudo_box(img.shape[0], img.shape[1], rng)
            return self.make_pair(img, box, img, box, rng)
        return self.make_pair(img, box, img, box, rng, geometry=centred)

    def sample(self, ref: Tuple[int, int], rng: np.random.Generator, reader) -> Dict:
        src = self.sources[ref[0]]
        img = reader.read(src.image_path(ref[1], rng))
        return self.pair_from_image(img, rng)

    def sample_from_image(self, img: np.ndarray, rng: np.random.Generator,
                          box: Optional[Sequence[float]] = None) -> Dict[str, torch.Tensor]:
        img = _as_bgr(img)
        b = self.jittered_box(box, rng) if box is not None else None
        return to_item(self.pair_from_image(img, rng, b), index=-1)
