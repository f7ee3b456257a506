"""Crop geometries of self-supervised pairs (registered in CROP_GEOMETRIES, chosen by SAMPLER.CROP_GEOMETRY).

A geometry turns a pseudo target box (cx, cy, w, h) -- 0-based centre and size, as `SingleImageSampler.pseudo_box`
draws it -- into the *crop frame* both crops are cut from: a centre (cx, cy) and a context size s (image pixels
that map onto TRAIN.EXEMPLAR_SIZE template pixels; the search crop has the same scale). Signature:
``geometry(box, exemplar_size) -> (cx, cy, s)``.

* ``centred`` (default): the crops are centred on the box, s = SiamFC's context size sqrt((w + p)(h + p)),
  p = (w + h) / 2 -- what the paper describes.
* ``authors``: the arithmetic of the authors' training code, exactly. Their pair sampler builds the box as
  corners ``[cx - w/2, cy - h/2, cx + w/2, cy + h/2]`` and hands it to siamfc-pytorch's crop, which reads
  ``[x, y, w, h]`` (1-based): the crop centre is ``(x1 - 1 + (x2 - 1)/2, y1 - 1 + (y2 - 1)/2)``
  (about 1.5 cx - w/4 - 1.5) and the "target size" is (x2, y2), the far corner. That region,
  ``size = round(s(x2, y2) * 255 / 127)`` pixels wide with its corner at ``round(centre - (size - 1)/2)``
  (numpy rounding, half to even), is resized to 255 and centre-cropped to the template / search crop. We cut
  the same region: centre ``corner + (size - 1)/2``, s = ``size * E / 255`` -- a padded thumbnail of the whole
  frame rather than a crop around an object (docs/method.md, "Crop geometry").
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

from pysot_ss.utils.crop import context_size  # one definition, the tracker's too
from pysot_ss.utils.registry import CROP_GEOMETRIES

__all__ = ["context_size", "centred", "authors", "AUTHORS_INSTANCE_SIZE", "AUTHORS_EXEMPLAR_SIZE"]

AUTHORS_INSTANCE_SIZE = 255   # the authors' (siamfc-pytorch's) crop size before the training centre crops
AUTHORS_EXEMPLAR_SIZE = 127   # and their exemplar size: the crop is s * 255 / 127 pixels, rounded

Frame = Tuple[float, float, float]


@CROP_GEOMETRIES.register("centred")
def centred(box: Sequence[float], exemplar_size: int = 127) -> Frame:
    """Centre of the box, SiamFC's context size of its width and height."""
    cx, cy, w, h = (float(v) for v in box)
    return cx, cy, context_size(w, h)


@CROP_GEOMETRIES.register("authors")
def authors(box: Sequence[float], exemplar_size: int = 127) -> Frame:
    """The authors' corner box read as x, y, w, h, with siamfc-pytorch's integer crop window (module docstring)."""
    cx, cy, w, h = (float(v) for v in box)
    x1, y1, x2, y2 = cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0
    centre = np.array([x1 - 1 + (x2 - 1) / 2.0, y1 - 1 + (y2 - 1) / 2.0])
    size = round(context_size(x2, y2) * AUTHORS_INSTANCE_SIZE / AUTHORS_EXEMPLAR_SIZE)
    corner = np.round(centre - (size - 1) / 2.0)
    c = corner + (size - 1) / 2.0
    return float(c[0]), float(c[1]), size * float(exemplar_size) / AUTHORS_INSTANCE_SIZE
