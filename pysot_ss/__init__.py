"""pysot-ss: self-supervised Siamese tracking (S2SiamFC) on a pysot-compatible framework."""
__version__ = "0.1.0"


def __getattr__(name):  # lazy: `import pysot_ss` stays light (no torch) until load_tracker is used
    if name == "load_tracker":
        from pysot_ss.api import load_tracker
        return load_tracker
    raise AttributeError(f"module 'pysot_ss' has no attribute {name!r}")
