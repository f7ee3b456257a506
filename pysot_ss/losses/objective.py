"""The training objective: SiamFC's base loss composed with an ordered list of registered loss modifiers.

The :class:`Objective` runs the network once per step (template features, search features, responses, labels)
and hands that :class:`StepState` to the modifiers named in ``cfg.LOSS.MODIFIERS``. A modifier
(:class:`LossModifier`, registered in ``LOSS_MODIFIERS``) has two optional hooks:

* ``pair_weights(response, labels, state, tag)`` -> (N,) detached weights multiplying the per-pair base loss.
  They apply to *every* evaluation of the pair loss, including the ones other modifiers make (so the masked
  templates of adversarial masking are anti-clutter weighted too, as eq. 12's L_AC).
* ``extend(state, pair_loss, total)`` -> new total. Called in list order; it may re-scale the total and add
  terms, evaluating ``pair_loss(response, tag)`` (the weighted mean loss) on responses of its own.

Adding a modifier = one new file with a decorated class + an import in ``pysot_ss/losses/__init__.py``.

The objective is an ``nn.Module`` holding the model, so the trainer wraps *it* in DistributedDataParallel: every
forward a modifier makes is part of the one DDP forward and its gradients are reduced by the one backward.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn

from pysot_ss.errors import ConfigError
from pysot_ss.losses.balanced import make_labels
from pysot_ss.utils.registry import LOSS_MODIFIERS, LOSSES

PairLoss = Callable[..., torch.Tensor]


@dataclass
class StepState:
    """What the objective computed once for a training step, shared by the modifiers."""
    model: nn.Module              # the SiameseNet (never the DDP wrapper)
    template: torch.Tensor        # (N,3,E,E) crops as fed to the model (BGR 0..255)
    search: torch.Tensor          # (N,3,S,S)
    zf: torch.Tensor              # template features (N,C,h,w), part of the autograd graph
    xf: torch.Tensor              # search features
    response: torch.Tensor        # (N,1,H,W) logits
    labels: torch.Tensor          # (N,1,H,W) 1 positive, 0 negative, 0.5 ignored
    mean_color: Optional[torch.Tensor]  # (N,3) BGR mean colour of each source image (fills masked pixels)
    generator: torch.Generator    # the objective's own RNG (CPU), saved in checkpoints
    collect: bool = False         # keep tensors for TensorBoard (images, histograms) in `artifacts`
    logs: Dict[str, torch.Tensor] = field(default_factory=dict)       # named detached scalars
    artifacts: Dict[str, torch.Tensor] = field(default_factory=dict)  # detached CPU tensors for logging


class LossModifier:
    """Base class of loss modifiers; both hooks are optional (see the module docstring)."""

    def __init__(self, cfg):
        self.cfg = cfg

    def pair_weights(self, response: torch.Tensor, labels: torch.Tensor, state: StepState,
                     tag: str) -> Optional[torch.Tensor]:
        return None

    def extend(self, state: StepState, pair_loss: PairLoss, total: torch.Tensor) -> torch.Tensor:
        return total


class Objective(nn.Module):
    """``forward(template, search, offset, negative, mean_color)`` -> dict of named scalars.

    'total_loss' carries the graph; the others are detached: 'base_loss' (the plain unweighted SiamFC loss of the
    unmasked pairs), 'main_loss' (the same with the pair weights of the modifiers) and whatever the modifiers add
    ('ac_weight_mean', 'mask_loss_1', ...). With ``cfg.LOSS.MODIFIERS == []`` total_loss == base_loss.
    """

    def __init__(self, cfg, model: nn.Module, modifiers: Optional[List[str]] = None, seed: Optional[int] = None):
        super().__init__()
        self.model = model
        self.base = LOSSES.build(cfg.LOSS.TYPE, balance=str(cfg.LOSS.BALANCE))
        names = list(cfg.LOSS.MODIFIERS if modifiers is None else modifiers)
        if len(set(names)) != len(names):
            raise ConfigError(f"LOSS.MODIFIERS lists a modifier twice: {names}")
        self.modifier_names = names
        self.modifiers = [LOSS_MODIFIERS.build(n, cfg) for n in names]
        self.r_pos = float(cfg.LOSS.R_POS)
        self.r_neg = float(cfg.LOSS.R_NEG)
        self.generator = torch.Generator().manual_seed(int(cfg.SEED if seed is None else seed))
        self.artifacts: Dict[str, torch.Tensor] = {}

    # -- RNG state, stored in training checkpoints so a resumed run draws the same masks ---------------------
    def rng_state(self) -> torch.Tensor:
        return self.generator.get_state()

    def set_rng_state(self, state: torch.Tensor) -> None:
        self.generator.set_state(state.to(torch.uint8).cpu())

    def labels_for(self, response: torch.Tensor, offset: Optional[torch.Tensor],
                   negative: Optional[torch.Tensor]) -> torch.Tensor:
        stride = float(self.model.stride)
        centers = None if offset is None else offset.float() / stride
        return make_labels(response.shape[-1], self.r_pos, stride, batch=response.shape[0], r_neg=self.r_neg,
                           centers=centers, negative=negative, device=response.device)

    def forward(self, template: torch.Tensor, search: torch.Tensor, offset: Optional[torch.Tensor] = None,
                negative: Optional[torch.Tensor] = None, mean_color: Optional[torch.Tensor] = None,
                collect: bool = False) -> Dict[str, torch.Tensor]:
        zf = self.model.embed(template)
        xf = self.model.embed(search)
        response = self.model.correlate(zf, xf)
        labels = self.labels_for(response, offset, negative)
        state = StepState(self.model, template, search, zf, xf, response, labels, mean_color, self.generator,
                          collect=collect)

        def pair_loss(resp: torch.Tensor, tag: str = "main") -> torch.Tensor:
            losses = self.base.per_pair(resp, labels)
            for m in self.modifiers:
                w = m.pair_weights(resp, labels, state, tag)
                if w is not None:
                    losses = losses * w.detach().to(losses.dtype)
            return losses.mean()

        base = self.base.per_pair(response, labels).mean()
        main = pair_loss(response, "main") if self.modifiers else base
        total = main
        for m in self.modifiers:
            total = m.extend(state, pair_loss, total)
        out = {"total_loss": total, "base_loss": base.detach(), "main_loss": main.detach()}
        out.update({k: v.detach() for k, v in state.logs.items()})
        if collect:
            state.artifacts.setdefault("response", response.detach().float().cpu())
            state.artifacts.setdefault("labels", labels.detach().cpu())
        self.artifacts = state.artifacts
        return out
