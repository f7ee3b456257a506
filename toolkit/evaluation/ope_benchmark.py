"""One-pass evaluation (docs/toolkit.md §5): success (IoU) curves, precision and normalised precision curves per video.

Beyond pysot (which would crash instead): polygon rows are scored by their bounding box, a VOT code row or a missing
trailing row is a failed frame, and result rows past the GT's end are ignored.
"""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Tuple

import numpy as np

from toolkit.datasets.base import select_videos
from toolkit.evaluation.common import tracker_list, trajectories
from toolkit.evaluation.report import emit, ope_summary
from toolkit.utils.errors import ToolkitError
from toolkit.utils.statistics import success_error, success_overlap
from toolkit.visualization.tables import ope_table, ope_video_table, use_color

SUCCESS_THRESHOLDS = np.arange(0, 1.05, 0.05)       # 21 IoU thresholds, success is iou > thr
PRECISION_THRESHOLDS = np.arange(0, 51, 1)          # 0..50 px, precision is dist <= thr, reported @20
NORM_PRECISION_THRESHOLDS = np.arange(0, 51, 1) / 100  # 0..0.5, reported @0.20


def boxes_to_xywh(rows, what: str) -> np.ndarray:
    """N x 4 float array from per-frame rows: [x,y,w,h], polygons -> bounding box, [code] -> NaN."""
    out = np.full((len(rows), 4), np.nan)
    if len(rows) and all(len(r) == 4 for r in rows):  # the common case, vectorised
        return np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    for i, r in enumerate(rows):
        k = len(r)
        if k == 4:
            out[i] = r
        elif k >= 6 and k % 2 == 0:
            xs, ys = np.asarray(r[0::2], float), np.asarray(r[1::2], float)
            out[i] = [xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()]
        elif k != 1:
            raise ToolkitError(f"{what}: frame {i + 1}: expected 4 numbers (x,y,w,h) or a polygon, got {k}")
    return out


def centers(boxes: np.ndarray) -> np.ndarray:
    """Pixel-centre convention: [x + (w-1)/2, y + (h-1)/2]."""
    return np.stack([boxes[:, 0] + (boxes[:, 2] - 1) / 2, boxes[:, 1] + (boxes[:, 3] - 1) / 2], axis=1)


def norm_centers(boxes: np.ndarray, gt_wh: np.ndarray) -> np.ndarray:
    return centers(boxes) / (gt_wh + 1e-16)


class OPEBenchmark:
    """`eval_success/eval_precision/eval_norm_precision(trackers) -> {tracker: {video: curve ndarray}}`."""

    def __init__(self, dataset, videos: Optional[Iterable[str]] = None):
        self.dataset = dataset
        self.videos = select_videos(dataset, videos)

    def _video_arrays(self, video, tracker: str) -> Tuple[np.ndarray, np.ndarray, int]:
        traj = trajectories(self.dataset, video, tracker)
        gt = boxes_to_xywh(video.gt_traj, f"ground truth of {video.name!r}")
        n_frame = len(gt)
        pred = np.full((n_frame, 4), np.nan)
        got = boxes_to_xywh(list(traj)[:n_frame], f"results of {tracker!r} for {video.name!r}")
        pred[:len(got)] = got
        absent = getattr(video, "absent", None)
        if absent is not None:
            present = np.asarray(absent) == 1
            if len(present) != n_frame:
                raise ToolkitError(f"video {video.name!r}: {len(present)} absent flags for {n_frame} GT frames")
            gt, pred = gt[present], pred[present]
        return gt, pred, n_frame

    def _eval(self, eval_trackers, per_video) -> Dict[str, Dict[str, np.ndarray]]:
        return {tracker: {video.name: np.asarray(per_video(*self._video_arrays(video, tracker)), dtype=np.float64)
                          for video in self.videos}
                for tracker in tracker_list(self.dataset, eval_trackers)}

    def eval_success(self, eval_trackers=None):
        return self._eval(eval_trackers, success_overlap)

    def eval_precision(self, eval_trackers=None):
        def per_video(gt, pred, n_frame):
            return success_error(centers(gt), centers(pred), PRECISION_THRESHOLDS, n_frame)
        return self._eval(eval_trackers, per_video)

    def eval_norm_precision(self, eval_trackers=None):
        def per_video(gt, pred, n_frame):
            wh = gt[:, 2:4]
            return success_error(norm_centers(gt, wh), norm_centers(pred, wh), NORM_PRECISION_THRESHOLDS, n_frame)
        return self._eval(eval_trackers, per_video)

    def attributes(self) -> Dict[str, list]:
        """Attribute -> video names ('ALL' first); from the dataset's `attr` when it has one."""
        attr = getattr(self.dataset, "attr", None)
        attr = attr if isinstance(attr, dict) else {}
        return {"ALL": list(attr.get("ALL", [v.name for v in self.dataset])),
                **{k: list(v) for k, v in attr.items() if k != "ALL"}}

    def show_result(self, success_ret, precision_ret=None, norm_precision_ret=None,
                    show_video_level=False, helight_threshold=0.6, color=None):
        """Print pysot's OPE table (see toolkit.visualization.tables)."""
        color = use_color(color)
        emit(ope_table(ope_summary(success_ret, precision_ret, norm_precision_ret), color=color))
        if show_video_level and precision_ret is not None and len(success_ret) < 10 and len(precision_ret) < 10:
            emit("\n\n" + ope_video_table(success_ret, precision_ret, helight_threshold, color=color))
