"""Adversarial appearance masking (paper eq. 6-12; the authors' code: docs/method.md, "Mask chaining").

Per step, for each masked template i = 1..N_MASKS:

1. S̄ = mean response over the positive-label cells of each pair (eq. 6); α_c = spatial mean of ∂S̄/∂φ(z)_c
   (eq. 7), computed with ``torch.autograd.grad`` w.r.t. the template features only: no parameter gradient is
   produced, so it is safe inside a DDP forward.
2. A_c = ReLU(α_c · φ(z)_c), one map per channel (eq. 8); every map is upsampled bilinearly to the template size,
   min-max normalised with the global min/max over all channels of the sample, thresholded (eq. 9).
3. Among the channels with salient pixels whose area is below AREA_CAP of the template, one is drawn uniformly
   (batched: random scores masked by validity, argmax); its pixels get the image's mean colour (eq. 10).
4. The masked template goes through the template branch only -- the search features are reused -- and the next
   mask starts from it (CHAINED True, "chained", eq. 11) or from the original template (CHAINED False,
   "independent": the authors' code draws every mask from the same saliency of the unmasked template, which
   occludes the second template about half as much).

Total (eq. 12): λ·total + (1 − λ)/N_MASKS · Σ_i L(z_i, x), L being the (anti-clutter weighted) pair loss.
Pairs without a positive cell (negative pairs) or without a valid channel keep their template unmasked.
"""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F

from pysot_ss.errors import ConfigError
from pysot_ss.losses.objective import LossModifier, PairLoss, StepState
from pysot_ss.utils.registry import LOSS_MODIFIERS


def channel_saliency(zf: torch.Tensor, response: torch.Tensor, labels: torch.Tensor) -> Tuple[torch.Tensor,
                                                                                               torch.Tensor]:
    """Grad-CAM maps per channel (eq. 6-8) -> (A (N,C,h,w) float32 detached, has_pos (N,) bool).

    ``zf`` must be part of the graph that produced ``response``; the graph is kept for the real backward.
    """
    pos = (labels == 1).to(response.dtype)
    n_pos = pos.flatten(1).sum(1)
    has_pos = n_pos > 0
    # sum over samples of each sample's mean positive response: sample b's gradient is dS̄_b/dφ(z_b)
    s_bar = ((response * pos).flatten(1).sum(1) / n_pos.clamp_min(1)).sum()
    (grad,) = torch.autograd.grad(s_bar, zf, retain_graph=True)
    alpha = grad.float().mean(dim=(2, 3), keepdim=True)
    return torch.relu(alpha * zf.detach().float()), has_pos


def select_masks(saliency: torch.Tensor, size: Tuple[int, int], threshold: float, area_cap: float,
                 generator: torch.Generator, enabled: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor,
                                                                             torch.Tensor]:
    """Pick one salient channel per sample and return its binary mask at the template size.

    saliency (N,C,h,w) non-negative; enabled (N,) bool (e.g. pairs with positives). Returns
    (mask (N,H,W) bool, channel (N,) long, applied (N,) bool); samples that are not enabled or have no valid
    channel get an empty mask. Same result as upsampling every channel (``_binarize_dense``), computed on the
    few channels that can reach the threshold when that is provably equivalent (see ``_binarize_sparse``).
    """
    n, c = saliency.shape[:2]
    found = _binarize_sparse(saliency, size, threshold)
    binary, area, channels, hi, lo = found if found is not None else _binarize_dense(saliency, size, threshold)
    valid_sub = (area > 0) & (area < area_cap) & (hi > lo).view(n, 1)
    valid = torch.zeros(n, c, dtype=torch.bool, device=saliency.device)
    valid.scatter_(1, channels, valid_sub)
    valid &= enabled.view(n, 1).to(valid.device)
    scores = torch.rand(n, c, generator=generator).to(saliency.device)
    channel = scores.masked_fill(~valid, -1.0).argmax(1)
    applied = valid.any(1)
    slot = (channels == channel.view(n, 1)).float().argmax(1)      # where the chosen channel sits in `binary`
    mask = binary[torch.arange(n, device=binary.device), slot] & applied.view(n, 1, 1)
    return mask, channel, applied


def _threshold(up: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, threshold: float):
    # (up - lo) / (hi - lo) >= threshold  <=>  up >= lo + threshold * (hi - lo): no normalised copy needed
    binary = up >= (lo + threshold * (hi - lo)).view(-1, 1, 1, 1)
    return binary, binary.flatten(2).float().mean(2)


def _binarize_dense(saliency, size, threshold):
    """Reference path: every channel upsampled. Returns (binary (N,C,H,W), area (N,C), channels (N,C), hi, lo)."""
    n, c = saliency.shape[:2]
    up = F.interpolate(saliency, size=size, mode="bilinear", align_corners=False)
    lo, hi = up.amin(dim=(1, 2, 3)), up.amax(dim=(1, 2, 3))
    binary, area = _threshold(up, lo, hi, threshold)
    channels = torch.arange(c, device=saliency.device).expand(n, c)
    return binary, area, channels, hi, lo


def _binarize_sparse(saliency, size, threshold):
    """Upsample only the channels whose input maximum can reach the threshold; None when that is not exact.

    Bilinear upsampling makes convex combinations of input values, and with align_corners=False the four output
    corners copy the input corners. Hence (per sample): the upsampled global min is exact when the smallest
    input value sits at a corner of some channel (always so once ReLU zeroed a corner); an upsampled channel
    never exceeds its input max; hi >= hi_lb := max of the upsampled top-1 channel, so the level
    lo + t·(hi − lo) >= lo + t·(hi_lb − lo) =: level_lb, and channels with input max below level_lb can neither
    reach the level nor hold the global max. Those are skipped (typically ~90% of them).
    """
    n, c, h, w = saliency.shape
    flat = saliency.flatten(2)
    in_min = flat.amin(2).amin(1)
    corners = saliency[:, :, [0, 0, h - 1, h - 1], [0, w - 1, 0, w - 1]].amin(dim=(1, 2))
    if not torch.equal(in_min, corners):
        return None
    lo = in_min
    in_max = flat.amax(2)                                          # (N,C)
    order = in_max.argsort(1, descending=True)
    top1 = saliency[torch.arange(n, device=saliency.device), order[:, 0]].unsqueeze(1)
    hi_lb = F.interpolate(top1, size=size, mode="bilinear", align_corners=False).amax(dim=(1, 2, 3))
    level_lb = lo + threshold * (hi_lb - lo)
    k = int((in_max >= level_lb.view(n, 1)).sum(1).max())
    if k * 2 > c:                                                  # not worth it
        return None
    channels = order[:, :max(k, 1)]
    sub = torch.gather(saliency, 1, channels.view(n, -1, 1, 1).expand(-1, -1, h, w))
    up = F.interpolate(sub, size=size, mode="bilinear", align_corners=False)
    hi = up.amax(dim=(1, 2, 3))
    binary, area = _threshold(up, lo, hi, threshold)
    return binary, area, channels, hi, lo


def apply_mask(template: torch.Tensor, mask: torch.Tensor, mean_color: torch.Tensor) -> torch.Tensor:
    """Template (N,3,H,W) with the pixels of mask (N,H,W) set to each sample's mean colour (N,3)."""
    fill = mean_color.to(template.dtype).view(-1, template.shape[1], 1, 1)
    return torch.where(mask.unsqueeze(1), fill, template)


@LOSS_MODIFIERS.register("adversarial_mask")
class AdversarialMask(LossModifier):
    def __init__(self, cfg):
        super().__init__(cfg)
        c = cfg.LOSS.ADVERSARIAL_MASK
        self.n_masks = int(c.N_MASKS)
        self.lam = float(c.LAMBDA)
        self.threshold = float(c.THRESHOLD)
        self.area_cap = float(c.AREA_CAP)
        self.chained = bool(c.CHAINED)
        if self.n_masks < 1:
            raise ConfigError(f"LOSS.ADVERSARIAL_MASK.N_MASKS must be >= 1, got {self.n_masks}")

    def extend(self, state: StepState, pair_loss: PairLoss, total: torch.Tensor) -> torch.Tensor:
        if not state.zf.requires_grad:  # no graph (evaluation under no_grad): nothing to attribute
            return total
        if state.mean_color is None:
            raise ValueError("adversarial_mask needs the batch's 'mean_color' (N,3) to fill masked pixels")
        size = tuple(state.template.shape[-2:])
        template = state.template.detach()
        zf, response = state.zf, state.response
        with torch.autocast(device_type=template.device.type, enabled=False):
            saliency, has_pos = channel_saliency(zf, response, state.labels)
        mask_losses, masked = [], []
        for i in range(self.n_masks):
            with torch.autocast(device_type=template.device.type, enabled=False):
                if i > 0 and self.chained:
                    saliency, _ = channel_saliency(zf, response, state.labels)
                mask, _, applied = select_masks(saliency, size, self.threshold, self.area_cap, state.generator,
                                                has_pos)
            z_i = apply_mask(template, mask, state.mean_color)
            zf_i = state.model.embed(z_i)
            resp_i = state.model.correlate(zf_i, state.xf)
            loss_i = pair_loss(resp_i, f"mask_{i + 1}")
            mask_losses.append(loss_i)
            state.logs[f"mask_loss_{i + 1}"] = loss_i.detach()
            state.logs[f"mask_area_{i + 1}"] = mask.float().mean()
            state.logs[f"mask_applied_{i + 1}"] = applied.float().mean()
            if state.collect:
                masked.append(z_i.detach().float().cpu())
            if self.chained:
                template, zf, response = z_i, zf_i, resp_i
        if masked:
            state.artifacts["masked_templates"] = torch.stack(masked, 1)  # (N, N_MASKS, 3, H, W)
        return self.lam * total + (1.0 - self.lam) / self.n_masks * torch.stack(mask_losses).sum()
