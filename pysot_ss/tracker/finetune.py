"""One-image fine-tuning (paper 4.4): adapt a copy of the network to the first frame before tracking.

``finetune_on_first_frame(model, img, bbox, cfg)`` deep-copies the model, freezes its BatchNorm layers (eval mode,
affine parameters fixed: a batch of pairs cut from one image would give meaningless batch statistics), and runs
TRACK.FINETUNE.ITERS steps of TRACK.FINETUNE.OPTIMIZER (Adam as the paper, or the authors' SGD; lr
TRACK.FINETUNE.LR) on TRACK.FINETUNE.BATCH_SIZE self-supervised pairs per step, drawn from the first frame around
the given box (``SingleImageSampler.sample_from_image``). The loss is the balanced logistic loss plus
TRACK.FINETUNE.MODIFIERS (default none). Deterministic for a given cfg.SEED; the global RNGs and the passed model
are left untouched. Works for any SiameseNet (S2SiamFC or supervised SiamFC).
"""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import default_collate

from pysot_ss.losses import Objective

_KEYS = ("template", "search", "offset", "negative", "mean_color")


def _freeze_bn(net: nn.Module) -> None:
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            for p in m.parameters(recurse=False):
                p.requires_grad_(False)


def _optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    name = name.strip().lower()
    if name == "adam":  # the paper's setting: every weight moves by up to ~lr per step, whatever its gradient
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":   # the authors' ssiamfc_onlineft*.py: steps proportional to the (small) gradients
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    raise ValueError(f"TRACK.FINETUNE.OPTIMIZER must be 'adam' or 'sgd', got {name!r}")


def finetune_on_first_frame(model: nn.Module, img: np.ndarray, bbox: Sequence[float], cfg) -> nn.Module:
    """A fine-tuned copy of `model` (eval mode, same device and dtype); `bbox` = (x, y, w, h) in `img` (BGR)."""
    from pysot_ss.datasets.samplers import SingleImageSampler

    ft = cfg.TRACK.FINETUNE
    x, y, w, h = (float(v) for v in bbox)
    if not (w > 0 and h > 0):
        raise ValueError(f"fine-tuning box must have a positive size, got {list(bbox)}")
    first = next(model.parameters())
    device, dtype = first.device, first.dtype
    net = copy.deepcopy(model).float()
    net.train()
    for p in net.parameters():
        p.requires_grad_(True)
    _freeze_bn(net)
    if int(ft.ITERS) <= 0:
        return net.to(dtype).eval().requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    optimizer = _optimizer(str(ft.OPTIMIZER), params, float(ft.LR))
    objective = Objective(cfg, net, modifiers=list(ft.MODIFIERS), seed=int(cfg.SEED))
    sampler = SingleImageSampler(cfg)
    rng = np.random.default_rng([int(cfg.SEED), 0xF1E7])
    with torch.inference_mode(False), torch.enable_grad():
        for _ in range(int(ft.ITERS)):
            items = [sampler.sample_from_image(img, rng, box=(x, y, w, h)) for _ in range(int(ft.BATCH_SIZE))]
            batch = default_collate(items)
            batch = {k: batch[k].to(device) for k in _KEYS}
            loss = objective(**batch)["total_loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    net.zero_grad(set_to_none=True)
    return net.to(dtype).eval().requires_grad_(False)
