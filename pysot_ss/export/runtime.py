"""SiamFC inference on ONNX Runtime, without torch: the ``siamfc_onnx`` tracker's engine.

Mirrors the fast path of :class:`pysot_ss.tracker.siamfc.SiamFCTracker` step by step (same crops by one
``cv2.warpAffine`` each, same 3-scale search, bicubic x16 upsampling, scale penalty, Hann window, damped scale
update, clamping and optional linear template update); only the network runs in ONNX Runtime (fp32), and the
correlation head (a 6x6 template slid over the 22x22 search features: 36 channel contractions) in NumPy.

``OnnxSiamFC.from_file("model.onnx")`` needs nothing but the file (its metadata holds the config and the head);
this module imports numpy, cv2, yacs and onnxruntime only. First-frame fine-tuning (TRACK.FINETUNE) needs
gradients and is not available here.
"""
from __future__ import annotations

import json
from typing import Dict, Optional

import cv2
import numpy as np
from yacs.config import CfgNode as CN

from pysot_ss.utils.crop import context_size, crop_and_resize, ensure_bgr, mean_color


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


def hann_window(n: int) -> np.ndarray:
    w = np.outer(np.hanning(n), np.hanning(n))
    return w / w.sum()


def correlate(zf: np.ndarray, xf: np.ndarray, head: dict) -> np.ndarray:
    """(1,C,h,w) template x (N,C,H,W) search features -> (N, H-h+1, W-w+1) responses after the head's affine map."""
    _, c, h, w = zf.shape
    n, _, H, W = xf.shape
    oh, ow = H - h + 1, W - w + 1
    out = np.zeros((n, oh, ow), dtype=np.float32)
    z = zf[0]
    for i in range(h):
        for j in range(w):
            out += np.tensordot(z[:, i, j], xf[:, :, i:i + oh, j:j + ow], axes=([0], [1]))
    if head["type"] == "xcorr":
        return out * np.float32(head["out_scale"]) + np.float32(head["bias"])
    if head["type"] == "xcorr_bn":
        scale = head["weight"] / np.sqrt(head["running_var"] + head["eps"])
        return ((out - np.float32(head["running_mean"])) * np.float32(scale) + np.float32(head["bias"]))
    raise ValueError(f"unknown head type {head['type']!r}")


class OnnxSiamFC:
    """``init(img, (x, y, w, h))``, ``track(img) -> {'bbox': [x, y, w, h], 'best_score': float}``."""

    name = "siamfc_onnx"

    def __init__(self, cfg: CN, onnx_path):
        self.full_cfg = cfg
        t = self.cfg = cfg.TRACK
        if cfg.TRACK.FINETUNE.ENABLED:
            raise ValueError("siamfc_onnx: TRACK.FINETUNE needs torch (gradients); run the torch 'siamfc' tracker")
        self.onnx_path = str(onnx_path)
        meta = read_metadata(self.onnx_path)
        if "pysot_ss.head" not in meta:
            raise ValueError(f"{onnx_path}: not exported by pysot-ss (no pysot_ss.head metadata)")
        self.head = json.loads(meta["pysot_ss.head"])
        self.session = _session(self.onnx_path, int(t.NUM_THREADS))
        self.input_name = self.session.get_inputs()[0].name
        self.exemplar_size = int(t.EXEMPLAR_SIZE)
        self.instance_size = int(t.INSTANCE_SIZE)
        self.stride = float(t.TOTAL_STRIDE)
        self.response_up = int(t.RESPONSE_UP)
        n = int(t.SCALE_NUM)
        if n < 1:
            raise ValueError(f"TRACK.SCALE_NUM must be >= 1, got {n}")
        self.scale_factors = float(t.SCALE_STEP) ** np.linspace(-(n // 2), n // 2, n)
        self.penalties = np.full(n, float(t.SCALE_PENALTY))
        self.penalties[n // 2] = 1.0
        self._windows: Dict[int, np.ndarray] = {}
        self.zf: Optional[np.ndarray] = None

    @classmethod
    def from_file(cls, onnx_path, opts=None) -> "OnnxSiamFC":
        from pysot_ss.core.config import get_cfg

        cfg = get_cfg()
        cfg.merge_from_other_cfg(config_from_onnx(onnx_path))
        if opts:
            cfg.merge_from_list(list(opts))
        return cls(cfg, onnx_path)

    def _embed(self, img: np.ndarray, sizes, out_size: int) -> np.ndarray:
        buf = np.empty((len(sizes), out_size, out_size, 3), dtype=img.dtype)
        for i, s in enumerate(sizes):
            crop_and_resize(img, self.center, s, out_size, self.avg_color, out=buf[i])
        x = np.ascontiguousarray(buf.transpose(0, 3, 1, 2), dtype=np.float32)
        return self.session.run(None, {self.input_name: x})[0]

    def _update_sizes(self) -> None:
        self.z_sz = context_size(self.target_sz[0], self.target_sz[1], float(self.cfg.CONTEXT_AMOUNT))
        self.x_sz = self.z_sz * self.instance_size / self.exemplar_size

    def init(self, img: np.ndarray, bbox) -> None:
        img = ensure_bgr(img)
        x, y, w, h = (float(v) for v in bbox)
        if not all(np.isfinite([x, y, w, h])) or w <= 0 or h <= 0:
            raise ValueError(f"init box must be finite with a positive width and height, got {bbox!r}")
        self.center = np.array([x + (w - 1) / 2.0, y + (h - 1) / 2.0])
        self.target_sz = np.array([w, h], dtype=np.float64)
        self.avg_color = mean_color(img)
        self._update_sizes()
        self.zf = self._embed(img, [self.z_sz], self.exemplar_size)

    def track(self, img: np.ndarray) -> Dict:
        if self.zf is None:
            raise RuntimeError("call init() before track()")
        img = ensure_bgr(img)
        scales = self.x_sz * self.scale_factors
        resp = correlate(self.zf, self._embed(img, scales, self.instance_size), self.head)
        if not np.isfinite(resp).all():
            return self._result(0.0)
        up = resp.shape[1] * self.response_up
        ups = [cv2.resize(r, (up, up), interpolation=cv2.INTER_CUBIC) for r in resp]
        peaks = np.array([u.max() for u in ups], dtype=np.float64)
        sid = int(np.argmax(peaks * self.penalties))
        response = ups[sid]
        response -= response.min()
        wi = float(self.cfg.WINDOW_INFLUENCE)
        if up not in self._windows:
            self._windows[up] = hann_window(up)
        response = (1.0 - wi) * (response / (response.sum() + 1e-16)) + wi * self._windows[up]
        row, col = np.unravel_index(int(np.argmax(response)), response.shape)
        disp = (np.array([col, row], dtype=np.float64) - (up - 1) / 2.0) * self.stride / self.response_up
        self.center = self.center + disp * scales[sid] / self.instance_size
        lr = float(self.cfg.SCALE_LR)
        self.target_sz = self.target_sz * ((1.0 - lr) + lr * self.scale_factors[sid])
        self._clamp(img.shape[1], img.shape[0])
        self._update_sizes()
        if self.cfg.LINEAR_UPDATE:
            lam = np.float32(self.cfg.UPDATE_RATE)
            self.zf = (1.0 - lam) * self.zf + lam * self._embed(img, [self.z_sz], self.exemplar_size)
        return self._result(float(peaks[sid]))

    def _clamp(self, width: int, height: int) -> None:
        lo = float(self.cfg.MIN_SIZE)
        if not np.isfinite(self.target_sz).all():
            self.target_sz = np.array([lo, lo])
        self.target_sz[0] = min(max(self.target_sz[0], lo), max(float(width), lo))
        self.target_sz[1] = min(max(self.target_sz[1], lo), max(float(height), lo))
        if not np.isfinite(self.center).all():
            self.center = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
        self.center[0] = min(max(self.center[0], 0.0), width - 1.0)
        self.center[1] = min(max(self.center[1], 0.0), height - 1.0)

    def _result(self, best_score: float) -> Dict:
        w, h = float(self.target_sz[0]), float(self.target_sz[1])
        box = [float(self.center[0]) - (w - 1) / 2.0, float(self.center[1]) - (h - 1) / 2.0, w, h]
        return {"bbox": box, "best_score": best_score if np.isfinite(best_score) else 0.0}
