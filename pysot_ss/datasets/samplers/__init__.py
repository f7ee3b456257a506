"""Training-pair samplers (registered in SAMPLERS, chosen by cfg.SAMPLER.TYPE): single_image (paper 3.2),
hard_negative (3.5) and the supervised video_pairs. Built as ``SAMPLERS.build(name, cfg, sources)``."""
from .base import PairSampler, SkipItem, context_size, to_item
from .hard_negative import HardNegativeSampler, load_clusters
from .single_image import SingleImageSampler
from .video_pairs import VideoPairSampler, siamfc_box_filter

__all__ = ["PairSampler", "SkipItem", "context_size", "to_item", "SingleImageSampler", "HardNegativeSampler",
           "load_clusters", "VideoPairSampler", "siamfc_box_filter"]
