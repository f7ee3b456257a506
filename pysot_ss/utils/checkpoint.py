"""Checkpoints: written atomically, read with ``torch.load(weights_only=True)``.

A pysot-ss checkpoint is a dict ``{"format": "pysot-ss", "model": state_dict, "config": <yaml str>, ...}``
(training checkpoints add optimizer/scheduler/epoch/RNG states). A bare state dict (the model zoo's fp16 file,
siamfc-pytorch's ``.pth``) also loads as long as its keys match the model.
"""
from __future__ import annotations

import copy
import functools
import os
from typing import Any, Dict, Optional

import torch
from yacs.config import CfgNode as CN

from pysot_ss.core.config import get_cfg, merge_yaml
from pysot_ss.errors import ConfigError, PysotSSError
from sotbase.atomic import atomic_output

FORMAT = "pysot-ss"


class CheckpointError(PysotSSError, RuntimeError):
    """A file that is missing, unreadable or not a checkpoint for this model."""


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return type(obj)((k, _to_cpu(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def save_checkpoint(state: Dict[str, Any], path) -> None:
    """torch.save to a temp file in the same folder, then rename: a crash never leaves half a checkpoint."""
    state = _to_cpu(dict(state))  # a checkpoint written on a GPU loads anywhere with plain torch.load
    state.setdefault("format", FORMAT)
    with atomic_output(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path, map_location="cpu") -> Dict[str, Any]:
    """The checkpoint's dict. The file is read once for consecutive calls on the same unchanged file (a snapshot's
    config, then its weights); each call gets its own copy, so a caller may modify it."""
    path = str(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"snapshot not found: {path}")
    st = os.stat(path)
    return copy.deepcopy(_load(path, st.st_mtime_ns, st.st_size, str(map_location)))


@functools.lru_cache(maxsize=1)
def _load(path: str, mtime_ns: int, size: int, map_location: str) -> Dict[str, Any]:
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # pickle errors, zip errors, unsupported globals...
        raise CheckpointError(f"{path}: not a pysot-ss checkpoint or state dict ({type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else ''})") from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: not a pysot-ss checkpoint (found a {type(obj).__name__}, expected a dict)")
    return obj


def extract_state_dict(obj: Dict[str, Any], path="<checkpoint>") -> Dict[str, torch.Tensor]:
    for key in ("model", "state_dict"):
        if key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path}: not a pysot-ss checkpoint (no model weights inside)")
    return {(k[7:] if k.startswith("module.") else k): v for k, v in obj.items()}


def load_weights(model: torch.nn.Module, path, strict: bool = True, map_location="cpu") -> Dict[str, Any]:
    """Load model weights from `path` into `model` (any float dtype is cast); returns the whole checkpoint dict."""
    return apply_weights(model, load_checkpoint(path, map_location), path, strict)


def apply_weights(model: torch.nn.Module, obj: Dict[str, Any], path, strict: bool = True) -> Dict[str, Any]:
    """Load the weights of the checkpoint dict `obj` (read from `path`) into `model`; returns `obj`."""
    state = extract_state_dict(obj, path)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if strict and (missing or unexpected):
        raise CheckpointError(
            f"{path}: its weights do not fit the model built from the config "
            f"(missing {len(missing)}: {missing[:5]}; unexpected {len(unexpected)}: {unexpected[:5]}). "
            f"Check BACKBONE.TYPE / HEAD.TYPE.")
    bad = [k for k in own if k in state and own[k].shape != state[k].shape]
    if bad:
        raise CheckpointError(f"{path}: its weights do not fit the model built from the config: shape mismatch for "
                              f"{bad[:5]} (e.g. {tuple(state[bad[0]].shape)} vs {tuple(own[bad[0]].shape)}). "
                              f"Check BACKBONE.TYPE / HEAD.TYPE.")
    state = {k: v.to(own[k].dtype) if v.is_floating_point() else v for k, v in state.items() if k in own}
    model.load_state_dict(state, strict=strict)
    return obj


def load_backbone(backbone: torch.nn.Module, path) -> int:
    """Backbone weights from a backbone-only state dict or a whole-model checkpoint ('backbone.' keys)."""
    state = extract_state_dict(load_checkpoint(path), path)
    if any(k.startswith("backbone.") for k in state):
        state = {k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")}
    own = backbone.state_dict()
    matched = {k: v.to(own[k].dtype) for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not matched:
        raise CheckpointError(f"{path}: no weight matches the backbone (BACKBONE.PRETRAINED)")
    backbone.load_state_dict(matched, strict=False)
    return len(matched)


def snapshot_config(snapshot) -> Optional[CN]:
    """The defaults + the config stored in a pysot-ss checkpoint, or None when the file stores none. DEVICE is
    reset to 'auto': the training machine's device says nothing about where this one runs. A stored config
    this version cannot read is a CheckpointError naming the file."""
    stored = load_checkpoint(snapshot).get("config")
    if not isinstance(stored, str) or not stored:
        return None
    try:
        cfg = merge_yaml(get_cfg(), stored, "stored config")
    except ConfigError as e:
        raise CheckpointError(f"{snapshot}: its stored config does not fit this version of pysot-ss ({e}); "
                              f"pass a config file explicitly") from None
    cfg.DEVICE = "auto"
    return cfg
