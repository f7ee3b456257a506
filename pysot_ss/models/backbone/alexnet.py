"""The two published SiamFC AlexNets (stride 8; 127 -> 6x6x256, 255 -> 22x22x256, 239 -> 20x20x256).

* ``alexnet``    -- siamfc-pytorch's AlexNetV1: grouped conv2/4/5 (groups=2), BatchNorm(eps=1e-6, momentum=0.05),
                    floor-mode max pooling, conv5 without BN/ReLU.
* ``alexnet_s2`` -- the S2SiamFC authors' AlexNet: no groups, ceil-mode pooling, default BatchNorm, BN after conv5
                    (no ReLU). Checkpoints of the two are not interchangeable.
"""
from __future__ import annotations

import torch.nn as nn

from pysot_ss.utils.registry import BACKBONES


def _conv_bn(cin, cout, k, stride=1, groups=1, relu=True, bn_kwargs=None, pool=None):
    layers = [nn.Conv2d(cin, cout, k, stride, groups=groups), nn.BatchNorm2d(cout, **(bn_kwargs or {}))]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    if pool is not None:
        layers.append(pool)
    return nn.Sequential(*layers)


class _AlexNetBase(nn.Module):
    out_channels = 256
    stride = 8

    def input_conv(self) -> nn.Conv2d:
        """The convolution applied to the input image itself (the fast tracking path folds the input
        normalisation into its weights)."""
        return self.conv1[0]

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.conv4(x)
        return self.conv5(x)


@BACKBONES.register("alexnet")
class AlexNetV1(_AlexNetBase):
    def __init__(self):
        super().__init__()
        bn = dict(eps=1e-6, momentum=0.05)
        self.conv1 = _conv_bn(3, 96, 11, 2, bn_kwargs=bn, pool=nn.MaxPool2d(3, 2))
        self.conv2 = _conv_bn(96, 256, 5, 1, groups=2, bn_kwargs=bn, pool=nn.MaxPool2d(3, 2))
        self.conv3 = _conv_bn(256, 384, 3, 1, bn_kwargs=bn)
        self.conv4 = _conv_bn(384, 384, 3, 1, groups=2, bn_kwargs=bn)
        self.conv5 = nn.Sequential(nn.Conv2d(384, 256, 3, 1, groups=2))


@BACKBONES.register("alexnet_s2")
class AlexNetS2(_AlexNetBase):
    def __init__(self):
        super().__init__()
        self.conv1 = _conv_bn(3, 96, 11, 2, pool=nn.MaxPool2d(3, 2, ceil_mode=True))
        self.conv2 = _conv_bn(96, 256, 5, 1, pool=nn.MaxPool2d(3, 2, ceil_mode=True))
        self.conv3 = _conv_bn(256, 384, 3, 1)
        self.conv4 = _conv_bn(384, 384, 3, 1)
        self.conv5 = _conv_bn(384, 256, 3, 1, relu=False)
