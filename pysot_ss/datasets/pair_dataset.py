"""The training Dataset: `build_train_dataset(cfg, epoch_len=None)`.

Item i of epoch e is a pure function of (cfg.SEED, e, i) and the files: which source item it uses comes from
a per-epoch permutation of the *slots* (below), and everything random after that (frame, pseudo box,
augmentation) from ``np.random.default_rng([TAG, SEED, e, i])``. So runs are reproducible and resumable
whatever the number of workers, and any index subset (DistributedSampler) gives the same items.

Slots: source s contributes ``round(n_s * WEIGHT_s)`` slots with ``n_s = NUM_USE_s`` (or all its items when -1);
NUM_USE below the source's size uses a fixed (seeded) subset of its items, above it repeats them; WEIGHT scales
a source's share. One epoch walks a fresh permutation of all slots (re-permuted if the epoch is longer), so
with epoch_len = number of items every item is used once per epoch, as the authors' one-pair-per-snippet
epochs; a shorter epoch uses a random part of them.

The epoch lives in shared memory: `set_epoch(e)` before iterating reaches DataLoader workers, persistent or
not. An unreadable image (or a track without usable frames) is skipped and the item redraws another slot with
the same generator; the counts are in `bad_images` (distinct paths) and `bad_image_skips`.

Note: the workers leave OpenCV's thread count alone. Calling ``cv2.setNumThreads`` inside a forked DataLoader
worker can deadlock it (OpenCV 5.0 here: 10 hangs in 60 forks of a process whose OpenCV pool was busy; none
without the call); set it in the parent before the DataLoader starts if needed.
"""
from __future__ import annotations

import multiprocessing as mp
from types import SimpleNamespace
from typing import List, Optional, Sequence, Tuple

import numpy as np
from torch.utils.data import Dataset

from pysot_ss.utils.registry import SAMPLERS
from pysot_ss.datasets.sources.base import DataSourceError

from . import samplers as _samplers  # noqa: F401  (registers the samplers)
from .samplers.base import PairSampler, SkipItem, to_item
from .sources import BadImage, BadImageLog, ImageReader, build_sources

__all__ = ["SlotTable", "PairDataset", "build_train_dataset"]

_TAG_SUBSET, _TAG_EPOCH, _TAG_ITEM = 0x5B5E7, 0xE90C4, 0x17E3
MAX_DRAWS = 100


def _seed(value: int) -> int:
    return int(value) & 0xFFFFFFFFFFFFFFFF


class SlotTable:
    """Flat table of slots (source index, k-th slot of that source) and the per-epoch permutation over it.

    Slot k of source s in epoch e is item ``base_s[(k + e * slots_s) % len(base_s)]``, where base_s is a seeded
    permutation of the source's items (cut to NUM_USE): with fewer slots than items (WEIGHT < 1) successive
    epochs walk on through the items instead of reusing the same subset.
    """

    def __init__(self, sources: Sequence, seed: int):
        self.seed = _seed(seed)
        src_idx, slot_k = [], []
        self.base: List[np.ndarray] = []
        self.count: List[int] = []
        for s, src in enumerate(sources):
            n = len(src)
            want = n if src.num_use < 0 else int(src.num_use)
            slots = int(round(want * src.weight))
            base = np.random.default_rng([_TAG_SUBSET, self.seed, s]).permutation(n)
            if 0 <= src.num_use < n:
                base = base[:src.num_use]
            self.base.append(base)
            self.count.append(slots)
            if len(base) == 0 or slots <= 0:
                continue
            src_idx.append(np.full(slots, s, dtype=np.int32))
            slot_k.append(np.arange(slots, dtype=np.int64))
        if not src_idx:
            raise DataSourceError("no training slots: every source is empty or has WEIGHT 0 / NUM_USE 0")
        self.src = np.concatenate(src_idx)
        self.k = np.concatenate(slot_k)
        self._cache: dict = {}

    def __len__(self) -> int:
        return len(self.src)

    def permutation(self, epoch: int, wrap: int) -> np.ndarray:
        key = (epoch, wrap)
        perm = self._cache.get(key)
        if perm is None:
            perm = np.random.default_rng([_TAG_EPOCH, self.seed, epoch, wrap]).permutation(len(self))
            if len(self._cache) >= 4:
                self._cache.clear()
            self._cache[key] = perm
        return perm

    def slot(self, epoch: int, index: int) -> int:
        wrap, pos = divmod(index, len(self))
        return int(self.permutation(epoch, wrap)[pos])

    def ref(self, slot: int, epoch: int = 0) -> Tuple[int, int]:
        s = int(self.src[slot])
        base = self.base[s]
        return s, int(base[(int(self.k[slot]) + epoch * self.count[s]) % len(base)])

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state


class PairDataset(Dataset):
    """Map-style dataset of `epoch_len` training pairs (dicts of the contract in samplers.base.to_item)."""

    def __init__(self, sources: Sequence, sampler: PairSampler, epoch_len: int, seed: int = 0, epoch: int = 0):
        if epoch_len < 1:
            raise ValueError(f"epoch_len must be >= 1, got {epoch_len}")
        self.sources = list(sources)
        self.sampler = sampler
        self.epoch_len = int(epoch_len)
        self.seed = _seed(seed)
        self.slots = SlotTable(self.sources, seed)
        self.bad_log = BadImageLog()
        self.reader = ImageReader(self.bad_log)
        try:
            self._epoch = mp.RawValue("q", int(epoch))
        except (OSError, ImportError):   # no shared memory: workers see the epoch of their creation
            self._epoch = SimpleNamespace(value=int(epoch))

    def __len__(self) -> int:
        return self.epoch_len

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch (0-based); call before creating the DataLoader iterator of that epoch."""
        self._epoch.value = int(epoch)

    @property
    def epoch(self) -> int:
        return int(self._epoch.value)

    @property
    def bad_images(self) -> int:
        """Distinct unreadable images met so far (all worker processes)."""
        return self.bad_log.distinct

    @property
    def bad_image_skips(self) -> int:
        """Draws that hit an unreadable image, all worker processes (tracks without usable frames not included)."""
        return self.bad_log.skips

    def sample(self, index: int, epoch: Optional[int] = None) -> dict:
        """The numpy pair of item `index` (with 'ref', the (source, item) it came from)."""
        epoch = self.epoch if epoch is None else int(epoch)
        rng = np.random.default_rng([_TAG_ITEM, self.seed, epoch, int(index)])
        slot = self.slots.slot(epoch, index)
        last: Optional[Exception] = None
        for _ in range(MAX_DRAWS):
            ref = self.slots.ref(slot, epoch)
            try:
                pair = self.sampler.sample(ref, rng, self.reader)
                pair["ref"] = ref
                return pair
            except (BadImage, SkipItem) as e:
                last = e
                slot = int(rng.integers(len(self.slots)))
        raise DataSourceError(f"training item {index}: {MAX_DRAWS} draws in a row failed; last: {last}")

    def __getitem__(self, index: int) -> dict:
        index = int(index)
        if not 0 <= index < self.epoch_len:
            raise IndexError(f"index {index} out of range for {self.epoch_len} pairs")
        return to_item(self.sample(index), index)


def build_train_dataset(cfg, epoch_len: Optional[int] = None) -> PairDataset:
    """Sources of cfg.DATASET, sampler SAMPLERS[cfg.SAMPLER.TYPE], length epoch_len (default
    TRAIN.PAIRS_PER_EPOCH), seeded by cfg.SEED. Writes nothing (datasets.generate makes the synthetic images)."""
    sources = build_sources(cfg)
    sampler = SAMPLERS.build(cfg.SAMPLER.TYPE, cfg, sources)
    n = int(epoch_len if epoch_len is not None else cfg.TRAIN.PAIRS_PER_EPOCH)
    return PairDataset(sources, sampler, n, seed=int(cfg.SEED))
