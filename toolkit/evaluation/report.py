"""Turn benchmark results into the summary numbers per tracker (and per video) behind tables, JSON and CSV.

Summaries are plain dicts of floats (unrounded; NaN where undefined, None where not computed):
* reset protocol: {tracker: {'accuracy', 'robustness', 'lost_number', 'eao': {tag: v}[, 'videos': {...}]}}
* one-pass:       {tracker: {'success_auc', 'precision', 'norm_precision'[, 'videos': {...}]}}
"""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Dict, Iterable, Optional

import numpy as np

PRECISION_INDEX = 20  # 20 px for precision, 0.20 for normalised precision


# -- VOT accuracy / robustness (docs/toolkit.md §3) --------------------------------------------------

def _nanmean(values) -> float:
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0 or np.all(np.isnan(arr)):
        return float("nan")
    return float(np.nanmean(arr))


def total_frames(result: dict) -> int:
    """`length` in pysot: the summed lengths of the per-video overlap lists."""
    return sum(len(v) for v in result["overlaps"].values())


def accuracy(result: dict) -> float:
    """Frame-pooled accuracy: nanmean over the concatenation of every video's per-frame overlaps."""
    chunks = [np.asarray(v, dtype=np.float64) for v in result["overlaps"].values()]
    return _nanmean(np.concatenate(chunks)) if chunks else float("nan")


def _failure_totals_per_rep(result: dict) -> np.ndarray:
    """Summed failures over videos, one entry per repetition (pysot's `np.sum(failures, axis=0)`).

    With a different number of repetitions per video that sum is undefined; the mean over repetitions of
    the per-video counts is summed instead (identical when the counts agree, by linearity).
    """
    fails = list(result["failures"].values())
    if not fails:
        return np.zeros(1)
    if len({len(f) for f in fails}) == 1:
        return np.sum(np.asarray(fails, dtype=np.float64), axis=0)
    return np.array([sum(float(np.mean(f)) for f in fails)])


def lost_number(result: dict) -> float:
    return float(np.mean(_failure_totals_per_rep(result)))


def robustness(result: dict) -> float:
    """Failures per 100 frames, averaged over repetitions (NOT the VOT toolkit's exponential robustness)."""
    length = total_frames(result)
    return float(np.mean(_failure_totals_per_rep(result) / length) * 100) if length else float("nan")


def video_summary(result: dict) -> Dict[str, dict]:
    """Per-video accuracy (nanmean of its frames), lost number and robustness (both mean over repetitions)."""
    out = {}
    for name, ov in result["overlaps"].items():
        fails = np.asarray(result["failures"][name], dtype=np.float64)
        n = len(ov)
        out[name] = {"accuracy": _nanmean(ov), "robustness": float(np.mean(fails / n) * 100) if n else float("nan"),
                     "lost_number": float(np.mean(fails)), "frames": n}
    return out


def vot_summary(ar_result: Dict[str, dict], eao_result: Optional[Dict[str, Dict[str, float]]] = None,
                video_level: bool = False) -> Dict[str, dict]:
    out = {}
    for tracker in sorted(ar_result):
        ret = ar_result[tracker]
        row = {"accuracy": accuracy(ret), "robustness": robustness(ret), "lost_number": lost_number(ret)}
        if eao_result is not None:
            row["eao"] = {tag: float(v) for tag, v in eao_result.get(tracker, {}).items()}
        if video_level:
            row["videos"] = video_summary(ret)
        out[tracker] = row
    return out


def _mean_curve(curves: Dict[str, np.ndarray], videos: Optional[Iterable[str]]) -> Optional[np.ndarray]:
    keep = curves.keys() if videos is None else [v for v in videos if v in curves]
    values = [np.asarray(curves[v], dtype=np.float64) for v in keep]
    return np.mean(values, axis=0) if values else None


def ope_numbers(success: Dict[str, np.ndarray], precision: Optional[Dict[str, np.ndarray]] = None,
                norm_precision: Optional[Dict[str, np.ndarray]] = None, videos: Optional[Iterable[str]] = None):
    """AUC = mean over videos of the mean over the 21 thresholds; precisions = mean curve at index 20."""
    videos = None if videos is None else list(videos)
    s = _mean_curve(success, videos)
    row = {"success_auc": float(np.mean(s)) if s is not None else float("nan")}
    for key, curves in (("precision", precision), ("norm_precision", norm_precision)):
        c = None if curves is None else _mean_curve(curves, videos)
        row[key] = None if curves is None else float("nan") if c is None else float(c[PRECISION_INDEX])
    return row


def ope_summary(success_ret: Dict[str, dict], precision_ret: Optional[Dict[str, dict]] = None,
                norm_precision_ret: Optional[Dict[str, dict]] = None, videos: Optional[Iterable[str]] = None,
                video_level: bool = False) -> Dict[str, dict]:
    """Per tracker over `videos` (default: all videos with results); per-video numbers with video_level."""
    videos = None if videos is None else list(videos)
    out = {}
    for tracker in sorted(success_ret):
        prec, norm = (None if ret is None else ret.get(tracker) for ret in (precision_ret, norm_precision_ret))
        row = ope_numbers(success_ret[tracker], prec, norm, videos)
        if video_level:
            names = success_ret[tracker].keys() if videos is None else [v for v in videos if v in success_ret[tracker]]
            row["videos"] = {v: ope_numbers({v: success_ret[tracker][v]}, _pick(prec, v), _pick(norm, v))
                             for v in names}
        out[tracker] = row
    return out


def _pick(curves, video):
    return None if curves is None else {video: curves[video]} if video in curves else {}


# -- serialisation ----------------------------------------------------------------------------------

def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if math.isnan(x) or math.isinf(x) else x
    if isinstance(x, np.integer):
        return int(x)
    return x


def to_json(summary: Dict[str, dict]) -> str:
    """One JSON object keyed by tracker; NaN becomes null so the output stays strict JSON."""
    return json.dumps(_jsonable(summary), indent=2, allow_nan=False)


def _flat(row: dict) -> dict:
    """A tracker's numbers with per-tag dicts spread into `<key>_<tag>` columns (per-video numbers left out)."""
    flat = {}
    for key, val in row.items():
        if key != "videos":
            flat.update({f"{key}_{t}": v for t, v in val.items()} if isinstance(val, dict) else {key: val})
    return flat


def to_csv(summary: Dict[str, dict]) -> str:
    """One row per tracker, plus one per (tracker, video) when the summary has video-level numbers.

    Tracker rows have an empty `video` cell; numbers are written at full precision, NaN as 'nan'.
    """
    video_level = any("videos" in row for row in summary.values())
    cols = list(dict.fromkeys(c for row in summary.values() for c in _flat(row)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["tracker"] + (["video"] if video_level else []) + cols)

    def cell(v):
        return "" if v is None else repr(float(v)) if isinstance(v, (float, np.floating)) else v

    for tracker, row in summary.items():
        flat = _flat(row)
        writer.writerow([tracker] + ([""] if video_level else []) + [cell(flat.get(c)) for c in cols])
        for video, vrow in row.get("videos", {}).items():
            writer.writerow([tracker, video] + [cell(vrow.get(c)) for c in cols])
    return buf.getvalue()


def emit(text: str) -> None:
    """Print a table for the benchmarks' show_result (pysot's API); an empty one prints nothing."""
    if text:
        print(text)
