"""Training logs: a plain-text log (console + file, pysot's line format) and a TensorBoard writer wrapper.

Only rank 0 writes files; other ranks log warnings and errors to the console only. The tensorboardX writer is
created lazily and every call is a no-op when disabled, so the trainer never branches on the rank to log.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch

FORMAT = "[%(asctime)s-rk{rank}-%(filename)s#%(lineno)3d] %(message)s"


def setup_logger(name: str = "pysot_ss.train", log_file=None, rank: int = 0,
                 level: int = logging.INFO) -> logging.Logger:
    """A logger writing to stderr (and `log_file` on rank 0); calling it again replaces its handlers."""
    logger = logging.getLogger(name)
    close_logger(logger)
    logger.setLevel(level if rank == 0 else logging.WARNING)
    logger.propagate = False
    fmt = logging.Formatter(FORMAT.format(rank=rank), datefmt="%Y-%m-%d %H:%M:%S")
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(fmt)
    logger.addHandler(console)
    if log_file is not None and rank == 0:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        fh.setFormatter(fmt)
        logger.addHandler(fh)
    return logger


def close_logger(logger: logging.Logger) -> None:
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()


def truncate_log(path, size: int) -> int:
    """Cut the text log `path` back to `size` bytes (its length when a checkpoint was written, so that a resumed
    run does not repeat the lines of the steps it trains again); returns the number of lines removed."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size <= size:
        return 0
    with open(path, "r+b") as f:
        f.seek(size)
        dropped = f.read().count(b"\n")
        f.truncate(size)
    return dropped


def _to_float(v) -> float:
    return float(v.detach().float().item()) if isinstance(v, torch.Tensor) else float(v)


class TBWriter:
    """tensorboardX SummaryWriter behind a switch (rank 0 only), with helpers for our tensors. `purge_step` (set
    before the first write, on resume): TensorBoard hides the events of earlier runs from that step on."""

    def __init__(self, log_dir, enabled: bool = True, purge_step: Optional[int] = None):
        self.log_dir = str(log_dir)
        self.enabled = enabled
        self.purge_step = purge_step
        self._writer = None

    @property
    def writer(self):
        if self._writer is None and self.enabled:
            from tensorboardX import SummaryWriter
            self._writer = SummaryWriter(self.log_dir, purge_step=self.purge_step)
        return self._writer

    def scalar(self, tag: str, value, step: int) -> None:
        if self.enabled:
            self.writer.add_scalar(tag, _to_float(value), step)

    def scalars(self, values: Dict[str, object], step: int, prefix: str = "") -> None:
        for k, v in values.items():
            self.scalar(prefix + k, v, step)

    def histogram(self, tag: str, values, step: int) -> None:
        if self.enabled and values is not None and len(values):
            self.writer.add_histogram(tag, np.asarray(torch.as_tensor(values).detach().float().cpu()), step)

    def bgr_images(self, tag: str, images: torch.Tensor, step: int, max_images: int = 4) -> None:
        """Crops (N,3,H,W) in BGR 0..255 shown as RGB."""
        if self.enabled and images is not None:
            imgs = images[:max_images].detach().float().cpu().flip(1).clamp(0, 255) / 255.0
            self.writer.add_images(tag, imgs.numpy(), step, dataformats="NCHW")

    def maps(self, tag: str, maps: torch.Tensor, step: int, max_images: int = 4) -> None:
        """Single-channel maps (N,1,h,w) min-max normalised per map (e.g. responses)."""
        if self.enabled and maps is not None:
            m = maps[:max_images].detach().float().cpu()
            lo = m.flatten(1).amin(1).view(-1, 1, 1, 1)
            hi = m.flatten(1).amax(1).view(-1, 1, 1, 1)
            m = (m - lo) / (hi - lo).clamp_min(1e-12)
            self.writer.add_images(tag, m.numpy(), step, dataformats="NCHW")

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
