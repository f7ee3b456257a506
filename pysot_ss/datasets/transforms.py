"""Training crops by ONE affine warp, then cheap photometric augmentations of the small crop.

Coordinates follow pysot's 0-based pixel-centre convention (pixel column ``i`` is centred at ``x = i``, as in
``pysot_ss.utils.crop``). A crop maps an image point ``p`` to the crop point

    q = c_out + shift + scale * R(angle) * F * (p - center),     c_out = ((out - 1) / 2, (out - 1) / 2)

so ``center`` lands at ``c_out + shift`` whatever the rotation, scale or flip; F mirrors x (horizontal flip) and
R rotates counter-clockwise on screen by ``angle`` degrees (``angle = 90`` equals ``np.rot90`` of the unrotated
crop). Centre, scale (SiamFC context x stretch), rotation, flip and shift are composed into one 2x3 matrix and the
frame is sampled once by ``cv2.warpAffine`` (bilinear), so a full frame is never resized twice. Pixels outside
the frame take a constant colour (the image's mean colour, or 0).

The differences from the authors' ``SiamFCTransforms`` (rotation inside the one warp, so no black corners and no
second interpolation; always bilinear; colour jitter as one colour matrix, see `color_jitter`) are on purpose:
docs/method.md, "Remaining differences".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from pysot_ss.errors import ConfigError

__all__ = ["Geometry", "Augment", "crop_matrix", "invert_affine", "apply_affine", "warp_crop", "pad_color",
           "color_jitter", "jitter_matrix", "hue_matrix", "to_gray", "gaussian_blur"]

_GRAY_BGR = np.array([0.114, 0.587, 0.299], dtype=np.float32)   # cv2's BGR2GRAY weights


def crop_matrix(center: Sequence[float], scale: float, out_size: int, angle: float = 0.0, flip: bool = False,
                shift: Sequence[float] = (0.0, 0.0)) -> np.ndarray:
    """The 2x3 image -> crop matrix of the formula in the module docstring (angle in degrees)."""
    a = np.deg2rad(float(angle))
    cos, sin = np.cos(a), np.sin(a)
    lin = float(scale) * np.array([[cos, sin], [-sin, cos]], dtype=np.float64)
    if flip:
        lin = lin @ np.diag([-1.0, 1.0])
    c_out = (out_size - 1) / 2.0
    t = np.array([c_out + float(shift[0]), c_out + float(shift[1])]) - lin @ np.asarray(center, dtype=np.float64)
    return np.hstack([lin, t[:, None]])


def invert_affine(m: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(np.asarray(m, dtype=np.float64))


def apply_affine(m: np.ndarray, pts) -> np.ndarray:
    """Apply a 2x3 matrix to a point (2,) or points (N,2)."""
    pts = np.asarray(pts, dtype=np.float64)
    return pts @ m[:, :2].T + m[:, 2]


def pad_color(img: np.ndarray, mode: str = "mean") -> Tuple[float, float, float]:
    """Border colour of a crop: the image's per-channel mean ("mean") or black ("zero")."""
    if mode == "zero":
        return (0.0, 0.0, 0.0)
    if mode != "mean":
        raise ConfigError(f"SAMPLER.PAD_MODE must be 'mean' or 'zero', got {mode!r}")
    return tuple(float(v) for v in cv2.mean(img)[:3])


def warp_crop(img: np.ndarray, m: np.ndarray, out_size: int, border=(0.0, 0.0, 0.0)) -> np.ndarray:
    """(out_size, out_size, 3) crop of `img` (dtype kept) through the image -> crop matrix `m`."""
    border = tuple(float(v) for v in border) + (0.0,) * (4 - len(border))
    return cv2.warpAffine(img, np.asarray(m, dtype=np.float64), (out_size, out_size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


# photometric augmentations on float32 BGR crops in 0..255 (HWC); each returns a new array.
# RGB -> YIQ; the hue rotation turns the chroma plane (I, Q) and keeps the luma Y (the gray weights above)
_YIQ_RGB = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_BGR_RGB = np.eye(3)[::-1]                         # swaps the B and R channels (its own inverse)


def hue_matrix(hue: float) -> np.ndarray:
    """3x3 BGR colour matrix rotating the hue by `hue` turns (a fraction of the colour circle) in YIQ space."""
    a = 2.0 * np.pi * float(hue)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])
    rgb = np.linalg.inv(_YIQ_RGB) @ rot @ _YIQ_RGB
    return _BGR_RGB @ rgb @ _BGR_RGB


def jitter_matrix(brightness: float, contrast: float, saturation: float, hue: float, order, mean_bgr) -> np.ndarray:
    """The 3x4 colour affine (out = A p + b) of brightness, contrast, saturation and hue applied in `order`
    (0, 1, 2, 3 = b, c, s, h) to an image whose mean colour is `mean_bgr`:
    brightness p -> f p; contrast p -> c p + (1 - c) * mean gray of the current image; saturation
    p -> s p + (1 - s) gray(p); hue: `hue_matrix`."""
    w = _GRAY_BGR.astype(np.float64)
    A, b = np.eye(3), np.zeros(3)
    m = np.asarray(mean_bgr, dtype=np.float64)[:3]
    for op in order:
        if op == 0:
            A, b = brightness * A, brightness * b
        elif op == 1:
            mu = float(w @ (A @ m + b))
            A, b = contrast * A, contrast * b + (1.0 - contrast) * mu
        elif op == 2:
            ms = saturation * np.eye(3) + (1.0 - saturation) * np.outer(np.ones(3), w)
            A, b = ms @ A, ms @ b
        else:
            mh = hue_matrix(hue)
            A, b = mh @ A, mh @ b
    return np.hstack([A, b[:, None]])


def color_jitter(img: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """ColorJitter(brightness, contrast, saturation, hue = strength) as torchvision defines the four operations,
    in random order: factors U(1 - s, 1 + s) for brightness, contrast (blend with the mean gray level) and
    saturation (blend with the gray image), hue rotation U(-s, s) of the colour circle. Differences, for speed
    (one cv2.transform of the crop instead of 4 passes and 2 colour-space round trips): the hue turns in YIQ
    space (linear; torchvision shifts H in HSV), and values are clipped to 0..255 once at the end instead of
    after every operation."""
    s = float(strength)
    factors = rng.uniform(max(0.0, 1.0 - s), 1.0 + s, size=3)
    hue = rng.uniform(-s, s)
    order = rng.permutation(4)
    img = np.asarray(img, dtype=np.float32)
    m = jitter_matrix(factors[0], factors[1], factors[2], hue, order, cv2.mean(img)[:3])
    out = cv2.transform(img, m.astype(np.float32))
    np.clip(out, 0.0, 255.0, out=out)
    return out


def to_gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(np.asarray(img, dtype=np.float32), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigmaX=float(sigma), sigmaY=float(sigma))


@dataclass(frozen=True)
class Geometry:
    """The random geometric part of one crop: scale factor (stretch), angle (deg), flip, shift (crop px)."""
    stretch: float = 1.0
    angle: float = 0.0
    flip: bool = False
    shift: Tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Augment:
    """Per-crop augmentation settings (cfg.AUG). Every crop draws its own randomness; all draws are made even
    when a probability is 0, so turning one augmentation off does not change the others' values."""
    stretch: float = 0.0
    rotation: float = 0.0
    rotation_prob: float = 0.0
    color: float = 0.0
    color_prob: float = 0.0
    gray_prob: float = 0.0
    blur_prob: float = 0.0
    flip_prob: float = 0.0

    @classmethod
    def from_cfg(cls, aug) -> "Augment":
        return cls(stretch=float(aug.STRETCH), rotation=float(aug.ROTATION), rotation_prob=float(aug.ROTATION_PROB),
                   color=float(aug.COLOR), color_prob=float(aug.COLOR_PROB), gray_prob=float(aug.GRAY_PROB),
                   blur_prob=float(aug.BLUR_PROB), flip_prob=float(aug.FLIP_PROB))

    def geometry(self, rng: np.random.Generator, max_shift: float) -> Geometry:
        """Isotropic stretch 1 + U(-STRETCH, STRETCH) (the authors' RandomStretch), rotation U(-ROT, ROT) with
        probability ROTATION_PROB, flip with FLIP_PROB, shift U(-max_shift, max_shift) in x and y."""
        u = rng.random(6)
        stretch = 1.0 + self.stretch * (2.0 * u[0] - 1.0)
        angle = self.rotation * (2.0 * u[1] - 1.0) if u[2] < self.rotation_prob else 0.0
        flip = bool(u[3] < self.flip_prob)
        shift = (max_shift * (2.0 * u[4] - 1.0), max_shift * (2.0 * u[5] - 1.0))
        return Geometry(stretch=stretch, angle=angle, flip=flip, shift=shift)

    def photometric(self, crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Colour jitter (COLOR_PROB), grayscale (GRAY_PROB), Gaussian blur sigma U(0.1, 2) (BLUR_PROB);
        returns float32 HWC BGR 0..255."""
        u = rng.random(4)
        out = crop.astype(np.float32)
        if u[0] < self.color_prob and self.color > 0:
            out = color_jitter(out, rng, self.color)
        if u[1] < self.gray_prob:
            out = to_gray(out)
        if u[2] < self.blur_prob:
            out = gaussian_blur(out, 0.1 + 1.9 * u[3])
        return out

    def crop(self, img: np.ndarray, rng: np.random.Generator, center: Sequence[float], scale: float, out_size: int,
             max_shift: float, border, geometry: Optional[Geometry] = None) -> Tuple[np.ndarray, np.ndarray]:
        """One augmented crop: draw (or take) the geometry, warp once, then photometric jitter.
        Returns (float32 HWC BGR crop, the image -> crop matrix)."""
        g = geometry if geometry is not None else self.geometry(rng, max_shift)
        m = crop_matrix(center, scale * g.stretch, out_size, g.angle, g.flip, g.shift)
        patch = warp_crop(img, m, out_size, border)
        return self.photometric(patch, rng), m
