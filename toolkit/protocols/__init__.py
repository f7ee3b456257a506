"""Tracking protocols (VOT reset, one-pass) and their result files, for any tracker with init/track.

    from toolkit.protocols import run_dataset, run_reset, run_one_pass
"""
from toolkit.protocols.frames import FrameError, FrameSource
from toolkit.protocols.one_pass import TrackerOutputError, run_one_pass
from toolkit.protocols.reset import SKIP_FRAMES, run_reset
from toolkit.protocols.runner import RunSummary, VideoOutcome, default_protocol, run_dataset, run_video
from toolkit.protocols.writers import (LAYOUTS, ResultLayout, TrackRecord, layout_name_for, make_layout, result_name,
                                       results_root)

__all__ = [
    "FrameError", "FrameSource", "TrackerOutputError", "run_one_pass", "SKIP_FRAMES", "run_reset",
    "RunSummary", "VideoOutcome", "default_protocol", "run_dataset", "run_video",
    "LAYOUTS", "ResultLayout", "TrackRecord", "layout_name_for", "make_layout", "result_name", "results_root",
]
