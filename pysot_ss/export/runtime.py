"""SiamFC inference on ONNX Runtime, without torch: the ``siamfc_onnx`` tracker's engine.

The same tracker as the fast path of :class:`pysot_ss.tracker.siamfc.SiamFCTracker`: the same crops (one
``cv2.warpAffine`` each) and the same search over scales (:class:`pysot_ss.utils.scale_search.ScaleSearch`,
shared code); only the network runs in ONNX Runtime (fp32, or int8 for a file quantized by tools/export_onnx.py
--int8), and the correlation head in NumPy (one matrix product over the channels, then the template cells' shifted
planes summed).

``OnnxSiamFC.from_file("model.onnx")`` needs nothing but the file (its metadata holds the config and the head);
this module imports numpy, cv2, yacs and onnxruntime only. First-frame fine-tuning (TRACK.FINETUNE) needs
gradients and is not available here.
"""
from __future__ import annotations

import json
from typing import Dict

import numpy as np
from threadpoolctl import ThreadpoolController
from yacs.config import CfgNode as CN

from pysot_ss.utils.crop import crop_and_resize, ensure_bgr
from pysot_ss.utils.scale_search import ScaleSearch, check_box


def _session(path, num_threads: int = 0):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if num_threads and int(num_threads) > 0:
        opts.intra_op_num_threads = int(num_threads)
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def read_metadata(path) -> Dict[str, str]:
    import onnxruntime as ort

    try:
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # InvalidProtobuf, NoSuchFile, ...
        raise ValueError(f"{path}: not a readable ONNX model ({type(e).__name__}: {e})") from None
    return dict(sess.get_modelmeta().custom_metadata_map)


def config_from_onnx(path) -> CN:
    """The config stored by tools/export_onnx.py in the ONNX file."""
    meta = read_metadata(path)
    if "pysot_ss.config" not in meta:
        raise ValueError(f"{path}: not exported by pysot-ss (no pysot_ss.config metadata); "
                         f"export it with tools/export_onnx.py")
    return CN.load_cfg(meta["pysot_ss.config"])


def correlate(zf: np.ndarray, xf: np.ndarray, head: dict) -> np.ndarray:
    """(1,C,h,w) template x (N,C,H,W) search features -> (N, H-h+1, W-w+1) responses after the head's affine map."""
    _, c, h, w = zf.shape
    n, _, H, W = xf.shape
    oh, ow = H - h + 1, W - w + 1
    # one matrix product contracts the channels for every template cell at every search position:
    # t[i, j, n, y, x] = sum_c z[c, i, j] * x[n, c, y, x]; then the h*w shifted planes are summed
    t = (zf[0].reshape(c, h * w).T @ xf.transpose(1, 0, 2, 3).reshape(c, n * H * W)).reshape(h, w, n, H, W)
    out = np.zeros((n, oh, ow), dtype=np.float32)
    for i in range(h):
        for j in range(w):
            out += t[i, j, :, i:i + oh, j:j + ow]
    if head["type"] == "xcorr":
        return out * np.float32(head["out_scale"]) + np.float32(head["bias"])
    if head["type"] == "xcorr_bn":
        scale = head["weight"] / np.sqrt(head["running_var"] + head["eps"])
        return ((out - np.float32(head["running_mean"])) * np.float32(scale) + np.float32(head["bias"]))
    raise ValueError(f"unknown head type {head['type']!r}")


class OnnxSiamFC(ScaleSearch):
    """``init(img, (x, y, w, h))``, ``track(img) -> {'bbox': [x, y, w, h], 'best_score': float}``; the search
    itself is :class:`pysot_ss.utils.scale_search.ScaleSearch`, the torch tracker's too."""

    name = "siamfc_onnx"

    def __init__(self, cfg: CN, onnx_path):
        self.full_cfg = cfg
        t = cfg.TRACK
        if t.FINETUNE.ENABLED:
            raise ValueError("siamfc_onnx: TRACK.FINETUNE needs torch (gradients); run the torch 'siamfc' tracker")
        self._setup_search(t)
        self.onnx_path = str(onnx_path)
        meta = read_metadata(self.onnx_path)
        if "pysot_ss.head" not in meta:
            raise ValueError(f"{onnx_path}: not exported by pysot-ss (no pysot_ss.head metadata)")
        self.head = json.loads(meta["pysot_ss.head"])
        self.session = _session(self.onnx_path, int(t.NUM_THREADS))
        self._blas = ThreadpoolController()
        self.input_name = self.session.get_inputs()[0].name

    @classmethod
    def from_file(cls, onnx_path, opts=None) -> "OnnxSiamFC":
        from pysot_ss.core.config import get_cfg

        cfg = get_cfg()
        cfg.merge_from_other_cfg(config_from_onnx(onnx_path))
        if opts:
            cfg.merge_from_list(list(opts))
        return cls(cfg, onnx_path)

    def _embed(self, img: np.ndarray, sizes, out_size: int, which: str = "x") -> np.ndarray:
        buf = np.empty((len(sizes), out_size, out_size, 3), dtype=img.dtype)
        for i, s in enumerate(sizes):
            crop_and_resize(img, self.center, s, out_size, self.avg_color, out=buf[i])
        x = np.ascontiguousarray(buf.transpose(0, 3, 1, 2), dtype=np.float32)
        return self.session.run(None, {self.input_name: x})[0]

    def _responses(self, xf: np.ndarray) -> np.ndarray:
        # a one-thread BLAS for this small product: measured on 2 busy cores, 0.7 ms against 15-30 ms when
        # OpenBLAS spreads it over its threads (the limit is lifted again on return)
        with self._blas.limit(limits=1, user_api="blas"):
            return correlate(self.zf, xf, self.head)

    def _update_template(self, z_new: np.ndarray, rate: float) -> None:
        lam = np.float32(rate)
        self.zf = (1.0 - lam) * self.zf + lam * z_new

    def init(self, img: np.ndarray, bbox) -> None:
        img = ensure_bgr(img)
        x, y, w, h = check_box(bbox)
        self._start(img, x, y, w, h)
        self.zf = self._embed(img, [self.z_sz], self.exemplar_size, "z")
