"""Rendering a plan: patches cut from the photos, composited with sub-pixel accuracy (continuous coordinates, pixel
column ``i`` spans ``[i, i+1)``), motion blur, the moving background and the global illumination; JPEG encoding."""
from __future__ import annotations

import math
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

from toolkit.synthetic.photos import load_photo
from toolkit.synthetic.plan import Layer, VideoPlan
from toolkit.utils.errors import ToolkitError

JPEG_QUALITY = 90


def prepare_patch(layer: Layer) -> Tuple[np.ndarray, np.ndarray]:
    """Premultiplied float32 colour and alpha of a layer, at its largest rendered size."""
    x, y, w, h = layer.cutout.box
    crop = load_photo(layer.cutout.photo)[y:y + h, x:x + w]
    if layer.flip:
        crop = crop[:, ::-1]
    big = layer.wh.max(axis=0)
    pw, ph = max(2, int(math.ceil(big[0]))), max(2, int(math.ceil(big[1])))
    interp = cv2.INTER_AREA if pw < w else cv2.INTER_LINEAR
    col = cv2.resize(np.ascontiguousarray(crop), (pw, ph), interpolation=interp).astype(np.float32)
    col *= np.asarray(layer.gains, dtype=np.float32)
    if layer.cutout.ellipse:
        yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
        a, b = pw / 2.0, ph / 2.0
        d = np.sqrt(((xx + 0.5 - a) / a) ** 2 + ((yy + 0.5 - b) / b) ** 2)
        alpha = np.clip((1.0 - d) * min(a, b) + 0.5, 0.0, 1.0).astype(np.float32)
    else:
        alpha = np.ones((ph, pw), np.float32)
    np.minimum(col, 255.0, out=col)
    col *= alpha[..., None]
    return col, alpha


def _line_kernel(length: int, angle_deg: float) -> np.ndarray:
    size = length if length % 2 else length + 1
    img = np.zeros((size * 4, size * 4), np.uint8)      # drawn 4x larger with sub-pixel shift, then reduced
    c = size * 2.0
    r = math.radians(angle_deg)
    dx, dy = math.cos(r) * (length - 1) * 2.0, math.sin(r) * (length - 1) * 2.0
    p1 = (int(round((c - dx) * 16)), int(round((c - dy) * 16)))
    p2 = (int(round((c + dx) * 16)), int(round((c + dy) * 16)))
    cv2.line(img, p1, p2, 255, thickness=4, lineType=cv2.LINE_AA, shift=4)
    ker = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    return ker / max(float(ker.sum()), 1e-6)


def composite(canvas: np.ndarray, patch: Tuple[np.ndarray, np.ndarray], center, wh, angle_deg: float,
              kernel: Optional[np.ndarray] = None) -> None:
    """Paste a premultiplied patch onto the float canvas, rotated/scaled to `wh` around `center` (in place)."""
    col, alpha = patch
    ph, pw = alpha.shape
    H, W = canvas.shape[:2]
    r = math.radians(angle_deg)
    A = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]]) @ np.diag([wh[0] / pw, wh[1] / ph])
    b = np.asarray(center, np.float64) - A @ np.array([pw / 2.0, ph / 2.0])
    corners = A @ np.array([[0, pw, pw, 0], [0, 0, ph, ph]], np.float64) + b[:, None]
    pad = 2 + (kernel.shape[0] // 2 if kernel is not None else 0)
    x0, x1 = max(int(math.floor(corners[0].min())) - pad, 0), min(int(math.ceil(corners[0].max())) + pad, W)
    y0, y1 = max(int(math.floor(corners[1].min())) - pad, 0), min(int(math.ceil(corners[1].max())) + pad, H)
    if x0 >= x1 or y0 >= y1:
        return
    # continuous coords (pixel i spans [i, i+1)) -> cv2 pixel-centre coords, shifted to the ROI
    M = np.hstack([A, (A @ np.array([0.5, 0.5]) + b - 0.5 - np.array([x0, y0]))[:, None]])
    dsize = (x1 - x0, y1 - y0)
    wc, wa = (cv2.warpAffine(x, M, dsize, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
              for x in (col, alpha))
    if kernel is not None:
        wc, wa = (cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_CONSTANT) for x in (wc, wa))
    roi = canvas[y0:y1, x0:x1]
    roi *= (1.0 - np.clip(wa, 0.0, 1.0))[..., None]
    roi += wc


class _Background:
    """The background photo, scaled so that every camera position and zoom stays inside it."""

    def __init__(self, plan: VideoPlan):
        W, H = plan.size
        cam = plan.camera
        need_w = W / cam[:, 2].min() + 2 * np.abs(cam[:, 0]).max() + 4
        need_h = H / cam[:, 2].min() + 2 * np.abs(cam[:, 1]).max() + 4
        photo = load_photo(plan.background)
        if plan.bg_flip:
            photo = photo[:, ::-1]
        scale = max(need_w / photo.shape[1], need_h / photo.shape[0])
        bw, bh = int(math.ceil(photo.shape[1] * scale)), int(math.ceil(photo.shape[0] * scale))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        self.img = cv2.resize(np.ascontiguousarray(photo), (bw, bh), interpolation=interp)
        self.center = np.array([bw / 2.0, bh / 2.0])
        self.size, self.camera = (W, H), cam
        self._static = None

    def frame(self, t: int) -> np.ndarray:
        ox, oy, z = self.camera[t]
        if self._static is not None and (ox, oy, z) == self._static[0]:
            return self._static[1].copy()
        W, H = self.size
        A = np.eye(2) / z
        b = self.center + np.array([ox, oy]) - A @ np.array([W / 2.0, H / 2.0])
        M = np.hstack([A, (A @ np.array([0.5, 0.5]) + b - 0.5)[:, None]])
        out = cv2.warpAffine(self.img, M, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT).astype(np.float32)
        self._static = ((ox, oy, z), out)
        return out.copy()


def render_frames(plan: VideoPlan, with_target: bool = True, with_occluder: bool = True) -> Iterator[np.ndarray]:
    """Yield the BGR uint8 frames of a video; the flags leave out the target or the occluder (for tests/inspection)."""
    bg = _Background(plan)
    target = prepare_patch(plan.target)
    distractors = [(d, prepare_patch(d)) for d in plan.distractors]
    occluder = (plan.occluder, prepare_patch(plan.occluder)) if plan.occluder is not None and with_occluder else None
    for t in range(plan.num_frames):
        canvas = bg.frame(t)
        for layer, patch in distractors:
            composite(canvas, patch, layer.center[t], layer.wh[t], layer.angle[t])
        if with_target:
            tg = plan.target
            kernel = _line_kernel(int(plan.blur_len[t]), plan.blur_angle[t]) if plan.blur_len[t] >= 3 else None
            composite(canvas, target, tg.center[t], tg.wh[t], tg.angle[t], kernel)
        if occluder is not None:
            layer, patch = occluder
            composite(canvas, patch, layer.center[t], layer.wh[t], layer.angle[t])
        canvas *= np.float32(plan.gain[t])
        canvas += np.float32(plan.bias[t])
        yield np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


def encode_jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [int(cv2.IMWRITE_JPEG_QUALITY), JPEG_QUALITY])
    if not ok:
        raise ToolkitError("cv2.imencode failed to encode a JPEG frame")
    return buf.tobytes()
