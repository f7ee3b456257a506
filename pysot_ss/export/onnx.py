"""Export a SiamFC model's backbone to ONNX for the ``siamfc_onnx`` tracker (pysot_ss/export/runtime.py).

The graph is ``crops (N, 3, H, W) float32, BGR 0..255 -> features (N, C, h, w)``: the model's own input
preprocessing (channel order, normalisation) followed by the backbone, with BatchNorm folded (eval statistics).
Batch and spatial sizes are dynamic, so one graph serves the template (1 x 127) and the search branch
(scales x 255). The correlation head is tiny; its parameters and type go into the model's metadata
(``pysot_ss.head``, JSON) together with the backbone's total stride (``pysot_ss.stride``; files written before it
existed are read as stride 8) and the full config (``pysot_ss.config``, YAML), so the ONNX file alone
defines the tracker; ``pysot_ss.sha256``, the checksum of the graph, lets loading refuse a corrupted file (files
exported before it existed, such as the shipped models, are loaded unchecked).

Uses ``torch.onnx.export(..., dynamo=False)`` (the TorchScript exporter): the dynamo exporter needs onnxscript,
which is not a dependency.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import torch
import torch.nn as nn

from pysot_ss.export.runtime import seal
from pysot_ss.models.head.xcorr import XCorr, XCorrBN
from pysot_ss.tracker.base import fold_batchnorm
from sotbase.atomic import atomic_output

OPSET = 17
INPUT_NAME = "crops"
OUTPUT_NAME = "features"


class _Embed(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, crops):
        return self.model.backbone(self.model.preprocess(crops))


@torch.no_grad()  # float() of a parameter would warn
def head_spec(head: nn.Module) -> dict:
    """The correlation head as plain numbers (what runtime.correlate needs)."""
    if isinstance(head, XCorrBN):
        bn = head.map_norm
        return {"type": "xcorr_bn", "running_mean": float(bn.running_mean[0]), "running_var": float(bn.running_var[0]),
                "weight": float(bn.weight[0]) if bn.affine else 1.0, "bias": float(bn.bias[0]) if bn.affine else 0.0,
                "eps": float(bn.eps)}
    if isinstance(head, XCorr):
        return {"type": "xcorr", "out_scale": float(head.out_scale), "bias": float(head.bias[0])}
    raise TypeError(f"cannot export head {type(head).__name__}: siamfc_onnx knows xcorr and xcorr_bn")


def export_onnx(model: nn.Module, cfg, out_path, opset: int = OPSET) -> Path:
    """Write `model` (a SiameseNet) as ONNX to `out_path` (atomically); returns the path."""
    import onnx

    out_path = Path(out_path)
    net = copy.deepcopy(model).float().cpu().eval()
    fold_batchnorm(net.backbone)
    head = head_spec(net.head)
    size = int(cfg.TRACK.EXEMPLAR_SIZE)
    dummy = torch.rand(2, 3, size, size) * 255.0
    with atomic_output(out_path) as tmp:
        with torch.no_grad():
            torch.onnx.export(_Embed(net), (dummy,), tmp, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                              dynamic_axes={INPUT_NAME: {0: "n", 2: "height", 3: "width"},
                                            OUTPUT_NAME: {0: "n", 2: "fh", 3: "fw"}},
                              opset_version=opset, dynamo=False)
        m = onnx.load(tmp)
        onnx.checker.check_model(m)
        meta = {"pysot_ss.head": json.dumps(head), "pysot_ss.stride": str(int(net.stride)),
                "pysot_ss.config": cfg.dump(), "pysot_ss.format": "1"}
        for k, v in meta.items():
            m.metadata_props.add(key=k, value=v)
        m.producer_name = "pysot-ss"
        seal(m)
        onnx.save(m, tmp)
    return out_path
