"""toolkit.utils.statistics on small hand-computed examples (docs/toolkit.md §2)."""
import math
import warnings

import numpy as np
import pytest

from toolkit.utils.statistics import (calculate_accuracy, calculate_expected_overlap, calculate_failures,
                                      overlap_ratio, success_error, success_overlap)

R = [0, 0, 10, 10]  # vs GT R: overlap 1.0
H = [5, 5, 10, 10]  # vs GT R: 36 / (121 + 121 - 36) = 36/206 in float32 (docs/toolkit.md §1.4)
H_OVERLAP = 0.17475728690624237
NAN = float("nan")


def test_calculate_failures():
    traj = [[1], R, [2], [0], [0], [1], [2], [2.0], [0, 2], [2, 2, 3, 3]]
    # exactly-[2] entries (2.0 == 2 counts; longer lists never do): frames 2, 6, 7
    assert calculate_failures(traj) == (3, [2, 6, 7])
    assert calculate_failures([]) == (0, [])


def _nan_equal(a, b):
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


def test_accuracy_with_chained_burnin():
    pred = [[1], R, R, [1], [1], R, H, [2], [0], [1]]
    gt = [R] * 12  # longer than pred: only the first 10 frames count
    # burnin=2 on the original list: init 0 -> frames 0,1; init 3 -> 3,4; init 4 (still an init in the
    # original, though frame 4 was already blanked) -> 4,5; init 9 -> 9 (clipped at the end).
    # Left: frame 2 (R, 1.0), frame 6 (H, 36/206); frames 7 ([2]) and 8 ([0]) are NaN.
    acc, overlaps = calculate_accuracy(pred, gt, burnin=2)
    assert _nan_equal(overlaps, [NAN, NAN, 1.0, NAN, NAN, NAN, H_OVERLAP, NAN, NAN, NAN])
    assert acc == pytest.approx((1.0 + H_OVERLAP) / 2, abs=0, rel=1e-15)  # 0.58737864...
    assert pred[1] == R  # the caller's list is not modified


def test_accuracy_without_burnin_and_bounds():
    pred = [[1], R, H, [2], [0]]
    acc, overlaps = calculate_accuracy(pred, [R] * 5)
    assert _nan_equal(overlaps, [NAN, 1.0, H_OVERLAP, NAN, NAN])
    assert acc == pytest.approx((1.0 + H_OVERLAP) / 2, rel=1e-15)
    # bound (12, 12) clips both boxes to columns/rows 0..12: 36 / (121 + 64 - 36) = 36/149 (docs/toolkit.md §1.4)
    _, overlaps = calculate_accuracy([H], [R], bound=(12, 12))
    assert overlaps == [0.24161073565483093]


def test_accuracy_ignore_unknown_false():
    # documented divergence: [0] frames of the given trajectory count as 0, burnt-in frames stay NaN
    pred = [[1], R, R, [2], [0], [0], [1], H]
    acc, overlaps = calculate_accuracy(pred, [R] * 8, burnin=2, ignore_unknown=False)
    # frames 0,1 and 6,7 burnt; frame 2 = 1.0; frame 3 NaN; frames 4, 5 -> 0
    assert _nan_equal(overlaps, [NAN, NAN, 1.0, NAN, 0.0, 0.0, NAN, NAN])
    assert acc == pytest.approx(1.0 / 3)


def test_accuracy_empty_and_all_nan():
    assert calculate_accuracy([], [R]) == (0, [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        acc, overlaps = calculate_accuracy([[1], [0]], [R, R])
    assert math.isnan(acc) and len(overlaps) == 2


def test_overlap_ratio():
    r1 = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 0, 0]], float)
    r2 = np.array([[5, 0, 10, 10], [0, 0, 10, 10], [20, 20, 5, 5], [0, 0, 0, 0]], float)
    # [5,0,10,10]: inter 5*10 = 50, union 100 + 100 - 50 = 150 -> 1/3; identical -> 1; disjoint -> 0; 0/0 -> NaN
    iou = overlap_ratio(r1, r2)
    assert iou[:3].tolist() == [50 / 150, 1.0, 0.0]
    assert math.isnan(iou[3])
    assert overlap_ratio([0, 0, 4, 4], [2, 2, 4, 4]).tolist() == [4 / 28]  # 2*2 / (16 + 16 - 4)


def test_success_overlap():
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 0, 10], [0, 0, 10, 10]], float)
    res = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 10], [20, 20, 5, 5]], float)
    # IoUs: 1, 1/3, -1 (GT width 0: invalid, kept -1), 0.  Thresholds t_i = 0.05 i, strict ">":
    # i = 0..6 (t_6 = 0.30000000000000004): frames 0 and 1 succeed -> 2/4; i = 7..19 (t_7 = 0.35...): only
    # frame 0 -> 1/4; i = 20 (t = 1.0): 1 > 1 is false -> 0.  Frame 3's IoU 0 fails even at t = 0.
    expected = np.array([0.5] * 7 + [0.25] * 13 + [0.0])
    assert np.array_equal(success_overlap(gt, res, 4), expected)
    # the invalid frame still counts in the denominator: n_frame = 5 (e.g. LaSOT absent frames filtered)
    assert np.array_equal(success_overlap(gt, res, 5), np.array([0.4] * 7 + [0.2] * 13 + [0.0]))


def test_success_error():
    gt_c = np.array([[5, 5], [10, 10], [0, 7], [3, 4], [6, 6]], float)
    res_c = np.array([[5, 5], [13, 14], [100, 100], [0, 0], [NAN, NAN]], float)
    # distances: 0; sqrt(3^2 + 4^2) = 5; -1 (GT x = 0 is not > 0: invalid -> counts as success);
    # sqrt(3^2 + 4^2) = 5; NaN (never <= anything)
    thr = np.array([0, 4.9, 5, 50])
    # "<=": t=0 -> frames 0, 2 -> 2/5; t=4.9 -> 2/5; t=5 -> frames 0,1,2,3 -> 4/5; t=50 -> 4/5
    assert np.array_equal(success_error(gt_c, res_c, thr, 5), np.array([0.4, 0.4, 0.8, 0.8]))


def test_calculate_expected_overlap():
    frags = np.array([[1.0, 0.5, 0.7, 0.9, NAN],
                      [1.0, 0.2, NAN, NAN, NAN],
                      [1.0, 0.4, 0.6, NAN, NAN]])
    w = np.array([1.0, 2.0, 1.0])
    eo = calculate_expected_overlap(frags, w)
    # eo[0] = 1
    # i=1: all rows, means of column 1: 0.5, 0.2, 0.4 -> (0.5*1 + 0.2*2 + 0.4*1) / 4 = 1.3/4 = 0.325
    # i=2: rows 0, 2: (0.5+0.7)/2 = 0.6, (0.4+0.6)/2 = 0.5 -> (0.6 + 0.5) / 2 = 0.55
    # i=3: row 0: (0.5+0.7+0.9)/3 = 0.7 -> 0.7
    # i=4: no row reaches column 4 -> stays 0
    assert eo.dtype == np.float32
    assert eo[0] == 1.0 and eo[4] == 0.0
    assert np.allclose(eo, np.array([1.0, 0.325, 0.55, 0.7, 0.0], np.float32), rtol=1e-7, atol=0)
    # column 0 is excluded: changing it changes nothing
    frags2 = frags.copy()
    frags2[:, 0] = 0.0
    assert np.array_equal(calculate_expected_overlap(frags2, w), eo)
