"""What every training-image source exposes, and `build_sources(cfg)`.

A source is a list of *items* (an image, or a video whose frames are drawn at random). For each item it gives
an image path to train on (`image_path(index, rng)`: a random frame for video sources, drawn with the passed
np.random.Generator) and a stable *key* (`key(index)`, the path of a fixed representative image). Labelled sources
(`labelled = True`) also give frames and boxes (`video(index)`), used only by the supervised `video_pairs` sampler.

Every item belongs to one *video* (`video_groups()`): an item of a video source is a video; a frame of an image source
belongs to its clip when the source groups its folders into clips (image sources' CLIPS key, see `clip_groups`),
and a still image is a video of its own. Hard negatives (samplers/hard_negative.py) are drawn between videos,
never inside one, and tools/cluster.py clusters one representative frame per video, under the video's key (the
path of that frame).

Each source is configured by its own node ``cfg.DATASET.<NAME>`` (keys: pysot_ss/core/config.py, DATASET); relative
paths are relative to the current working directory (tools are run from the repository root).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

from pysot_ss.errors import ConfigError, PysotSSError
from pysot_ss.core.config import get_cfg
from pysot_ss.utils.registry import SOURCES
from sotbase.images import IMAGE_EXTS, is_image  # noqa: F401  (the one list; re-exported)

__all__ = ["IMAGE_EXTS", "CLIP_MODES", "DataSourceError", "ImageSource", "ImageListSource", "list_images",
           "build_sources", "node_get", "clip_groups", "is_default_synthetic_root", "missing_root_error"]

CLIP_MODES = ("none", "folders", "numbered")   # values of an image source's CLIPS key (see clip_groups)


class DataSourceError(PysotSSError):
    """A training source that is missing, empty or badly configured (the message names the path or the key)."""


def node_get(node, key: str, default=None):
    """A free-form key of a DATASET.<NAME> node, with a default."""
    try:
        value = node.get(key, default)
    except AttributeError:
        value = default
    return default if value is None else value


def is_default_synthetic_root(root) -> bool:
    """Whether `root` is the default DATASET.SYNTHETIC.ROOT (the one folder the synthetic images are generated in)."""
    return os.path.abspath(os.path.expanduser(str(root))) == os.path.abspath(get_cfg().DATASET.SYNTHETIC.ROOT)


def missing_root_error(key: str, root) -> DataSourceError:
    """The one message for a configured ROOT that does not exist."""
    hint = (" (the default synthetic images: tools/train.py generates them when DATASET.GENERATE_IF_MISSING is True, "
            "as do tools/quickstart.py and make demo)" if is_default_synthetic_root(root) else "")
    return DataSourceError(f"{key}: no such folder: {root}{hint}")


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

    def video_groups(self) -> Tuple[np.ndarray, List[str]]:
        """(video index of every item (n,) int64, key of every video): which items are frames of one video.
        Default: every item is a video (or a still image) of its own, keyed by `key(i)`."""
        return np.arange(len(self), dtype=np.int64), self.keys()

    def describe(self) -> str:
        return f"data source DATASET.{self.name} (TYPE {self.type})"

    def require_root(self, must_be_dir: bool = True) -> Path:
        key = f"DATASET.{self.name}.ROOT"
        if self.root is None:
            raise DataSourceError(f"{self.describe()}: {key} is not set")
        if not self.root.exists():
            raise missing_root_error(key, self.root)
        if must_be_dir and not self.root.is_dir():
            raise DataSourceError(f"{key} is not a folder: {self.root}")
        return self.root

    def require_items(self, where) -> None:
        if not self.items:
            raise DataSourceError(f"{self.describe()}: no images found in {where}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, root={str(self.root)!r}, items={len(self)})"


def _numbered(paths: Sequence[str]) -> bool:
    """All file names are frame numbers (digits only before the extension)."""
    return all(os.path.splitext(os.path.basename(p))[0].isdigit() for p in paths)


def clip_groups(paths: Sequence[str], mode: str) -> Tuple[np.ndarray, List[str]]:
    """Group image paths into videos -> (video index per path, key per video).

    mode "none": every image is a still image, a video of its own (key: its path).
    mode "folders": the images of one folder are the frames of one clip.
    mode "numbered": a folder is a clip when it holds >= 2 images and all their names are frame numbers
    (``00001.jpg``, ``000123.JPEG``); the images of other folders are still images.
    A clip's key is the path of its middle frame (in name order), the frame tools/cluster.py embeds for it.
    """
    if mode not in CLIP_MODES:
        raise ConfigError(f"CLIPS must be one of {', '.join(CLIP_MODES)}, got {mode!r}")
    n = len(paths)
    if mode == "none":
        return np.arange(n, dtype=np.int64), [str(p) for p in paths]
    folders: Dict[str, List[int]] = {}
    for i, p in enumerate(paths):
        folders.setdefault(os.path.dirname(str(p)), []).append(i)
    group = np.empty(n, dtype=np.int64)
    keys: List[str] = []
    rep: Dict[str, int] = {}
    for members in folders.values():
        members = sorted(members, key=lambda i: str(paths[i]))
        frames = [str(paths[i]) for i in members]
        if mode == "folders" or (len(frames) >= 2 and _numbered(frames)):
            key = frames[len(frames) // 2]
            units = [(key, members)]
        else:
            units = [(f, [i]) for f, i in zip(frames, members)]
        for key, idx in units:
            if key not in rep:          # the same image listed twice is one video
                rep[key] = len(keys)
                keys.append(key)
            group[idx] = rep[key]
    # number the videos in the order of their first item (stable, whatever the folder order)
    first = np.full(len(keys), n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n))
    order = np.argsort(first, kind="stable")
    renum = np.empty_like(order)
    renum[order] = np.arange(len(order))
    return renum[group], [keys[j] for j in order]


class ImageListSource(ImageSource):
    """A source whose items are single image paths (the item id is the path). Its CLIPS key (one of CLIP_MODES,
    default "none") says which of them are frames of one clip (see `clip_groups`)."""

    def __init__(self, name: str, node):
        super().__init__(name, node)
        self.clips = str(node_get(node, "CLIPS", "none")).strip().lower()
        if self.clips not in CLIP_MODES:
            raise DataSourceError(f"DATASET.{self.name}.CLIPS must be one of {', '.join(CLIP_MODES)}, "
                                  f"got {self.clips!r}")
        self._videos = None

    def _set_paths(self, paths: Iterable[str]) -> None:
        self.items = [str(p) for p in paths]
        self._videos = None

    def video_groups(self) -> Tuple[np.ndarray, List[str]]:
        if self._videos is None:
            self._videos = clip_groups(self.items, self.clips)
        return self._videos

    def image_path(self, index: int, rng: np.random.Generator = None) -> str:
        return self.items[index]

    def representative_path(self, index: int) -> str:
        return self.items[index]


def build_sources(cfg) -> List[ImageSource]:
    """One source per name of cfg.DATASET.NAMES, built by SOURCES[cfg.DATASET.<NAME>.TYPE](name, node)."""
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
        out.append(SOURCES.build(typ, name, node))
    return out
