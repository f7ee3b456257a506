"""SiamFC inference (Bertinetto et al. 2016) as in siamfc-pytorch and the S2SiamFC authors' code (spec s2siamfc.md
B.8), with the optional linear template update of S2SiamFC (paper 4.1) and one-image fine-tuning (paper 4.4).

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
than any alternative tried) and share the rest of the bookkeeping.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Dict, Optional

import numpy as np
import torch

from pysot_ss.tracker.base import (BaseTracker, InferenceNet, check_box, configure_threads, finetuned_model,
                                   resolve_device, use_bf16)
from pysot_ss.utils.crop import crop_and_resize, crop_and_resize_reference, ensure_bgr
from pysot_ss.utils.registry import TRACKERS
from pysot_ss.utils.scale_search import ScaleSearch


@TRACKERS.register("siamfc")
class SiamFCTracker(ScaleSearch, BaseTracker):
    """SiamFC tracker. ``init(img, (x, y, w, h))``, ``track(img) -> {'bbox': [x, y, w, h], 'best_score': float}``.

    best_score is the peak of the chosen scale's upsampled response before the scale penalty (the network's raw
    score: a logit for both heads).

    Linear template update (TRACK.LINEAR_UPDATE, rate TRACK.UPDATE_RATE = lambda_u): after every tracked frame, a new
    exemplar is cropped at the new estimate (with the new exemplar size) and the template *feature* is updated as
    ``phi_hat <- (1 - lambda_u) * phi_hat + lambda_u * phi(z_t)``. The paper writes the rule with phi_t / phi_{t-1}
    (the indices as printed do not form a recursion); this running average is what the authors' code does
    (siamfc_linear.py), with no confidence gate.

    Attributes after init: ``center`` (cx, cy), ``target_sz`` (w, h), ``z_sz``, ``x_sz`` (exemplar and search side
    in image pixels), ``zf`` (the template features used for correlation).
    """

    name = "siamfc"

    def __init__(self, cfg, model: torch.nn.Module):
        self.full_cfg = cfg
        t = cfg.TRACK
        self._setup_search(t)  # sizes, scale pyramid, penalties (pysot_ss/utils/scale_search.py)
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
        self.timings: Optional[Dict[str, float]] = None  # enable_profiling() fills it

    # ------------------------------------------------------------------ setup
    def _set_model(self, model: torch.nn.Module) -> None:
        if model is self.model:
            return
        self.model = model.to(self.device).eval()
        self.net = InferenceNet(self.model, self.device, self.bf16) if self.fast else None

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

    def _buffer(self, which: str, n: int, size: int, dtype) -> torch.Tensor:
        """A reusable (n, size, size, 3) crop batch (pinned on CUDA) that warpAffine writes into."""
        attr = "_buf_t" if which == "x" else "_zbuf_t"
        tdtype = torch.uint8 if dtype == np.uint8 else torch.float32
        buf = getattr(self, attr)
        if buf is None or buf.shape[0] != n or buf.shape[1] != size or buf.dtype != tdtype:
            buf = torch.empty((n, size, size, 3), dtype=tdtype, pin_memory=self.device.type == "cuda")
            setattr(self, attr, buf)
        return buf

    # ------------------------------------------------------------------ features
    def _embed(self, img: np.ndarray, sizes, out_size: int, which: str) -> torch.Tensor:
        """Features of square crops of side `sizes` (image pixels) around the current centre, resized to out_size."""
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

    def _update_template(self, z_new: torch.Tensor, rate: float) -> None:
        with torch.inference_mode() if self.fast else torch.no_grad():
            self.zf = (1.0 - rate) * self.zf + rate * z_new

    def _count_frame(self, t0: float) -> None:
        if self.timings is not None:
            self.timings["total"] += time.perf_counter() - t0
            self.timings["frames"] += 1

    def _responses(self, xf: torch.Tensor) -> np.ndarray:
        with self._timed("network"):
            if self.fast:
                with torch.inference_mode():
                    r = self.net.correlate(self.zf, xf)
            else:
                with torch.no_grad():
                    r = self.model.correlate(self.zf, xf)
            return r[:, 0].float().cpu().numpy()

    # ------------------------------------------------------------------ API
    def init(self, img: np.ndarray, bbox) -> None:
        img = ensure_bgr(img)
        x, y, w, h = check_box(bbox)
        tuned = finetuned_model(self.base_model, img, (x, y, w, h), self.full_cfg)
        self._set_model(tuned if tuned is not None else self.base_model)
        self._start(img, x, y, w, h)
        timings, self.timings = self.timings, None  # the profile covers track() only
        try:
            self.zf = self._embed(img, [self.z_sz], self.exemplar_size, "z")
        finally:
            self.timings = timings
