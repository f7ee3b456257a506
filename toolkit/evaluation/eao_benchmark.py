"""VOT Expected Average Overlap (docs/toolkit.md §4, also for the per-frame `empty` tag and per-video R, where
pysot is broken), per tag, with the expected-overlap curve.

Per-tag EAO only changes the fragment weights, so overlaps and fragments are built once per tracker and every
tag's curve comes out of one weighted reduction.
"""
from __future__ import annotations

import warnings
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from toolkit.datasets.base import check_eao_interval, select_videos
from toolkit.evaluation.common import tracker_list, trajectories
from toolkit.evaluation.report import emit
from toolkit.utils.errors import ToolkitError
from toolkit.utils.statistics import calculate_accuracy, calculate_failures
from toolkit.visualization.tables import eao_table, use_color

VOT_TAGS = ("all", "camera_motion", "illum_change", "motion_change", "size_change", "occlusion")


class EAOBenchmark:
    """`eval(trackers) -> {tracker: {tag: eao}}`; `eval_curves` adds the expected-overlap curve per tag.
    interval: (low, high) sequence lengths (1-based, inclusive) averaged into the EAO; default: the dataset's."""

    def __init__(self, dataset, skipping: int = 5, tags: Iterable[str] = ("all",),
                 interval: Optional[Tuple[int, int]] = None, videos: Optional[Iterable[str]] = None):
        self.dataset = dataset
        self.skipping = int(skipping)
        self.videos = select_videos(dataset, videos)
        self.tags = [tags] if isinstance(tags, str) else list(tags)
        if not self.tags:
            raise ToolkitError("EAO: no tags given")
        interval = check_eao_interval(getattr(dataset, "eao_interval", None) if interval is None else interval)
        if interval is None:
            raise ToolkitError(f"EAO: no sequence-length interval known for dataset {dataset.name!r}; "
                               f"pass one explicitly (tools/eval.py: --eao_interval LOW HIGH)")
        self.low, self.high = interval

    def eval(self, eval_trackers=None) -> Dict[str, Dict[str, float]]:
        return {name: self.eval_tracker(name)["eao"] for name in tracker_list(self.dataset, eval_trackers)}

    def eval_curves(self, eval_trackers=None) -> Dict[str, dict]:
        """{tracker: {'eao': {tag: float}, 'curves': {tag: float32 array, index = sequence length}}}."""
        return {name: self.eval_tracker(name) for name in tracker_list(self.dataset, eval_trackers)}

    def eval_tracker(self, tracker: str) -> dict:
        records = []
        for video in self.videos:
            trajs = trajectories(self.dataset, video, tracker)
            if len(trajs) == 0:
                raise ToolkitError(f"tracker {tracker!r}, video {video.name!r}: no repetition trajectories")
            gt = video.gt_traj
            bound = (video.width - 1, video.height - 1)
            tag_sums = {tag: np.concatenate([[0.0], np.cumsum(_tag_values(video, tag, len(gt)))]) for tag in self.tags}
            seq_weight = 1.0 / (len(trajs) + 1e-10)
            for traj in trajs:
                overlaps = np.asarray(calculate_accuracy(traj, gt, bound=bound)[1], dtype=np.float64)
                fails = calculate_failures(traj)[1]
                records.append((len(gt), fails, overlaps, tag_sums, seq_weight))
        if not records:
            return {"eao": {t: float("nan") for t in self.tags},
                    "curves": {t: np.zeros(0, np.float32) for t in self.tags}}
        curves = expected_overlap_curves(*build_fragments(records, self.tags, self.skipping))
        eao = {tag: self.window_mean(curves[i], tracker, tag) for i, tag in enumerate(self.tags)}
        return {"eao": eao, "curves": {tag: curves[i] for i, tag in enumerate(self.tags)}}

    def window_mean(self, eo: np.ndarray, tracker: str = "", tag: str = "all") -> float:
        """Mean of eo over sequence lengths low..high (truncated to the curve; NaN entries left out)."""
        weight = np.zeros(len(eo))
        weight[self.low - 1:self.high] = 1
        valid = ~np.isnan(eo)
        denom = np.sum(weight[valid])
        if denom == 0:
            warnings.warn(f"EAO of {tracker!r} (tag {tag!r}) is NaN: no valid expected overlap for sequence "
                          f"lengths {self.low}..{self.high} (longest sequence: {len(eo)} frames)")
            return float("nan")
        return float(np.sum(eo[valid] * weight[valid]) / denom)

    def show_result(self, result, topk=10, color=None):
        """Print pysot's multi-tag EAO table (see toolkit.visualization.tables)."""
        emit(eao_table(result, self.tags, topk=topk, color=use_color(color)))


def _tag_values(video, tag: str, n: int) -> np.ndarray:
    tags = getattr(video, "tags", None)
    if tag != "all" and isinstance(tags, dict) and tag not in tags:
        known = ", ".join(sorted(tags)) or "(none)"
        raise ToolkitError(f"video {video.name!r} has no tag {tag!r} (available: {known})")
    if tag == "all" and not (isinstance(tags, dict) and "all" in tags):
        return np.ones(n)
    values = np.asarray(video.select_tag(tag, 0, n), dtype=np.float64)[:n]
    if len(values) < n:  # shorter tag lists are zero-padded to the GT length, as in pysot's JSON
        values = np.concatenate([values, np.zeros(n - len(values))])
    return values


def _tag_sum(prefix: np.ndarray, start: int, stop: int) -> float:
    """sum(tag[start:stop]) with Python slice clipping."""
    n = len(prefix) - 1
    start, stop = min(start, n), min(max(stop, start), n)
    return float(prefix[stop] - prefix[start])


def build_fragments(records: Sequence[tuple], tags: List[str], skipping: int = 5):
    """Cut every (video, repetition) into fragments at re-initialisations (pysot's points rule).

    records: (gt_length, failure_indices, overlaps, {tag: prefix sums of per-frame tag}, seq_weight).
    Returns (fragments F x L with NaN padding, weights T x F): fragment rows are the same for every tag,
    only their weights (share of tagged frames in the fragment) differ.
    """
    max_len = max(len(r[2]) for r in records)
    rows, weights = [], []  # fragment rows; per row its weight for each tag
    for traj_len, fails, overlaps, tag_sums, seq_weight in records:
        n = len(overlaps)
        if len(fails) > 0:
            points = [0] + [f + skipping for f in fails if f + skipping <= n]
            for k, start in enumerate(points):
                last = k == len(points) - 1  # a failed fragment is 0-padded (lost), the last one NaN-padded
                stop = n if last else points[k + 1] + 1  # inclusive of the re-init frame
                row = np.full(max_len, np.nan if last else 0.0)
                frag = np.nan_to_num(overlaps[start:stop], nan=0.0)
                row[:len(frag)] = frag
                rows.append(row)
                denom = traj_len - start + 1e-16 if last else stop - start
                weights.append([seq_weight * _tag_sum(tag_sums[t], start, stop) / denom for t in tags])
        elif n > 0:
            row = np.full(max_len, np.nan)
            row[:n] = overlaps  # NaN kept (the init frame, column 0, is never averaged)
            rows.append(row)
            weights.append([seq_weight * _tag_sum(tag_sums[t], 0, n) / n for t in tags])
    fragments = np.vstack(rows) if rows else np.full((0, max_len), np.nan)
    return fragments, np.asarray(weights, dtype=np.float64).reshape(len(rows), len(tags)).T


def expected_overlap_curves(fragments: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`calculate_expected_overlap` (docs/toolkit.md §2) for several weight vectors at once: T x L float32, by
    running sums instead of pysot's O(F L^2) loop. A NaN inside a counted row makes eo[i] NaN, as in pysot."""
    weights = np.atleast_2d(weights)
    n_tags = weights.shape[0]
    n_rows, length = fragments.shape
    eo = np.zeros((n_tags, length), np.float32)
    if length == 0:
        return eo
    eo[:, 0] = 1
    if length == 1 or n_rows == 0:
        return eo
    body = fragments[:, 1:]
    counted = ~np.isnan(body)                                   # rows taking part at length i
    seq_mean = np.cumsum(body, axis=1) / np.arange(1, length)   # mean(F[r, 1:i+1])
    nan_mean = counted & np.isnan(seq_mean)
    w = np.nan_to_num(weights, nan=0.0)
    num = w @ np.where(counted, seq_mean, 0.0)
    den = w @ counted.astype(np.float64)
    any_row = counted.any(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        vals = num / den
    bad = nan_mean.any(axis=0)[None, :] | (np.isnan(weights).astype(np.float64) @ counted > 0)
    vals = np.where(bad, np.nan, vals)
    eo[:, 1:] = np.where(any_row[None, :], vals, 0.0)
    return eo
