"""SiamFC's labels and class-balanced logistic loss (paper eq. 1-2).

Balancing (LOSS.BALANCE): "per_pair" (default) gives every pair the same total weight, split half / half between
its positive and negative cells; "per_batch" is the authors' code, counted over the whole batch. They differ only
with negative pairs: docs/method.md, "Positive / negative balancing".
"""
from __future__ import annotations

from functools import partial
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from pysot_ss.errors import ConfigError
from pysot_ss.utils.registry import LOSSES


def make_labels(size: int, r_pos: float, stride: int, batch: int = 1, r_neg: float = 0.0,
                centers: Optional[torch.Tensor] = None, negative: Optional[torch.Tensor] = None,
                device=None) -> torch.Tensor:
    """Label maps (batch,1,size,size): 1 where the L1 ("block") distance to the centre, in response cells, is
    <= r_pos/stride; 0 beyond; 0.5 (ignored) between r_pos and r_neg when r_neg > r_pos.

    centers: optional (batch,2) offsets (dx, dy) of the target from the map centre, in cells (the label follows a
    shifted search crop). negative: optional (batch,) bool, all-zero label for those samples (negative pairs).
    """
    c = (size - 1) / 2.0
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32, device=device),
                            torch.arange(size, dtype=torch.float32, device=device), indexing="ij")
    xs = xs.expand(batch, size, size) - c
    ys = ys.expand(batch, size, size) - c
    if centers is not None:
        centers = centers.to(device=device, dtype=torch.float32)
        xs = xs - centers[:, 0].view(-1, 1, 1)
        ys = ys - centers[:, 1].view(-1, 1, 1)
    dist = xs.abs() + ys.abs()
    labels = torch.zeros(batch, size, size, device=device)
    labels[dist <= r_pos / stride] = 1.0
    if r_neg > r_pos:
        labels[(dist > r_pos / stride) & (dist <= r_neg / stride)] = 0.5
    if negative is not None:
        labels[negative.to(device=labels.device, dtype=torch.bool)] = 0.0
    return labels.unsqueeze(1)


BALANCE_MODES = ("per_pair", "per_batch")


def balanced_weights(labels: torch.Tensor, per_batch: bool = False) -> torch.Tensor:
    """Per-pair weights: positives share 0.5 and negatives 0.5 of each pair's unit weight (all-negative pairs give
    their negatives the whole unit); ignored cells (0.5) weigh 0. Equals siamfc-pytorch's batch balancing when every
    pair has the same label map, and keeps a per-pair loss for anti-clutter weighting.

    `per_batch`: the authors' weights, counted over the batch and scaled by the batch size N (positives share N/2
    and negatives N/2 of the batch's weight, all of it when the batch has no positive cell): summing a pair's
    weighted cells gives its per-pair loss, whose mean over the batch is the authors' batch-summed loss."""
    pos = (labels == 1).float()
    neg = (labels == 0).float()
    if per_batch:
        n, n_pos, n_neg = labels.shape[0], pos.sum(), neg.sum()
    else:
        n = 1  # exact: 0.5 * 1 and x * 1 change no bit
        n_pos = pos.flatten(1).sum(1).view(-1, 1, 1, 1)
        n_neg = neg.flatten(1).sum(1).view(-1, 1, 1, 1)
    has_pos = n_pos > 0
    w_pos = torch.where(has_pos, 0.5 * n / n_pos.clamp_min(1), torch.zeros_like(n_pos))
    w_neg = torch.where(has_pos, 0.5, 1.0) * n / n_neg.clamp_min(1)
    return pos * w_pos + neg * w_neg


@LOSSES.register("balanced_logistic")
class BalancedLogisticLoss(nn.Module):
    """Class-balanced binary cross-entropy with logits.

    ``per_pair(logits, labels)`` -> (N,) loss of each pair (balance "per_pair": weights of a pair sum to 1;
    "per_batch": weights of the batch sum to N); ``forward`` -> their mean (the plain SiamFC loss).
    """

    def __init__(self, balance: str = "per_pair"):
        super().__init__()
        if balance not in BALANCE_MODES:
            raise ConfigError(f"LOSS.BALANCE must be one of {', '.join(BALANCE_MODES)}, got {balance!r}")
        self.balance = balance
        self._weights = partial(balanced_weights, per_batch=balance == "per_batch")

    def per_pair(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        weights = self._weights(labels)
        target = (labels == 1).to(logits.dtype)
        bce = F.binary_cross_entropy_with_logits(logits.float(), target.float(), reduction="none")
        return (bce * weights).flatten(1).sum(1)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.per_pair(logits, labels).mean()
