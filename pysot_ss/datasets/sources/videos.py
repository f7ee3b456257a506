"""Unlabeled video sources, one item per video and a random frame of it at each draw (the paper's use of VID):
`vid_single_frame` (ILSVRC2015-VID) and `got10k_single_frame` (GOT-10k train). Annotations are never read."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Sequence

import numpy as np

from pysot_ss.utils.registry import SOURCES

from .base import ImageSource, list_images

__all__ = ["FrameSet", "FrameFolderSource", "VIDSingleFrameSource", "GOT10kSingleFrameSource"]


class FrameSet:
    """The sorted image names of one folder; numbered consecutive names (000000.JPEG ...) are stored as
    (start, count, width, ext) rather than a list, so a million VID frames cost a few bytes each."""

    __slots__ = ("folder", "names", "start", "count", "width", "ext")

    def __init__(self, folder: str, names: Sequence[str]):
        self.folder = str(folder)
        self.names = None
        self.start = self.width = 0
        self.count = len(names)
        self.ext = ""
        stems = [os.path.splitext(n) for n in names]
        exts = {e for _, e in stems}
        widths = {len(s) for s, _ in stems}
        if (names and len(exts) == 1 and len(widths) == 1 and all(s.isdigit() for s, _ in stems)
                and int(stems[-1][0]) - int(stems[0][0]) == len(names) - 1):
            self.start, self.width, self.ext = int(stems[0][0]), widths.pop(), exts.pop()
        else:
            self.names = list(names)

    def __len__(self) -> int:
        return self.count

    def name(self, k: int) -> str:
        if self.names is not None:
            return self.names[k]
        return f"{self.start + k:0{self.width}d}{self.ext}"

    def path(self, k: int) -> str:
        return os.path.join(self.folder, self.name(k))


class FrameFolderSource(ImageSource):
    """Items are folders of frames; `image_path` draws a frame uniformly, the key is the middle frame."""

    def _set_videos(self, base: Path, folders: dict) -> None:
        self.videos: List[FrameSet] = [FrameSet(folder, names) for folder, names in folders.items()]
        self.items = [os.path.relpath(folder, base) for folder in folders]

    def image_path(self, index: int, rng: np.random.Generator) -> str:
        v = self.videos[index]
        return v.path(int(rng.integers(len(v))))

    def representative_path(self, index: int) -> str:
        v = self.videos[index]
        return v.path(len(v) // 2)


@SOURCES.register("vid_single_frame")
class VIDSingleFrameSource(FrameFolderSource):
    """ILSVRC2015-VID train snippets: ROOT is the ILSVRC2015 folder (with Data/VID/train), or any folder below
    it such as Data/VID/train or one of its batch folders; every folder below that holds frames
    (`<batch>/<snippet>/%06d.JPEG`) is one item."""

    def __init__(self, name: str, node):
        super().__init__(name, node)
        root = self.require_root()
        base = root / "Data" / "VID" / "train"
        if not base.is_dir():
            base = root
        self._set_videos(base, list_images(base))
        self.require_items(base)


@SOURCES.register("got10k_single_frame")
class GOT10kSingleFrameSource(FrameFolderSource):
    """GOT-10k train sequences (`train/<seq>/00000001.jpg ...`): ROOT is the GOT-10k folder (with train/) or the
    train folder itself; its list.txt, when present, gives the sequences (in that order), otherwise every
    sub-folder with images is one item."""

    def __init__(self, name: str, node):
        super().__init__(name, node)
        root = self.require_root()
        base = root / "train" if (root / "train").is_dir() else root
        listing = base / "list.txt"
        if listing.is_file():
            seqs = [ln.strip() for ln in listing.read_text(encoding="utf-8").splitlines() if ln.strip()]
            folders = {}
            for s in seqs:
                if (base / s).is_dir():
                    folders.update(list_images(base / s, recursive=False))
        else:
            folders = {d: n for d, n in list_images(base).items() if d != str(base)}
        self._set_videos(base, folders)
        self.require_items(base)
