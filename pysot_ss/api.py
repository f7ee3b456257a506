"""Python API: a ready tracker in one call.

    from pysot_ss import load_tracker
    tracker = load_tracker("s2siamfc", snapshot="runs/s2siamfc/checkpoint_e50.pth")
    tracker.init(first_frame_bgr, (x, y, w, h))
    out = tracker.track(next_frame_bgr)      # {'bbox': [x, y, w, h], 'best_score': ...}
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

from yacs.config import CfgNode as CN

from pysot_ss.core.config import get_cfg, load_cfg
from pysot_ss.utils.checkpoint import CheckpointError, config_from_checkpoint, load_weights

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS = REPO / "experiments"


def resolve_config(config_or_name) -> Path:
    """A YAML path as given, or an experiment name -> experiments/<name>/config.yaml (relative to the repo)."""
    p = Path(os.fspath(config_or_name)).expanduser()
    if p.is_file():
        return p
    if p.suffix.lower() in (".yaml", ".yml") or os.sep in str(config_or_name):
        raise FileNotFoundError(f"config file not found: {p}")
    exp = EXPERIMENTS / str(config_or_name) / "config.yaml"
    if exp.is_file():
        return exp
    known = sorted(d.name for d in EXPERIMENTS.iterdir() if (d / "config.yaml").is_file()) \
        if EXPERIMENTS.is_dir() else []
    raise FileNotFoundError(f"{config_or_name!r} is neither a config file nor an experiment name "
                            f"(looked for {exp}); experiments: {', '.join(known) or '(none)'}")


def config_for(config_or_name=None, snapshot=None, opts: Optional[Iterable[str]] = None) -> CN:
    """The effective config: the given YAML/experiment, else the one stored in a pysot-ss checkpoint, else the
    defaults; then `opts` (KEY VALUE ...)."""
    if config_or_name is not None:
        return load_cfg(str(resolve_config(config_or_name)), opts)
    cfg = get_cfg()
    stored = config_from_checkpoint(snapshot) if snapshot is not None else None
    if stored:
        try:
            cfg.merge_from_other_cfg(CN.load_cfg(stored))
        except (KeyError, ValueError, AssertionError) as e:
            raise CheckpointError(f"{snapshot}: its stored config does not fit this version of pysot-ss ({e}); "
                                  f"pass a config file explicitly") from None
    if opts:
        opts = list(opts)
        if len(opts) % 2:
            raise ValueError(f"opts needs KEY VALUE pairs, got an odd number of items: {opts}")
        try:
            cfg.merge_from_list(opts)
        except (KeyError, ValueError, AssertionError) as e:
            raise ValueError(f"opts: {e}") from None
    return cfg


def load_tracker(config_or_name=None, snapshot=None, device: Optional[str] = "cpu",
                 opts: Optional[Iterable[str]] = None):
    """Config + model + weights -> tracker (cfg.TRACK.TYPE).

    config_or_name: a YAML path or an experiment name (experiments/<name>/config.yaml); None uses the config stored
    in `snapshot` (pysot-ss checkpoints keep it) or the defaults. snapshot: weights file (a pysot-ss checkpoint or a
    bare state dict); None leaves the model randomly initialised. device: 'cpu' (default), 'cuda', 'auto', or None
    to keep cfg.DEVICE. opts: extra KEY VALUE overrides.
    """
    from pysot_ss.models import build_model
    from pysot_ss.tracker import build_tracker

    cfg = config_for(config_or_name, snapshot, opts)
    if device is not None:
        cfg.DEVICE = str(device)
    model = build_model(cfg)
    if snapshot is not None:
        load_weights(model, snapshot, strict=True)
    model.eval()
    return build_tracker(cfg, model)
