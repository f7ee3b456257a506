"""pysot-ss: self-supervised Siamese tracking (S2SiamFC) on a pysot-compatible framework."""
__version__ = "0.1.0"
