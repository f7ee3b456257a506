"""The photos the videos are made of: scikit-image's bundled samples (nothing is downloaded), the rectangles cut from
them as targets, and the photos used as backgrounds and occluders."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Dict, Tuple

import cv2
import numpy as np

from toolkit.utils.errors import ToolkitError


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
    code = cv2.COLOR_GRAY2BGR if img.ndim == 2 else cv2.COLOR_RGBA2BGR if img.shape[2] == 4 else cv2.COLOR_RGB2BGR
    bgr = np.ascontiguousarray(cv2.cvtColor(img, code))
    bgr.flags.writeable = False
    return bgr


def random_crop_box(rng: np.random.Generator, photo: str, frac: Tuple[float, float]) -> Tuple[int, int, int, int]:
    """A random box of `photo` whose side is `frac` (low, high) of the photo's shorter side, aspect 0.6-1.6."""
    ph, pw = load_photo(photo).shape[:2]
    side = rng.uniform(*frac) * min(pw, ph)
    aspect = rng.uniform(0.6, 1.6)
    w = int(min(pw, max(8, side * math.sqrt(aspect))))
    h = int(min(ph, max(8, side / math.sqrt(aspect))))
    return int(rng.integers(0, pw - w + 1)), int(rng.integers(0, ph - h + 1)), w, h
