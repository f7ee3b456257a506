"""`Video` and `Dataset`: the pysot-shaped containers every benchmark reader fills (docs/toolkit.md §6.2-6.3).

Differences from pysot: the per-frame 'empty' tag (docs/toolkit.md §4), which ``select_tag('empty', s, e)`` slices
like any other tag (pysot returns the whole list); ``img_names`` joined to the root (§6.2); strict result loading
(§8, §8.1-8.2) that resolves the file names of got10k and other tools (:func:`find_ope_result`).
"""
from __future__ import annotations

import json
import math
import os
import re
import warnings
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import cv2

from sotbase.errors import FileFormatError
from sotbase.images import is_image
from toolkit.utils.errors import MissingResultsError, ToolkitError
from toolkit.utils.result_io import CountMismatchError, check_count, read_boxes

__all__ = [
    "ATTRIBUTE_TAGS", "PROTOCOLS", "DatasetWarning", "Video", "Dataset", "list_frames", "frame_index",
    "normalise_name", "find_ope_result", "find_vot_results", "select_videos",
]

ATTRIBUTE_TAGS = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")
PROTOCOLS = ("ope", "reset")
VOT_REPETITIONS = 15  # pysot: exactly 15 result files -> all are repetitions, otherwise only the first


class DatasetWarning(UserWarning):
    """Something about a dataset on disk worth knowing (missing videos, padded tag files) that is not fatal."""


def warn(message: str) -> None:
    warnings.warn(message, DatasetWarning, stacklevel=3)


def short_list(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" ... (+{len(names) - limit} more)" if len(names) > limit else "")


def frame_index(filename: str) -> Optional[int]:
    """``'0042.jpg'`` -> 42; None when the stem is not all digits."""
    stem = os.path.splitext(filename)[0]
    return int(stem) if stem.isdigit() else None


def list_frames(folder) -> List[str]:
    """Image file names in `folder`, numbered ones in numeric order first, then the others by name."""
    try:
        names = [n for n in os.listdir(folder) if is_image(n) and os.path.isfile(os.path.join(folder, n))]
    except OSError:
        return []
    return sorted(names, key=lambda n: (frame_index(n) is None, frame_index(n) or 0, n))


_SEPARATORS = re.compile(r"[-_. ]")


def normalise_name(name: str) -> str:
    """Case- and separator-insensitive key: 'Jogging-1', 'jogging_1', 'jogging.1' -> 'jogging1'."""
    return _SEPARATORS.sub("", name).lower()


def find_ope_result(tracker_dir, video_name: str, aliases: Iterable[str] = ()) -> Optional[str]:
    """The one-pass result file of `video_name` (or one of its `aliases`) in `tracker_dir`, or None.

    Accepted: ``<video>.txt`` under any case/separator variant (pysot ``Jogging-1``, pysot's fallbacks
    ``jogging_1`` / lower-case first letter, got10k ``Jogging.1``), and the GOT-10k layout
    ``<video>/<video>_001.txt``. Two candidates for one video raise a ToolkitError rather than picking one.
    (A file matching two *videos*, e.g. ``car1.txt`` for videos ``car-1`` and ``car1``, is not detected.)
    """
    keys = {normalise_name(n) for n in (video_name, *aliases)}
    try:
        entries = sorted(os.listdir(tracker_dir))
    except OSError:
        return None
    found = []
    for entry in entries:
        full = os.path.join(tracker_dir, entry)
        if entry.endswith(".txt") and normalise_name(entry[:-4]) in keys and os.path.isfile(full):
            found.append(full)
        elif normalise_name(entry) in keys and os.path.isdir(full):
            inner = os.path.join(full, entry + "_001.txt")
            if os.path.isfile(inner):
                found.append(inner)
    if len(found) > 1:
        raise ToolkitError(f"ambiguous results for video {video_name!r} in {tracker_dir}: "
                           + ", ".join(os.path.relpath(f, tracker_dir) for f in found))
    return found[0] if found else None


def find_vot_results(video_dir, video_name: str) -> List[str]:
    """Sorted ``<video>_NNN.txt`` repetition files (never ``<video>_time.txt`` or other side files)."""
    pattern = re.compile(re.escape(video_name) + r"_[0-9]{3}\.txt")
    try:
        entries = os.listdir(video_dir)
    except OSError:
        return []
    return [os.path.join(video_dir, e) for e in sorted(entries) if pattern.fullmatch(e)]


def _read_image(path):
    img = cv2.imread(path)
    if img is None:
        raise ToolkitError(f"cannot read image {path}")
    return img


class Video:
    """One sequence: frames, ground truth, per-frame tags and the loaded tracker results.

    `protocol` decides how :meth:`load_tracker` finds results: 'reset' (VOT) reads
    ``<path>/<tracker>/baseline/<video>/<video>_NNN.txt`` (1 or 15 repetitions, codes allowed), 'ope' reads
    ``<path>/<tracker>/<video>.txt`` (4 numbers per line).
    """

    def __init__(self, name: str, root, video_dir, init_rect, img_names: Sequence[str], gt_rect,
                 attr: Optional[Iterable[str]] = None, load_img: bool = False, *,
                 tags: Optional[Dict[str, List[int]]] = None, absent: Optional[List[int]] = None,
                 protocol: str = "ope"):
        if protocol not in PROTOCOLS:
            raise ToolkitError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
        n = len(gt_rect)
        if len(img_names) != n:
            raise ToolkitError(f"video {name!r}: {len(img_names)} frames but {n} ground-truth boxes")
        self.name = name
        self.video_dir = video_dir
        self.init_rect = [float(v) for v in init_rect]
        self.img_names = [os.path.join(str(root), x) for x in img_names]
        self.gt_traj = [[float(v) for v in box] for box in gt_rect]
        self.attr = list(attr or [])
        self.absent = None if absent is None else [int(v) for v in absent]
        if self.absent is not None and len(self.absent) != n:
            raise ToolkitError(f"video {name!r}: absent flags for {len(self.absent)} frames, expected {n}")
        self.protocol = protocol
        self.pred_trajs: Dict[str, list] = {}
        self.imgs = None
        self._width: Optional[int] = None
        self._height: Optional[int] = None
        self.tags = self._build_tags(tags or {}, n)
        # Compatibility with result files of tools that name or cut this sequence differently (set by readers):
        # other names the result file may carry, and {line count: leading lines to drop} for tools that
        # evaluate a longer frame range (got10k runs OTB's Tiger1 on frames 1..354, pysot on 6..354).
        self.result_aliases: Tuple[str, ...] = ()
        self.result_offsets: Dict[int, int] = {}
        if load_img:
            self.load_img()

    def _build_tags(self, given: Dict[str, List[int]], n: int) -> Dict[str, List[int]]:
        tags = {"all": [1] * n}
        for tag, values in given.items():
            if tag in ("all", "empty"):
                continue
            if len(values) != n:
                raise ToolkitError(f"video {self.name!r}: tag {tag!r} has {len(values)} values, expected {n}")
            tags[tag] = [int(v) for v in values]
        attribute = [tags[t] for t in ATTRIBUTE_TAGS if t in tags]
        tags["empty"] = [int(not any(col)) for col in zip(*attribute)] if attribute else [1] * n
        return tags

    @property
    def width(self) -> int:
        return self._read_size()[1] if self._width is None else self._width

    @width.setter
    def width(self, value: int) -> None:  # pysot code assigns it after loading images
        self._width = int(value)

    @property
    def height(self) -> int:
        return self._read_size()[0] if self._height is None else self._height

    @height.setter
    def height(self, value: int) -> None:
        self._height = int(value)

    def _read_size(self) -> Tuple[int, int]:
        img = self.imgs[0] if self.imgs is not None else _read_image(self.img_names[0])
        self._height, self._width = img.shape[:2]
        return self._height, self._width

    def load_img(self) -> None:
        """Read every frame into memory (pysot's ``load_img=True``)."""
        if self.imgs is None:
            self.imgs = [_read_image(p) for p in self.img_names]
            self._height, self._width = self.imgs[0].shape[:2]

    def free_img(self) -> None:
        self.imgs = None

    def __len__(self) -> int:
        return len(self.img_names)

    def __getitem__(self, idx):
        img = self.imgs[idx] if self.imgs is not None else _read_image(self.img_names[idx])
        return img, self.gt_traj[idx]

    def __iter__(self) -> Iterator[tuple]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"Video({self.name!r}, {len(self)} frames, protocol={self.protocol!r})"

    def select_tag(self, tag: str, start: int = 0, end: int = 0) -> List[int]:
        """``tags[tag][start:end]`` (pysot semantics: the default end=0 gives an empty list)."""
        if tag not in self.tags:
            raise ToolkitError(f"video {self.name!r} has no tag {tag!r}; available: {sorted(self.tags)}")
        return self.tags[tag][start:end]

    def load_tracker(self, path, tracker_names=None, store: bool = True):
        """Load results of `tracker_names` (a name, a list, or None = every sub-folder of `path`).

        Returns the trajectory (one-pass) or the list of repetitions (reset) for a single tracker name, a dict
        name -> that for several. With store=True they are also kept in `pred_trajs`.
        """
        names = tracker_names_in(path, tracker_names)
        out = {tracker: self._read_result(os.path.join(str(path), tracker), tracker) for tracker in names}
        if store:
            self.pred_trajs.update(out)
        return out[names[0]] if len(names) == 1 else out

    def _read_result(self, tracker_dir: str, tracker: str):
        n = len(self.gt_traj)
        if self.protocol == "reset":
            folder = os.path.join(tracker_dir, "baseline", self.name)
            files = find_vot_results(folder, self.name)
            if not files:
                raise MissingResultsError(tracker, folder, [self.name])
            if len(files) != VOT_REPETITIONS:
                files = files[:1]
            trajs = [read_vot_result(f, n) for f in files]
            if len({min(len(t), n) for t in trajs}) > 1:  # pysot's per-frame mean over repetitions crashes
                raise ToolkitError(f"{folder}: repetitions cover different numbers of frames "
                                   f"({', '.join(str(len(t)) for t in trajs)} lines for {n} frames)")
            return trajs
        found = find_ope_result(tracker_dir, self.name, self.result_aliases)
        if found is None:
            raise MissingResultsError(tracker, tracker_dir, [self.name])
        traj = read_boxes(found, (4,))
        skip = self.result_offsets.get(len(traj), 0)
        traj = traj[skip:skip + n] if skip else traj
        check_count(found, traj, n)
        return traj


def read_vot_result(path, n: int) -> List[list]:
    """A VOT result file for a sequence of `n` frames, of any non-zero length (docs/toolkit.md §8.1): as in pysot, the
    overlaps cover the first min(lines, n) frames and the failures all lines; another length than n is warned about.
    An empty file is an error (pysot's EAO divides by its length)."""
    traj = read_boxes(path, (1, 4, 8))
    if not traj:
        raise CountMismatchError(path, 0, n)
    if len(traj) != n:
        warn(f"{path}: {len(traj)} line(s) for a sequence of {n} frame(s); scored as pysot does: overlaps on the "
             f"first {min(len(traj), n)} frame(s), failures on all {len(traj)} line(s)")
    return traj


def layout_hint(results, by_tracker: Dict[str, List[str]], protocol: str) -> str:
    """The result layout the loader expects and, when some missing results sit in the other protocol's layout,
    where (appended to missing-results messages)."""
    expected = os.path.join("baseline", "<video>", "<video>_001.txt") if protocol == "reset" else "<video>.txt"
    found = []
    for tracker, videos in by_tracker.items():
        tracker_dir = os.path.join(str(results), tracker)
        for video in videos:
            if protocol == "reset":
                try:
                    found.append(find_ope_result(tracker_dir, video))
                except ToolkitError:  # two candidates: still the wrong layout, not the point here
                    continue
            else:
                found += find_vot_results(os.path.join(tracker_dir, "baseline", video), video)[:1]
    found = [os.path.relpath(f, str(results)) for f in found if f]
    return (f"; expected layout {os.path.join(str(results), '<tracker>', expected)}"
            + (f", found instead {short_list(found, 5)}" if found else ""))


def tracker_names_in(path, tracker_names) -> List[str]:
    if tracker_names is None:
        try:
            names = sorted(e for e in os.listdir(path) if os.path.isdir(os.path.join(path, e)))
        except OSError:
            raise ToolkitError(f"results folder {path} does not exist") from None
        if not names:
            raise ToolkitError(f"no tracker folders in {path}")
        return names
    if isinstance(tracker_names, str):
        return [tracker_names]
    names = list(tracker_names)
    if not names:
        raise ToolkitError("empty list of tracker names")
    return names


class Dataset:
    """A named collection of videos. Indexing by int and iteration follow sorted video-name order."""

    def __init__(self, name: str, dataset_root, videos: Dict[str, Video], *, protocol: str = "ope",
                 eao_interval: Optional[Tuple[int, int]] = None, missing: Iterable[str] = ()):
        if protocol not in PROTOCOLS:
            raise ToolkitError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
        self.name = name
        self.dataset_root = str(dataset_root)
        self.videos: Dict[str, Video] = {k: videos[k] for k in sorted(videos)}
        self.protocol = protocol
        for video in self.videos.values():
            video.protocol = protocol
        self.eao_interval = check_eao_interval(eao_interval)
        self.missing: List[str] = sorted(missing)
        self.tracker_path = None
        self.tracker_names = None
        present = [t for t in ATTRIBUTE_TAGS if any(t in v.tags for v in self.videos.values())]
        self.tags: List[str] = ["all"] + present + ["empty"]
        self.attr: Dict[str, List[str]] = {"ALL": list(self.videos)}
        for video in self.videos.values():
            for a in video.attr:
                self.attr.setdefault(a, []).append(video.name)

    def __getitem__(self, idx):
        if isinstance(idx, str):
            try:
                return self.videos[idx]
            except KeyError:
                raise KeyError(f"{self.name} has no video {idx!r}") from None
        return list(self.videos.values())[idx]

    def __len__(self) -> int:
        return len(self.videos)

    def __iter__(self) -> Iterator[Video]:
        return iter(list(self.videos.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {len(self)} videos, protocol={self.protocol!r})"

    def set_tracker(self, path, tracker_names) -> None:
        self.tracker_path = path
        self.tracker_names = tracker_names

    def load_tracker(self, path, tracker_names=None, allow_missing: bool = False) -> List[str]:
        """Load (and store) the results of every video for each tracker.

        Missing result files are collected over the whole dataset: by default one :class:`MissingResultsError`
        lists them all; with allow_missing=True a warning is issued and the sorted names of the videos lacking
        results for at least one tracker are returned, so an evaluator can skip them. Format errors raise at once.
        """
        names = tracker_names_in(path, tracker_names)
        by_tracker: Dict[str, List[str]] = {}
        for tracker in names:
            for video in self:
                try:
                    video.load_tracker(path, tracker, store=True)
                except MissingResultsError:
                    by_tracker.setdefault(tracker, []).append(video.name)
        union = sorted({v for vs in by_tracker.values() for v in vs})
        if not by_tracker:
            return []
        if not allow_missing:
            if len(by_tracker) == 1:
                tracker, videos = next(iter(by_tracker.items()))
                err = MissingResultsError(tracker, os.path.join(str(path), tracker), videos)
            else:
                err = MissingResultsError(", ".join(by_tracker), path, union)
            err.by_tracker = by_tracker
            err.args = (str(err) + layout_hint(path, by_tracker, self.protocol),)
            raise err
        for tracker, videos in by_tracker.items():
            warn(f"{self.name}: tracker {tracker!r} has no results for {len(videos)} video(s) "
                 f"({short_list(videos)}); they will be skipped" + layout_hint(path, {tracker: videos}, self.protocol))
        return union


def select_videos(dataset, names: Union[None, str, Iterable[str]] = None) -> list:
    """The videos of `dataset` in its order, only the `names` given (one name or several) unless None; an unknown
    name is a ToolkitError listing the dataset's videos. Used by the protocol runner and the benchmarks."""
    videos = list(dataset)
    if names is None:
        return videos
    wanted = {names} if isinstance(names, str) else set(names)
    unknown = sorted(wanted - {v.name for v in videos})
    if unknown:
        raise ToolkitError(f"dataset {getattr(dataset, 'name', '?')!r} has no video(s) {short_list(unknown)} "
                           f"(videos: {short_list(sorted(v.name for v in videos))})")
    return [v for v in videos if v.name in wanted]


def check_eao_interval(interval) -> Optional[Tuple[int, int]]:
    if interval is None:
        return None
    try:
        low, high = (int(v) for v in interval)
    except (TypeError, ValueError):
        raise ToolkitError(f"eao_interval must be a pair (low, high), got {interval!r}") from None
    if not 1 <= low <= high:
        raise ToolkitError(f"eao_interval must satisfy 1 <= low <= high, got {interval!r}")
    return (low, high)


def finish_dataset(name: str, root, found: Dict[str, Video], missing: Iterable[str], *,
                   requested: Optional[Sequence[str]] = None, protocol: str = "ope",
                   eao_interval=None, cls=Dataset) -> Dataset:
    """Apply the `videos=[...]` selection, warn once about missing videos and build the Dataset."""
    missing = sorted(set(missing) - set(found))
    if requested is not None:
        requested = [requested] if isinstance(requested, str) else list(requested)
        unknown = [v for v in requested if v not in found and v not in missing]
        if unknown:
            raise ToolkitError(f"{name}: unknown video(s) {short_list(unknown)}; "
                               f"available: {short_list(sorted(found))}")
        found = {k: v for k, v in found.items() if k in requested}
        missing = [m for m in missing if m in requested]
    if not found:
        raise ToolkitError(f"{name}: no videos found under {root}"
                           + (f" (missing: {short_list(missing)})" if missing else ""))
    if missing:
        warn(f"{name}: {len(missing)} video(s) not found under {root}, evaluating the {len(found)} present: "
             f"missing {short_list(missing)}")
    return cls(name, root, found, protocol=protocol, eao_interval=eao_interval, missing=missing)


def dataset_folder(name: str, dataset_root) -> str:
    """`dataset_root` as a string, or a clear error when it is not a folder."""
    root = str(dataset_root)
    if not os.path.isdir(root):
        raise ToolkitError(f"{name}: dataset root {root} is not a folder")
    return root


def json_or_raw(name: str, root: str, json_names: Iterable[str], read_raw, *, load_img=False, protocol="ope",
                need_frames=True):
    """(found, missing) from pysot's description ``<root>/<one of json_names>.json`` when present (as in pysot, the
    JSON then defines the dataset), else from ``read_raw()``, the benchmark's raw folder layout."""
    for json_path in (os.path.join(root, n + ".json") for n in dict.fromkeys(json_names)):
        if os.path.isfile(json_path):
            short_tags: List[str] = []
            found, missing = videos_from_json(json_path, root, load_img=load_img, protocol=protocol,
                                              short_tags=short_tags, need_frames=need_frames)
            warn_short_tags(name, short_tags)
            return found, missing
    return read_raw()


def check_frame_count(gt_path, n_gt: int, frames: List[str], frame_dir, extra: List[str], label: str) -> List[str]:
    """Pair frames with ground truth: fewer frames than boxes is an error; surplus frames are dropped and `label`
    recorded in `extra` (the caller warns once for all sequences)."""
    if len(frames) < n_gt:
        raise FileFormatError(gt_path, f"{n_gt} boxes but only {len(frames)} frame(s) in {frame_dir}")
    if len(frames) > n_gt:
        extra.append(label)
    return frames[:n_gt]


def warn_extra_frames(name: str, extra: List[str]) -> None:
    if extra:
        warn(f"{name}: {len(extra)} sequence(s) have more frames than ground-truth boxes; only the first "
             f"frames are used: {short_list(sorted(extra))}")


def warn_short_tags(name: str, short: List[str]) -> None:
    if short:
        warn(f"{name}: {len(short)} tag file(s) shorter than their sequence were padded with 0: "
             f"{short_list(sorted(short))}")


def pad_flags(values: List[int], n: int, label: str, short: List[str]) -> List[int]:
    """Pad per-frame flags with 0 up to n frames, recording `label` (unless None) in `short` when padding was
    needed."""
    if len(values) < n:
        if label is not None:
            short.append(label)
        values = list(values) + [0] * (n - len(values))
    return values


def read_description_json(path) -> Dict[str, dict]:
    """Load ``<root>/<NAME>.json``: a top-level object keyed by video name."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise FileFormatError(path, f"invalid JSON: {e.msg}", e.lineno) from None
    except (OSError, UnicodeDecodeError) as e:
        raise FileFormatError(path, f"cannot read: {e}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise FileFormatError(path, "top level must be an object mapping video names to objects")
    return data


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _json_boxes(path, name: str, key: str, boxes, fields=(4, 8)) -> List[list]:
    if not isinstance(boxes, list):
        raise FileFormatError(path, f"video {name!r}: {key!r} must be a list")
    for i, box in enumerate(boxes):
        if not (isinstance(box, list) and len(box) in fields and all(_is_number(v) for v in box)):
            raise FileFormatError(path, f"video {name!r}: {key}[{i}] must be a list of "
                                        f"{' or '.join(map(str, fields))} finite numbers, got {box!r}")
    return boxes


def _json_flags(path, name: str, key: str, values) -> List[int]:
    if not isinstance(values, list) or not all(_is_number(v) and v in (0, 1) for v in values):
        raise FileFormatError(path, f"video {name!r}: {key!r} must be a list of 0/1 values")
    return [int(v) for v in values]


def video_from_json(path, root, name: str, entry: dict, *, load_img: bool = False, protocol: str = "ope",
                    short_tags: Optional[List[str]] = None) -> Video:
    """Build a Video from one pysot JSON entry, validating every field (errors name the JSON and the video)."""
    for key in ("img_names", "gt_rect", "init_rect"):
        if key not in entry:
            raise FileFormatError(path, f"video {name!r}: missing key {key!r}")
    img_names = entry["img_names"]
    if not isinstance(img_names, list) or not all(isinstance(x, str) for x in img_names):
        raise FileFormatError(path, f"video {name!r}: 'img_names' must be a list of strings")
    gt = _json_boxes(path, name, "gt_rect", entry["gt_rect"])
    init = _json_boxes(path, name, "init_rect", [entry["init_rect"]])[0]
    n = len(gt)
    if not gt or len(img_names) != n:
        raise FileFormatError(path, f"video {name!r}: {len(img_names)} img_names but {n} gt_rect entries")
    tags = {}
    for tag in ATTRIBUTE_TAGS:
        if tag in entry:
            values = _json_flags(path, name, tag, entry[tag])
            if len(values) > n:
                raise FileFormatError(path, f"video {name!r}: {tag!r} has {len(values)} values for {n} frames")
            # an empty list is how pysot's JSON says "no tag file": pad silently; a short non-empty list is reported
            tags[tag] = pad_flags(values, n, f"{name}/{tag}" if values else None,
                                  short_tags if short_tags is not None else [])
    absent = None
    if "absent" in entry:
        absent = _json_flags(path, name, "absent", entry["absent"])
        if len(absent) != n:
            raise FileFormatError(path, f"video {name!r}: 'absent' has {len(absent)} values for {n} frames")
    attr = entry.get("attr", [])
    if not isinstance(attr, list) or not all(isinstance(a, str) for a in attr):
        raise FileFormatError(path, f"video {name!r}: 'attr' must be a list of strings")
    video_dir = entry.get("video_dir", name)
    return Video(name, root, video_dir, init, img_names, gt, attr, load_img=load_img, tags=tags, absent=absent,
                 protocol=protocol)


def videos_from_json(path, root, *, load_img=False, protocol="ope", only: Optional[Iterable[str]] = None,
                     short_tags: Optional[List[str]] = None, data: Optional[Dict[str, dict]] = None,
                     need_frames: bool = True) -> Tuple[Dict[str, Video], List[str]]:
    """All (or `only` the listed) videos of a pysot JSON: (present videos, names whose frames are not on disk).
    `data`: the already-parsed content of `path`, if the caller had to look at it first. need_frames=False
    (evaluation) takes every video without looking for frames; a reset-protocol video then needs its image size
    (docs/toolkit.md §6.5)."""
    data = read_description_json(path) if data is None else data
    wanted = set(only) if only is not None else None
    found, missing = {}, []
    for name, entry in data.items():
        if wanted is not None and name not in wanted:
            continue
        video = video_from_json(path, root, name, entry, load_img=False, protocol=protocol, short_tags=short_tags)
        # cheap on-disk check: the first and last frame exist
        if need_frames and not (os.path.isfile(video.img_names[0]) and os.path.isfile(video.img_names[-1])):
            missing.append(name)
            continue
        if not need_frames and protocol == "reset" and not os.path.isfile(video.img_names[0]):
            size = [entry.get("width"), entry.get("height")]
            if not all(_is_number(v) and v > 0 and v == int(v) for v in size):
                raise FileFormatError(path, f"video {name!r}: image size unknown (needed for VOT overlaps): first "
                                            f"frame {video.img_names[0]} not found and no positive integer "
                                            f"'width'/'height' in the entry")
            video.width, video.height = size
        if load_img:
            video.load_img()
        found[name] = video
    return found, missing
