"""int8 static quantization of an exported SiamFC backbone (ONNX Runtime), calibrated on unlabeled frames.

``quantize_int8(fp32.onnx, out.onnx, images)``: weights int8 per output channel, activations uint8 per tensor
(QDQ format, which ONNX Runtime fuses into integer convolutions: VNNI on recent x86), the activation ranges
calibrated (min/max) on SiamFC crops of the given images -- an exemplar crop and a search crop at every scale
around a random pseudo target, exactly as the tracker crops them, so the calibrated ranges are those of
tracking. No label is read. The result keeps the fp32 file's metadata (config and head): ``siamfc_onnx`` runs it
like any other export, and the correlation head stays fp32 in NumPy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import cv2
import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quant_pre_process, quantize_static)

from pysot_ss.export.runtime import seal
from pysot_ss.utils.crop import context_size, crop_and_resize, mean_color
from sotbase.atomic import atomic_output


def calibration_batches(image_paths: Sequence[str], track_cfg, seed: int = 0) -> Iterator[np.ndarray]:
    """Per image: one (1,3,E,E) exemplar batch and one (SCALE_NUM,3,S,S) search batch, float32 BGR 0..255, around
    a pseudo target of a random size (1/8..1/4 of the short side) at a random place (the single-image sampler's
    rule); the search crops are shifted by up to a quarter target so the target is not always centred."""
    rng = np.random.default_rng(seed)
    e, s = int(track_cfg.EXEMPLAR_SIZE), int(track_cfg.INSTANCE_SIZE)
    n = int(track_cfg.SCALE_NUM)
    factors = float(track_cfg.SCALE_STEP) ** np.linspace(-(n // 2), n // 2, n)
    for path in image_paths:
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"calibration image cannot be read: {path}")
        h, w = img.shape[:2]
        side = min(h, w) / rng.uniform(4, 8)
        cx, cy = rng.uniform(side / 2, w - side / 2), rng.uniform(side / 2, h - side / 2)
        z_sz = context_size(side, side, float(track_cfg.CONTEXT_AMOUNT))
        pad = mean_color(img)
        z = crop_and_resize(img, (cx, cy), z_sz, e, pad)
        shift = rng.uniform(-0.25, 0.25, 2) * side
        x_sz = z_sz * s / e
        xs = [crop_and_resize(img, (cx + shift[0], cy + shift[1]), x_sz * f, s, pad) for f in factors]
        yield np.ascontiguousarray(z[None].transpose(0, 3, 1, 2), dtype=np.float32)
        yield np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2), dtype=np.float32)


class _Reader(CalibrationDataReader):
    def __init__(self, input_name: str, batches: Iterator[np.ndarray]):
        self.input_name = input_name
        self.batches = batches

    def get_next(self) -> Optional[Dict[str, np.ndarray]]:
        batch = next(self.batches, None)
        return None if batch is None else {self.input_name: batch}


def quantize_int8(fp32_path, out_path, image_paths: List[str], track_cfg, seed: int = 0) -> Path:
    """Write the int8 model of `fp32_path` (tools/export_onnx.py's output) to `out_path`, atomically."""
    if not image_paths:
        raise ValueError("int8 calibration needs at least one image (--calib)")
    out_path = Path(out_path)
    source = onnx.load(str(fp32_path))
    with atomic_output(out_path) as tmp:
        # ONNX Runtime's recommended pre-pass (shape inference, graph optimisation) before quantizing
        quant_pre_process(str(fp32_path), str(tmp))
        quantize_static(str(tmp), str(tmp), _Reader(source.graph.input[0].name,
                                                       calibration_batches(image_paths, track_cfg, seed)),
                        quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
        m = onnx.load(str(tmp))
        del m.metadata_props[:]
        for p in source.metadata_props:
            m.metadata_props.add(key=p.key, value=p.value)
        m.metadata_props.add(key="pysot_ss.int8", value=f"static, per-channel weights, {len(image_paths)} images")
        m.producer_name = "pysot-ss"
        seal(m)  # the int8 graph's own checksum, not the fp32 one copied above
        onnx.save(m, str(tmp))
    return out_path
