"""``siamfc_onnx``: SiamFC on ONNX Runtime (engine: pysot_ss/export/runtime.py, torch-free), registered so that
``build_tracker(cfg, "model.onnx")`` / ``load_tracker(config, "model.onnx")`` / tools/test.py can run it.

The ``model`` argument is the path of a file written by tools/export_onnx.py (a torch module is refused: export
it first). For a process without torch, use ``pysot_ss.export.runtime.OnnxSiamFC.from_file`` directly: importing
this module goes through ``pysot_ss.tracker`` whose package imports the torch tracker.
"""
from __future__ import annotations

import os

from pysot_ss.export.runtime import OnnxSiamFC
from pysot_ss.utils.registry import TRACKERS


@TRACKERS.register("siamfc_onnx")
class SiamFCOnnxTracker(OnnxSiamFC):
    NEEDS_WEIGHTS = True  # the .onnx file is the network

    def __init__(self, cfg, model):
        if not isinstance(model, (str, os.PathLike)):
            raise TypeError("siamfc_onnx needs the path of an exported .onnx file as its model "
                            "(tools/export_onnx.py), got " + type(model).__name__)
        if not os.path.isfile(model):
            raise FileNotFoundError(f"ONNX model not found: {model}")
        super().__init__(cfg, model)
