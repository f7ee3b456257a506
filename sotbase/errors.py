"""The root of user-facing errors, and the one error both packages raise on files they cannot parse."""
from __future__ import annotations

from typing import Optional

__all__ = ["UserError", "FileFormatError"]


class UserError(Exception):
    """A problem with user-provided data, files, arguments or configuration.

    The tools print it as ``<tool>: error: <message>`` and exit with status 2, without a traceback; anything
    else escaping a tool is a bug. Each package has one root below this one."""


class FileFormatError(UserError, ValueError):
    """A ground-truth, result, description or cluster file that cannot be parsed.

    `str(err)` reads ``<path>:<line>: <reason>`` (line is 1-based; omitted when not applicable).
    """

    def __init__(self, path, reason: str, line: Optional[int] = None):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")
