"""SiamFC's per-frame search over scales, shared by the torch tracker (pysot_ss/tracker/siamfc.py) and the
torch-free ONNX engine (pysot_ss/export/runtime.py): NumPy and OpenCV only, so the engine stays importable
without torch.

Per frame: ``SCALE_NUM`` search crops of side ``x_sz * SCALE_STEP^{-n//2..n//2}`` around the last centre,
resized to INSTANCE_SIZE; one response map per scale, upsampled x RESPONSE_UP bicubic (cv2, as siamfc-pytorch);
the non-centre scales' peaks are penalised (x SCALE_PENALTY) and the scale with the highest peak wins; its map
is shifted to a zero minimum, normalised to sum 1 and blended with a Hann window (WINDOW_INFLUENCE); the
peak's offset from the map centre, times ``stride / RESPONSE_UP * x_sz * scale / INSTANCE_SIZE``, moves the
centre; the size moves a damped step (SCALE_LR) toward the chosen scale; both are clamped to the image; with
LINEAR_UPDATE the template features are blended with those of a new exemplar (S2SiamFC paper 4.1), every
UPDATE_EVERY frames, taken from a new exemplar crop or, without a second forward, from the chosen scale's search
features (UPDATE_SOURCE).
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Dict, List

import cv2
import numpy as np

from pysot_ss.utils.crop import context_size, ensure_bgr, mean_color

__all__ = ["ScaleSearch", "check_box", "hann_window", "UPDATE_SOURCES"]

UPDATE_SOURCES = ("crop", "search")  # TRACK.UPDATE_SOURCE: a new exemplar crop (second forward) or search features


def hann_window(n: int) -> np.ndarray:
    """outer(hanning(n), hanning(n)) normalised to sum 1 (siamfc-pytorch)."""
    w = np.outer(np.hanning(n), np.hanning(n))
    return w / w.sum()


def check_box(bbox) -> tuple:
    """(x, y, w, h) as floats; a clear error for anything that cannot start a track."""
    try:
        vals = [float(v) for v in bbox]
    except (TypeError, ValueError):
        raise ValueError(f"init box must be 4 numbers (x, y, w, h), got {bbox!r}") from None
    if len(vals) != 4:
        raise ValueError(f"init box must be 4 numbers (x, y, w, h), got {len(vals)}: {bbox!r}")
    if not all(np.isfinite(vals)) or vals[2] <= 0 or vals[3] <= 0:
        raise ValueError(f"init box must be finite with a positive width and height, got {bbox!r}")
    return tuple(vals)


class ScaleSearch:
    """Mixin holding the search state (``center``, ``target_sz``, ``z_sz``, ``x_sz``, ``avg_color``, ``zf``) and
    ``track()``. A subclass calls ``_setup_search(cfg.TRACK)`` in its constructor and ``_start(img, x, y, w, h)``
    in ``init()`` (then sets ``self.zf``), and provides:

    * ``_embed(img, sizes, out_size, which)``: features of square crops of side `sizes` (image pixels) around
      ``center``, resized to `out_size`; `which` is "x" (search) or "z" (exemplar);
    * ``_responses(xf)``: the (n, h, w) float32 NumPy response maps of ``zf`` over search features `xf`;
    * ``_update_template(z_new, rate)``: ``zf <- (1 - rate) * zf + rate * z_new`` in the features' own type.

    ``_timed(stage)`` and ``_count_frame(t0)`` are profiling hooks (no-ops here).
    """

    def _setup_search(self, t) -> None:
        self.cfg = t
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
        self._windows: Dict[int, np.ndarray] = {}  # upsampled response size -> Hann window
        self.update_source = str(t.UPDATE_SOURCE)
        if self.update_source not in UPDATE_SOURCES:
            raise ValueError(f"TRACK.UPDATE_SOURCE must be one of {UPDATE_SOURCES}, got {self.update_source!r}")
        self.update_every = int(t.UPDATE_EVERY)
        if self.update_every < 1:
            raise ValueError(f"TRACK.UPDATE_EVERY must be >= 1, got {self.update_every}")
        # N frames of rate lambda compound to 1 - (1 - lambda)^N: updating every N frames keeps the same memory
        self.update_rate = 1.0 - (1.0 - float(t.UPDATE_RATE)) ** self.update_every
        self.zf = None
        self.frame = 0

    def _start(self, img: np.ndarray, x: float, y: float, w: float, h: float) -> None:
        self.center = np.array([x + (w - 1) / 2.0, y + (h - 1) / 2.0])
        self.target_sz = np.array([w, h], dtype=np.float64)
        self.avg_color = mean_color(img)
        self.frame = 0
        self._update_sizes()

    def _update_sizes(self) -> None:
        self.z_sz = context_size(self.target_sz[0], self.target_sz[1], float(self.cfg.CONTEXT_AMOUNT))
        self.x_sz = self.z_sz * self.instance_size / self.exemplar_size

    # ------------------------------------------------------------------ hooks
    def _timed(self, stage: str):
        return nullcontext()

    def _count_frame(self, t0: float) -> None:
        pass

    # ------------------------------------------------------------------ one frame
    def track(self, img: np.ndarray) -> Dict:
        if self.zf is None:
            raise RuntimeError("call init() before track()")
        t0 = time.perf_counter()
        img = ensure_bgr(img)
        scales = self.x_sz * self.scale_factors
        xf = self._embed(img, scales, self.instance_size, "x")
        resp = self._responses(xf)
        if not np.isfinite(resp).all():  # broken weights: keep the last estimate rather than jump
            return self._result(0.0, t0)
        with self._timed("upsample"):
            response, peaks, sid = self._best_map(resp)
            loc = self._peak(response)
        up = response.shape[0]
        disp = (loc - (up - 1) / 2.0) * self.stride / self.response_up
        self.center = self.center + disp * scales[sid] / self.instance_size
        lr = float(self.cfg.SCALE_LR)
        self.target_sz = self.target_sz * ((1.0 - lr) + lr * self.scale_factors[sid])
        self._clamp(img.shape[1], img.shape[0])
        self._update_sizes()
        self.frame += 1
        if self.cfg.LINEAR_UPDATE and self.frame % self.update_every == 0:
            if self.update_source == "search":
                z_new = self._template_from_search(xf, sid, loc, up)
            else:
                z_new = self._embed(img, [self.z_sz], self.exemplar_size, "z")
            self._update_template(z_new, self.update_rate)
        return self._result(float(peaks[sid]), t0)

    def _template_from_search(self, xf, sid: int, loc: np.ndarray, up: int):
        """The new exemplar's features without a second forward (TRACK.UPDATE_SOURCE 'search'): the template-sized
        window of the chosen scale's search features whose centre is nearest the new target centre.

        Response cell k is the template placed at search-feature offset k, so the window starts at the response
        peak's cell, ``(W - w) / 2 + round(peak offset / RESPONSE_UP)``, clamped inside the map. The window is
        one feature stride (8 crop pixels) coarse and at the chosen scale, i.e. exemplar side ``z_sz * scale``
        rather than the damped new ``z_sz``: at UPDATE_RATE ~0.01 neither is visible (benchmarks/bench_tracker.py
        measures it). Works on torch tensors and NumPy arrays alike (plain slicing)."""
        h, w = self.zf.shape[-2:]
        hx, wx = xf.shape[-2:]
        off = np.rint((loc - (up - 1) / 2.0) / self.response_up).astype(int)  # (cols, rows) in feature cells
        c0 = int(min(max((wx - w) // 2 + off[0], 0), wx - w))
        r0 = int(min(max((hx - h) // 2 + off[1], 0), hx - h))
        return xf[sid:sid + 1, :, r0:r0 + h, c0:c0 + w]

    def _best_map(self, resp: np.ndarray):
        """Upsample every map (cv2 bicubic, as siamfc-pytorch), pick the scale whose penalised peak is highest,
        shift that map to a zero minimum, normalise it to sum 1 and blend in the Hann window.

        The penalty multiplies the peaks rather than the maps: max(p * r) == p * max(r) for p > 0 (exactly, in
        floating point too), and the chosen map is renormalised, so this equals penalising the maps."""
        up = resp.shape[1] * self.response_up
        ups: List[np.ndarray] = [cv2.resize(r, (up, up), interpolation=cv2.INTER_CUBIC) for r in resp]
        raw_peaks = np.array([u.max() for u in ups], dtype=np.float64)
        sid = int(np.argmax(raw_peaks * self.penalties))
        response = ups[sid]
        response -= response.min()
        if up not in self._windows:
            self._windows[up] = hann_window(up)
        wi = float(self.cfg.WINDOW_INFLUENCE)
        response = (1.0 - wi) * (response / (response.sum() + 1e-16)) + wi * self._windows[up]
        return response, raw_peaks, sid

    @staticmethod
    def _peak(response: np.ndarray) -> np.ndarray:
        row, col = np.unravel_index(int(np.argmax(response)), response.shape)
        return np.array([col, row], dtype=np.float64)

    def _clamp(self, width: int, height: int) -> None:
        """Sizes in [MIN_SIZE, image size], centre inside the image: the output stays usable whatever happens."""
        lo = float(self.cfg.MIN_SIZE)
        if not np.isfinite(self.target_sz).all():
            self.target_sz = np.array([lo, lo])
        self.target_sz[0] = min(max(self.target_sz[0], lo), max(float(width), lo))
        self.target_sz[1] = min(max(self.target_sz[1], lo), max(float(height), lo))
        if not np.isfinite(self.center).all():
            self.center = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
        self.center[0] = min(max(self.center[0], 0.0), width - 1.0)
        self.center[1] = min(max(self.center[1], 0.0), height - 1.0)

    def _result(self, best_score: float, t0: float) -> Dict:
        w, h = float(self.target_sz[0]), float(self.target_sz[1])
        box = [float(self.center[0]) - (w - 1) / 2.0, float(self.center[1]) - (h - 1) / 2.0, w, h]
        self._count_frame(t0)
        return {"bbox": box, "best_score": best_score if np.isfinite(best_score) else 0.0}
