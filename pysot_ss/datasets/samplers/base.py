"""Shared machinery of the pair samplers: SiamFC crop geometry and the training item.

Geometry (SiamFC; docs/method.md, "Crop geometry"). For a target of size (w, h) the exemplar context is
``s_z = sqrt((w + p)(h + p))``, ``p = (w + h) / 2``, and the template is that square resized to E = EXEMPLAR_SIZE,
i.e. a scale of E / s_z crop pixels per image pixel. SiamFC's search region is ``s_x = s_z * 255 / 127`` image
pixels resized to 255, the same scale, and the training search crop (S = 239) is its centre: so the search crop
is S pixels at the same scale E / s_z, covering ``s_z * S / E`` image pixels. Each crop then gets its own stretch,
rotation, flip and shift (transforms.Augment), all in one warp.
Where the crops are centred and what s_z is comes from the sampler's crop geometry (geometry.py; by default
SiamFC's context around the box, as above).

Label: ``offset`` is where the template's centre point lands in the search crop, relative to the search crop's
centre, in search-crop pixels (the trainer's label centre is offset / stride cells). Both crops are shifted by
up to +-SEARCH_SHIFT crop pixels, as the authors' code (their 247 -> 239 random crops jitter template and search
by +-4 px at 255 scale; template and search crops have the same scale, so that is +-4 px in each crop). Unlike
the authors' code, whose label stays centred whatever the jitter, our label follows: for a pair from one image
the offset is exact for any shift, stretch, rotation and flip; for two frames of a video the template's centre
is carried to the search frame relative to the annotated boxes (scaled by the ratio of their context sizes).
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from pysot_ss.errors import ConfigError

from ..transforms import Augment, apply_affine, invert_affine, pad_color
from .geometry import Frame, centred, context_size

__all__ = ["SkipItem", "PairSampler", "context_size", "to_item"]

Box = Tuple[float, float, float, float]   # (cx, cy, w, h), 0-based pixel coordinates


class SkipItem(Exception):
    """The drawn item cannot give a pair (e.g. a video without usable frames); the dataset draws another."""


def to_item(pair: Dict[str, np.ndarray], index: int = -1) -> Dict[str, torch.Tensor]:
    """Numpy pair -> the training item of the contract: CHW float32 crops (BGR 0..255), float32 offset (2,),
    bool 'negative', float32 'mean_color' (3,), int64 'index'."""
    return {
        "template": torch.from_numpy(np.ascontiguousarray(pair["template"].transpose(2, 0, 1), dtype=np.float32)),
        "search": torch.from_numpy(np.ascontiguousarray(pair["search"].transpose(2, 0, 1), dtype=np.float32)),
        "offset": torch.as_tensor(np.asarray(pair["offset"], dtype=np.float32)),
        "negative": torch.tensor(bool(pair["negative"])),
        "mean_color": torch.as_tensor(np.asarray(pair["mean_color"], dtype=np.float32)),
        "index": torch.tensor(int(index), dtype=torch.int64),
    }


class PairSampler:
    """Base class: `sample(ref, rng, reader) -> numpy pair dict` where ref = (source index, item index)."""


    def __init__(self, cfg, sources: Optional[Sequence] = None):
        self.exemplar_size = int(cfg.TRAIN.EXEMPLAR_SIZE)
        self.search_size = int(cfg.TRAIN.SEARCH_SIZE)
        self.max_shift = float(cfg.SAMPLER.SEARCH_SHIFT)
        self.pad_mode = str(cfg.SAMPLER.PAD_MODE)
        if self.pad_mode not in ("mean", "zero"):
            raise ConfigError(f"SAMPLER.PAD_MODE must be 'mean' or 'zero', got {self.pad_mode!r}")
        self.aug = Augment.from_cfg(cfg.AUG)
        self.sources = list(sources or [])
        # box -> crop frame (centre, context size), see geometry.py; the self-supervised samplers may change it
        self.geometry: Callable[[Box, int], Frame] = centred

    def sample(self, ref: Tuple[int, int], rng: np.random.Generator, reader) -> Dict[str, np.ndarray]:
        raise NotImplementedError

    def make_pair(self, img_z: np.ndarray, box_z: Box, img_x: np.ndarray, box_x: Box, rng: np.random.Generator,
                  negative: bool = False, geometry: Optional[Callable[[Box, int], Frame]] = None
                  ) -> Dict[str, np.ndarray]:
        """Template around box_z in img_z and search around box_x in img_x (may be the same image), each with its
        own augmentation; returns HWC float32 crops, the offset, the flags and the template image's mean colour.
        The crop frames come from `geometry` (default: the sampler's, `self.geometry`)."""
        E, S = self.exemplar_size, self.search_size
        geometry = geometry or self.geometry
        fz, fx = geometry(box_z, E), geometry(box_x, E)
        sz_z, sz_x = fz[2], fx[2]
        mean_z = pad_color(img_z, "mean")
        border_z = mean_z if self.pad_mode == "mean" else (0.0, 0.0, 0.0)
        if img_x is img_z:
            border_x = border_z
        else:
            border_x = pad_color(img_x, self.pad_mode)
        c_z = np.array(fz[:2], dtype=np.float64)
        c_x = np.array(fx[:2], dtype=np.float64)
        z, m_z = self.aug.crop(img_z, rng, c_z, E / sz_z, E, self.max_shift, border_z)
        x, m_x = self.aug.crop(img_x, rng, c_x, E / sz_x, S, self.max_shift, border_x)
        # the template's centre point, carried to the search image relative to the boxes
        p_z = apply_affine(invert_affine(m_z), [(E - 1) / 2.0, (E - 1) / 2.0])
        p_x = c_x + (p_z - c_z) * (sz_x / sz_z)
        offset = apply_affine(m_x, p_x) - (S - 1) / 2.0
        return {"template": z, "search": x, "offset": offset.astype(np.float32), "negative": bool(negative),
                "mean_color": np.asarray(mean_z, dtype=np.float32)}
