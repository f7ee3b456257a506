"""`video_pairs`: the supervised SiamFC baseline. Template and search are two annotated frames of one track,
cropped around their boxes with SiamFC's context; same crops, augmentation and item as the self-supervised
samplers, so the trainer, model and loss are shared.

Frames are filtered as siamfc-pytorch does (docs/method.md, "Supervised SiamFC"): area >= 20, w and h in [20, 500],
w/W and h/H in [0.01, 0.5], h/max(1, w) in [0.25, 4], plus the source's usable mask (annotated, visible).
Template frame t is uniform over the usable frames; the search frame is uniform over the usable frames whose
frame number differs from t's by at most SAMPLER.FRAME_RANGE (t itself included, so a track with one usable
frame gives a same-frame pair; SiamFC's |x - z| < 100 is FRAME_RANGE = 99). A track with no usable frame is
skipped (the dataset draws another item).
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from pysot_ss.errors import ConfigError
from pysot_ss.utils.registry import SAMPLERS
from pysot_ss.datasets.sources.base import DataSourceError

from ..sources.reader import BadImage, image_size
from .base import PairSampler, SkipItem

__all__ = ["VideoPairSampler", "siamfc_box_filter"]


def siamfc_box_filter(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """siamfc-pytorch's `_filter` on (N, 4) (cx, cy, w, h) boxes of W x H frames -> (N,) bool."""
    w, h = boxes[:, 2], boxes[:, 3]
    with np.errstate(invalid="ignore"):
        ok = (w * h >= 20) & (w >= 20) & (h >= 20) & (w <= 500) & (h <= 500)
        ok &= (w / width >= 0.01) & (h / height >= 0.01) & (w / width <= 0.5) & (h / height <= 0.5)
        r = h / np.maximum(1.0, w)
        ok &= (r >= 0.25) & (r <= 4)
    return ok & np.isfinite(boxes).all(axis=1)


@SAMPLERS.register("video_pairs")
class VideoPairSampler(PairSampler):

    def __init__(self, cfg, sources: Optional[Sequence] = None):
        super().__init__(cfg, sources)
        self.frame_range = int(cfg.SAMPLER.FRAME_RANGE)
        if self.frame_range < 0:
            raise ConfigError(f"SAMPLER.FRAME_RANGE must be >= 0, got {self.frame_range}")
        for s in self.sources:
            if not getattr(s, "labelled", False):
                raise DataSourceError(f"the video_pairs sampler needs labelled sources (TYPE video_pairs); "
                                   f"{s.describe()} has no boxes")
        self._usable: Dict[Tuple[int, int], np.ndarray] = {}   # per-process cache, keyed by (source, item)

    def usable_frames(self, ref: Tuple[int, int]) -> np.ndarray:
        """Indices of the frames of a track that pass the filters (the frame size is read once, from a header)."""
        if ref not in self._usable:
            track = self.sources[ref[0]].video(ref[1])
            cand = np.flatnonzero(track.usable)
            try:
                width, height = image_size(track.frames[int(cand[0])]) if len(cand) else (0, 0)
            except (OSError, BadImage):
                width = height = 0
            ok = np.zeros(len(cand), dtype=bool)
            if width and height:
                ok = siamfc_box_filter(track.boxes[cand], width, height)
            self._usable[ref] = cand[ok]
        return self._usable[ref]

    def pick_frames(self, ref: Tuple[int, int], rng: np.random.Generator) -> Tuple[int, int]:
        frames = self.usable_frames(ref)
        if len(frames) == 0:
            raise SkipItem(f"{self.sources[ref[0]].describe()}: track {self.sources[ref[0]].items[ref[1]]!r} "
                           f"has no usable frame")
        track = self.sources[ref[0]].video(ref[1])
        t = int(frames[rng.integers(len(frames))])
        ids = track.frame_ids[frames]
        near = frames[np.abs(ids - track.frame_ids[t]) <= self.frame_range]
        x = int(near[rng.integers(len(near))])
        return t, x

    def sample(self, ref: Tuple[int, int], rng: np.random.Generator, reader) -> Dict:
        track = self.sources[ref[0]].video(ref[1])
        t, x = self.pick_frames(ref, rng)
        img_z = reader.read(track.frames[t])
        img_x = img_z if x == t else reader.read(track.frames[x])
        pair = self.make_pair(img_z, tuple(track.boxes[t]), img_x, tuple(track.boxes[x]), rng)
        pair["frames"] = (t, x)
        return pair
