"""Backbones register themselves in `pysot_ss.utils.registry.BACKBONES` on import."""
from pysot_ss.models.backbone import alexnet, alexnet_lite  # noqa: F401  (registers alexnet, alexnet_s2, alexnet_lite)
