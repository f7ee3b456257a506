"""Per-sequence statistics of pysot's toolkit (docs/toolkit.md §2, also for ``ignore_unknown=False``, broken in
pysot), same names, signatures and numbers. VOT-LT helpers (``determine_thresholds``, ``calculate_f1``) are left out.

Beyond pysot: an all-NaN trajectory gives accuracy NaN without numpy's "Mean of empty slice" warning;
``overlap_ratio`` also accepts a single ``[x, y, w, h]`` per argument, its division warnings silenced.
"""
from __future__ import annotations

import warnings
from typing import List, Sequence, Tuple

import numpy as np

from toolkit.utils.region import vot_overlap_traj

__all__ = ["calculate_failures", "calculate_accuracy", "overlap_ratio", "success_overlap", "success_error",
           "calculate_expected_overlap"]


def _is_code(region, code: int) -> bool:
    return len(region) == 1 and region[0] == code


def calculate_failures(trajectory: Sequence[Sequence[float]]) -> Tuple[int, List[int]]:
    """(number of failures, 0-based frame indices) - a failure is an entry that is exactly ``[2]``."""
    failures = [i for i, region in enumerate(trajectory) if _is_code(region, 2)]
    return len(failures), failures


def calculate_accuracy(pred_trajectory, gt_trajectory, burnin: int = 0, ignore_unknown: bool = True,
                       bound=None) -> Tuple[float, List[float]]:
    """(accuracy, per-frame overlaps) of a VOT reset-protocol trajectory (docs/toolkit.md §2; 0 without frames)."""
    pred = list(pred_trajectory)
    burnt = list(pred)
    for i, region in enumerate(pred if burnin > 0 else ()):
        if _is_code(region, 1):
            for j in range(i, min(i + burnin, len(pred))):
                burnt[j] = [0]
    n = min(len(burnt), len(gt_trajectory))
    overlaps = vot_overlap_traj(burnt[:n], list(gt_trajectory[:n]), bound)
    if not ignore_unknown:
        overlaps = [0.0 if _is_code(pred[i], 0) else o for i, o in enumerate(overlaps)]
    acc = 0
    if len(overlaps) > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            acc = np.nanmean(overlaps)
    return acc, overlaps


def overlap_ratio(rect1, rect2) -> np.ndarray:
    """Continuous IoU of N x [x, y, w, h] boxes (no +1), clipped to [0, 1]; NaN stays NaN."""
    rect1 = np.atleast_2d(np.asarray(rect1, dtype=np.float64))
    rect2 = np.atleast_2d(np.asarray(rect2, dtype=np.float64))
    left = np.maximum(rect1[:, 0], rect2[:, 0])
    right = np.minimum(rect1[:, 0] + rect1[:, 2], rect2[:, 0] + rect2[:, 2])
    top = np.maximum(rect1[:, 1], rect2[:, 1])
    bottom = np.minimum(rect1[:, 1] + rect1[:, 3], rect2[:, 1] + rect2[:, 3])
    intersect = np.maximum(0, right - left) * np.maximum(0, bottom - top)
    union = rect1[:, 2] * rect1[:, 3] + rect2[:, 2] * rect2[:, 3] - intersect
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = intersect / union
    return np.maximum(np.minimum(1, iou), 0)


def success_overlap(gt_bb, result_bb, n_frame) -> np.ndarray:
    """Success curve over the 21 thresholds 0, 0.05, ..., 1: fraction of ``n_frame`` with IoU > threshold.

    Frames whose GT width or height is not > 0 keep IoU -1: never a success, still in the denominator.
    """
    gt_bb = np.asarray(gt_bb, dtype=np.float64)
    result_bb = np.asarray(result_bb, dtype=np.float64)
    thresholds_overlap = np.arange(0, 1.05, 0.05)
    iou = np.ones(len(gt_bb)) * (-1)
    mask = np.sum(gt_bb[:, 2:] > 0, axis=1) == 2
    iou[mask] = overlap_ratio(gt_bb[mask], result_bb[mask])
    return np.array([np.sum(iou > thr) / float(n_frame) for thr in thresholds_overlap], dtype=np.float64)


def success_error(gt_center, result_center, thresholds, n_frame) -> np.ndarray:
    """Precision curve: fraction of ``n_frame`` with centre distance <= threshold (docs/toolkit.md §2: a GT centre
    not > 0 in both coordinates keeps distance -1, a success, pysot's asymmetry with ``success_overlap``)."""
    gt_center = np.asarray(gt_center, dtype=np.float64)
    result_center = np.asarray(result_center, dtype=np.float64)
    dist = np.ones(len(gt_center)) * (-1)
    mask = np.sum(gt_center > 0, axis=1) == 2
    dist[mask] = np.sqrt(np.sum(np.power(gt_center[mask] - result_center[mask], 2), axis=1))
    return np.array([np.sum(dist <= thr) / float(n_frame) for thr in thresholds], dtype=np.float64)


def calculate_expected_overlap(fragments, fweights) -> np.ndarray:
    """Expected-overlap curve (float32, length L) of an F x L NaN-padded fragment matrix (docs/toolkit.md §2).

    Evaluated column by column with the same numpy reductions as pysot, so the float32 values match bit for bit.
    """
    fragments = np.asarray(fragments, dtype=np.float64)
    fweights = np.asarray(fweights, dtype=np.float64)
    max_len = fragments.shape[1]
    expected_overlaps = np.zeros(max_len, np.float32)
    if max_len == 0:
        return expected_overlaps
    expected_overlaps[0] = 1
    for i in range(1, max_len):
        mask = np.logical_not(np.isnan(fragments[:, i]))
        if np.any(mask):
            fragment = fragments[mask, 1:i + 1]
            seq_mean = np.sum(fragment, 1) / fragment.shape[1]
            expected_overlaps[i] = np.sum(seq_mean * fweights[mask]) / np.sum(fweights[mask])
    return expected_overlaps
