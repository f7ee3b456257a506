"""Trackers: `build_tracker(cfg, model)` picks cfg.TRACK.TYPE from the TRACKERS registry ('siamfc', ...)."""
from pysot_ss.tracker.base import BaseTracker  # noqa: F401
from pysot_ss.tracker.builder import build_tracker  # noqa: F401
from pysot_ss.tracker.siamfc import SiamFCTracker  # noqa: F401
