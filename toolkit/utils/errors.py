"""Errors the toolkit raises on user data: always naming the file (and line) at fault."""
from __future__ import annotations

from typing import Iterable, Optional


class ToolkitError(Exception):
    """Base class: a problem with user-provided data or arguments, printed without a traceback by tools/."""


class FileFormatError(ToolkitError, ValueError):
    """A ground-truth, result or description file that cannot be parsed.

    `str(err)` reads ``<path>:<line>: <reason>`` (line is 1-based; omitted when not applicable).
    """

    def __init__(self, path, reason: str, line: Optional[int] = None):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class MissingResultsError(ToolkitError):
    """A tracker folder lacks result files for some videos of the dataset."""

    def __init__(self, tracker: str, folder, videos: Iterable[str]):
        self.tracker = tracker
        self.folder = str(folder)
        self.videos = sorted(videos)
        shown = ", ".join(self.videos[:20]) + (" ..." if len(self.videos) > 20 else "")
        super().__init__(f"tracker {tracker!r}: no results for {len(self.videos)} video(s) in {self.folder}: {shown}")
