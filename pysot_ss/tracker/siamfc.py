"""SiamFC inference (Bertinetto et al. 2016) as in siamfc-pytorch and the S2SiamFC authors' code (docs/method.md,
"SiamFC inference"), with the optional linear template update of S2SiamFC (paper §4.1) and one-image fine-tuning
(paper §4.4).

Per frame: three search crops of side ``x_sz * 1.0375^{-1,0,1}`` around the last centre, resized to 255; one
response map per scale (17x17), upsampled x16 bicubic to 272x272; the non-centre scales are penalised (x0.9745) and
the scale with the highest peak wins; its map is shifted to a zero minimum, normalised to sum 1 and blended with a
Hann window (influence 0.176); the peak's offset from the map centre, times ``stride / 16 * x_sz * scale / 255``,
moves the centre; the size moves a damped step (lr 0.59) toward the chosen scale.

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

import time
from contextlib import contextmanager
from typing import Dict, Optional

import numpy as np
import torch

from pysot_ss.tracker.base import BaseTracker, InferenceNet, configure_threads, finetuned_model, resolve_device, \
    use_bf16
from pysot_ss.tracker.siamfc_math import (SearchParams, best_scale, box_center, box_of, move,
                                          search_sizes, template_from_search)
from pysot_ss.utils.crop import crop_and_resize, crop_and_resize_reference, ensure_bgr, mean_color
from pysot_ss.utils.registry import TRACKERS
from sotbase.validate import check_box


@TRACKERS.register("siamfc")
class SiamFCTracker(BaseTracker):
    """SiamFC tracker. ``init(img, (x, y, w, h))``, ``track(img) -> {'bbox': [x, y, w, h], 'best_score': float}``.

    best_score is the peak of the chosen scale's upsampled response before the scale penalty (the network's raw
    score: a logit for both heads).

    Linear template update (TRACK.LINEAR_UPDATE, rate TRACK.UPDATE_RATE = lambda_u): after every tracked frame
    (every UPDATE_EVERY frames, at the compounded rate), the features of a new exemplar at the new estimate -- a new
    crop (UPDATE_SOURCE 'crop') or cut from the chosen scale's search features ('search') -- update the template
    *feature* as ``phi_hat <- (1 - lambda_u) * phi_hat + lambda_u * phi(z_t)``. The paper writes the rule with
    phi_t / phi_{t-1} (the indices as printed do not form a recursion); this running average is what the authors'
    code does (siamfc_linear.py), with no confidence gate.

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
            self.num_threads = configure_threads(t.NUM_THREADS)
        else:
            self.num_threads = torch.get_num_threads()
        self.base_model = model.to(self.device).eval()
        self.model = None
        self.net: Optional[InferenceNet] = None
        self._set_model(self.base_model)
        self._buf_t: Optional[torch.Tensor] = None
        self._zbuf_t: Optional[torch.Tensor] = None
        self._windows: Dict[int, np.ndarray] = {}  # upsampled response side -> Hann window
        self.timings: Optional[Dict[str, float]] = None  # enable_profiling() fills it
        self.zf = None
        self.frame = 0

    # ------------------------------------------------------------------ the protocol: init, track, update
    def init(self, img: np.ndarray, bbox) -> None:
        img = ensure_bgr(img)
        x, y, w, h = check_box(bbox)
        tuned = finetuned_model(self.base_model, img, (x, y, w, h), self.cfg)
        self._set_model(tuned if tuned is not None else self.base_model)
        self.center, self.target_sz = box_center(x, y, w, h)
        self.z_sz, self.x_sz = search_sizes(self.target_sz, self.hp)
        self.avg_color = mean_color(img)
        self.frame = 0
        timings, self.timings = self.timings, None  # the profile covers track() only
        try:
            self.zf = self._embed(img, [self.z_sz], self.hp.exemplar_size, "z")
        finally:
            self.timings = timings

    def track(self, img: np.ndarray) -> Dict:
        if self.zf is None:
            raise RuntimeError("call init() before track()")
        t0 = time.perf_counter()
        hp = self.hp
        img = ensure_bgr(img)
        xf = self._embed(img, self.x_sz * hp.scale_factors, hp.instance_size, "x")  # crops -> features
        resp = self._responses(xf)                                                   # one map per scale
        if not np.isfinite(resp).all():  # broken weights: keep the last estimate rather than jump
            return self._result(0.0, t0)
        with self._timed("upsample"):
            loc, sid, peaks, up = best_scale(resp, hp, self._windows)
        self.center, self.target_sz = move(self.center, self.target_sz, self.x_sz, loc, sid, up, hp,
                                           img.shape[1], img.shape[0])
        self.z_sz, self.x_sz = search_sizes(self.target_sz, hp)
        self.frame += 1
        if hp.linear_update and self.frame % hp.update_every == 0:
            self.update(img, xf, sid, loc, up)
        return self._result(float(peaks[sid]), t0)

    def update(self, img: np.ndarray, xf: torch.Tensor, sid: int, loc: np.ndarray, up: int) -> None:
        """zf <- (1 - rate) * zf + rate * (features of the exemplar at the new estimate)."""
        if self.hp.update_source == "search":
            z_new = template_from_search(xf, sid, loc, up, self.zf.shape[-2:], self.hp.response_up)
        else:
            z_new = self._embed(img, [self.z_sz], self.hp.exemplar_size, "z")
        rate = self.hp.update_rate
        with torch.inference_mode() if self.fast else torch.no_grad():
            self.zf = (1.0 - rate) * self.zf + rate * z_new

    def _result(self, best_score: float, t0: float) -> Dict:
        if self.timings is not None:
            self.timings["total"] += time.perf_counter() - t0
            self.timings["frames"] += 1
        return {"bbox": box_of(self.center, self.target_sz),
                "best_score": best_score if np.isfinite(best_score) else 0.0}

    # ------------------------------------------------------------------ the network: crops -> features -> responses
    def _embed(self, img: np.ndarray, sizes, out_size: int, which: str) -> torch.Tensor:
        """Features of square crops of side `sizes` (image pixels) around the current centre, resized to out_size;
        `which` is "x" (search) or "z" (exemplar)."""
        if self.fast:
            with self._timed("crop"):
                buf_t = self._buffer(which, len(sizes), out_size, img.dtype)
                buf = buf_t.numpy()
                for i, s in enumerate(sizes):
                    crop_and_resize(img, self.center, s, out_size, self.avg_color, out=buf[i])
            with self._timed("network"), torch.inference_mode():
                return self.net.embed(buf_t)
        with self._timed("crop"):
            crops = [crop_and_resize_reference(img, self.center, s, out_size, self.avg_color) for s in sizes]
            x = torch.from_numpy(np.ascontiguousarray(np.stack(crops).transpose(0, 3, 1, 2))).float()
        with self._timed("network"), torch.no_grad():
            return self.model.embed(x.to(self.device))

    def _responses(self, xf: torch.Tensor) -> np.ndarray:
        """The (n, h, w) float32 response maps of the template over the search features."""
        with self._timed("network"):
            if self.fast:
                with torch.inference_mode():
                    r = self.net.correlate(self.zf, xf)
            else:
                with torch.no_grad():
                    r = self.model.correlate(self.zf, xf)
            return r[:, 0].float().cpu().numpy()

    def _buffer(self, which: str, n: int, size: int, dtype) -> torch.Tensor:
        """A reusable (n, size, size, 3) crop batch (pinned on CUDA) that warpAffine writes into."""
        attr = "_buf_t" if which == "x" else "_zbuf_t"
        tdtype = torch.uint8 if dtype == np.uint8 else torch.float32
        buf = getattr(self, attr)
        if buf is None or buf.shape[0] != n or buf.shape[1] != size or buf.dtype != tdtype:
            buf = torch.empty((n, size, size, 3), dtype=tdtype, pin_memory=self.device.type == "cuda")
            setattr(self, attr, buf)
        return buf

    def _set_model(self, model: torch.nn.Module) -> None:
        if model is self.model:
            return
        self.model = model.to(self.device).eval()
        self.net = InferenceNet(self.model, self.device, self.bf16) if self.fast else None

    # ------------------------------------------------------------------ profiling
    def enable_profiling(self) -> Dict[str, float]:
        """Accumulate seconds per stage ('crop', 'network', 'upsample', 'total') over track() calls."""
        self.timings = {"crop": 0.0, "network": 0.0, "upsample": 0.0, "total": 0.0, "frames": 0}
        return self.timings

    @contextmanager
    def _timed(self, stage: str):
        if self.timings is None:
            yield
            return
        t0 = time.perf_counter()
        yield
        self.timings[stage] += time.perf_counter() - t0
