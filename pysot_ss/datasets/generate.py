"""The one place training data is written: the default synthetic unlabeled images, generated on request.

Builders (``build_sources``, ``build_train_dataset``) never write data. A tool that wants the default synthetic
images calls ``generate_missing_data(cfg)`` explicitly (``tools/train.py`` does, before training): when
DATASET.GENERATE_IF_MISSING is true (the default) and a configured source's ROOT is the default synthetic folder
(data/synthetic/unlabeled, however spelled) and is missing, the images are generated there, with a log line. Any
other missing ROOT (a path the user set, mistyped or not) is never written: it is an error naming the key and the
path, raised before any training starts.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import List, Optional

from pysot_ss.datasets.sources.base import is_default_synthetic_root, missing_root_error, node_get
from toolkit.synthetic import generate_unlabeled_images

_log = logging.getLogger("pysot_ss.data")


def generate_missing_data(cfg, log: Optional[logging.Logger] = None, write: bool = True) -> List[Path]:
    """Make sure every configured ROOT exists: the default synthetic folder is generated when it is missing and
    DATASET.GENERATE_IF_MISSING is true (logged); any other missing ROOT is a DataSourceError naming its key and
    path. `write` False (DDP ranks other than 0) checks only. Returns the folders written."""
    log = log or _log
    made = []
    for name in cfg.DATASET.NAMES:
        node = cfg.DATASET.get(name)
        root = str(node_get(node, "ROOT", "")) if node is not None else ""
        if not root or os.path.exists(os.path.expanduser(root)) or not write and is_default_synthetic_root(root):
            continue
        if not (cfg.DATASET.GENERATE_IF_MISSING and is_default_synthetic_root(root)):
            raise missing_root_error(f"DATASET.{name}.ROOT", root)
        log.info(f"{root} missing: generating the synthetic unlabeled training images there "
                 f"(DATASET.GENERATE_IF_MISSING; set it False to get an error instead)")
        made.append(Path(generate_unlabeled_images(os.path.expanduser(root))))
        log.info(f"generated {made[-1]}")
    return made
