"""VOT Accuracy / Robustness (docs/toolkit.md §3): per-frame overlaps after burn-in and failure counts per repetition.

Aggregation as pysot prints it: Accuracy is the nanmean over *all frames of all videos* (frame-pooled),
Robustness is failures per 100 frames averaged over repetitions, Lost Number the mean number of failures.
"""
from __future__ import annotations

import warnings
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from toolkit.evaluation.common import iter_videos, select_videos, tracker_list, trajectories
from toolkit.utils.errors import ToolkitError
from toolkit.utils.statistics import calculate_accuracy, calculate_failures


class AccuracyRobustnessBenchmark:
    """`eval(trackers) -> {tracker: {'overlaps': {video: [per-frame]}, 'failures': {video: [per rep]}}}`.

    Overlaps use bound (W, H) -- pixels 0..W x 0..H -- and burn-in: the init frame and the 9 frames after every
    re-initialisation are ignored. pysot hard-codes that burn-in to 10 and ignores the argument; we honour it
    (the default is 10, so the numbers are pysot's).
    """

    def __init__(self, dataset, burnin: int = 10, videos: Optional[Iterable[str]] = None):
        self.dataset = dataset
        self.burnin = int(burnin)
        self.videos = select_videos(dataset, videos)

    def eval(self, eval_trackers=None) -> Dict[str, dict]:
        return {name: self.eval_tracker(name) for name in tracker_list(self.dataset, eval_trackers)}

    def eval_tracker(self, tracker: str) -> dict:
        overlaps: Dict[str, List[float]] = {}
        failures: Dict[str, List[int]] = {}
        for video in iter_videos(self.dataset, self.videos):
            trajs = trajectories(self.dataset, video, tracker)
            if len(trajs) == 0:
                raise ToolkitError(f"tracker {tracker!r}, video {video.name!r}: no repetition trajectories")
            bound = (video.width, video.height)
            rep_overlaps, rep_failures = [], []
            for traj in trajs:
                rep_failures.append(calculate_failures(traj)[0])
                rep_overlaps.append(calculate_accuracy(traj, video.gt_traj, burnin=self.burnin, bound=bound)[1])
            overlaps[video.name] = nanmean_over_reps(rep_overlaps)
            failures[video.name] = rep_failures
        return {"overlaps": overlaps, "failures": failures}

    def show_result(self, result, eao_result=None, show_video_level=False, helight_threshold=0.5, color=None):
        """Print pysot's A/R(/EAO) table (see toolkit.visualization.tables)."""
        from toolkit.visualization.tables import print_vot_table, print_vot_video_table
        print_vot_table(result, eao_result, color=color)
        if show_video_level:
            print_vot_video_table(result, helight_threshold=helight_threshold, color=color)


def nanmean_over_reps(rep_overlaps: Sequence[Sequence[float]]) -> List[float]:
    """Per-frame nanmean over repetitions (pysot's `np.nanmean(..., axis=0)`); ragged reps are NaN-padded."""
    if len(rep_overlaps) == 1:
        return [float(v) for v in rep_overlaps[0]]
    n = max(len(o) for o in rep_overlaps)
    arr = np.full((len(rep_overlaps), n), np.nan)
    for i, o in enumerate(rep_overlaps):
        arr[i, :len(o)] = o
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames (skipped in every rep) stay NaN
        return np.nanmean(arr, axis=0).tolist()


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
    if length == 0:
        return float("nan")
    return float(np.mean(_failure_totals_per_rep(result) / length) * 100)


def video_summary(result: dict) -> Dict[str, dict]:
    """Per-video accuracy (nanmean of its frames), lost number and robustness (both mean over repetitions)."""
    out = {}
    for name, ov in result["overlaps"].items():
        fails = np.asarray(result["failures"][name], dtype=np.float64)
        n = len(ov)
        out[name] = {
            "accuracy": _nanmean(ov),
            "robustness": float(np.mean(fails / n) * 100) if n else float("nan"),
            "lost_number": float(np.mean(fails)),
            "frames": n,
        }
    return out
