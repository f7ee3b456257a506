"""Image decoding (OpenCV, BGR) for training, with unreadable images skipped, warned about once and counted.

The count is shared by the DataLoader worker processes through a small shared-memory table (created when the
dataset is built, inherited by the workers), so the main process can log it. Each bad path is warned about once
across all processes of one dataset (beyond 255 distinct bad paths per process, once per process).
"""
from __future__ import annotations

import hashlib
import multiprocessing as mp
import warnings

import cv2
import numpy as np

__all__ = ["BadImage", "BadImageWarning", "BadImageLog", "ImageReader", "image_size"]


class BadImage(Exception):
    """An image that could not be read or decoded; the dataset draws another item."""

    def __init__(self, path: str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class BadImageWarning(UserWarning):
    pass


def _path_hash(path: str) -> int:
    h = int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "little",
                       signed=True)
    return h or 1   # 0 marks an empty slot


class BadImageLog:
    """Process-shared record of unreadable images: `skips` (failed draws) and `distinct` (different paths).

    Lock-free, so that it works with any DataLoader start method (fork, spawn, forkserver): a shared int64 table
    with one region per process (the main process and each worker id), each region written by its own process
    only: [skips, n, hash_1 .. hash_n]. A path is warned about when no region holds its hash yet (two workers
    meeting the same new path at the same instant may both warn).
    """

    REGIONS = 65            # main process + 64 worker ids (higher ids share regions modulo 64)
    SLOTS = 255             # distinct paths remembered per region

    def __init__(self):
        self._stride = 2 + self.SLOTS
        self._local = set()          # paths warned about by this process
        self._local_skips = 0
        try:
            self._table = mp.RawArray("q", self.REGIONS * self._stride)
        except (OSError, ImportError):   # no shared memory: count per process
            self._table = None

    @staticmethod
    def _region() -> int:
        from torch.utils.data import get_worker_info
        info = get_worker_info()
        return 0 if info is None else 1 + info.id % (BadImageLog.REGIONS - 1)

    def _all_hashes(self) -> set:
        t, out = self._table, set()
        for r in range(self.REGIONS):
            base = r * self._stride
            n = t[base + 1]
            out.update(t[base + 2:base + 2 + n])
        return out

    def report(self, path: str, reason: str) -> None:
        path = str(path)
        seen = False
        if self._table is not None:
            t = self._table
            base = self._region() * self._stride
            t[base] += 1
            h = _path_hash(path)
            seen = h in self._all_hashes()
            n = t[base + 1]
            if not seen and n < self.SLOTS:
                t[base + 2 + n] = h          # the slot first, then the count that publishes it
                t[base + 1] = n + 1
        else:
            self._local_skips += 1
        if path not in self._local:
            self._local.add(path)
            if not seen:
                warnings.warn(f"skipping unreadable training image {path}: {reason}", BadImageWarning, stacklevel=3)

    @property
    def skips(self) -> int:
        """How many draws hit an unreadable image (each was replaced by another draw), all processes."""
        if self._table is None:
            return self._local_skips
        return int(sum(self._table[r * self._stride] for r in range(self.REGIONS)))

    @property
    def distinct(self) -> int:
        """How many different unreadable paths were met (all processes)."""
        return len(self._all_hashes()) if self._table is not None else len(self._local)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_local"] = set()
        return state


class ImageReader:
    """`read(path)` -> (H, W, 3) uint8 BGR; raises BadImage (after logging it) when the file cannot be decoded."""

    def __init__(self, log: BadImageLog | None = None):
        self.log = log if log is not None else BadImageLog()
        self._known_bad = set()

    def read(self, path) -> np.ndarray:
        path = str(path)
        if path in self._known_bad:
            self.log.report(path, "unreadable")
            raise BadImage(path, "unreadable")
        try:
            data = np.fromfile(path, dtype=np.uint8)
            img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
            reason = "cannot decode the file" if data.size else "empty file"
        except (OSError, cv2.error) as e:
            img, reason = None, str(e)
        if img is None or img.size == 0:
            self._known_bad.add(path)
            self.log.report(path, reason)
            raise BadImage(path, reason)
        return img

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_known_bad"] = set()
        return state


def image_size(path) -> tuple:
    """(width, height) of an image from its header when Pillow is available, else by decoding it with OpenCV."""
    try:
        from PIL import Image
        with Image.open(path) as im:
            return tuple(int(v) for v in im.size)
    except ImportError:
        pass
    except Exception as e:   # unreadable header
        raise BadImage(str(path), f"cannot read the image size ({e})") from None
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise BadImage(str(path), "cannot decode the file")
    return img.shape[1], img.shape[0]
