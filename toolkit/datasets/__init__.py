"""pysot-shaped dataset readers: VOT2016-2019 (reset), OTB100/OTB50/OTB2013, GOT-10k val, LaSOT test (one-pass)
and custom folders of sequences. Entry point: ``DatasetFactory.create_dataset(name=..., dataset_root=...)``."""
from toolkit.datasets.base import (ATTRIBUTE_TAGS, Dataset, DatasetWarning, Video, find_ope_result, find_vot_results,
                                   select_videos)
from toolkit.datasets.custom import build_custom
from toolkit.datasets.factory import DATASETS, DatasetEntry, DatasetFactory, resolve_dataset, split_custom
from toolkit.datasets.got10k import GOT10K_VAL_VIDEOS, build_got10k
from toolkit.datasets.lasot import LASOT_TEST_VIDEOS, build_lasot
from toolkit.datasets.otb import OTB_VIDEOS, OTBDataset, build_otb
from toolkit.datasets.vot import EAO_INTERVALS, VOT_VIDEOS, VOTDataset, build_vot

__all__ = [
    "ATTRIBUTE_TAGS", "Dataset", "DatasetWarning", "Video", "find_ope_result", "find_vot_results", "DATASETS",
    "DatasetEntry", "DatasetFactory", "resolve_dataset", "split_custom", "build_custom", "build_got10k",
    "build_lasot", "build_otb", "build_vot", "GOT10K_VAL_VIDEOS", "LASOT_TEST_VIDEOS", "OTB_VIDEOS", "OTBDataset",
    "EAO_INTERVALS", "VOT_VIDEOS", "VOTDataset", "select_videos",
]
