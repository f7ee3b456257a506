"""Box conventions of pysot's tools/test.py (docs/toolkit.md §7.1-7.2): the initial box a tracker gets from the
ground truth (pysot's half-pixel quirk kept, so first lines of OPE files match) and the reset protocol's polygon of an
axis-aligned ground truth."""
from __future__ import annotations

import math
from typing import List, Sequence, Tuple

__all__ = ["get_axis_aligned_bbox", "init_box", "rect_to_polygon"]


def _numbers(region: Sequence[float]) -> List[float]:
    values = [float(v) for v in region]
    if len(values) not in (4, 8):
        raise ValueError(f"a region needs 4 (x,y,w,h) or 8 (polygon) numbers, got {len(values)}: {values}")
    return values


def get_axis_aligned_bbox(region: Sequence[float]) -> Tuple[float, float, float, float]:
    """(cx, cy, w, h) of a ground-truth region (docs/toolkit.md §7.1); a polygon whose bounding box has no area
    gets the scale 1 instead of pysot's NaN."""
    r = _numbers(region)
    if len(r) == 8:
        xs, ys = r[0::2], r[1::2]
        cx, cy = sum(xs) / 4.0, sum(ys) / 4.0
        x1, x2, y1, y2 = min(xs), max(xs), min(ys), max(ys)
        a1 = math.hypot(r[0] - r[2], r[1] - r[3]) * math.hypot(r[2] - r[4], r[3] - r[5])
        a2 = (x2 - x1) * (y2 - y1)
        s = math.sqrt(a1 / a2) if a2 > 0 else 1.0
        return cx, cy, s * (x2 - x1) + 1.0, s * (y2 - y1) + 1.0
    x, y, w, h = r
    return x + w / 2.0, y + h / 2.0, w, h


def init_box(region: Sequence[float]) -> List[float]:
    """``[cx - (w-1)/2, cy - (h-1)/2, w, h]`` of `get_axis_aligned_bbox(region)`, as Python floats."""
    cx, cy, w, h = get_axis_aligned_bbox(region)
    return [cx - (w - 1.0) / 2.0, cy - (h - 1.0) / 2.0, w, h]


def rect_to_polygon(rect: Sequence[float]) -> List[float]:
    """``[x, y, w, h]`` -> ``[x,y, x,y+h-1, x+w-1,y+h-1, x+w-1,y]`` (pysot's -1 convention); 8 numbers pass."""
    r = _numbers(rect)
    if len(r) == 8:
        return r
    x, y, w, h = r
    return [x, y, x, y + h - 1, x + w - 1, y + h - 1, x + w - 1, y]
