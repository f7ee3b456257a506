"""Dataset selection through the ``DATASETS`` registry: canonical names, aliases, case- and separator-insensitive
matches and ``custom:<Name>`` (docs/toolkit.md §6.1). Adding a benchmark means registering one entry, not editing an
if-chain::

    DATASETS.register("UAV123", DatasetEntry("UAV123", build_uav))
"""
from __future__ import annotations

from typing import Callable, Iterable

from toolkit.datasets.base import Dataset, normalise_name
from toolkit.datasets.custom import build_custom
from toolkit.datasets.got10k import build_got10k
from toolkit.datasets.lasot import build_lasot
from toolkit.datasets.otb import build_otb
from toolkit.datasets.vot import build_vot
from toolkit.utils.errors import ToolkitError
from sotbase.registry import Registry

__all__ = ["DATASETS", "DatasetEntry", "DatasetFactory", "resolve_dataset", "split_custom"]

DATASETS = Registry("dataset")

CUSTOM = "custom"
CUSTOM_PREFIX = CUSTOM + ":"


class DatasetEntry:
    """A benchmark's builder with its canonical name and aliases.

    ``builder(name, dataset_root, load_img=False, videos=None, eao_interval=None, protocol=..., canonical=...,
    need_frames=True)``
    """

    def __init__(self, canonical: str, builder: Callable[..., Dataset], aliases: Iterable[str] = ()):
        self.canonical = canonical
        self.builder = builder
        self.aliases = tuple(aliases)
        self._keys = {normalise_name(n) for n in (canonical, *self.aliases)}

    def matches(self, name: str) -> bool:
        return normalise_name(name) in self._keys

    def __call__(self, name: str, dataset_root, **kwargs) -> Dataset:
        return self.builder(name, dataset_root, canonical=self.canonical, **kwargs)

    def __repr__(self) -> str:
        return f"DatasetEntry({self.canonical!r}, aliases={self.aliases})"


def register(entry: DatasetEntry) -> DatasetEntry:
    for key in (entry.canonical, *entry.aliases):
        DATASETS.register(key, entry)
    return entry


for _vot in ("VOT2016", "VOT2017", "VOT2018", "VOT2019"):
    register(DatasetEntry(_vot, build_vot))
register(DatasetEntry("OTB100", build_otb, aliases=("OTB2015",)))
register(DatasetEntry("OTB50", build_otb))
register(DatasetEntry("OTB2013", build_otb))
register(DatasetEntry("GOT-10k", build_got10k))
register(DatasetEntry("LaSOT", build_lasot))
register(DatasetEntry(CUSTOM, build_custom))


def split_custom(name: str):
    """``'custom:Mine'`` -> ``(True, 'Mine')``; any other name -> ``(False, name)``."""
    if name.lower().startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
        return True, name[len(CUSTOM_PREFIX):]
    return False, name


def resolve_dataset(name: str) -> DatasetEntry:
    """The registry entry for `name`: ``custom:<Name>``, an exact key, then a case/separator-insensitive match;
    any other name is a ToolkitError listing the known names."""
    if split_custom(name)[0]:
        return DATASETS.get(CUSTOM)
    if name in DATASETS:
        return DATASETS.get(name)
    for key in DATASETS:
        entry = DATASETS.get(key)
        if entry.matches(name):
            return entry
    known = ", ".join(k for k in DATASETS if k != CUSTOM)
    raise ToolkitError(f"unknown dataset {name!r}; known: {known}; a folder of your own sequences is named "
                       f"custom:<Name> (e.g. custom:{name})")


class DatasetFactory:
    @staticmethod
    def create_dataset(name: str = None, dataset_root=None, load_img: bool = False, **kwargs) -> Dataset:
        """Build a dataset by name (pysot's entry point). kwargs: ``videos=[...]`` (a subset), ``eao_interval=(low,
        high)``, ``protocol='ope'|'reset'`` (custom: 'ope', VOT20xx: 'reset'), ``need_frames=False`` (evaluation
        only: frames not needed, docs/toolkit.md §6.5)."""
        if not name:
            raise ToolkitError("create_dataset: a dataset name is required")
        if dataset_root is None:
            raise ToolkitError(f"create_dataset({name!r}): dataset_root is required")
        # None means "the dataset's default"
        kwargs = {k: v for k, v in kwargs.items() if v is not None or k not in ("protocol", "eao_interval", "videos")}
        entry = resolve_dataset(name)
        return entry(split_custom(name)[1], dataset_root, load_img=load_img, **kwargs)
