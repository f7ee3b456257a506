"""Training-pair samplers (registered in SAMPLERS, chosen by cfg.SAMPLER.TYPE): single_image (paper 3.2),
hard_negative (3.5) and the supervised video_pairs; crop geometries (registered in CROP_GEOMETRIES, chosen by
cfg.SAMPLER.CROP_GEOMETRY) in geometry.py. Built as ``SAMPLERS.build(name, cfg, sources)``."""
from .base import PairSampler, SkipItem, context_size, to_item
from .geometry import authors, centred
from .hard_negative import HardNegativeSampler, load_clusters
from .single_image import SingleImageSampler
from .video_pairs import VideoPairSampler, siamfc_box_filter

__all__ = ["PairSampler", "SkipItem", "context_size", "to_item", "authors", "centred", "SingleImageSampler",
           "HardNegativeSampler", "load_clusters", "VideoPairSampler", "siamfc_box_filter"]
