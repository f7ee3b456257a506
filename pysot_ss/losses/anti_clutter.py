"""Anti-clutter weighting (paper eq. 3-5): down-weight pairs whose response is flat and cluttered.

    Λ_k = (1 + margin − #{Ŝ_k ≥ β} / (w·h))^γ,   L_AC = (1/N) Σ_k Λ_k · L_pair(z_k, x_k)

Ŝ_k is the detached response of pair k min-max normalised to [0, 1]. With ``PER_BATCH`` the count runs over the
whole batch and every pair gets the same weight, as the authors' code does (docs/method.md, "Anti-clutter");
the default is the paper's one weight per pair.
"""
from __future__ import annotations

from typing import Optional

import torch

from pysot_ss.losses.objective import LossModifier, StepState
from pysot_ss.utils.registry import LOSS_MODIFIERS


def clutter_weights(response: torch.Tensor, beta: float = 0.5, gamma: float = 2.0, margin: float = 0.0,
                    per_batch: bool = False) -> torch.Tensor:
    """(N,) weights Λ from responses (N,1,h,w) (or (N,h,w)); no gradient flows through them.

    A perfectly flat map (max == min) has no contrast to judge clutter by: it counts no high cell, i.e. keeps its
    full weight (the authors' code would divide by zero there).
    """
    r = response.detach().float().flatten(1)
    lo = r.amin(1, keepdim=True)
    span = r.amax(1, keepdim=True) - lo
    norm = torch.where(span > 0, (r - lo) / span.clamp_min(torch.finfo(r.dtype).tiny), torch.zeros_like(r))
    high = (norm >= beta).float()
    frac = high.mean().expand(r.shape[0]) if per_batch else high.mean(1)
    return (1.0 + margin - frac).clamp_min(0.0) ** gamma


@LOSS_MODIFIERS.register("anti_clutter")
class AntiClutter(LossModifier):
    def __init__(self, cfg):
        super().__init__(cfg)
        c = cfg.LOSS.ANTI_CLUTTER
        self.beta, self.gamma, self.margin = float(c.BETA), float(c.GAMMA), float(c.MARGIN)
        self.per_batch = bool(c.PER_BATCH)

    def pair_weights(self, response: torch.Tensor, labels: torch.Tensor, state: StepState,
                     tag: str) -> Optional[torch.Tensor]:
        w = clutter_weights(response, self.beta, self.gamma, self.margin, self.per_batch)
        if tag == "main":
            state.logs["ac_weight_mean"] = w.mean()
            if state.collect:
                state.artifacts["ac_weights"] = w.cpu()
        return w
