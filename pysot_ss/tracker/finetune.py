"""One-image fine-tuning (paper 4.4): adapt a copy of the network to the first frame before tracking.

``finetune_on_first_frame(model, img, bbox, cfg)`` deep-copies the model, freezes its BatchNorm layers (eval mode,
affine parameters fixed: a batch of pairs cut from one image would give meaningless batch statistics), and runs
TRACK.FINETUNE.ITERS steps (learning rate TRACK.FINETUNE.LR) of the recipe TRACK.FINETUNE.RECIPE (registered in
FINETUNE_RECIPES): ``box`` (default; pairs around the given box, ``SingleImageSampler.sample_from_image``) or
``authors`` (the authors' active ssiamfc_onlineft.py); what each does and why: docs/method.md, "One-image
fine-tuning".

Deterministic for a given cfg.SEED; the global RNGs and the passed model are left untouched. Works for any
SiameseNet (S2SiamFC or supervised SiamFC).
"""
from __future__ import annotations

import copy
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import default_collate

from pysot_ss.datasets.samplers import SingleImageSampler
from pysot_ss.losses import Objective
from pysot_ss.utils.optim import make_optimizer
from pysot_ss.utils.registry import FINETUNE_RECIPES

_KEYS = ("template", "search", "offset", "negative", "mean_color")


def _freeze_bn(net: nn.Module) -> None:
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            for p in m.parameters(recurse=False):
                p.requires_grad_(False)


@FINETUNE_RECIPES.register("box")
class BoxRecipe:
    """Pairs around the given box; TRACK.FINETUNE.OPTIMIZER, BATCH_SIZE and MODIFIERS apply."""

    def __init__(self, cfg):
        ft = cfg.TRACK.FINETUNE
        self.optimizer_name, self.lr = str(ft.OPTIMIZER), float(ft.LR)
        self.batch_size = int(ft.BATCH_SIZE)
        self.modifiers: List[str] = list(ft.MODIFIERS)

    def optimizer(self, params) -> torch.optim.Optimizer:
        # adam: the paper's setting, every weight moves by up to ~lr per step whatever its gradient; sgd: the
        # authors' commented-out alternative (momentum 0.9, weight decay 5e-4), steps proportional to the gradients
        sgd = self.optimizer_name.strip().lower() == "sgd"
        return make_optimizer(self.optimizer_name, params, self.lr, momentum=0.9, weight_decay=5e-4 if sgd else 0.0,
                              key="TRACK.FINETUNE.OPTIMIZER")

    def pairs(self, sampler: SingleImageSampler, img: np.ndarray, box, rng) -> List[Dict[str, torch.Tensor]]:
        return [sampler.sample_from_image(img, rng, box=box) for _ in range(self.batch_size)]


@FINETUNE_RECIPES.register("authors")
class AuthorsRecipe:
    """The authors' ssiamfc_onlineft.py: Adam (weight decay 5e-4), one pseudo-box pair per step, full loss."""

    weight_decay = 5e-4
    modifiers = ["anti_clutter", "adversarial_mask"]

    def __init__(self, cfg):
        self.lr = float(cfg.TRACK.FINETUNE.LR)

    def optimizer(self, params) -> torch.optim.Optimizer:
        return make_optimizer("adam", params, self.lr, weight_decay=self.weight_decay)

    def pairs(self, sampler: SingleImageSampler, img: np.ndarray, box, rng) -> List[Dict[str, torch.Tensor]]:
        return [sampler.sample_from_image(img, rng)]          # a random pseudo box of the whole frame


def finetune_on_first_frame(model: nn.Module, img: np.ndarray, bbox: Sequence[float], cfg) -> nn.Module:
    """A fine-tuned copy of `model` (eval mode, same device and dtype); `bbox` = (x, y, w, h) in `img` (BGR)."""
    ft = cfg.TRACK.FINETUNE
    x, y, w, h = (float(v) for v in bbox)
    if not (w > 0 and h > 0):
        raise ValueError(f"fine-tuning box must have a positive size, got {list(bbox)}")
    name = str(ft.RECIPE)
    if name not in FINETUNE_RECIPES:
        raise ValueError(f"TRACK.FINETUNE.RECIPE must be one of {', '.join(FINETUNE_RECIPES.names())}, "
                         f"got {name!r}")
    recipe = FINETUNE_RECIPES.build(name, cfg)
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
    optimizer = recipe.optimizer(params)
    objective = Objective(cfg, net, modifiers=list(recipe.modifiers), seed=int(cfg.SEED))
    sampler = SingleImageSampler(cfg)
    rng = np.random.default_rng([int(cfg.SEED), 0xF1E7])
    with torch.inference_mode(False), torch.enable_grad():
        for _ in range(int(ft.ITERS)):
            batch = default_collate(recipe.pairs(sampler, img, (x, y, w, h), rng))
            batch = {k: batch[k].to(device) for k in _KEYS}
            loss = objective(**batch)["total_loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    net.zero_grad(set_to_none=True)
    return net.to(dtype).eval().requires_grad_(False)
