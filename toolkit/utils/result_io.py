"""Strict readers for ground-truth, result, tag and list files.

Every tracking tool writes boxes a little differently: pysot joins Python floats with ``,``, got10k writes ``%.3f``
/ ``%.4f`` without a trailing newline, OTB ground truths mix commas, tabs and spaces. The readers here accept all of
those and reject everything else with a :class:`FileFormatError` naming the file and the 1-based line, so that a
damaged file never silently turns into a wrong score. Accepted and rejected syntax: docs/toolkit.md §8; blank lines
only at the end of a file.
"""
from __future__ import annotations

import math
import re
from typing import List, Optional, Sequence, Tuple

from sotbase.errors import FileFormatError

__all__ = [
    "CountMismatchError", "count_mismatch", "check_count", "read_boxes", "read_groundtruth",
    "read_flags", "read_name_list", "VOT_CODES",
]

VOT_CODES = (0.0, 1.0, 2.0)  # skipped, (re-)initialised, failure (docs/toolkit.md §7.2)

_SPLIT = re.compile(r"\s*,\s*|\s+")


class CountMismatchError(FileFormatError):
    """A result file whose number of lines differs from the number of frames of its sequence."""

    def __init__(self, path, got: int, expected: int):
        self.got = got
        self.expected = expected
        super().__init__(path, f"has {got} line(s) but the sequence has {expected} frame(s)")


count_mismatch = CountMismatchError  # the error to raise when a result has `got` lines for `expected` frames


def check_count(path, boxes: Sequence, expected: int) -> None:
    if len(boxes) != expected:
        raise count_mismatch(path, len(boxes), expected)


def _read_lines(path) -> List[str]:
    """The file's lines without line ends; trailing blank lines dropped, inner blank lines kept (callers reject)."""
    try:
        with open(path, "r", encoding="utf-8-sig", newline=None) as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise FileFormatError(path, f"not a UTF-8/ASCII text file ({e.reason})") from None
    except OSError as e:
        raise FileFormatError(path, f"cannot read: {e.strerror or e}") from None
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _parse_number(field: str, path, lineno: int) -> float:
    if not field:
        raise FileFormatError(path, "empty field (two separators in a row or a trailing separator)", lineno)
    try:
        if "_" in field:  # float() accepts '1_000'; no tracking tool writes that
            raise ValueError
        value = float(field)
    except ValueError:
        raise FileFormatError(path, f"non-numeric field {field!r}", lineno) from None
    if not math.isfinite(value):
        raise FileFormatError(path, f"non-finite value {field!r} (NaN/inf not allowed)", lineno)
    return value


def _fields(line: str, path, lineno: int) -> List[str]:
    stripped = line.strip()
    if not stripped:
        raise FileFormatError(path, "blank line inside the file", lineno)
    return _SPLIT.split(stripped)


def read_boxes(path, expect_fields: Tuple[int, ...] = (4,), expected_len: Optional[int] = None) -> List[List[float]]:
    """Parse a box file into a list of per-line lists of floats.

    expect_fields: the allowed numbers of fields per line, e.g. ``(4,)`` for one-pass results and OTB/LaSOT/GOT
    ground truth, ``(1, 4, 8)`` for VOT results. When 1 is allowed, 1-field lines must be a VOT code 0, 1 or 2
    (written ``1`` or ``1.0``); they come back as ``[1.0]`` etc.
    expected_len: if given, a different number of lines raises :class:`CountMismatchError`.
    """
    expect_fields = tuple(expect_fields)
    boxes: List[List[float]] = []
    for lineno, line in enumerate(_read_lines(path), start=1):
        values = [_parse_number(f, path, lineno) for f in _fields(line, path, lineno)]
        n = len(values)
        if n not in expect_fields:
            raise FileFormatError(path, f"expected {' or '.join(map(str, expect_fields))} number(s) per line, "
                                        f"found {n}", lineno)
        if n == 1 and values[0] not in VOT_CODES:
            raise FileFormatError(path, f"a 1-field line must be a VOT code 0, 1 or 2, found {values[0]!r}", lineno)
        boxes.append(values)
    if expected_len is not None:
        check_count(path, boxes, expected_len)
    return boxes


def read_groundtruth(path, expect_fields: Tuple[int, ...] = (4, 8)) -> List[List[float]]:
    """Parse a ground-truth file (4-number rectangles and/or 8-number polygons); an empty file is an error."""
    expect_fields = tuple(f for f in expect_fields if f != 1)  # codes never appear in ground truth
    if not expect_fields:
        raise ValueError("read_groundtruth: expect_fields must allow 4 and/or 8 numbers")
    boxes = read_boxes(path, expect_fields)
    if not boxes:
        raise FileFormatError(path, "ground-truth file holds no boxes")
    return boxes


def read_flags(path, n_frames: Optional[int] = None) -> List[int]:
    """Per-frame 0/1 flags: VOT ``*.tag`` / ``*.label`` files (one per line) or LaSOT's ``full_occlusion.txt``
    (one line, comma-separated). Any mix of commas and whitespace separates values. An empty file gives [].

    n_frames: if given, more values than frames is an error (fewer is the caller's business: VOT pads).
    """
    flags: List[int] = []
    for lineno, line in enumerate(_read_lines(path), start=1):
        for field in _fields(line, path, lineno):
            value = _parse_number(field, path, lineno)
            if value not in (0.0, 1.0):
                raise FileFormatError(path, f"per-frame flag must be 0 or 1, found {field!r}", lineno)
            flags.append(int(value))
    if n_frames is not None and len(flags) > n_frames:
        raise FileFormatError(path, f"has {len(flags)} per-frame values but the sequence has {n_frames} frame(s)")
    return flags


def read_name_list(path) -> List[str]:
    """A ``list.txt``: one sequence name per line; blank lines skipped, duplicates and path separators rejected."""
    names: List[str] = []
    seen = set()
    for lineno, line in enumerate(_read_lines(path), start=1):
        name = line.strip()
        if not name:
            continue
        if "/" in name or "\\" in name or name in (".", ".."):
            raise FileFormatError(path, f"not a sequence name: {name!r}", lineno)
        if name in seen:
            raise FileFormatError(path, f"sequence {name!r} listed twice", lineno)
        seen.add(name)
        names.append(name)
    return names
