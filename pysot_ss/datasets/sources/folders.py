"""Unlabeled still-image sources: `image_folder` (a folder searched recursively) and `list_file`."""
from __future__ import annotations

import os
from pathlib import Path

from pysot_ss.utils.registry import SOURCES

from .base import DataSourceError, ImageListSource, list_images, node_get

__all__ = ["ImageFolderSource", "ListFileSource"]


@SOURCES.register("image_folder")
class ImageFolderSource(ImageListSource):
    """Every image (sotbase.images.IMAGE_EXTS, any case) below ROOT, in sorted order.

    SUBDIRS: optional list of sub-folders of ROOT to search instead of all of it (e.g. the train sequences of a
    benchmark folder). FRAME_STEP k > 1: keep every k-th image (the 1st, (k+1)-th, ...) of each folder in name
    order -- meant for video-frame folders (`<clip>/00001.jpg ...`); it thins folders of still images too.
    CLIPS ("none" | "folders" | "numbered", default "none"): which folders are clips, i.e. frames of one video
    for hard negatives and clustering (see base.clip_groups); every image stays an item of its own.
    """

    def __init__(self, name: str, node):
        super().__init__(name, node)
        root = self.require_root()
        step = int(node_get(node, "FRAME_STEP", 1))
        if step < 1:
            raise DataSourceError(f"DATASET.{name}.FRAME_STEP must be >= 1, got {step}")
        subdirs = list(node_get(node, "SUBDIRS", []) or [])
        folders = [root / s for s in subdirs] if subdirs else [root]
        for f in folders:
            if not f.is_dir():
                raise DataSourceError(f"{self.describe()}: SUBDIRS entry not found: {f}")
        paths = []
        for f in folders:
            for dirpath, names in list_images(f).items():
                paths.extend(os.path.join(dirpath, n) for n in names[::step])
        self._set_paths(paths)
        self.require_items(", ".join(str(f) for f in folders))


@SOURCES.register("list_file")
class ListFileSource(ImageListSource):
    """Images listed in a text file (LIST, or ROOT when ROOT is a file): one path per line, absolute or relative
    to the list's folder; blank lines and lines starting with '#' are ignored. Listed files are not checked up
    front: a missing one is skipped (warned once, counted) when drawn. CLIPS as image_folder (by parent folder)."""

    def __init__(self, name: str, node):
        super().__init__(name, node)
        lst = node_get(node, "LIST", "") or (str(self.root) if self.root is not None else "")
        if not lst:
            raise DataSourceError(f"{self.describe()}: set LIST (or ROOT) to the list file")
        lst = Path(os.path.expanduser(str(lst)))
        if not lst.is_file():
            raise DataSourceError(f"{self.describe()}: list file not found: {lst}")
        base = lst.parent
        paths = []
        with open(lst, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                p = Path(os.path.expanduser(line))
                paths.append(str(p if p.is_absolute() else base / p))
        self._set_paths(paths)
        self.require_items(lst)
