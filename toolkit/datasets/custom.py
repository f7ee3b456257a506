"""Any folder of sequences as a dataset, named `custom:<Name>` (docs/toolkit.md §6.1).

Sources, in order: ``<root>/<name>.json`` (pysot format); otherwise the sequence folders named in
``<root>/list.txt`` or, without it, every sub-folder. The layout is detected per sequence:
* VOT layout: ``groundtruth.txt`` (4 or 8 numbers per line), frames in ``color/``, ``img/`` or the folder itself,
  optional per-frame ``<tag>.tag`` / ``<tag>.label`` files;
* OTB layout: ``groundtruth_rect.txt`` (or ``groundtruth_rect.<k>.txt`` per target -> videos ``<folder>-<k>``),
  frames in ``img/``; no OTB frame-range quirks are applied.
One-pass by default; ``protocol='reset'`` evaluates the same videos VOT-style (pass ``eao_interval`` for EAO).
Videos without tag files have only the tags 'all' and 'empty' (all frames "empty").
"""
from __future__ import annotations

import os
from typing import Dict, Optional

from toolkit.datasets.base import Dataset, Video, short_list, warn, warn_extra_frames, warn_short_tags
from toolkit.datasets.otb import has_otb_groundtruth, read_otb_folder
from toolkit.datasets.vot import VOTDataset, build_dataset, read_vot_sequence
from toolkit.utils.errors import ToolkitError
from toolkit.utils.result_io import read_name_list

__all__ = ["build_custom", "read_custom_root"]


def read_custom_root(name: str, root: str, *, load_img=False, protocol="ope"):
    """(videos, missing) of a folder of sequences; warns once per kind of oddity."""
    list_path = os.path.join(root, "list.txt")
    listed = os.path.isfile(list_path)
    folders = read_name_list(list_path) if listed else sorted(
        e for e in os.listdir(root) if not e.startswith(".") and os.path.isdir(os.path.join(root, e)))
    found: Dict[str, Video] = {}
    missing, ignored, both, short_tags, extra = [], [], [], [], []
    for folder in folders:
        seq_dir = os.path.join(root, folder)
        has_vot = os.path.isfile(os.path.join(seq_dir, "groundtruth.txt"))
        has_otb = has_otb_groundtruth(seq_dir)
        if has_vot:
            if has_otb:
                both.append(folder)
            videos = [read_vot_sequence(seq_dir, folder, protocol=protocol, load_img=load_img,
                                        short_tags=short_tags, extra=extra)]
        elif has_otb:
            videos = read_otb_folder(seq_dir, folder, load_img=load_img, extra=extra, protocol=protocol)
        else:
            (missing if listed else ignored).append(folder)
            continue
        for video in videos:
            if video.name in found:
                raise ToolkitError(f"{name}: two sequences are named {video.name!r} under {root}")
            found[video.name] = video
    if ignored:
        warn(f"{name}: ignored {len(ignored)} folder(s) without groundtruth.txt / groundtruth_rect*.txt: "
             f"{short_list(ignored)}")
    if both:
        warn(f"{name}: {len(both)} folder(s) hold both groundtruth.txt and groundtruth_rect*.txt; "
             f"groundtruth.txt was used: {short_list(both)}")
    warn_short_tags(name, short_tags)
    warn_extra_frames(name, extra)
    return found, missing


def build_custom(name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
                 protocol: str = "ope", canonical: Optional[str] = None, need_frames: bool = True) -> Dataset:
    if dataset_root is None:
        raise ToolkitError(f"{name!r} is not a known benchmark; pass dataset_root to use it as a custom dataset")
    return build_dataset(read_custom_root, name, dataset_root, load_img, videos, eao_interval, protocol, name,
                         need_frames, cls=VOTDataset if protocol == "reset" else Dataset)  # only <name>.json
