"""GOT-10k validation set (one-pass) from pysot's ``GOT-10k.json`` or the raw layout.

Raw layout: ``<root>/val/list.txt`` and ``<root>/val/<seq>/00000001.jpg`` + ``groundtruth.txt`` (x,y,w,h, comma);
`dataset_root` may also point at the ``val`` folder itself. Only the validation split has ground truth for every
frame, so the test split is not supported. Result files may be pysot's ``<tracker>/<seq>.txt`` or the GOT-10k
toolkit's ``<tracker>/<seq>/<seq>_001.txt`` (see :func:`toolkit.datasets.base.find_ope_result`).
"""
from __future__ import annotations

import os
from typing import Optional

from toolkit.datasets.base import Dataset
from toolkit.datasets.vot import build_dataset, read_vot_root

__all__ = ["GOT10K_VAL_VIDEOS", "build_got10k"]

GOT10K_VAL_VIDEOS = tuple(f"GOT-10k_Val_{i:06d}" for i in range(1, 181))


def read_got10k_root(name: str, root: str, *, load_img=False, protocol="ope"):
    """The VOT-style raw layout (list.txt or every sequence folder), 4-number boxes, in ``val/`` when present."""
    base = os.path.join(root, "val") if os.path.isdir(os.path.join(root, "val")) else root
    return read_vot_root(name, base, expected=GOT10K_VAL_VIDEOS, protocol=protocol, load_img=load_img,
                         gt_fields=(4,))


def build_got10k(name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
                 protocol: str = "ope", canonical: Optional[str] = None, need_frames: bool = True) -> Dataset:
    return build_dataset(read_got10k_root, name, dataset_root, load_img, videos, eao_interval, protocol, canonical,
                         need_frames)
