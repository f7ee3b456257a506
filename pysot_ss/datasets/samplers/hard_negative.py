"""`hard_negative` (paper 3.5): single_image pairs plus, with probability NEG_PROB, negative pairs whose template
and search come from two different *videos* of the same K-means cluster (stage-2 training).

Videos are the sources' (`ImageSource.video_groups()`; docs/method.md, "Hard negatives are drawn between videos");
videos of different sources with the same key (the same representative image) are one video.

Clusters file (SAMPLER.CLUSTER_FILE, written by tools/cluster.py):
``{"version": 1, "k": K, "assignments": {key: cluster_id}, "centroids": [[...], ...], "seed": s}`` where key is a
video's key (the path of its representative image, as the config's ROOT spells it). Every video of the configured
sources must be assigned; extra keys are ignored (a file clustered frame by frame still loads: every frame,
representatives included, has a key).

Negative pair: item A (the drawn one) gives the template; a video V_B != V_A (A's video) drawn uniformly among the
videos of A's cluster, then an item of V_B drawn uniformly, gives the search; each with its own random frame
(video sources) and its own random pseudo box; the label is all zero (negative=True). So a negative never
pairs two frames of one video. If V_A is alone in its cluster, V_B is any other video (an easy negative rather
than fewer negatives, so the negative rate stays NEG_PROB); with a single video in all, the pair falls back to
positive.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from pysot_ss.utils.registry import SAMPLERS
from pysot_ss.datasets.sources.base import DataSourceError

from sotbase.errors import FileFormatError

from .single_image import SingleImageSampler

__all__ = ["HardNegativeSampler", "load_clusters"]

log = logging.getLogger("pysot_ss.datasets")


def load_clusters(path) -> Dict[str, int]:
    """The `assignments` of a clusters file, validated; errors name the file."""
    path = Path(str(path))
    if not str(path) or not path.is_file():
        raise DataSourceError(f"SAMPLER.CLUSTER_FILE not found: {path if str(path) else '(empty)'} "
                           f"(run tools/cluster.py on a stage-1 model first)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise FileFormatError(path, f"invalid JSON: {e.msg}", e.lineno) from None
    if not isinstance(data, dict):
        raise FileFormatError(path, "expected a JSON object with 'version', 'k' and 'assignments'")
    if data.get("version") != 1:
        raise FileFormatError(path, f"unsupported clusters file version {data.get('version')!r} (expected 1)")
    assignments = data.get("assignments")
    if not isinstance(assignments, dict) or not assignments:
        raise FileFormatError(path, "'assignments' must be a non-empty object {image key: cluster id}")
    out = {}
    for key, cid in assignments.items():
        if isinstance(cid, bool) or not isinstance(cid, int):
            raise FileFormatError(path, f"cluster id of {key!r} is not an integer: {cid!r}")
        out[str(key)] = int(cid)
    return out


@SAMPLERS.register("hard_negative")
class HardNegativeSampler(SingleImageSampler):

    def __init__(self, cfg, sources: Optional[Sequence] = None, **kw):
        super().__init__(cfg, sources, **kw)
        self.neg_prob = float(cfg.SAMPLER.NEG_PROB)
        self.cluster_file = str(cfg.SAMPLER.CLUSTER_FILE)
        if not self.sources:
            raise DataSourceError("the hard_negative sampler needs training sources (cfg.DATASET.NAMES)")
        assignments = load_clusters(self.cluster_file)
        # flat index over all items of all sources, and the (global) video of every item
        self._offsets = np.cumsum([0] + [len(s) for s in self.sources])
        total = int(self._offsets[-1])
        video = np.empty(total, dtype=np.int64)
        index: Dict[str, int] = {}
        for s, src in enumerate(self.sources):
            local, local_keys = src.video_groups()
            glob = np.array([index.setdefault(k, len(index)) for k in local_keys], dtype=np.int64)
            video[self._offsets[s]:self._offsets[s + 1]] = glob[np.asarray(local, dtype=np.int64)]
        keys: List[str] = list(index)                # dicts keep insertion order: keys[v] is video v's key
        missing = [k for k in keys if k not in assignments]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise DataSourceError(f"{self.cluster_file}: {len(missing)} of {len(keys)} training videos have no "
                               f"cluster (e.g. {shown}); re-run tools/cluster.py with the same DATASET settings")
        self._video = video                         # flat item -> video
        self._cid = np.array([assignments[k] for k in keys], dtype=np.int64)  # video -> cluster
        self._items, self._item_range = _groups(video)          # video -> its items
        self._members, cluster_range = _groups(self._cid)       # cluster -> its videos
        self._range = {int(c): r for c, r in cluster_range.items()}
        self._n_videos = len(keys)
        log.info(f"hard_negative: {total} items in {self._n_videos} videos, {len(self._range)} clusters")

    @property
    def num_videos(self) -> int:
        return self._n_videos

    def video_of(self, ref: Tuple[int, int]) -> int:
        """The (global) video index of an item."""
        return int(self._video[self._flat(ref)])

    def _flat(self, ref: Tuple[int, int]) -> int:
        return int(self._offsets[ref[0]] + ref[1])

    def _ref(self, flat: int) -> Tuple[int, int]:
        s = int(np.searchsorted(self._offsets, flat, side="right") - 1)
        return s, int(flat - self._offsets[s])

    def partner_video(self, video: int, rng: np.random.Generator) -> Optional[int]:
        """Another video of `video`'s cluster (or any other video if it is alone), None if there is no other."""
        start, n = self._range[int(self._cid[video])]
        if n > 1:
            j = int(rng.integers(n - 1))
            b = int(self._members[start + j])
            if b == video:                           # skip the video itself: take the last member instead
                b = int(self._members[start + n - 1])
            return b
        if self._n_videos > 1:
            b = int(rng.integers(self._n_videos - 1))
            return b + 1 if b >= video else b
        return None

    def partner(self, ref: Tuple[int, int], rng: np.random.Generator) -> Optional[Tuple[int, int]]:
        """An item of another video of ref's cluster (see partner_video), None if there is no other video."""
        b = self.partner_video(self.video_of(ref), rng)
        if b is None:
            return None
        start, n = self._item_range[b]
        return self._ref(int(self._items[start + int(rng.integers(n))]))

    def sample(self, ref: Tuple[int, int], rng: np.random.Generator, reader) -> Dict:
        if rng.random() >= self.neg_prob:
            return super().sample(ref, rng, reader)
        other = self.partner(ref, rng)
        if other is None:
            return super().sample(ref, rng, reader)
        src_a, src_b = self.sources[ref[0]], self.sources[other[0]]
        img_a = reader.read(src_a.image_path(ref[1], rng))
        img_b = reader.read(src_b.image_path(other[1], rng))
        box_a = self.pseudo_box(img_a.shape[0], img_a.shape[1], rng)
        box_b = self.pseudo_box(img_b.shape[0], img_b.shape[1], rng)
        pair = self.make_pair(img_a, box_a, img_b, box_b, rng, negative=True)
        pair["partner"] = other
        return pair


def _groups(labels: np.ndarray) -> Tuple[np.ndarray, Dict[int, Tuple[int, int]]]:
    """Indices grouped by label (stable) and {label: (start, count)} into them."""
    order = np.argsort(labels, kind="stable")
    uniq, start, count = np.unique(labels[order], return_index=True, return_counts=True)
    return order, {int(c): (int(a), int(n)) for c, a, n in zip(uniq, start, count)}
