"""What every training-image source exposes, and `build_sources(cfg)`.

A source is a list of *items* (an image, or a video whose frames are drawn at random). For each item it gives
an image path to train on (`image_path(index, rng)`: a random frame for video sources, drawn with the passed
np.random.Generator) and a stable *key* (`key(index)`, the path of a fixed representative image) under which
tools/cluster.py stores the item's K-means cluster. Labelled sources (`labelled = True`) also give frames and
boxes (`video(index)`), used only by the supervised `video_pairs` sampler.

Each source is configured by its own node ``cfg.DATASET.<NAME>`` with the free-form keys TYPE, ROOT and the
optional ANNO, LIST, SUBDIRS, VIDEOS, FRAME_STEP, FRAME_FORMAT, NUM_USE (-1 = all) and WEIGHT (default 1.0).
Relative paths are relative to the current working directory (tools are run from the repository root).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

import numpy as np

from pysot_ss.utils.registry import SOURCES
from toolkit.utils.errors import ToolkitError

__all__ = ["IMAGE_EXTS", "DataSourceError", "ImageSource", "ImageListSource", "list_images", "build_sources",
           "node_get"]

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class DataSourceError(ToolkitError):
    """A training source that is missing, empty or badly configured (the message names the path or the key)."""


def node_get(node, key: str, default=None):
    """A free-form key of a DATASET.<NAME> node, with a default."""
    try:
        value = node.get(key, default)
    except AttributeError:
        value = default
    return default if value is None else value


def is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTS)


def list_images(folder, recursive: bool = True) -> Dict[str, List[str]]:
    """{folder path: sorted image file names} of `folder` (and, if recursive, every folder below it, links
    followed), folders in sorted order and only those that hold images."""
    folder = str(folder)
    out: Dict[str, List[str]] = {}
    if recursive:
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
            dirnames.sort()
            names = sorted(f for f in filenames if is_image(f))
            if names:
                out[dirpath] = names
    else:
        names = sorted(e.name for e in os.scandir(folder) if e.is_file() and is_image(e.name))
        if names:
            out[folder] = names
    return dict(sorted(out.items()))


class ImageSource:
    """Base class. Subclasses fill `items` (ids) and implement `image_path` and `representative_path`."""

    labelled = False

    def __init__(self, name: str, node):
        self.name = str(name)
        self.type = str(node_get(node, "TYPE", ""))
        root = node_get(node, "ROOT", "")
        self.root = Path(os.path.expanduser(str(root))) if root else None
        self.num_use = int(node_get(node, "NUM_USE", -1))
        self.weight = float(node_get(node, "WEIGHT", 1.0))
        if self.weight < 0:
            raise DataSourceError(f"DATASET.{self.name}.WEIGHT must be >= 0, got {self.weight}")
        self.items: List[str] = []

    # --- interface -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.items)

    def image_path(self, index: int, rng: np.random.Generator) -> str:
        raise NotImplementedError

    def representative_path(self, index: int) -> str:
        raise NotImplementedError

    def key(self, index: int) -> str:
        """Stable clustering key of an item: its representative image path (as the config's ROOT spells it)."""
        return self.representative_path(index)

    def keys(self) -> List[str]:
        return [self.key(i) for i in range(len(self))]

    # --- helpers ---------------------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"data source DATASET.{self.name} (TYPE {self.type})"

    def require_root(self, must_be_dir: bool = True) -> Path:
        if self.root is None:
            raise DataSourceError(f"{self.describe()}: ROOT is not set")
        if not self.root.exists():
            raise DataSourceError(f"{self.describe()}: ROOT not found: {self.root}")
        if must_be_dir and not self.root.is_dir():
            raise DataSourceError(f"{self.describe()}: ROOT is not a folder: {self.root}")
        return self.root

    def require_items(self, where) -> None:
        if not self.items:
            raise DataSourceError(f"{self.describe()}: no images found in {where}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, root={str(self.root)!r}, items={len(self)})"


class ImageListSource(ImageSource):
    """A source whose items are single image paths (the item id is the path)."""

    def _set_paths(self, paths: Iterable[str]) -> None:
        self.items = [str(p) for p in paths]

    def image_path(self, index: int, rng: np.random.Generator = None) -> str:
        return self.items[index]

    def representative_path(self, index: int) -> str:
        return self.items[index]


def _maybe_generate_synthetic(cfg, name: str, node) -> None:
    """Generate the default synthetic unlabeled images when they are configured, missing and allowed."""
    from pysot_ss.core.config import get_cfg
    default_root = get_cfg().DATASET.SYNTHETIC.ROOT
    root = node_get(node, "ROOT", "")
    if not root or os.path.exists(os.path.expanduser(str(root))):
        return
    if not bool(cfg.DATASET.get("GENERATE_IF_MISSING", False)):
        return
    if name != "SYNTHETIC" and str(root) != default_root:
        return
    from toolkit.datasets.synthetic import generate_unlabeled_images   # writes into a temp folder, then renames
    generate_unlabeled_images(os.path.expanduser(str(root)))


def build_sources(cfg) -> List[ImageSource]:
    """One source per name of cfg.DATASET.NAMES, built by SOURCES[cfg.DATASET.<NAME>.TYPE](name, node)."""
    from pysot_ss.datasets import sources as _registered  # noqa: F401  (registers the built-in types)
    names: Sequence[str] = list(cfg.DATASET.NAMES)
    if not names:
        raise DataSourceError("DATASET.NAMES is empty: name at least one training source")
    out = []
    for name in names:
        if name not in cfg.DATASET:
            raise DataSourceError(f"DATASET.NAMES lists {name!r} but there is no DATASET.{name} node "
                                  f"(with at least TYPE and ROOT)")
        node = cfg.DATASET[name]
        typ = node_get(node, "TYPE", "")
        if not typ:
            raise DataSourceError(f"DATASET.{name}.TYPE is not set; registered types: {', '.join(SOURCES.names())}")
        _maybe_generate_synthetic(cfg, name, node)
        out.append(SOURCES.build(typ, name, node))
    return out
