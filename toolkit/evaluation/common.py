"""Small helpers shared by the benchmarks: which trackers to score, where trajectories come from."""
from __future__ import annotations

from typing import Iterable, List, Sequence, Union

from toolkit.utils.errors import ToolkitError


def tracker_list(dataset, eval_trackers: Union[None, str, Iterable[str]]) -> List[str]:
    """pysot's convention: None -> every tracker given to `dataset.set_tracker`, a str -> just that one."""
    if eval_trackers is None:
        eval_trackers = getattr(dataset, "tracker_names", None)
        if not eval_trackers:
            raise ToolkitError(f"dataset {dataset.name!r}: no trackers to evaluate (call set_tracker first)")
    return [eval_trackers] if isinstance(eval_trackers, str) else list(eval_trackers)


def trajectories(dataset, video, tracker: str) -> Sequence:
    """The tracker's results for `video`: those loaded into `video.pred_trajs`, else read from `dataset.tracker_path`
    without being stored (pysot's behaviour; a missing file raises MissingResultsError)."""
    if tracker in video.pred_trajs:
        return video.pred_trajs[tracker]
    path = getattr(dataset, "tracker_path", None)
    if path is None:
        raise ToolkitError(f"no results of tracker {tracker!r} loaded for video {video.name!r} "
                           f"and no tracker_path set on dataset {dataset.name!r}")
    return video.load_tracker(path, tracker, False)
