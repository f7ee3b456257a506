"""VOT2016/2017/2018/2019 short-term datasets (reset protocol) from pysot's JSON or the raw VOT layout.

Raw layout: ``<root>/list.txt`` (or, if absent, every sub-folder holding a ``groundtruth.txt``),
``<root>/<seq>/groundtruth.txt`` (8-number polygons or 4-number rectangles), frames in ``<seq>/color/`` (VOT2017+)
or directly in ``<seq>/`` (VOT2016), and per-frame attribute files ``<seq>/<tag>.tag`` (VOT2016: ``.label``).
A tag file shorter than its sequence is padded with 0 (reported in one warning); a longer one is an error.
"""
from __future__ import annotations

import functools
import os
from typing import Dict, List, Optional

from toolkit.datasets.base import (ATTRIBUTE_TAGS, Dataset, Video, check_frame_count, dataset_folder, finish_dataset,
                                   json_or_raw, list_frames, pad_flags, warn_extra_frames, warn_short_tags)
from sotbase.images import frame_dir
from toolkit.utils.result_io import read_flags, read_groundtruth, read_name_list

__all__ = ["VOTDataset", "VOT_VIDEOS", "EAO_INTERVALS", "read_vot_sequence", "build_dataset", "build_vot"]

_VOT2016 = """bag ball1 ball2 basketball birds1 birds2 blanket bmx bolt1 bolt2 book butterfly car1 car2 crossing
dinosaur fernando fish1 fish2 fish3 fish4 girl glove godfather graduate gymnastics1 gymnastics2 gymnastics3
gymnastics4 hand handball1 handball2 helicopter iceskater1 iceskater2 leaves marching matrix motocross1 motocross2
nature octopus pedestrian1 pedestrian2 rabbit racing road shaking sheep singer1 singer2 singer3 soccer1 soccer2
soldier sphere tiger traffic tunnel wiper"""
_VOT2018 = """ants1 ants3 bag ball1 ball2 basketball birds1 blanket bmx bolt1 bolt2 book butterfly car1 conduction1
crabs1 crossing dinosaur drone_across drone_flip drone1 fernando fish1 fish2 fish3 flamingo1 frisbee girl glove
godfather graduate gymnastics1 gymnastics2 gymnastics3 hand handball1 handball2 helicopter iceskater1 iceskater2
leaves matrix motocross1 motocross2 nature pedestrian1 rabbit racing road shaking sheep singer2 singer3 soccer1
soccer2 soldier tiger traffic wiper zebrafish1"""
_VOT2019 = """agility ants1 ball2 ball3 basketball birds1 bolt1 book butterfly car1 conduction1 crabs1 dinosaur
dribble drone1 drone_across drone_flip fernando fish1 fish2 flamingo1 frisbee girl glove godfather graduate
gymnastics1 gymnastics2 gymnastics3 hand hand2 handball1 handball2 helicopter iceskater1 iceskater2 lamb leaves
marathon matrix monkey motocross1 nature pedestrian1 polo rabbit rabbit2 road rowing shaking singer2 singer3 soccer1
soccer2 soldier surfing tiger wheel wiper zebrafish1"""

#: The 60 sequences of each challenge (VOT2017 reused VOT2018's set); used to report missing sequences when the
#: root has no list.txt.
VOT_VIDEOS: Dict[str, tuple] = {name: tuple(sorted(names.split())) for name, names in (
    ("VOT2016", _VOT2016), ("VOT2017", _VOT2018), ("VOT2018", _VOT2018), ("VOT2019", _VOT2019))}

#: EAO averaging interval (sequence lengths low..high) per challenge (docs/toolkit.md §4, STVIR/pysot values).
EAO_INTERVALS = {"VOT2016": (108, 371), "VOT2017": (100, 356), "VOT2018": (100, 356), "VOT2019": (46, 291)}


class VOTDataset(Dataset):
    """A Dataset evaluated with the reset (supervised re-initialisation) protocol."""


def read_tag_files(seq_dir: str, name: str, n: int, short_tags: List[str]) -> Dict[str, List[int]]:
    """Per-frame attribute tags from ``<tag>.tag`` (preferred) or ``<tag>.label``; absent files are left out."""
    tags = {}
    for tag in ATTRIBUTE_TAGS:
        for ext in (".tag", ".label"):
            path = os.path.join(seq_dir, tag + ext)
            if os.path.isfile(path):
                tags[tag] = pad_flags(read_flags(path, n_frames=n), n, f"{name}/{tag}{ext}", short_tags)
                break
    return tags


def read_vot_sequence(seq_dir: str, name: str, *, protocol: str = "reset", load_img: bool = False,
                      short_tags: Optional[List[str]] = None, extra: Optional[List[str]] = None,
                      gt_file: str = "groundtruth.txt", gt_fields=(4, 8)) -> Video:
    """One VOT-layout sequence folder -> Video (tags from tag files, frames paired with ground-truth lines)."""
    short_tags = short_tags if short_tags is not None else []
    extra = extra if extra is not None else []
    gt_path = os.path.join(seq_dir, gt_file)
    gt = read_groundtruth(gt_path, gt_fields)
    folder = frame_dir(seq_dir)
    frames = check_frame_count(gt_path, len(gt), list_frames(folder), folder, extra, name)
    tags = read_tag_files(seq_dir, name, len(gt), short_tags)
    return Video(name, folder, seq_dir, gt[0], frames, gt, [], load_img=load_img, tags=tags, protocol=protocol)


def read_vot_root(name: str, root: str, *, expected=(), protocol="reset", load_img=False, gt_fields=(4, 8)):
    """(videos, missing) of a raw VOT-style root (`expected`: the sequences a root without list.txt should have);
    warns once about padded tag files and surplus frames."""
    list_path = os.path.join(root, "list.txt")
    listed = os.path.isfile(list_path)
    names = read_name_list(list_path) if listed else sorted(
        e for e in os.listdir(root) if os.path.isfile(os.path.join(root, e, "groundtruth.txt")))
    found, missing, short_tags, extra = {}, [], [], []
    for seq in names:
        seq_dir = os.path.join(root, seq)
        if not os.path.isfile(os.path.join(seq_dir, "groundtruth.txt")):
            missing.append(seq)
            continue
        found[seq] = read_vot_sequence(seq_dir, seq, protocol=protocol, load_img=load_img,
                                       short_tags=short_tags, extra=extra, gt_fields=gt_fields)
    if not listed:
        missing += [v for v in expected if v not in found]
    warn_short_tags(name, short_tags)
    warn_extra_frames(name, extra)
    return found, missing


def build_dataset(read_raw, name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
                  protocol: str = "ope", canonical: Optional[str] = None, need_frames: bool = True,
                  cls=Dataset) -> Dataset:
    """A dataset from ``<root>/<name or canonical>.json`` when present, else from its raw layout,
    ``read_raw(name, root, load_img=..., protocol=...) -> (videos, missing)``; then the `videos` selection."""
    root = dataset_folder(name, dataset_root)
    found, missing = json_or_raw(name, root, (name, canonical or name),
                                 lambda: read_raw(name, root, load_img=load_img, protocol=protocol),
                                 load_img=load_img, protocol=protocol, need_frames=need_frames)
    return finish_dataset(name, root, found, missing, requested=videos, protocol=protocol,
                          eao_interval=eao_interval, cls=cls)


def build_vot(name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
              protocol: str = "reset", canonical: Optional[str] = None, need_frames: bool = True) -> Dataset:
    """A named VOT dataset: ``<root>/<NAME>.json`` when present, else the raw layout."""
    canonical = canonical or name
    read = functools.partial(read_vot_root, expected=VOT_VIDEOS.get(canonical, ()))
    interval = eao_interval if eao_interval is not None else EAO_INTERVALS.get(canonical)
    return build_dataset(read, name, dataset_root, load_img, videos, interval, protocol, canonical, need_frames,
                         cls=VOTDataset)
