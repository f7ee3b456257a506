"""`build_tracker(cfg, model)`: the tracker named by cfg.TRACK.TYPE, from the TRACKERS registry."""
from __future__ import annotations

import importlib
import importlib.util

from pysot_ss.utils.registry import TRACKERS

# modules that register trackers; optional ones are skipped when absent
_TRACKER_MODULES = ("pysot_ss.tracker.siamfc", "pysot_ss.tracker.opencv", "pysot_ss.tracker.siamfc_onnx")


def register_all() -> None:
    for name in _TRACKER_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def build_tracker(cfg, model=None):
    """Trackers are constructed as ``cls(cfg, model)``; weight-free ones (OpenCV) ignore the model."""
    register_all()
    return TRACKERS.build(cfg.TRACK.TYPE, cfg, model)
