"""The registered trackers: `build_tracker(cfg, model)` builds cfg.TRACK.TYPE; `needs_weights(name)` is the one
rule for whether a tracker needs a weights file (its class attribute ``NEEDS_WEIGHTS``)."""
from __future__ import annotations

from pysot_ss.tracker import opencv, siamfc, siamfc_onnx  # noqa: F401  (importing a module registers its trackers)
from pysot_ss.utils.registry import TRACKERS


def needs_weights(tracker_type: str) -> bool:
    """Does the registered tracker need a network and its weights (a snapshot)? Unknown names raise the
    registry's error listing the known ones."""
    return bool(getattr(TRACKERS.get(tracker_type), "NEEDS_WEIGHTS", True))


def build_tracker(cfg, model=None):
    """Trackers are constructed as ``cls(cfg, model)``; weight-free ones (OpenCV) ignore the model."""
    return TRACKERS.build(cfg.TRACK.TYPE, cfg, model)
