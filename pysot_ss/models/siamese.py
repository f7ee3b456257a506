"""SiamFC = a shared backbone + a correlation head; input normalisation lives here so train and test agree."""
from __future__ import annotations

import torch
import torch.nn as nn

from pysot_ss.utils.registry import BACKBONES, HEADS

NORMALIZATIONS = ("none", "unit", "minmax")


class SiameseNet(nn.Module):
    """Inputs are float tensors (N,3,H,W) in OpenCV's BGR order with values 0..255 (what the crops produce)."""

    def __init__(self, backbone: nn.Module, head: nn.Module, channel_order: str = "RGB", normalize: str = "none"):
        super().__init__()
        if channel_order not in ("RGB", "BGR"):
            raise ValueError(f"INPUT.CHANNEL_ORDER must be 'RGB' or 'BGR', got {channel_order!r}")
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"INPUT.NORMALIZE must be one of {NORMALIZATIONS}, got {normalize!r}")
        self.backbone = backbone
        self.head = head
        self.channel_order = channel_order
        self.normalize = normalize

    @property
    def stride(self) -> int:
        return getattr(self.backbone, "stride", 8)

    def preprocess(self, img: torch.Tensor) -> torch.Tensor:
        if self.channel_order == "RGB":
            img = img.flip(1)
        if self.normalize == "unit":
            img = img * (1.0 / 255.0)
        elif self.normalize == "minmax":
            flat = img.flatten(1)
            lo = flat.amin(1).view(-1, 1, 1, 1)
            hi = flat.amax(1).view(-1, 1, 1, 1)
            img = (img - lo) / (hi - lo).clamp_min(1e-6)
        return img

    def embed(self, img: torch.Tensor) -> torch.Tensor:
        """Backbone features of preprocessed crops (template or search)."""
        return self.backbone(self.preprocess(img))

    def correlate(self, zf: torch.Tensor, xf: torch.Tensor) -> torch.Tensor:
        return self.head(zf, xf)

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Training forward: response maps (N,1,h,w) for N template/search pairs."""
        return self.head(self.embed(z), self.embed(x))


def init_weights(model: nn.Module, kind: str = "xavier") -> None:
    """SiamFC's init: xavier-uniform (gain 1) convs with zero bias, BN weight 1 / bias 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if kind == "xavier":
                nn.init.xavier_uniform_(m.weight, gain=1)
            elif kind == "kaiming":
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            else:
                raise ValueError(f"TRAIN.INIT must be 'xavier' or 'kaiming', got {kind!r}")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_model(cfg) -> SiameseNet:
    """Assemble backbone + head from the config (`cfg` is the whole config node; nothing global is read)."""
    backbone = BACKBONES.build(cfg.BACKBONE.TYPE, **{k.lower(): v for k, v in cfg.BACKBONE.KWARGS.items()})
    head = HEADS.build(cfg.HEAD.TYPE, **{k.lower(): v for k, v in cfg.HEAD.KWARGS.items()})
    model = SiameseNet(backbone, head, cfg.INPUT.CHANNEL_ORDER, cfg.INPUT.NORMALIZE)
    init_weights(model, cfg.TRAIN.INIT)
    return model
