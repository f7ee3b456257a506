"""Training data: sources (where images come from) -> samplers (which pair, which crops) -> PairDataset.

    from pysot_ss.datasets import build_train_dataset
    ds = build_train_dataset(cfg)          # torch Dataset of cfg.TRAIN.PAIRS_PER_EPOCH pairs
    ds.set_epoch(epoch)                    # before each epoch's DataLoader iterator
    item = ds[0]  # {'template' (3,E,E), 'search' (3,S,S) float32 BGR 0..255, 'offset' (2,), 'negative',
                  #  'mean_color' (3,), 'index'}

One-image pairs (fine-tuning): ``SingleImageSampler(cfg).sample_from_image(img_bgr, rng, box=None)``.
"""
from . import samplers, sources, transforms
from .pair_dataset import PairDataset, SlotTable, build_train_dataset
from .samplers import HardNegativeSampler, PairSampler, SingleImageSampler, VideoPairSampler
from .sources import DataSourceError, ImageSource, build_sources

__all__ = ["build_train_dataset", "build_sources", "PairDataset", "SlotTable", "PairSampler", "SingleImageSampler",
           "HardNegativeSampler", "VideoPairSampler", "ImageSource", "DataSourceError", "samplers", "sources",
           "transforms"]
