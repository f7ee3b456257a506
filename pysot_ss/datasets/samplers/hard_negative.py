"""`hard_negative` (paper 3.5): single_image pairs plus, with probability NEG_PROB, negative pairs whose template
and search come from two different items of the same K-means cluster (stage-2 training).

Clusters file (SAMPLER.CLUSTER_FILE, written by tools/cluster.py):
``{"version": 1, "k": K, "assignments": {key: cluster_id}, "centroids": [[...], ...], "seed": s}`` where key is
the source's `key(i)` of an item (its representative image path, as the config's ROOT spells it). Every item of
the configured sources must be assigned; extra keys are ignored.

Negative pair: item A (the drawn one) gives the template, B != A from A's cluster gives the search, each with
its own random frame (video sources) and its own random pseudo box; the label is all zero (negative=True).
If A is alone in its cluster, B is any other item of the sources (an easy negative rather than fewer
negatives, so the negative rate stays NEG_PROB); with a single item in all, the pair falls back to positive.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from pysot_ss.utils.registry import SAMPLERS
from toolkit.utils.errors import FileFormatError, ToolkitError

from .single_image import SingleImageSampler

__all__ = ["HardNegativeSampler", "load_clusters"]


def load_clusters(path) -> Dict[str, int]:
    """The `assignments` of a clusters file, validated; errors name the file."""
    path = Path(str(path))
    if not str(path) or not path.is_file():
        raise ToolkitError(f"SAMPLER.CLUSTER_FILE not found: {path if str(path) else '(empty)'} "
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
            raise ToolkitError("the hard_negative sampler needs training sources (cfg.DATASET.NAMES)")
        assignments = load_clusters(self.cluster_file)
        # flat index over all items of all sources
        self._offsets = np.cumsum([0] + [len(s) for s in self.sources])
        total = int(self._offsets[-1])
        cids = np.empty(total, dtype=np.int64)
        missing = []
        for s, src in enumerate(self.sources):
            for i in range(len(src)):
                k = src.key(i)
                cid = assignments.get(k)
                if cid is None:
                    missing.append(k)
                else:
                    cids[self._offsets[s] + i] = cid
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ToolkitError(f"{self.cluster_file}: {len(missing)} of {total} training items have no cluster "
                               f"(e.g. {shown}); re-run tools/cluster.py with the same DATASET settings")
        order = np.argsort(cids, kind="stable")
        self._members = order                       # flat indices grouped by cluster
        uniq, start, count = np.unique(cids[order], return_index=True, return_counts=True)
        self._cid = cids
        self._range = {int(c): (int(a), int(n)) for c, a, n in zip(uniq, start, count)}
        self._total = total

    def _flat(self, ref: Tuple[int, int]) -> int:
        return int(self._offsets[ref[0]] + ref[1])

    def _ref(self, flat: int) -> Tuple[int, int]:
        s = int(np.searchsorted(self._offsets, flat, side="right") - 1)
        return s, int(flat - self._offsets[s])

    def partner(self, ref: Tuple[int, int], rng: np.random.Generator) -> Optional[Tuple[int, int]]:
        """A different item of ref's cluster (or of all items if ref is alone), None if there is no other."""
        a = self._flat(ref)
        start, n = self._range[int(self._cid[a])]
        if n > 1:
            j = int(rng.integers(n - 1))
            b = int(self._members[start + j])
            if b == a:                               # skip A itself: take the last member instead
                b = int(self._members[start + n - 1])
            return self._ref(b)
        if self._total > 1:
            b = int(rng.integers(self._total - 1))
            return self._ref(b + 1 if b >= a else b)
        return None

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
        return self.make_pair(img_a, box_a, img_b, box_b, rng, negative=True)
