"""LaSOT test set (280 sequences, protocol II; one-pass) from pysot's ``LaSOT.json`` or the raw layout.

Raw layout: ``<root>/<class>/<class>-N/img/00000001.jpg`` (or ``<root>/<class>-N/...`` as in the LaSOTTesting
archive), ``groundtruth.txt`` (x,y,w,h, comma), ``full_occlusion.txt`` and ``out_of_view.txt`` (0/1 per frame,
comma-separated). ``absent[t] = 1`` when the target is visible (neither fully occluded nor out of view), the
convention of pysot's JSON. Sequences of the training split found on disk are ignored.
"""
from __future__ import annotations

import os
from typing import List, Optional

from toolkit.datasets.base import Dataset, Video, check_frame_count, list_frames, short_list, warn, warn_extra_frames
from toolkit.datasets.vot import build_dataset
from sotbase.errors import FileFormatError
from toolkit.utils.result_io import read_flags, read_groundtruth

__all__ = ["LASOT_TEST_VIDEOS", "read_lasot_sequence", "build_lasot"]

# class: sequence numbers of the official 280-sequence test split (testing_set.txt)
_TEST_SPLIT = """airplane:1,9,13,15 basketball:1,6,7,11 bear:2,4,6,17 bicycle:2,7,9,18 bird:2,3,15,17
boat:3,4,12,17 book:3,10,11,19 bottle:1,12,14,18 bus:2,5,17,19 car:2,6,9,17 cat:1,3,18,20 cattle:2,7,12,13
chameleon:3,6,11,20 coin:3,6,7,18 crab:3,6,12,18 crocodile:3,4,10,14 cup:1,4,7,17 deer:4,8,10,14 dog:1,7,15,19
drone:2,7,13,15 electricfan:1,10,18,20 elephant:1,12,16,18 flag:2,3,5,9 fox:2,3,5,20 frog:3,4,9,20
gametarget:1,2,7,13 gecko:1,5,16,19 giraffe:2,10,13,15 goldfish:3,7,8,10 gorilla:4,6,9,13 guitar:3,8,10,16
hand:2,3,9,16 hat:1,2,5,18 helmet:5,11,13,19 hippo:1,7,9,20 horse:1,4,12,15 kangaroo:2,5,11,14 kite:4,6,10,15
leopard:1,7,16,20 licenseplate:6,12,13,15 lion:1,5,12,20 lizard:1,3,6,13 microphone:2,6,14,16 monkey:3,4,9,17
motorcycle:1,3,9,18 mouse:1,8,9,17 person:1,5,10,12 pig:2,10,13,18 pool:3,7,12,15 rabbit:10,13,17,19
racing:10,15,16,20 robot:1,5,8,19 rubicCube:1,6,14,19 sepia:6,8,13,16 shark:2,3,5,6 sheep:3,5,7,9
skateboard:3,8,16,19 spider:14,16,18,20 squirrel:8,11,13,19 surfboard:4,5,8,12 swing:10,14,17,20 tank:6,9,14,16
tiger:4,6,12,18 train:1,7,11,20 truck:3,6,7,16 turtle:5,8,9,16 umbrella:2,9,17,19 volleyball:1,13,18,19
yoyo:7,15,17,19 zebra:10,14,16,17"""

LASOT_TEST_VIDEOS = tuple(sorted(f"{cls}-{k}" for item in _TEST_SPLIT.split()
                                 for cls, nums in [item.split(":")] for k in nums.split(",")))


def _visibility(seq_dir: str, n: int, no_flags: List[str], name: str) -> List[int]:
    paths = [os.path.join(seq_dir, f) for f in ("full_occlusion.txt", "out_of_view.txt")]
    if not all(os.path.isfile(p) for p in paths):
        no_flags.append(name)
        return [1] * n
    flags = []
    for p in paths:
        values = read_flags(p, n_frames=n)
        if len(values) != n:
            raise FileFormatError(p, f"has {len(values)} per-frame values but the sequence has {n} frame(s)")
        flags.append(values)
    return [int(not (occ or oov)) for occ, oov in zip(*flags)]


def read_lasot_sequence(seq_dir: str, name: str, *, load_img=False, extra=None, no_flags=None,
                        protocol="ope") -> Video:
    extra = extra if extra is not None else []
    no_flags = no_flags if no_flags is not None else []
    gt_path = os.path.join(seq_dir, "groundtruth.txt")
    gt = read_groundtruth(gt_path, (4,))
    img_dir = os.path.join(seq_dir, "img")
    frames = check_frame_count(gt_path, len(gt), list_frames(img_dir), img_dir, extra, name)
    absent = _visibility(seq_dir, len(gt), no_flags, name)
    return Video(name, img_dir, seq_dir, gt[0], frames, gt, [], load_img=load_img, absent=absent,
                 protocol=protocol)


def read_lasot_root(name: str, root: str, *, load_img=False, protocol="ope"):
    found, missing, extra, no_flags = {}, [], [], []
    for seq in LASOT_TEST_VIDEOS:
        cls = seq.rsplit("-", 1)[0]
        seq_dir = next((d for d in (os.path.join(root, cls, seq), os.path.join(root, seq))
                        if os.path.isfile(os.path.join(d, "groundtruth.txt"))), None)
        if seq_dir is None:
            missing.append(seq)
            continue
        found[seq] = read_lasot_sequence(seq_dir, seq, load_img=load_img, extra=extra, no_flags=no_flags,
                                         protocol=protocol)
    warn_extra_frames(name, extra)
    if no_flags:
        warn(f"{name}: {len(no_flags)} sequence(s) lack full_occlusion.txt/out_of_view.txt; every frame is "
             f"treated as visible: {short_list(sorted(no_flags))}")
    return found, missing


def build_lasot(name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
                protocol: str = "ope", canonical: Optional[str] = None, need_frames: bool = True) -> Dataset:
    return build_dataset(read_lasot_root, name, dataset_root, load_img, videos, eao_interval, protocol, canonical,
                         need_frames)
