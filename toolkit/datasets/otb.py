"""OTB100 (= OTB2015), OTB50 (TB-50) and OTB2013 from pysot's JSON or the raw OTB layout (docs/toolkit.md §6.4).

Raw layout: ``<root>/<Seq>/img/0001.jpg`` and ``<root>/<Seq>/groundtruth_rect.txt``, with the quirks of DaSiamRPN's /
pysot's OTB2015 description (`FRAME_RANGES`, `MULTI_TARGET`; docs/toolkit.md §6.4). A ground truth holding one box
per evaluated frame is used as is; one that starts at frame 1 (Tiger1's file has 354 lines) is cut to the range.
Frame numbers are read from the file names, so Board's five-digit names need nothing special.
Result files written by the got10k toolkit load too: ``Jogging.1.txt`` (any case/separator variant),
``Human4.txt`` for ``Human4-2``, and a 354-line ``Tiger1.txt`` (got10k runs frames 1..354; the first 5 lines are
dropped). See `RESULT_COMPAT`.
Attributes (IV, SV, ...) are not stored in the raw layout: videos built from it have ``attr == []``; a JSON's
attributes are kept. DaSiamRPN's OTB2015.json (keys ``jogging_1``, ``image_files``) is accepted as well.
The same quirks are applied to OTB2013 (the CVPR2013 sequences as distributed with OTB-2015).
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Tuple

from toolkit.datasets.base import (Dataset, Video, check_frame_count, dataset_folder, finish_dataset, frame_index,
                                   list_frames, read_description_json, videos_from_json, warn_extra_frames)
from sotbase.errors import FileFormatError
from toolkit.utils.result_io import read_groundtruth

__all__ = ["OTBDataset", "OTB_VIDEOS", "FRAME_RANGES", "RESULT_COMPAT", "otb_target", "read_otb_video",
           "read_otb_folder", "convert_dasiamrpn_json", "build_otb"]

# Sequence folders, expanded to video names by `_expand` (multi-target folders give several videos).
_OTB100_FOLDERS = """Basketball Biker Bird1 Bird2 BlurBody BlurCar1 BlurCar2 BlurCar3 BlurCar4 BlurFace BlurOwl Board
Bolt Bolt2 Box Boy Car1 Car2 Car24 Car4 CarDark CarScale ClifBar Coke Couple Coupon Crossing Crowds Dancer Dancer2
David David2 David3 Deer Diving Dog Dog1 Doll DragonBaby Dudek FaceOcc1 FaceOcc2 Fish FleetFace Football Football1
Freeman1 Freeman3 Freeman4 Girl Girl2 Gym Human2 Human3 Human4 Human5 Human6 Human7 Human8 Human9 Ironman Jogging Jump
Jumping KiteSurf Lemming Liquor Man Matrix Mhyang MotorRolling MountainBike Panda RedTeam Rubik Shaking Singer1
Singer2 Skater Skater2 Skating1 Skating2 Skiing Soccer Subway Surfer Suv Sylvester Tiger1 Tiger2 Toy Trans Trellis
Twinnings Vase Walking Walking2 Woman"""
# TB-50: the 49 folders of the OTB-2015 paper's hard half; Skating2 counts twice -> 50 videos.
_TB50_FOLDERS = """Basketball Biker Bird1 BlurBody BlurCar2 BlurFace BlurOwl Bolt Box Car1 Car4 CarDark CarScale
ClifBar Couple Crowds David Deer Diving DragonBaby Dudek Football Freeman4 Girl Human3 Human4 Human6 Human9 Ironman
Jump Jumping Liquor Matrix MotorRolling Panda RedTeam Shaking Singer2 Skating1 Skating2 Skiing Soccer Surfer Sylvester
Tiger2 Trellis Walking Walking2 Woman"""
# CVPR2013 benchmark: 50 folders, Jogging counts twice -> 51 videos.
_OTB2013_FOLDERS = """Basketball Bolt Boy Car4 CarDark CarScale Coke Couple Crossing David David2 David3 Deer Dog1 Doll
Dudek FaceOcc1 FaceOcc2 Fish FleetFace Football Football1 Freeman1 Freeman3 Freeman4 Girl Ironman Jogging Jumping
Lemming Liquor Matrix Mhyang MotorRolling MountainBike Shaking Singer1 Singer2 Skating1 Skiing Soccer Subway Suv
Sylvester Tiger1 Tiger2 Trellis Walking Walking2 Woman"""

#: folder -> target numbers evaluated (ground truth in ``groundtruth_rect.<k>.txt``)
MULTI_TARGET = {"Jogging": (1, 2), "Skating2": (1, 2), "Human4": (2,)}

#: video -> (names other tools give its result file, {result lines: leading lines to drop}). got10k drops
#: Human4's empty groundtruth_rect.1.txt and calls the sequence 'Human4'; it runs Tiger1 on all 354 frames.
RESULT_COMPAT = {"Human4-2": (("Human4",), {}), "Tiger1": ((), {354: 5})}

#: folder -> (first, last) evaluated frame number
FRAME_RANGES: Dict[str, Tuple[int, int]] = {
    "David": (300, 770), "Football1": (1, 74), "Freeman3": (1, 460), "Freeman4": (1, 283), "Diving": (1, 215),
    "BlurCar1": (247, 988), "BlurCar3": (3, 359), "BlurCar4": (18, 397), "Tiger1": (6, 354),
}


def _expand(folders: str) -> Tuple[str, ...]:
    names = []
    for folder in folders.split():
        names += [f"{folder}-{k}" for k in MULTI_TARGET[folder]] if folder in MULTI_TARGET else [folder]
    return tuple(sorted(names))


OTB_VIDEOS: Dict[str, Tuple[str, ...]] = {"OTB100": _expand(_OTB100_FOLDERS), "OTB50": _expand(_TB50_FOLDERS),
                                          "OTB2013": _expand(_OTB2013_FOLDERS)}


class OTBDataset(Dataset):
    """A one-pass OTB dataset; ``attr`` maps 'ALL' and each attribute to video names."""


def otb_target(video_name: str) -> Tuple[str, str]:
    """pysot video name -> (sequence folder, ground-truth file name): 'Jogging-1' -> ('Jogging',
    'groundtruth_rect.1.txt')."""
    m = re.fullmatch(r"(.+)-(\d+)", video_name)
    if m and m.group(1) in MULTI_TARGET:
        return m.group(1), f"groundtruth_rect.{m.group(2)}.txt"
    return video_name, "groundtruth_rect.txt"


def read_otb_video(seq_dir: str, video_name: str, gt_file: str = "groundtruth_rect.txt", *,
                   frame_range: Optional[Tuple[int, int]] = None, load_img: bool = False,
                   extra: Optional[List[str]] = None, protocol: str = "ope",
                   gt_fields: Tuple[int, ...] = (4, 8)) -> Video:
    """One OTB-layout target -> Video. Numbered frames are paired with boxes by frame number starting at the
    first frame of `frame_range` (default: the lowest number in ``img/``); unnumbered frames by position."""
    extra = extra if extra is not None else []
    gt_path = os.path.join(seq_dir, gt_file)
    gt = read_groundtruth(gt_path, gt_fields)
    img_dir = os.path.join(seq_dir, "img")
    if not os.path.isdir(img_dir):
        img_dir = seq_dir
    frames = list_frames(img_dir)
    numbered = {frame_index(f): f for f in frames}
    if not frames or None in numbered:
        frames = check_frame_count(gt_path, len(gt), frames, img_dir, extra, video_name)
        return Video(video_name, img_dir, seq_dir, gt[0], frames, gt, [], load_img=load_img, protocol=protocol)
    if frame_range is not None:
        first, last = frame_range
        span = last - first + 1
        if len(gt) == last and first > 1:
            gt = gt[first - 1:]  # annotated from frame 1, evaluated from `first`
        elif len(gt) != span:
            raise FileFormatError(gt_path, f"{len(gt)} boxes, but {video_name} is evaluated on frames "
                                           f"{first}..{last} ({span} boxes, or {last} counting from frame 1)")
    else:
        first = min(numbered)
        if len(numbered) > len(gt):
            extra.append(video_name)
    wanted = range(first, first + len(gt))
    absent = [i for i in wanted if i not in numbered]
    if absent:
        raise FileFormatError(gt_path, f"{len(gt)} boxes from frame {first}, but frame {absent[0]} is missing "
                                       f"in {img_dir}")
    names = [numbered[i] for i in wanted]
    return Video(video_name, img_dir, seq_dir, gt[0], names, gt, [], load_img=load_img, protocol=protocol)


_MULTI_GT = re.compile(r"groundtruth_rect\.(\d+)\.txt")


def read_otb_folder(seq_dir: str, folder_name: str, *, load_img=False, extra=None, protocol="ope") -> List[Video]:
    """Every target of a generic OTB-layout folder (custom datasets): ``groundtruth_rect.txt`` -> one video named
    after the folder; ``groundtruth_rect.<k>.txt`` files -> videos ``<folder>-<k>``. No frame-range quirks."""
    if os.path.isfile(os.path.join(seq_dir, "groundtruth_rect.txt")):
        return [read_otb_video(seq_dir, folder_name, load_img=load_img, extra=extra, protocol=protocol)]
    # an empty per-target file means "not annotated" (OTB's Human4 ships an empty groundtruth_rect.1.txt)
    targets = sorted(int(m.group(1)) for m in map(_MULTI_GT.fullmatch, os.listdir(seq_dir))
                     if m and os.path.getsize(os.path.join(seq_dir, m.group(0))) > 0)
    return [read_otb_video(seq_dir, f"{folder_name}-{k}", f"groundtruth_rect.{k}.txt", load_img=load_img,
                           extra=extra, protocol=protocol) for k in targets]


def has_otb_groundtruth(seq_dir: str) -> bool:
    try:
        return any(e == "groundtruth_rect.txt" or _MULTI_GT.fullmatch(e) for e in os.listdir(seq_dir))
    except OSError:
        return False


def _dasiamrpn_name(key: str, folder: str) -> str:
    m = re.fullmatch(r".*_(\d+)", key)
    return f"{folder}-{m.group(1)}" if m and key.lower() != folder.lower() else folder


def convert_dasiamrpn_json(data: Dict[str, dict]) -> Dict[str, dict]:
    """DaSiamRPN's OTB2015.json (``jogging_1: {name: 'Jogging', image_files: ['0001.jpg', ...]}``) -> pysot
    entries (``Jogging-1: {video_dir, img_names: ['Jogging/img/0001.jpg', ...], init_rect, gt_rect}``)."""
    out = {}
    for key, entry in data.items():
        folder = entry.get("name", key)
        files = entry.get("image_files", [])
        out[_dasiamrpn_name(key, folder)] = {
            "video_dir": folder, "img_names": [f"{folder}/img/{f}" if isinstance(f, str) else f for f in files],
            "init_rect": entry.get("init_rect"), "gt_rect": entry.get("gt_rect"),
            **({"attr": entry["attr"]} if "attr" in entry else {})}
    return out


def read_otb_root(name: str, root: str, video_names, *, load_img=False, protocol="ope"):
    """(videos, missing) for the listed pysot video names in a raw OTB root (folder names matched
    case-insensitively)."""
    folders = {e.lower(): e for e in os.listdir(root) if os.path.isdir(os.path.join(root, e))}
    found, missing, extra = {}, [], []
    for video in video_names:
        folder, gt_file = otb_target(video)
        actual = folders.get(folder.lower())
        if actual is None or not os.path.isfile(os.path.join(root, actual, gt_file)):
            missing.append(video)
            continue
        found[video] = read_otb_video(os.path.join(root, actual), video, gt_file,
                                      frame_range=FRAME_RANGES.get(folder), load_img=load_img, extra=extra,
                                      protocol=protocol, gt_fields=(4,))
    warn_extra_frames(name, extra)
    return found, missing


def build_otb(name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
              protocol: str = "ope", canonical: Optional[str] = None, need_frames: bool = True) -> Dataset:
    """A named OTB dataset: ``<root>/<NAME>.json`` (all its videos; as in pysot the JSON defines the dataset),
    else ``OTB100.json`` / ``OTB2015.json`` restricted to this benchmark's list, else the raw layout."""
    canonical = canonical or name
    root = dataset_folder(name, dataset_root)
    expected = OTB_VIDEOS[canonical]
    own = [n for n in dict.fromkeys((name, canonical))]
    candidates = [(n, None) for n in own] + [(n, expected) for n in ("OTB100", "OTB2015") if n not in own]
    for json_name, only in candidates:
        path = os.path.join(root, json_name + ".json")
        if os.path.isfile(path):
            data = read_description_json(path)
            if any("image_files" in e and "img_names" not in e for e in data.values()):
                data = convert_dasiamrpn_json(data)
            found, missing = videos_from_json(path, root, load_img=load_img, protocol=protocol, only=only, data=data,
                                              need_frames=need_frames)
            if only is not None:  # another benchmark's JSON: this benchmark's list defines what is missing
                missing = sorted(set(missing) | (set(expected) - set(found)))
            break
    else:
        found, missing = read_otb_root(name, root, expected, load_img=load_img, protocol=protocol)
    for video in found.values():
        aliases, offsets = RESULT_COMPAT.get(video.name, ((), {}))
        video.result_aliases = aliases
        video.result_offsets = {lines: skip for lines, skip in offsets.items() if lines - skip == len(video)}
    return finish_dataset(name, root, found, missing, requested=videos, protocol=protocol,
                          eao_interval=eao_interval, cls=OTBDataset)
