"""Small helpers shared by the study's modules: repository paths, display paths and atomic writes."""
from __future__ import annotations

import json
import os
from pathlib import Path

from toolkit.utils.atomic import atomic_write_text  # noqa: F401  (the study's modules import it from here)

REPO = Path(__file__).resolve().parents[2]


def display_path(path) -> str:
    """How a path is written into commands (which run with the repository root as working directory): relative
    to the repository when it lies inside it or beside it (``runs/quality``, ``../shared/data``), else absolute."""
    p = Path(os.path.abspath(path))
    for base, prefix in ((REPO, ""), (REPO.parent, "..")):
        try:
            rel = p.relative_to(base)
        except ValueError:
            continue
        return os.path.join(prefix, str(rel)) if prefix else (str(rel) or ".")
    return str(p)


def atomic_write_json(path, obj) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default
