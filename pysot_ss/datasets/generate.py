"""The one place training data is written: the default synthetic unlabeled images, generated on request.

Builders (``build_sources``, ``build_train_dataset``) never write data. A tool that wants the default synthetic
images calls ``generate_missing_data(cfg)`` explicitly (``tools/train.py`` does, before training): when
DATASET.GENERATE_IF_MISSING is true (the default) and a configured source's ROOT is the default synthetic folder
(or belongs to the SYNTHETIC source) and is missing, the images are generated there, with a log line.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import List, Optional

from pysot_ss.core.config import get_cfg
from pysot_ss.datasets.sources.base import node_get
from toolkit.synthetic import generate_unlabeled_images

GENERATE_DEFAULT = True  # the default of DATASET.GENERATE_IF_MISSING (core/config.py uses the same value)
_log = logging.getLogger("pysot_ss.data")


def missing_synthetic_roots(cfg) -> List[str]:
    """The ROOTs of the configured sources that are missing and would be generated (synthetic images)."""
    default_root = get_cfg().DATASET.SYNTHETIC.ROOT
    out = []
    for name in cfg.DATASET.NAMES:
        node = cfg.DATASET.get(name)
        root = str(node_get(node, "ROOT", "")) if node is not None else ""
        if not root or os.path.exists(os.path.expanduser(root)):
            continue
        if name == "SYNTHETIC" or root == default_root:
            out.append(root)
    return out


def generate_missing_data(cfg, log: Optional[logging.Logger] = None) -> List[Path]:
    """Generate the missing synthetic ROOTs of `cfg` when DATASET.GENERATE_IF_MISSING allows it; returns the
    folders written ([] when nothing was missing or generation is off)."""
    log = log or _log
    if not bool(cfg.DATASET.get("GENERATE_IF_MISSING", GENERATE_DEFAULT)):
        return []
    made = []
    for root in missing_synthetic_roots(cfg):
        log.info(f"{root} missing: generating the synthetic unlabeled training images there "
                 f"(DATASET.GENERATE_IF_MISSING; set it False to get an error instead)")
        made.append(Path(generate_unlabeled_images(os.path.expanduser(root))))
        log.info(f"generated {made[-1]}")
    return made
