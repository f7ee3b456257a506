"""Result files in pysot's layouts (docs/toolkit.md §7.4), written atomically.

Every file is written to a hidden temp file in its final folder and renamed over the target (``os.replace``),
so a crash or Ctrl-C leaves either the complete old state or the complete new file, never half a file.
A video with several files writes the auxiliary ones first and its main result file last; it counts as finished
only when all of them exist and the main one is complete: an empty one, or one with fewer lines than the video has
frames (written by something else, or cut short), is not (`ResultLayout.incomplete`). Stale temp files of an
interrupted run are removed by `ResultLayout.clean_partial`. Names from data files and flags (dataset, tracker,
video) must be plain names (`result_name`): a result path never leaves ``<results_dir>``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Type, Union

import numpy as np

from sotbase.atomic import atomic_write_text
from toolkit.datasets.base import normalise_name
from toolkit.utils.errors import ToolkitError
from toolkit.utils.region import vot_float2str

__all__ = [
    "TrackRecord", "ResultLayout", "VOTLayout", "OPELayout", "GOT10kLayout", "LongTermLayout", "LAYOUTS",
    "layout_name_for", "make_layout", "format_vot_line", "format_box_line", "result_name", "results_root",
]

Entry = Union[int, Sequence[float]]


@dataclass
class TrackRecord:
    """What a protocol produced for one video.

    `entries`: one per frame — an int code (VOT: 1 init, 2 failure, 0 skipped) or a box/polygon.
    `scores`: the tracker's confidence per frame (None where there is none, e.g. init frames).
    `times`: seconds spent in the tracker per frame (0 for skipped frames).
    """

    entries: List[Entry] = field(default_factory=list)
    scores: List[Optional[float]] = field(default_factory=list)
    times: List[float] = field(default_factory=list)
    lost: int = 0

    @property
    def total_time(self) -> float:
        return float(sum(self.times))


def result_name(value, what: str, source: str = "") -> str:
    """`value` when it can name one folder or file of the results (not empty, '.' or '..', no '/' or '\\'), else
    a ToolkitError naming it, `what` it is and its `source`: no name may lead outside the results folder."""
    name = str(value)
    if name in ("", ".", "..") or any(c in name for c in "/\\\0"):
        where = f" (from {source})" if source else ""
        raise ToolkitError(f"{what} {name!r}{where} cannot name a results folder or file: it must not be empty, "
                           f"'.' or '..', nor contain '/' or '\\' (results are written only under the results folder)")
    return name


def results_root(results_dir, dataset: str, tracker: str) -> Path:
    """``<results_dir>/<dataset>/<tracker>``, the folder of one tracker's results on one dataset."""
    return Path(results_dir) / result_name(dataset, "dataset name") / result_name(tracker, "tracker name")


def _is_code(entry) -> bool:
    return isinstance(entry, (int, np.integer)) and not isinstance(entry, bool)


def _str_number(v) -> str:
    """pysot writes ``str(v)``: full precision for Python/NumPy floats, plain digits for ints."""
    if _is_code(v):
        return str(int(v))
    return str(v) if isinstance(v, (float, np.floating)) else str(float(v))


def format_vot_line(entry: Entry) -> str:
    """``1``/``2``/``0`` for codes, else the numbers as ``vot_float2str('%.4f', v)`` joined by ','."""
    return str(int(entry)) if _is_code(entry) else ",".join(vot_float2str("%.4f", float(v)) for v in entry)


def format_box_line(entry: Entry) -> str:
    return str(int(entry)) if _is_code(entry) else ",".join(_str_number(v) for v in entry)


def _lines(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


class ResultLayout:
    """Where one tracker's results for one dataset live, and how a video's record is written."""

    name = ""

    def __init__(self, results_dir, dataset: str, tracker: str):
        self.dataset = dataset
        self.root = results_root(results_dir, dataset, tracker)

    def files(self, video: str) -> Dict[str, Path]:
        """Every file written for `video`, the main result file last (it is written last)."""
        return self._files(result_name(video, "video name", f"dataset {self.dataset!r}"))

    def _files(self, video: str) -> Dict[str, Path]:
        raise NotImplementedError

    def render(self, video: str, record: TrackRecord) -> Dict[str, str]:
        """File contents keyed like `files`."""
        raise NotImplementedError

    def result_file(self, video: str) -> Path:
        return list(self.files(video).values())[-1]

    def exists(self, video: str) -> bool:
        """All of the video's files exist (finished when, besides, the main one is not `incomplete`)."""
        return all(p.is_file() for p in self.files(video).values())

    def incomplete(self, video: str, frames: Optional[int] = None) -> str:
        """Why the video's main result file, when it exists, is not finished -- it is empty, or has fewer lines than
        the video's number of `frames` (every layout writes a line per frame) -- or '' when it is not so."""
        path = self.result_file(video)
        try:
            lines = len(path.read_bytes().splitlines())
        except FileNotFoundError:
            return ""
        if lines == 0:
            return f"{path} is empty"
        return f"{path} has {lines} line(s) for {frames} frames" if frames and lines < frames else ""

    def write(self, video: str, record: TrackRecord) -> Path:
        paths = self.files(video)
        texts = self.render(video, record)
        for key, path in paths.items():  # dict order: auxiliary files first, the main file last
            atomic_write_text(path, texts[key], fsync=True)
        return self.result_file(video)

    def clean_partial(self, video: str) -> None:
        """Remove temp files an interrupted run left next to this video's files."""
        for path in self.files(video).values():
            for tmp in path.parent.glob(f".{path.name}.*.tmp"):
                tmp.unlink(missing_ok=True)


class VOTLayout(ResultLayout):
    name = "vot"

    def _files(self, video):
        return {"result": self.root / "baseline" / video / f"{video}_001.txt"}

    def render(self, video, record):
        return {"result": _lines([format_vot_line(e) for e in record.entries])}


class OPELayout(ResultLayout):
    name = "ope"

    def _files(self, video):
        return {"result": self.root / f"{video}.txt"}

    def render(self, video, record):
        return {"result": _lines([format_box_line(e) for e in record.entries])}


class GOT10kLayout(ResultLayout):
    name = "got10k"

    def _files(self, video):
        d = self.root / video
        return {"time": d / f"{video}_time.txt", "result": d / f"{video}_001.txt"}

    def render(self, video, record):
        return {"time": _lines(["{:.6f}".format(t) for t in record.times]),
                "result": _lines([format_box_line(e) for e in record.entries])}


class LongTermLayout(ResultLayout):
    """VOT2018-LT: the first line is the code ``1``; confidences skip frame 0 with an empty line."""

    name = "longterm"

    def _files(self, video):
        d = self.root / "longterm" / video
        return {"time": d / f"{video}_time.txt",
                "confidence": d / f"{video}_001_confidence.value",
                "result": d / f"{video}_001.txt"}

    def render(self, video, record):
        entries = [1] + list(record.entries[1:]) if record.entries else []
        conf = ["" if (i == 0 or s is None) else "{:.6f}".format(s) for i, s in enumerate(record.scores)]
        return {"time": _lines(["{:.6f}".format(t) for t in record.times]),
                "confidence": _lines(conf),
                "result": _lines([format_box_line(e) for e in entries])}


LAYOUTS: Dict[str, Type[ResultLayout]] = {
    cls.name: cls for cls in (VOTLayout, OPELayout, GOT10kLayout, LongTermLayout)
}


def layout_name_for(dataset: str, protocol: str) -> str:
    """pysot's choice: the reset protocol writes the VOT layout; GOT-10k and VOT2018-LT have their own."""
    if protocol == "reset":
        return "vot"
    # 'GOT-10k', 'got10k', 'VOT2018-LT', 'vot2018_lt'
    return {"got10k": "got10k", "vot2018lt": "longterm"}.get(normalise_name(dataset), "ope")


def make_layout(name: str, results_dir, dataset: str, tracker: str) -> ResultLayout:
    try:
        cls = LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown result layout {name!r}; known: {', '.join(sorted(LAYOUTS))}") from None
    return cls(results_dir, dataset, tracker)
