"""VOT Accuracy / Robustness (docs/toolkit.md §3): per-frame overlaps after burn-in and failure counts per repetition.

The summary numbers (frame-pooled Accuracy, Robustness, Lost Number) are computed by `toolkit.evaluation.report`.
"""
from __future__ import annotations

import warnings
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from toolkit.datasets.base import select_videos
from toolkit.evaluation.common import tracker_list, trajectories
from toolkit.evaluation.report import emit, vot_summary
from toolkit.utils.errors import ToolkitError
from toolkit.utils.statistics import calculate_accuracy, calculate_failures
from toolkit.visualization.tables import use_color, vot_table, vot_video_table


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
        overlaps, failures = {}, {}  # per video: per-frame overlaps, failures per repetition
        for video in self.videos:
            trajs = trajectories(self.dataset, video, tracker)
            if len(trajs) == 0:
                raise ToolkitError(f"tracker {tracker!r}, video {video.name!r}: no repetition trajectories")
            bound = (video.width, video.height)
            overlaps[video.name] = nanmean_over_reps(
                [calculate_accuracy(traj, video.gt_traj, burnin=self.burnin, bound=bound)[1] for traj in trajs])
            failures[video.name] = [calculate_failures(traj)[0] for traj in trajs]
        return {"overlaps": overlaps, "failures": failures}

    def show_result(self, result, eao_result=None, show_video_level=False, helight_threshold=0.5, color=None):
        """Print pysot's A/R(/EAO) table (see toolkit.visualization.tables)."""
        color = use_color(color)
        emit(vot_table(vot_summary(result, eao_result), color=color))
        if show_video_level and len(result) < 10:  # pysot prints it for fewer than 10 trackers only
            emit("\n\n" + vot_video_table(result, helight_threshold, color=color))


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
