"""Heads register themselves in `pysot_ss.utils.registry.HEADS` on import."""
from pysot_ss.models.head import xcorr  # noqa: F401  (registers xcorr, xcorr_bn)
