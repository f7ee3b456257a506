"""``alexnet_lite``: a narrow AlexNet for real-time CPU tracking (about 1/24 of ``alexnet_s2``'s FLOPs).

Same recipe as the SiamFC AlexNets -- plain (dense) convolutions without padding, so features stay translation
equivariant, total stride 8, BN after every convolution, no ReLU after the last -- but:

* a 7x7 / stride-4 stem instead of 11x11 / stride 2: the stem of ``alexnet_s2`` alone costs 1 GFLOP per 255x255
  crop because it runs at 123x123; here it runs at 63x63;
* widths 32-64-96-96-128 instead of 96-256-384-384-256 (FLOPs grow with the square of the width).

Geometry: receptive field 95 px, 127 -> 5x5x128, 255 -> 21x21x128, 239 -> 19x19x128, so the response maps have
the same 17x17 (tracking) / 15x15 (training) size as AlexNet's and the centre cell looks at the crop centre.

Why dense convolutions rather than MobileNet-style depthwise-separable blocks: on a 2-core x86 CPU, oneDNN runs
dense 3x3 convolutions in bf16 (AVX512-BF16) at a far higher fraction of peak than depthwise ones, which are
memory bound; measured for a 3-scale 255x255 batch: this network (1.10 GFLOPs) 3.6 ms in bf16, a MobileNet-style
stack of a quarter of the FLOPs (0.26 GFLOPs) 4.0 ms (benchmarks/bench_tracker.py prints the FLOPs and fps).
"""
from __future__ import annotations

from typing import Sequence

import torch.nn as nn

from pysot_ss.models.backbone.alexnet import _AlexNetBase, _conv_bn
from pysot_ss.utils.registry import BACKBONES


@BACKBONES.register("alexnet_lite")
class AlexNetLite(_AlexNetBase):
    """``widths``: the output channels of the five convolutions (BACKBONE.KWARGS.WIDTHS)."""

    def __init__(self, widths: Sequence[int] = (32, 64, 96, 96, 128)):
        super().__init__()
        widths = [int(w) for w in widths]
        if len(widths) != 5 or min(widths) < 1:
            raise ValueError(f"BACKBONE.KWARGS.WIDTHS must be 5 positive channel counts, got {list(widths)}")
        c1, c2, c3, c4, c5 = widths
        self.out_channels = c5
        self.conv1 = _conv_bn(3, c1, 7, 4, pool=nn.MaxPool2d(3, 2, ceil_mode=True))
        self.conv2 = _conv_bn(c1, c2, 5, 1)
        self.conv3 = _conv_bn(c2, c3, 3, 1)
        self.conv4 = _conv_bn(c3, c4, 3, 1)
        self.conv5 = _conv_bn(c4, c5, 3, 1, relu=False)
