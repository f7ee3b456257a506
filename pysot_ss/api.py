"""Python API: a ready tracker in one call.

    from pysot_ss import load_tracker
    tracker = load_tracker("s2siamfc", snapshot="runs/s2siamfc/checkpoint_e50.pth")
    tracker = load_tracker("s2siamfc_fast")   # a model-zoo name: the shipped file and its stored config
    tracker.init(first_frame_bgr, (x, y, w, h))
    (x, y, w, h), score = tracker.track(next_frame_bgr)

`load_tracker` returns a thin :class:`Tracker` around the registered tracker (``tracker.tracker``). Its ``track``
returns a :class:`TrackResult`: a ``(box, score)`` pair that also answers pysot's dict keys (``result['bbox']``,
``result['best_score']``, ``result.as_dict()``). Any other attribute is the wrapped tracker's.
A ``.onnx`` snapshot (tools/export_onnx.py) loads the ``siamfc_onnx`` tracker (ONNX Runtime, no torch model).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

from yacs.config import CfgNode as CN

from pysot_ss.errors import ConfigError
from pysot_ss.core.config import get_cfg, load_cfg, merge_opts
from pysot_ss.export.runtime import config_from_onnx
from pysot_ss.models import build_model
from pysot_ss.tracker.builder import build_tracker, needs_weights
from pysot_ss.utils.checkpoint import CheckpointError, load_weights, snapshot_config
from sotbase.validate import check_frame, check_init_box

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS = REPO / "experiments"
MODELS = REPO / "models"
# The model zoo (MODEL_ZOO.md): name -> file under models/. ``load_tracker(name)`` loads the file with the config
# stored in it; an experiment of the same name is its training config.
ZOO = {
    "s2siamfc_alexnet": "s2siamfc_alexnet.pth",   # the reference S2SiamFC model (alexnet_s2): ~13 fps on 2 cores
    "s2siamfc_fast": "s2siamfc_fast_int8.onnx",   # the real-time model, int8 on ONNX Runtime (CPU): ~200 fps
    "s2siamfc_fast_torch": "s2siamfc_fast.pth",   # the same model in torch (GPU, fine-tuning, re-export): ~140 fps
}


def zoo_snapshot(name: str) -> Path:
    """The file of a model-zoo entry; a clear error when the name is unknown or the file is missing."""
    if name not in ZOO:
        raise FileNotFoundError(f"{name!r} is not a model-zoo name; known: {', '.join(sorted(ZOO))}")
    path = MODELS / ZOO[name]
    if not path.is_file():
        raise FileNotFoundError(f"model-zoo file of {name!r} not found: {path}")
    return path


def resolve_config(config_or_name) -> Path:
    """A YAML path as given, or an experiment name -> experiments/<name>/config.yaml (relative to the repo)."""
    p = Path(os.fspath(config_or_name)).expanduser()
    if p.is_file():
        return p
    if p.suffix.lower() in (".yaml", ".yml") or os.sep in str(config_or_name):
        raise ConfigError(f"config file not found: {p}")
    exp = EXPERIMENTS / str(config_or_name) / "config.yaml"
    if exp.is_file():
        return exp
    known = sorted(d.name for d in EXPERIMENTS.iterdir() if (d / "config.yaml").is_file()) \
        if EXPERIMENTS.is_dir() else []
    raise ConfigError(f"{config_or_name!r} is neither a config file nor an experiment name "
                            f"(looked for {exp}); experiments: {', '.join(known) or '(none)'}")


def config_for(config_or_name=None, snapshot=None, opts: Optional[Iterable[str]] = None,
               opts_label: str = "opts") -> CN:
    """The effective config -- the one reader of configs for every tool: the given YAML/experiment, else the one
    stored in the snapshot (a pysot-ss checkpoint, or the metadata of a tools/export_onnx.py file), else the
    defaults; then `opts` (KEY VALUE ...; errors name `opts_label`)."""
    if is_onnx_file(snapshot) and not os.path.isfile(str(snapshot)):
        raise CheckpointError(f"snapshot not found: {snapshot}")
    if config_or_name is not None:
        return load_cfg(str(resolve_config(config_or_name)), opts, label=opts_label)
    if is_onnx_file(snapshot):
        cfg = config_from_onnx(snapshot)
    else:
        cfg = (snapshot_config(snapshot) if snapshot is not None else None) or get_cfg()
    return merge_opts(cfg, opts, label=opts_label)


class TrackResult(tuple):
    """``(box, score)`` with box = (x, y, w, h) floats; ``r['bbox']`` / ``r['best_score']`` give pysot's fields."""

    def __new__(cls, bbox, score):
        return super().__new__(cls, (tuple(float(v) for v in bbox), float(score)))

    @property
    def bbox(self) -> Tuple[float, float, float, float]:
        return tuple.__getitem__(self, 0)

    @property
    def score(self) -> float:
        return tuple.__getitem__(self, 1)

    def __getitem__(self, key):
        if key == "bbox":
            return list(self.bbox)
        if key in ("best_score", "score"):
            return self.score
        return tuple.__getitem__(self, key)

    def as_dict(self) -> Dict:
        return {"bbox": list(self.bbox), "best_score": self.score}


class Tracker:
    """The documented API around any registered tracker: ``init(image, (x, y, w, h))``,
    ``track(image) -> ((x, y, w, h), score)``. Images are OpenCV BGR arrays: uint8, HxW, HxWx3 or HxWx4, at least
    8x8 pixels; the init box is finite with a positive size and overlaps the image. Anything else raises
    `sotbase.validate.InputError` (a ValueError) saying what is accepted, whatever the tracker."""

    def __init__(self, tracker):
        self.tracker = tracker

    def init(self, image, box) -> None:
        image = check_frame(image, "init image")
        self.tracker.init(image, check_init_box(box, image.shape))

    def track(self, image) -> TrackResult:
        out = self.tracker.track(check_frame(image, "image"))
        return TrackResult(out["bbox"], out.get("best_score", 0.0))

    def __getattr__(self, name):  # cfg, device, model, ... of the wrapped tracker
        if name == "tracker":  # not set yet (e.g. during unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.tracker, name)

    def __repr__(self) -> str:
        return f"Tracker({type(self.tracker).__name__})"


def is_onnx_file(snapshot) -> bool:
    """Is `snapshot` an ONNX export (tools/export_onnx.py), which runs on the siamfc_onnx engine?"""
    return snapshot is not None and str(snapshot).lower().endswith(".onnx")


def load_tracker(config_or_name=None, snapshot=None, device: Optional[str] = "cpu",
                 opts: Optional[Iterable[str]] = None) -> Tracker:
    """Config + model + weights -> :class:`Tracker` around cfg.TRACK.TYPE.

    config_or_name: a model-zoo name (``ZOO``: the shipped file with its stored config, when no snapshot is given),
    a YAML path or an experiment name (experiments/<name>/config.yaml); None uses the config stored in `snapshot`
    (pysot-ss checkpoints keep it) or the defaults. snapshot: weights file (a pysot-ss checkpoint or a
    bare state dict); None leaves the model randomly initialised. device: 'cpu' (default), 'cuda', 'auto', or None
    to keep cfg.DEVICE. opts: extra KEY VALUE overrides (e.g. ``["TRACK.TYPE", "opencv_csrt"]``: weight-free
    trackers need no snapshot). A ``*.onnx`` snapshot selects ``siamfc_onnx``; without a config it uses the config
    stored in the ONNX file.
    """
    if snapshot is None and isinstance(config_or_name, str) and config_or_name in ZOO:
        config_or_name, snapshot = None, zoo_snapshot(config_or_name)
    cfg = config_for(config_or_name, snapshot, opts)
    if device is not None:
        cfg.DEVICE = str(device)
    return Tracker(build_from_config(cfg, snapshot))


def build_from_config(cfg, snapshot=None):
    """The effective config + a weights file -> the registered tracker cfg.TRACK.TYPE (what load_tracker and
    tools/test.py's workers build). A ``*.onnx`` snapshot runs on the ``siamfc_onnx`` engine; otherwise the network
    is built from cfg and the snapshot's weights loaded (strictly), unless the tracker needs none."""
    if is_onnx_file(snapshot):
        cfg.TRACK.TYPE = "siamfc_onnx"
        return build_tracker(cfg, str(snapshot))
    model = None
    if needs_weights(cfg.TRACK.TYPE) or snapshot is not None:
        model = build_model(cfg)
        if snapshot is not None:
            load_weights(model, snapshot, strict=True)
        model.eval()
    return build_tracker(cfg, model)
