"""VOT's supervised re-initialisation ("baseline") protocol, exactly as pysot's tools/test.py (docs/toolkit.md §7.2).

Per frame: on the (re-)init frame initialise the tracker on the area-preserving box of the GT polygon and record
``1``; otherwise track and compare with the GT polygon with ``vot_overlap(pred, gt, (img_w, img_h))``; an
overlap > 0 records the box, anything else (0 or NaN) records ``2`` and re-initialises 5 frames later
(frames in between record ``0``, and are not decoded).

The tracker is any object with ``init(img, box_xywh)`` and ``track(img) -> {'bbox': [x,y,w,h], ...}``; when the
output also has ``'polygon'`` (8 numbers, pysot's MASK trackers) that is recorded and scored instead.
"""
from __future__ import annotations

import math
import time
from typing import Callable, List, Optional

from toolkit.protocols.frames import FrameSource
from toolkit.protocols.writers import TrackRecord
from toolkit.utils.bbox import rect_to_polygon
from toolkit.utils.region import vot_overlap

__all__ = ["run_reset", "tracker_score", "SKIP_FRAMES"]

SKIP_FRAMES = 5  # a failure at frame f re-initialises at f + 5


def _prediction(out) -> List[float]:
    pred = out["polygon"] if isinstance(out, dict) and out.get("polygon") is not None else out["bbox"]
    return [float(v) for v in pred]


def tracker_score(out) -> Optional[float]:
    """``out['best_score']`` as a float, or None when absent or not a number."""
    s = out.get("best_score") if isinstance(out, dict) else None
    try:
        return None if s is None else float(s)
    except (TypeError, ValueError):
        return None


def run_reset(tracker, video, on_frame: Optional[Callable] = None,
              on_progress: Optional[Callable[[int], None]] = None) -> TrackRecord:
    """Run the reset protocol on one video; returns the per-frame entries (ints 1/2/0 or boxes) and lost count.

    `on_frame(idx, img, gt_polygon, entry)` is called for every decoded frame (visualisation);
    `on_progress(n)` after every frame with the number of frames done.
    """
    frames = video if isinstance(video, FrameSource) else FrameSource(video)
    record = TrackRecord()
    frame_counter = 0
    for idx in range(len(frames)):
        gt = frames.gt(idx)
        if len(gt) == 4:
            gt = rect_to_polygon(gt)
        gt = [float(v) for v in gt]
        if idx < frame_counter:
            record.entries.append(0)
            record.scores.append(None)
            record.times.append(0.0)
        else:
            img = frames.image(idx)
            tic = time.perf_counter()
            if idx == frame_counter:
                frames.init(tracker, idx, img, gt)
                entry, score = 1, None
            else:
                out = tracker.track(img)
                pred = _prediction(out)
                score = tracker_score(out)
                overlap = vot_overlap(pred, gt, (img.shape[1], img.shape[0]))
                if overlap > 0 and not math.isnan(overlap):
                    entry = pred
                else:
                    entry = 2
                    frame_counter = idx + SKIP_FRAMES
                    record.lost += 1
            record.times.append(time.perf_counter() - tic)
            record.entries.append(entry)
            record.scores.append(score)
            if on_frame is not None:
                on_frame(idx, img, gt, entry)
        if on_progress is not None:
            on_progress(idx + 1)
    return record
