"""SiamFC's labels and class-balanced logistic loss (paper eq. 1-2).

Balancing (LOSS.BALANCE): "per_pair" (default) gives every pair the same total weight, split half / half between
its positive and negative cells; "per_batch" is the authors' code: 1/#pos on every positive cell and 1/#neg on
every negative cell, counted over the whole batch, normalised to sum 1 over the batch. The two agree when every
pair has the same label map; with negative pairs (all-zero labels) a negative pair weighs 1/N per pair but only
its share of the batch's negative cells per batch (batch 8 with one negative: 12.5 % vs ~6.6 %).
"""
from __future__ import annotations

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


def batch_balanced_weights(labels: torch.Tensor) -> torch.Tensor:
    """The authors' weights, scaled by the batch size N: positives share N/2 and negatives N/2 of the batch's
    weight (all of it when the batch has no positive cell); ignored cells (0.5) weigh 0. Summing a pair's
    weighted cells gives its per-pair loss, whose mean over the batch is the authors' batch-summed loss."""
    pos = (labels == 1).float()
    neg = (labels == 0).float()
    n = labels.shape[0]
    n_pos, n_neg = pos.sum(), neg.sum()
    has_pos = n_pos > 0
    w_pos = torch.where(has_pos, 0.5 * n / n_pos.clamp_min(1), torch.zeros_like(n_pos))
    w_neg = torch.where(has_pos, 0.5, 1.0) * n / n_neg.clamp_min(1)
    return pos * w_pos + neg * w_neg


def balanced_weights(labels: torch.Tensor) -> torch.Tensor:
    """Per-pair weights: positives share 0.5 and negatives 0.5 of each pair's unit weight (all-negative pairs give
    their negatives the whole unit); ignored cells (0.5) weigh 0. Equals siamfc-pytorch's batch balancing when every
    pair has the same label map, and keeps a per-pair loss for anti-clutter weighting."""
    pos = (labels == 1).float()
    neg = (labels == 0).float()
    n_pos = pos.flatten(1).sum(1).view(-1, 1, 1, 1)
    n_neg = neg.flatten(1).sum(1).view(-1, 1, 1, 1)
    has_pos = n_pos > 0
    w_pos = torch.where(has_pos, 0.5 / n_pos.clamp_min(1), torch.zeros_like(n_pos))
    w_neg = torch.where(has_pos, 0.5, 1.0) / n_neg.clamp_min(1)
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
        self._weights = balanced_weights if balance == "per_pair" else batch_balanced_weights

    def per_pair(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        weights = self._weights(labels)
        target = (labels == 1).to(logits.dtype)
        bce = F.binary_cross_entropy_with_logits(logits.float(), target.float(), reduction="none")
        return (bce * weights).flatten(1).sum(1)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.per_pair(logits, labels).mean()
