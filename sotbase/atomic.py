"""Atomic file output: write a temp file beside the target, then one ``os.replace``, so neither a reader nor a
crash ever sees half a file. The published file gets the usual permissions of a new file (umask applied):
``tempfile.mkstemp`` alone would leave it private (0600).

* ``with atomic_output(path) as tmp: <write tmp>`` -- published on success, removed on any error;
* ``atomic_write_text(path, text)``, ``atomic_write_json(path, obj, **json_dumps_options)``;
* ``temp_beside(path)`` / ``publish(tmp, path)`` for writers that stay open across calls (video files).
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_output", "atomic_write_json", "atomic_write_text", "publish", "temp_beside"]

_UMASK = os.umask(0)
os.umask(_UMASK)


def temp_beside(path, suffix: str = ".tmp") -> str:
    """An empty temp file in `path`'s folder (created if needed); `suffix` lets format-sniffing writers
    (cv2.VideoWriter, imwrite) see the right extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    return tmp


def publish(tmp: str, path) -> None:
    os.chmod(tmp, 0o666 & ~_UMASK)
    os.replace(tmp, path)


@contextmanager
def atomic_output(path, suffix: str = ".tmp") -> Iterator[str]:
    tmp = temp_beside(path, suffix)
    try:
        yield tmp
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_text(path, text: str, fsync: bool = False) -> Path:
    """UTF-8 text with '\\n' line ends; `fsync` also forces it to disk before the rename."""
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
    return Path(path)


def atomic_write_json(path, obj, **dumps_options) -> Path:
    """``json.dumps(obj, **dumps_options)`` written atomically (:func:`atomic_write_text`)."""
    return atomic_write_text(path, json.dumps(obj, **dumps_options))
