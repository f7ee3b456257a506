"""GOT-10k validation set (one-pass) from pysot's ``GOT-10k.json`` or the raw layout.

Raw layout: ``<root>/val/list.txt`` and ``<root>/val/<seq>/00000001.jpg`` + ``groundtruth.txt`` (x,y,w,h, comma);
`dataset_root` may also point at the ``val`` folder itself. Only the validation split has ground truth for every
frame, so the test split is not supported. Result files may be pysot's ``<tracker>/<seq>.txt`` or the GOT-10k
toolkit's ``<tracker>/<seq>/<seq>_001.txt`` (see :func:`toolkit.datasets.base.find_ope_result`).
"""
from __future__ import annotations

import os
from typing import Optional

from toolkit.datasets.base import Dataset, dataset_folder, finish_dataset, json_or_raw, warn_extra_frames
from toolkit.datasets.vot import read_vot_sequence
from toolkit.utils.result_io import read_name_list

__all__ = ["GOT10K_VAL_VIDEOS", "build_got10k"]

GOT10K_VAL_VIDEOS = tuple(f"GOT-10k_Val_{i:06d}" for i in range(1, 181))


def read_got10k_root(name: str, root: str, *, load_img=False, protocol="ope"):
    base = os.path.join(root, "val") if os.path.isdir(os.path.join(root, "val")) else root
    list_path = os.path.join(base, "list.txt")
    if os.path.isfile(list_path):
        names, expected = read_name_list(list_path), ()
    else:
        names = sorted(e for e in os.listdir(base) if os.path.isfile(os.path.join(base, e, "groundtruth.txt")))
        expected = GOT10K_VAL_VIDEOS
    found, missing, extra = {}, [], []
    for seq in names:
        seq_dir = os.path.join(base, seq)
        if not os.path.isfile(os.path.join(seq_dir, "groundtruth.txt")):
            missing.append(seq)
            continue
        found[seq] = read_vot_sequence(seq_dir, seq, protocol=protocol, load_img=load_img, extra=extra,
                                       gt_fields=(4,))
    missing += [v for v in expected if v not in found]
    warn_extra_frames(name, extra)
    return found, missing


def build_got10k(name: str, dataset_root, load_img: bool = False, videos=None, eao_interval=None,
                 protocol: str = "ope", canonical: Optional[str] = None, need_frames: bool = True) -> Dataset:
    root = dataset_folder(name, dataset_root)
    found, missing = json_or_raw(name, root, (name, canonical or name),
                                 lambda: read_got10k_root(name, root, load_img=load_img, protocol=protocol),
                                 load_img=load_img, protocol=protocol, need_frames=need_frames)
    return finish_dataset(name, root, found, missing, requested=videos, protocol=protocol,
                          eao_interval=eao_interval)
