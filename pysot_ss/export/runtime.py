"""SiamFC inference on ONNX Runtime, without torch: the ``siamfc_onnx`` tracker's engine.

The fast path of :class:`pysot_ss.tracker.siamfc.SiamFCTracker`, step for step: the same crops (one
``cv2.warpAffine`` each) and the same search over scales (pysot_ss/tracker/siamfc_math.py, shared code); only the
network runs in ONNX Runtime (fp32, or int8 for a file quantized by tools/export_onnx.py --int8), and the
correlation head in NumPy (one matrix product over the channels, then the template cells' shifted planes summed).

``OnnxSiamFC.from_file("model.onnx")`` needs nothing but the file (its metadata holds the config, the head and,
since checksums exist, the sha256 of the graph, verified on loading: `read_metadata`); this module imports numpy,
cv2, yacs and onnxruntime only. First-frame fine-tuning (TRACK.FINETUNE) needs gradients: not available here.
"""
from __future__ import annotations

import hashlib
import json
from typing import Dict

import numpy as np
from threadpoolctl import ThreadpoolController
from yacs.config import CfgNode as CN

from pysot_ss.core.config import get_cfg, merge_opts, merge_yaml
from pysot_ss.errors import ConfigError, PysotSSError
from pysot_ss.tracker.siamfc_math import (SearchParams, best_scale, box_center, move, result, search_sizes,
                                          template_from_search)
from pysot_ss.utils.crop import crop_and_resize, ensure_bgr, mean_color
from sotbase.validate import check_box

STRIDE_BEFORE_METADATA = 8  # files exported before ``pysot_ss.stride`` existed: every backbone then had stride 8
CHECKSUM = "pysot_ss.sha256"  # metadata: sha256 of the serialized graph (`graph_sha256`), written by `seal`


def _session(path, num_threads: int = 0):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if num_threads and int(num_threads) > 0:
        opts.intra_op_num_threads = int(num_threads)
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class OnnxModelError(PysotSSError, ValueError):
    """An .onnx file that cannot be run: unreadable, not a pysot-ss export, or changed since it was exported."""


def graph_sha256(model_bytes: bytes) -> str:
    """sha256 of the serialized graph (nodes and weights: field 7 of the ModelProto) in an ONNX file's bytes,
    found by walking the top-level protobuf fields (no onnx package needed)."""
    digest, i = hashlib.sha256(), 0

    def varint() -> int:
        nonlocal i
        value = shift = 0
        while True:
            b = model_bytes[i]
            i += 1
            value |= (b & 0x7F) << shift
            if b < 0x80:
                return value
            shift += 7

    while i < len(model_bytes):
        key = varint()
        wire = key & 7
        if wire == 0:
            varint()
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        elif wire == 2:
            n = varint()
            if key >> 3 == 7:
                digest.update(model_bytes[i:i + n])
            i += n
        else:
            raise ValueError(f"protobuf wire type {wire}")
    return digest.hexdigest()


def seal(model) -> None:
    """Store the checksum of `model`'s graph (an onnx.ModelProto about to be saved) in its metadata
    (``pysot_ss.sha256``), replacing an older one; `read_metadata` verifies it."""
    props = [(p.key, p.value) for p in model.metadata_props if p.key != CHECKSUM]
    del model.metadata_props[:]
    for k, v in props + [(CHECKSUM, graph_sha256(model.SerializeToString()))]:
        model.metadata_props.add(key=k, value=v)


def read_metadata(path) -> Dict[str, str]:
    """The file's metadata, after checking that ONNX Runtime can load it and that its graph matches the checksum
    stored at export (files exported before checksums, such as the shipped models, have none and are accepted)."""
    import onnxruntime as ort

    try:
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # InvalidProtobuf, NoSuchFile, ...
        raise OnnxModelError(f"{path}: not a readable ONNX model ({type(e).__name__}: {e})") from None
    meta = dict(sess.get_modelmeta().custom_metadata_map)
    if CHECKSUM in meta:
        try:
            with open(path, "rb") as f:
                ok = graph_sha256(f.read()) == meta[CHECKSUM]
        except (IndexError, ValueError):
            ok = False
        if not ok:
            raise OnnxModelError(f"{path}: the network does not match the checksum stored when it was exported "
                                 f"(the file is corrupt or was modified); export it again with tools/export_onnx.py")
    return meta


def config_from_onnx(path) -> CN:
    """The defaults + the config stored by tools/export_onnx.py in the ONNX file."""
    meta = read_metadata(path)
    if "pysot_ss.config" not in meta:
        raise OnnxModelError(f"{path}: not exported by pysot-ss (no pysot_ss.config metadata); "
                             f"export it with tools/export_onnx.py")
    return merge_yaml(get_cfg(), meta["pysot_ss.config"], f"{path} (stored config)")


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


class OnnxSiamFC:
    """``init(img, (x, y, w, h))``, ``track(img) -> {'bbox': [x, y, w, h], 'best_score': float}`` (module
    docstring); ``cfg`` is the full config."""

    name = "siamfc_onnx"

    def __init__(self, cfg: CN, onnx_path):
        self.cfg = cfg
        t = cfg.TRACK
        if t.FINETUNE.ENABLED:
            raise ConfigError("siamfc_onnx: TRACK.FINETUNE needs torch (gradients); run the torch 'siamfc' tracker")
        self.onnx_path = str(onnx_path)
        meta = read_metadata(self.onnx_path)
        if "pysot_ss.head" not in meta:
            raise OnnxModelError(f"{onnx_path}: not exported by pysot-ss (no pysot_ss.head metadata)")
        self.head = json.loads(meta["pysot_ss.head"])
        self.hp = SearchParams.from_track(t, stride=float(meta.get("pysot_ss.stride", STRIDE_BEFORE_METADATA)))
        self.session = _session(self.onnx_path, int(t.NUM_THREADS))
        self._blas = ThreadpoolController()
        self.input_name = self.session.get_inputs()[0].name
        self._windows: Dict[int, np.ndarray] = {}  # upsampled response side -> Hann window
        self.zf = None
        self.frame = 0

    @classmethod
    def from_file(cls, onnx_path, opts=None) -> "OnnxSiamFC":
        return cls(merge_opts(config_from_onnx(onnx_path), opts), onnx_path)

    def init(self, img: np.ndarray, bbox) -> None:
        img = ensure_bgr(img)
        x, y, w, h = check_box(bbox)
        self.center, self.target_sz = box_center(x, y, w, h)
        self.z_sz, self.x_sz = search_sizes(self.target_sz, self.hp)
        self.avg_color = mean_color(img)
        self.frame = 0
        self.zf = self._embed(img, [self.z_sz], self.hp.exemplar_size)

    def track(self, img: np.ndarray) -> Dict:
        """The steps of SiamFCTracker.track (pysot_ss/tracker/siamfc.py), on ONNX Runtime."""
        if self.zf is None:
            raise RuntimeError("call init() before track()")
        img = ensure_bgr(img)
        hp = self.hp
        xf = self._embed(img, self.x_sz * hp.scale_factors, hp.instance_size)
        resp = self._responses(xf)
        if not np.isfinite(resp).all():
            return result(self.center, self.target_sz, 0.0)
        loc, sid, peaks, up = best_scale(resp, hp, self._windows)
        self.center, self.target_sz = move(self.center, self.target_sz, self.x_sz, loc, sid, up, hp,
                                           img.shape[1], img.shape[0])
        self.z_sz, self.x_sz = search_sizes(self.target_sz, hp)
        self.frame += 1
        if hp.linear_update and self.frame % hp.update_every == 0:
            self.update(img, xf, sid, loc, up)
        return result(self.center, self.target_sz, float(peaks[sid]))

    def update(self, img: np.ndarray, xf: np.ndarray, sid: int, loc: np.ndarray, up: int) -> None:
        if self.hp.update_source == "search":
            z_new = template_from_search(xf, sid, loc, up, self.zf.shape[-2:], self.hp.response_up)
        else:
            z_new = self._embed(img, [self.z_sz], self.hp.exemplar_size)
        lam = np.float32(self.hp.update_rate)
        self.zf = (1.0 - lam) * self.zf + lam * z_new

    def _embed(self, img: np.ndarray, sizes, out_size: int) -> np.ndarray:
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
