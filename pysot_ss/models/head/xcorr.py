"""Cross-correlation heads: the template feature map is the kernel slid over the search feature map."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from pysot_ss.utils.registry import HEADS


def batched_xcorr(z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Correlate template features z (Nz,C,h,w) with search features x (Nx,C,H,W) -> (Nx,1,H-h+1,W-w+1).

    Nz == Nx pairs sample i with sample i (one grouped convolution for the whole batch); Nz == 1 correlates
    one template with every search map (the tracker's scales).
    """
    nz, c, h, w = z.shape
    nx = x.shape[0]
    if nz == 1:
        return F.conv2d(x, z)
    if nz != nx:
        raise ValueError(f"template batch {nz} must be 1 or equal to the search batch {nx}")
    out = F.conv2d(x.reshape(1, nx * c, x.shape[2], x.shape[3]), z, groups=nz)
    return out.reshape(nx, 1, out.shape[-2], out.shape[-1])


@HEADS.register("xcorr")
class XCorr(nn.Module):
    """SiamFC head: response = out_scale * (z * x) + bias (siamfc-pytorch's out_scale = 0.001)."""

    def __init__(self, out_scale: float = 0.001):
        super().__init__()
        self.out_scale = out_scale
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, z, x):
        return self.logits(batched_xcorr(z, x))

    def logits(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw correlations -> response logits (no state to update)."""
        return raw * self.out_scale + self.bias


@HEADS.register("xcorr_bn")
class XCorrBN(nn.Module):
    """The S2SiamFC authors' head: BatchNorm2d(1) on the response instead of the fixed scale."""

    def __init__(self):
        super().__init__()
        self.map_norm = nn.BatchNorm2d(1)

    def forward(self, z, x):
        return self.map_norm(batched_xcorr(z, x))

    def logits(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw correlations -> response logits with the running statistics, whatever the mode: responses that are
        not the training pairs (e.g. every template against every search of a batch) must not move them."""
        bn = self.map_norm
        return F.batch_norm(raw, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
