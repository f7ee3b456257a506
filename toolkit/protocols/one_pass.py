"""One-pass evaluation (OPE) as pysot's tools/test.py runs it (docs/toolkit.md §7.3).

Frame 0: initialise on the box of §7.1 (``[x+0.5, y+0.5, w, h]`` for a 4-number GT) and record it; every other
frame: record ``track(img)['bbox']`` and its ``best_score``. No re-initialisation.

A tracker that returns a non-finite box is reported as an error (the evaluators reject NaN/inf result files,
so writing one would only move the failure to evaluation time).
"""
from __future__ import annotations

import math
import time
from typing import Callable, Optional

from toolkit.protocols.frames import FrameSource
from toolkit.protocols.reset import tracker_score
from toolkit.protocols.writers import TrackRecord

__all__ = ["run_one_pass", "TrackerOutputError"]


class TrackerOutputError(ValueError):
    """The tracker returned something that is not a finite [x, y, w, h] box."""


def _box(out, video_name: str, idx: int):
    try:
        box = out["bbox"]
        values = [float(v) for v in box]
    except (KeyError, TypeError, ValueError) as e:
        raise TrackerOutputError(f"video {video_name!r} frame {idx}: track() must return "
                                 f"{{'bbox': [x, y, w, h], ...}}, got {out!r:.200} ({e})") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise TrackerOutputError(f"video {video_name!r} frame {idx}: invalid box {values}")
    # keep the tracker's own number types (pysot writes str() of what the tracker returned)
    return list(box)


def run_one_pass(tracker, video, on_frame: Optional[Callable] = None,
                 on_progress: Optional[Callable[[int], None]] = None) -> TrackRecord:
    """Run OPE on one video; `on_frame(idx, img, gt, box)` and `on_progress(n)` as in `run_reset`."""
    frames = video if isinstance(video, FrameSource) else FrameSource(video)
    record = TrackRecord()
    for idx in range(len(frames)):
        img = frames.image(idx)
        gt = frames.gt(idx)
        tic = time.perf_counter()
        if idx == 0:
            box = frames.init(tracker, idx, img, gt)
            score = None
        else:
            out = tracker.track(img)
            box = _box(out, frames.name, idx)
            score = tracker_score(out)
        record.times.append(time.perf_counter() - tic)
        record.entries.append(box)
        record.scores.append(score)
        if on_frame is not None:
            on_frame(idx, img, gt, box)
        if on_progress is not None:
            on_progress(idx + 1)
    return record
