"""Labelled videos for the supervised SiamFC baseline (TYPE `video_pairs`). Only this source reads boxes.

Two layouts:

* ANNO set: a pysot-style annotation JSON (as pysot's training_dataset/*/gen_json.py write) over FULL frames
  (not pysot's pre-cropped 511 crops): ``{video: {track_id: {frame_key: [x1, y1, x2, y2], ...}}}``. The frame image is
  ``ROOT/<video>/<FRAME_FORMAT>``, FRAME_FORMAT formatted with ``frame`` = the frame key string (e.g. "000000")
  and ``track``; by default the first of "{frame}.JPEG", "{frame}.jpg", "{frame}.jpeg", "{frame}.png" that
  exists for the first frame. Boxes of 2 numbers (pysot's [w, h]) or with w <= 0 or h <= 0 are unusable frames.
  Only annotated frames are part of a track (the search frame is drawn among them).
* No ANNO: benchmark folders under ROOT, one per sequence (only those in VIDEOS when given; GOT-10k's
  list.txt gives the order when present). Ground truth: every ``groundtruth_rect*.txt`` (OTB, x,y,w,h; one track
  per file) or else ``groundtruth.txt`` (4 numbers x,y,w,h as GOT-10k, or an 8-number VOT polygon, turned into
  the axis-aligned box of the same area as pysot/VOT do); separators: comma, tab or spaces; NaN lines are
  unusable frames. Frames: ``<seq>/img/``, ``<seq>/color/`` or ``<seq>/`` itself, images in name order; the
  number of boxes must equal the number of images. GOT-10k's ``absence.label`` / ``cover.label`` mark frames
  as unusable (absent, or cover <= max(1, 0.3 * max cover), as siamfc-pytorch). FRAME_STEP k > 1 keeps every
  k-th frame (the 1st, (k+1)-th, ...) with its box -- the frames an unlabeled ``image_folder`` source with the
  same FRAME_STEP reads -- and keeps the original frame numbers, so SAMPLER.FRAME_RANGE stays in frames.

Boxes are stored as centre and size (cx, cy, w, h) in 0-based pixel coordinates: for x,y,w,h lines the centre is
``x + (w - 1) / 2`` (pysot's tracker convention).
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from pysot_ss.utils.registry import SOURCES
from toolkit.utils.bbox import get_axis_aligned_bbox
from sotbase.errors import FileFormatError
from sotbase.images import frame_dir, is_image

from .base import DataSourceError, ImageSource, clip_groups, node_get

__all__ = ["Track", "VideoPairsSource", "frame_folder", "read_boxes_file", "read_label_file"]

_SEP = re.compile(r"[,\s]+")
_DEFAULT_FORMATS = ("{frame}.JPEG", "{frame}.jpg", "{frame}.jpeg", "{frame}.png")


@dataclass
class Track:
    """One annotated object: frame paths, (N, 4) boxes (cx, cy, w, h) and a usable-frame mask (N,)."""
    name: str
    frames: List[str]
    boxes: np.ndarray
    usable: np.ndarray
    frame_ids: Optional[np.ndarray] = None   # frame numbers (for the frame-range rule); default 0..N-1

    def __post_init__(self):
        self.boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        self.usable = np.asarray(self.usable, dtype=bool) & np.all(np.isfinite(self.boxes), axis=1) \
            & (self.boxes[:, 2] > 0) & (self.boxes[:, 3] > 0)
        if self.frame_ids is None:
            self.frame_ids = np.arange(len(self.frames))
        self.frame_ids = np.asarray(self.frame_ids, dtype=np.int64)


def _xywh_to_center(x: float, y: float, w: float, h: float) -> Tuple[float, float, float, float]:
    return x + (w - 1.0) / 2.0, y + (h - 1.0) / 2.0, w, h


def read_boxes_file(path) -> np.ndarray:
    """(N, 4) centre boxes of a ground-truth text file (4 or 8 numbers a line; NaN rows for unusable lines)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    out = np.full((len(lines), 4), np.nan)
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            raise FileFormatError(path, "empty line inside the ground truth", i + 1)
        try:
            vals = [float(v) for v in _SEP.split(s) if v]
        except ValueError:
            raise FileFormatError(path, f"not a list of numbers: {s[:60]!r}", i + 1) from None
        if len(vals) == 4:
            out[i] = _xywh_to_center(*vals)
        elif len(vals) == 8:
            if all(math.isfinite(v) for v in vals):
                out[i] = get_axis_aligned_bbox(vals)
        else:
            raise FileFormatError(path, f"expected 4 (x,y,w,h) or 8 (polygon) numbers, got {len(vals)}", i + 1)
    return out


def read_label_file(path, n: int) -> np.ndarray:
    """One integer per line (GOT-10k absence.label / cover.label), checked to have `n` lines."""
    path = Path(path)
    vals = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        try:
            vals.append(int(float(line.strip())))
        except ValueError:
            raise FileFormatError(path, f"expected an integer, got {line.strip()[:40]!r}", i + 1) from None
    if len(vals) != n:
        raise FileFormatError(path, f"{len(vals)} lines for {n} frames")
    return np.asarray(vals, dtype=np.int64)


def frame_folder(seq: Path) -> Tuple[Path, List[str]]:
    """A sequence's frame folder (sotbase.images.frame_dir: ``color/``, ``img/`` or the sequence folder
    itself) and its images in name order."""
    d = Path(frame_dir(seq))
    return d, sorted(f for f in os.listdir(d) if is_image(f))


@SOURCES.register("video_pairs")
class VideoPairsSource(ImageSource):
    """Labelled tracks (see the module docstring); one item per track."""

    labelled = True

    def __init__(self, name: str, node):
        super().__init__(name, node)
        root = self.require_root()
        self.tracks: List[Track] = []
        anno = node_get(node, "ANNO", "")
        if anno:
            self._load_json(Path(os.path.expanduser(str(anno))), root, str(node_get(node, "FRAME_FORMAT", "")))
            where = anno
        else:
            step = int(node_get(node, "FRAME_STEP", 1))
            if step < 1:
                raise DataSourceError(f"DATASET.{name}.FRAME_STEP must be >= 1, got {step}")
            self._load_folders(root, list(node_get(node, "VIDEOS", []) or []), step)
            where = root
        self.items = [t.name for t in self.tracks]
        self.require_items(where)

    def video(self, index: int) -> Track:
        return self.tracks[index]

    def image_path(self, index: int, rng: np.random.Generator) -> str:
        t = self.tracks[index]
        return t.frames[int(rng.integers(len(t.frames)))]

    def representative_path(self, index: int) -> str:
        t = self.tracks[index]
        return t.frames[len(t.frames) // 2]

    def video_groups(self) -> Tuple[np.ndarray, List[str]]:
        """Tracks whose frames share a folder (several objects of one video) are one video."""
        return clip_groups([self.representative_path(i) for i in range(len(self))], "folders")

    def _load_folders(self, root: Path, videos: List[str], step: int = 1) -> None:
        if videos:
            names = videos
            for v in names:
                if not (root / v).is_dir():
                    raise DataSourceError(f"{self.describe()}: VIDEOS entry not found: {root / v}")
        elif (root / "list.txt").is_file():
            names = [ln.strip() for ln in (root / "list.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
        else:
            names = sorted(d.name for d in root.iterdir() if d.is_dir())
        for v in names:
            seq = root / v
            gts = sorted(seq.glob("groundtruth_rect*.txt"))
            if not gts and (seq / "groundtruth.txt").is_file():
                gts = [seq / "groundtruth.txt"]
            if not gts:
                if videos:
                    raise DataSourceError(f"{self.describe()}: no groundtruth_rect*.txt or groundtruth.txt in {seq}")
                continue
            folder, files = frame_folder(seq)
            frames = [str(folder / f) for f in files]
            usable = np.ones(len(frames), dtype=bool)
            if (seq / "absence.label").is_file():
                usable &= read_label_file(seq / "absence.label", len(frames)) == 0
            if (seq / "cover.label").is_file():
                cover = read_label_file(seq / "cover.label", len(frames))
                usable &= cover > max(1.0, 0.3 * float(cover.max(initial=0)))
            for gt in gts:
                boxes = read_boxes_file(gt)
                if len(boxes) != len(frames):
                    raise FileFormatError(gt, f"{len(boxes)} boxes for {len(frames)} images in {folder}")
                suffix = gt.stem[len("groundtruth_rect"):] if gt.stem.startswith("groundtruth_rect") else ""
                name = v + (f"#{suffix.lstrip('.')}" if suffix.strip(".") else "")
                keep = slice(None, None, step)
                self.tracks.append(Track(name, frames[keep], boxes[keep], usable[keep].copy(),
                                         frame_ids=np.arange(len(frames))[keep]))

    def _load_json(self, anno: Path, root: Path, frame_format: str) -> None:
        if not anno.is_file():
            raise DataSourceError(f"{self.describe()}: ANNO file not found: {anno}")
        try:
            with open(anno, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise FileFormatError(anno, f"invalid JSON: {e.msg}", e.lineno) from None
        if not isinstance(data, dict):
            raise FileFormatError(anno, "expected an object {video: {track: {frame: box}}}")
        formats = [frame_format] if frame_format else list(_DEFAULT_FORMATS)
        for video in sorted(data):
            tracks = data[video]
            if not isinstance(tracks, dict):
                raise FileFormatError(anno, f"video {video!r}: expected an object of tracks")
            for tid in sorted(tracks, key=str):
                frames_d = tracks[tid]
                if not isinstance(frames_d, dict):
                    raise FileFormatError(anno, f"video {video!r} track {tid!r}: expected an object of frames")
                keys = sorted((k for k in frames_d if str(k).isdigit()), key=int)
                if not keys:
                    continue
                if len(formats) > 1:
                    formats = [self._detect_format(root, video, keys[0], tid, formats, anno)]
                fmt = formats[0]
                paths, boxes = [], []
                for k in keys:
                    b = frames_d[k]
                    if not isinstance(b, (list, tuple)) or len(b) not in (2, 4):
                        raise FileFormatError(anno, f"video {video!r} track {tid!r} frame {k}: expected [x1,y1,x2,y2]")
                    paths.append(str(root / video / fmt.format(frame=k, track=tid)))
                    if len(b) == 4:
                        x1, y1, x2, y2 = (float(v) for v in b)
                        boxes.append(_xywh_to_center(x1, y1, x2 - x1, y2 - y1))
                    else:
                        boxes.append((np.nan,) * 4)
                self.tracks.append(Track(f"{video}/{tid}", paths, np.array(boxes), np.ones(len(paths), bool),
                                         frame_ids=np.array([int(k) for k in keys])))

    def _detect_format(self, root: Path, video: str, key: str, tid, formats, anno: Path) -> str:
        for fmt in formats:
            if (root / video / fmt.format(frame=key, track=tid)).is_file():
                return fmt
        tried = ", ".join(str(root / video / f.format(frame=key, track=tid)) for f in formats)
        raise DataSourceError(f"{self.describe()}: frame {key} of {video!r} (from {anno}) not found; tried {tried}; "
                              f"set DATASET.{self.name}.FRAME_FORMAT")
