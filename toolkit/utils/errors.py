"""Errors the toolkit raises on user data: always naming the file (and line) at fault."""
from __future__ import annotations

from typing import Iterable

from sotbase.errors import UserError


class ToolkitError(UserError):
    """The toolkit's root: a problem with user-provided data or arguments, printed without a traceback."""


class MissingResultsError(ToolkitError):
    """A tracker folder lacks result files for some videos of the dataset."""

    def __init__(self, tracker: str, folder, videos: Iterable[str]):
        self.tracker = tracker
        self.folder = str(folder)
        self.videos = sorted(videos)
        shown = ", ".join(self.videos[:20]) + (" ..." if len(self.videos) > 20 else "")
        super().__init__(f"tracker {tracker!r}: no results for {len(self.videos)} video(s) in {self.folder}: {shown}")
