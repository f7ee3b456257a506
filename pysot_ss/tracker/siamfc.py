"""SiamFC inference (Bertinetto et al. 2016) as in siamfc-pytorch and the S2SiamFC authors' code (docs/method.md,
"SiamFC inference"), with the optional linear template update of S2SiamFC (paper §4.1) and one-image fine-tuning
(paper §4.4).

Two paths compute the same thing (TRACK.FAST):

* plain (FAST False): the reference numerics -- siamfc-pytorch's crop (whole-pixel corners, pad, slice, resize)
  and an fp32 NCHW forward of the model as trained, under ``no_grad``.
* fast (FAST True): template features once per sequence; the scale crops by one ``cv2.warpAffine`` each, written
  straight into one preallocated uint8 NHWC batch (whose NCHW view is already channels_last); one batched forward of
  a BN-folded, channels_last copy of the backbone, bf16 where the hardware has native bf16 (TRACK.BF16), under
  ``inference_mode``; torch threads = TRACK.NUM_THREADS or the available cores.

Both paths then upsample with ``cv2.resize(INTER_CUBIC)`` (0.1 ms per 17x17 map; it is the reference and cheaper
than any alternative tried) and share the rest: the torch-free maths of pysot_ss/tracker/siamfc_math.py (best
scale, move, template window), which the ONNX engine (pysot_ss/export/runtime.py) calls too.
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import torch

from pysot_ss.tracker.base import BaseTracker, InferenceNet, configure_threads, finetuned_model, resolve_device, \
    use_bf16
from pysot_ss.tracker.siamfc_math import (SearchParams, best_scale, box_center, move, result, search_sizes,
                                          template_from_search)
from pysot_ss.utils.crop import crop_and_resize, crop_and_resize_reference, ensure_bgr, mean_color
from pysot_ss.utils.registry import TRACKERS
from sotbase.validate import check_box


@TRACKERS.register("siamfc")
class SiamFCTracker(BaseTracker):
    """SiamFC tracker. ``init(img, (x, y, w, h))``, ``track(img) -> {'bbox': [x, y, w, h], 'best_score': float}``.

    best_score is the peak of the chosen scale's upsampled response before the scale penalty (the network's raw
    score: a logit for both heads).

    Linear template update (TRACK.LINEAR_UPDATE; docs/method.md, "Linear template update"): every UPDATE_EVERY
    frames, ``phi_hat <- (1 - lambda_u) * phi_hat + lambda_u * phi(z_t)`` with the features of a new exemplar at the
    new estimate -- the authors' running average, as the paper's indices do not form a recursion.

    Attributes: ``cfg`` (the full config), ``hp`` (the search's hyper-parameters,
    :class:`pysot_ss.tracker.siamfc_math.SearchParams`); after init ``center`` (cx, cy), ``target_sz`` (w, h),
    ``z_sz``, ``x_sz`` (exemplar and search side in image pixels), ``zf`` (the template features used for
    correlation).
    """

    name = "siamfc"

    def __init__(self, cfg, model: torch.nn.Module):
        self.cfg = cfg
        t = cfg.TRACK
        self.hp = SearchParams.from_track(t, stride=model.stride)  # the stride is the backbone's
        self.device = resolve_device(cfg.DEVICE)
        self.fast = bool(t.FAST)
        self.bf16 = self.fast and use_bf16(t.BF16, self.device)
        if self.fast or int(t.NUM_THREADS) > 0:
            configure_threads(t.NUM_THREADS)
        self.base_model = model.to(self.device).eval()
        self.model = None
        self.net: Optional[InferenceNet] = None
        self._set_model(self.base_model)
        self._bufs: Dict[str, torch.Tensor] = {}  # "x" (search) / "z" (exemplar) -> crop batch
        self._windows: Dict[int, np.ndarray] = {}  # upsampled response side -> Hann window
        self.zf = None
        self.frame = 0

    def init(self, img: np.ndarray, bbox) -> None:
        img = ensure_bgr(img)
        x, y, w, h = check_box(bbox)
        tuned = finetuned_model(self.base_model, img, (x, y, w, h), self.cfg)
        self._set_model(tuned if tuned is not None else self.base_model)
        self.center, self.target_sz = box_center(x, y, w, h)
        self.z_sz, self.x_sz = search_sizes(self.target_sz, self.hp)
        self.avg_color = mean_color(img)
        self.frame = 0
        self.zf = self._embed(img, [self.z_sz], self.hp.exemplar_size, "z")

    def track(self, img: np.ndarray) -> Dict:
        """One frame: crops at every scale -> responses -> best scale and peak -> new box -> template update."""
        if self.zf is None:
            raise RuntimeError("call init() before track()")
        img = ensure_bgr(img)
        hp = self.hp
        xf = self._embed(img, self.x_sz * hp.scale_factors, hp.instance_size, "x")  # one crop per scale -> features
        resp = self._responses(xf)                                                   # one response map per scale
        if not np.isfinite(resp).all():  # broken weights: keep the last estimate rather than jump
            return result(self.center, self.target_sz, 0.0)
        loc, sid, peaks, up = best_scale(resp, hp, self._windows)  # scale penalty, upsampling, cosine window
        self.center, self.target_sz = move(self.center, self.target_sz, self.x_sz, loc, sid, up, hp,
                                           img.shape[1], img.shape[0])
        self.z_sz, self.x_sz = search_sizes(self.target_sz, hp)
        self.frame += 1
        if hp.linear_update and self.frame % hp.update_every == 0:
            self.update(img, xf, sid, loc, up)
        return result(self.center, self.target_sz, float(peaks[sid]))

    def update(self, img: np.ndarray, xf: torch.Tensor, sid: int, loc: np.ndarray, up: int) -> None:
        """zf <- (1 - rate) * zf + rate * (features of the exemplar at the new estimate)."""
        if self.hp.update_source == "search":
            z_new = template_from_search(xf, sid, loc, up, self.zf.shape[-2:], self.hp.response_up)
        else:
            z_new = self._embed(img, [self.z_sz], self.hp.exemplar_size, "z")
        rate = self.hp.update_rate
        with torch.inference_mode() if self.fast else torch.no_grad():
            self.zf = (1.0 - rate) * self.zf + rate * z_new

    def _embed(self, img: np.ndarray, sizes, out_size: int, which: str) -> torch.Tensor:
        """Features of square crops of side `sizes` (image pixels) around the current centre, resized to out_size;
        `which` is "x" (search) or "z" (exemplar)."""
        if self.fast:
            buf_t = self._buffer(which, len(sizes), out_size, img.dtype)
            buf = buf_t.numpy()
            for i, s in enumerate(sizes):
                crop_and_resize(img, self.center, s, out_size, self.avg_color, out=buf[i])
            with torch.inference_mode():
                return self.net.embed(buf_t)
        crops = [crop_and_resize_reference(img, self.center, s, out_size, self.avg_color) for s in sizes]
        x = torch.from_numpy(np.ascontiguousarray(np.stack(crops).transpose(0, 3, 1, 2))).float()
        with torch.no_grad():
            return self.model.embed(x.to(self.device))

    def _responses(self, xf: torch.Tensor) -> np.ndarray:
        """The (n, h, w) float32 response maps of the template over the search features."""
        with torch.inference_mode() if self.fast else torch.no_grad():
            r = (self.net if self.fast else self.model).correlate(self.zf, xf)
        return r[:, 0].float().cpu().numpy()

    def _buffer(self, which: str, n: int, size: int, dtype) -> torch.Tensor:
        """A reusable (n, size, size, 3) crop batch (pinned on CUDA) that warpAffine writes into."""
        tdtype = torch.uint8 if dtype == np.uint8 else torch.float32
        buf = self._bufs.get(which)
        if buf is None or buf.shape != (n, size, size, 3) or buf.dtype != tdtype:
            buf = self._bufs[which] = torch.empty((n, size, size, 3), dtype=tdtype,
                                                  pin_memory=self.device.type == "cuda")
        return buf

    def _set_model(self, model: torch.nn.Module) -> None:
        if model is self.model:
            return
        self.model = model.to(self.device).eval()
        self.net = InferenceNet(self.model, self.device, self.bf16) if self.fast else None
