"""Helpers shared by the training-data tests: small images made with numpy/cv2 and quiet configs."""
from pathlib import Path

import cv2
import numpy as np

from pysot_ss.core.config import get_cfg


def textured(h=120, w=160, seed=0) -> np.ndarray:
    """A smooth random colour texture (uint8 BGR): distinctive everywhere, good for correlation checks."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 4 + 2, w // 4 + 2, 3)).astype(np.uint8)
    img = cv2.resize(small, (w + 8, h + 8), interpolation=cv2.INTER_CUBIC)[4:4 + h, 4:4 + w]
    return np.ascontiguousarray(img)


def ramp(h=200, w=240) -> np.ndarray:
    """float32 image whose channels are (x, y, 1): a crop's pixel tells where in the image it was sampled."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.dstack([xs, ys, np.ones_like(xs)])


def write_images(folder: Path, n: int, h=96, w=128, ext=".jpg", seed=0, name="{:05d}"):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / (name.format(i) + ext)
        assert cv2.imwrite(str(p), textured(h, w, seed + i))
        paths.append(p)
    return paths


def quiet_cfg(**sampler):
    """Defaults with every augmentation off and no shift (identity geometry)."""
    cfg = get_cfg()
    cfg.AUG.STRETCH = 0.0
    cfg.AUG.ROTATION_PROB = 0.0
    cfg.AUG.COLOR_PROB = 0.0
    cfg.AUG.GRAY_PROB = 0.0
    cfg.AUG.BLUR_PROB = 0.0
    cfg.AUG.FLIP_PROB = 0.0
    cfg.SAMPLER.SEARCH_SHIFT = 0
    for k, v in sampler.items():
        cfg.SAMPLER[k] = v
    return cfg


def folder_cfg(root, cfg=None, name="IMGS", **node):
    """cfg with one image_folder source at `root`."""
    cfg = cfg if cfg is not None else get_cfg()
    cfg.DATASET.NAMES = [name]
    cfg.DATASET[name] = type(cfg)({"TYPE": "image_folder", "ROOT": str(root), **node}, new_allowed=True)
    return cfg
