"""SiamFC's labels and class-balanced logistic loss (paper eq. 1-2)."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

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

    ``per_pair(logits, labels)`` -> (N,) loss of each pair (weights of a pair sum to 1);
    ``forward`` -> their mean (the plain SiamFC loss).
    """

    def per_pair(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        weights = balanced_weights(labels)
        target = (labels == 1).to(logits.dtype)
        bce = F.binary_cross_entropy_with_logits(logits.float(), target.float(), reduction="none")
        return (bce * weights).flatten(1).sum(1)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.per_pair(logits, labels).mean()
