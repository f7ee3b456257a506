"""Trackers: `build_tracker(cfg, model)` picks cfg.TRACK.TYPE from the TRACKERS registry ('siamfc', ...).

Lazy (PEP 562): importing a submodule such as the torch-free ``pysot_ss.tracker.siamfc_math`` (which the ONNX
engine uses) must not import torch, so the names below are resolved on first access."""

_LAZY = {"BaseTracker": "pysot_ss.tracker.base", "build_tracker": "pysot_ss.tracker.builder",
         "SiamFCTracker": "pysot_ss.tracker.siamfc"}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pysot_ss.tracker' has no attribute {name!r}")
