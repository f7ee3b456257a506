"""The optimizer by name, for training (TRAIN.OPTIMIZER) and first-frame fine-tuning (TRACK.FINETUNE.OPTIMIZER)."""
from __future__ import annotations

import torch

from pysot_ss.errors import ConfigError

__all__ = ["OPTIMIZERS", "make_optimizer"]

OPTIMIZERS = ("sgd", "adam")


def make_optimizer(name: str, params, lr: float, *, momentum: float = 0.9, weight_decay: float = 0.0,
                   key: str = "optimizer") -> torch.optim.Optimizer:
    """SGD (with `momentum`) or Adam, both with `weight_decay`; `key` names the setting in the error message."""
    kind = str(name).strip().lower()
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    raise ConfigError(f"{key} must be one of {OPTIMIZERS}, got {name!r}")
