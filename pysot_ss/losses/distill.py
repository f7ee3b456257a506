"""Response distillation from a trained tracker (``distill``): a cheap student learns the teacher's response maps.

No box is read: the teacher is a self-supervised model (e.g. the zoo's S2SiamFC ``alexnet_s2``) and the pairs are
the same unlabeled crops the student trains on, so the student stays self-supervised. For each step:

* the teacher (frozen, eval mode, bf16 autocast where the device has it) embeds the batch's templates and searches;
* with CROSS, every template is correlated with every search of the batch (one convolution: B x B maps, the B
  training pairs on the diagonal); the other maps show the teacher's scores for other images -- distractors the
  student must score low, and which cost no extra teacher forward; without CROSS, only the B pairs;
* student and teacher logits are compared cell by cell with a soft logistic loss,
  ``BCE(sigmoid(s / T), sigmoid(t / T)) * T^2``: the teacher's peak and its secondary peaks are the targets.

The total is ``BASE_WEIGHT * (the self-supervised loss so far) + WEIGHT * distillation``; BASE_WEIGHT 0 is pure
distillation. Cross maps use the heads' ``logits`` (running statistics), so they never move the student's
response BatchNorm; the diagonal of the training pairs uses the same rule for both networks.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from pysot_ss.errors import ConfigError
from pysot_ss.utils.checkpoint import snapshot_config
from pysot_ss.losses.objective import LossModifier, PairLoss, StepState
from pysot_ss.models.head.xcorr import batched_xcorr
from pysot_ss.models.siamese import SiameseNet, build_model
from pysot_ss.tracker.base import bf16_native
from pysot_ss.utils.checkpoint import CheckpointError, load_weights
from pysot_ss.utils.registry import LOSS_MODIFIERS


def load_teacher(path: str) -> SiameseNet:
    """The frozen teacher network of a pysot-ss checkpoint (its own stored config decides the architecture)."""
    if not path:
        raise ConfigError("LOSS.DISTILL.TEACHER is empty: the distill modifier needs a teacher snapshot "
                         "(e.g. models/s2siamfc_alexnet.pth)")
    cfg = snapshot_config(path)
    if cfg is None:
        raise CheckpointError(f"{path}: LOSS.DISTILL.TEACHER must be a pysot-ss checkpoint with its config stored")
    teacher = build_model(cfg)
    load_weights(teacher, path, strict=True)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def all_pair_logits(model: SiameseNet, zf: torch.Tensor, xf: torch.Tensor, cross: bool) -> torch.Tensor:
    """(B, B, h, w) logits of every template i (dim 1) against every search j (dim 0), or (B, 1, h, w) for the B
    pairs only; the head's running statistics are used and never updated."""
    if cross:
        raw = F.conv2d(xf, zf)  # out[j, i] = z_i correlated with x_j
        b = raw.shape[0]
        return model.head.logits(raw.reshape(b * b, 1, *raw.shape[-2:])).reshape(b, b, *raw.shape[-2:])
    return model.head.logits(batched_xcorr(zf, xf))


@LOSS_MODIFIERS.register("distill")
class Distill(LossModifier):
    def __init__(self, cfg, teacher: Optional[SiameseNet] = None):
        super().__init__(cfg)
        c = cfg.LOSS.DISTILL
        self.weight = float(c.WEIGHT)
        self.base_weight = float(c.BASE_WEIGHT)
        self.temperature = float(c.TEMPERATURE)
        self.cross = bool(c.CROSS)
        if self.temperature <= 0:
            raise ConfigError(f"LOSS.DISTILL.TEMPERATURE must be > 0, got {self.temperature}")
        self.teacher = teacher if teacher is not None else load_teacher(str(c.TEACHER))

    def _teacher_logits(self, state: StepState) -> torch.Tensor:
        device = state.template.device
        if next(self.teacher.parameters()).device != device:
            self.teacher.to(device)
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16_native(device)):
            zf = self.teacher.embed(state.template.float())
            xf = self.teacher.embed(state.search.float())
        return all_pair_logits(self.teacher, zf.float(), xf.float(), self.cross)

    def extend(self, state: StepState, pair_loss: PairLoss, total: torch.Tensor) -> torch.Tensor:
        target = self._teacher_logits(state)
        student = all_pair_logits(state.model, state.zf.float(), state.xf.float(), self.cross)
        t = self.temperature
        loss = F.binary_cross_entropy_with_logits(student / t, torch.sigmoid(target / t)) * t * t
        state.logs["distill_loss"] = loss.detach()
        return self.base_weight * total + self.weight * loss
