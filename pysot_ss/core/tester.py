"""Glue between pysot-ss trackers and the toolkit's protocol runners (what ``tools/test.py`` calls).

* `make_tracker_factory(config, snapshot, opts, device, tracker=None)` builds the effective config (defaults ->
  ``--config`` YAML, or else the config stored in the snapshot -> ``--opts`` -> ``--tracker``/``--device``) and
  returns a picklable `TrackerFactory`: each worker process calls it once to build its own tracker.
* `run_test(...)` creates the dataset, saves the effective config next to the results, and runs
  `toolkit.protocols.run_dataset`; it returns the process exit status (0 ok, 1 if a video failed). A results
  folder whose config.yaml differs from this run's config while it holds results is refused (a resumed run would
  mix two configs) unless `overwrite`, which deletes it first. Names from flags and data files (tracker, dataset,
  video) must be plain names: nothing is written outside `results_dir`.

Setup problems (bad config key, missing snapshot, unknown tracker or dataset, unwritable results folder) raise
`TesterError` with a one-line message, which tools/test.py prints without a traceback (exit status 2).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from yacs.config import CfgNode as CN

from pysot_ss.api import build_from_config, config_for, is_onnx_file
from pysot_ss.core.config import config_differences, get_cfg, merge_yaml, save_cfg
from pysot_ss.errors import ConfigError, PysotSSError
from pysot_ss.tracker.builder import needs_weights
from sotbase.errors import UserError
from sotbase.registry import RegistryError
from toolkit.datasets import DatasetFactory, resolve_dataset, select_videos, split_custom
from toolkit.protocols import result_name, results_root, run_dataset
from toolkit.protocols.display import open_display

__all__ = ["TesterError", "TrackerFactory", "build_test_config", "make_tracker_factory",
           "default_tracker_name", "run_test"]


class TesterError(PysotSSError):
    """A problem with the arguments of a test run, reported as one line."""


def build_test_config(config: Optional[str] = None, snapshot: Optional[str] = None,
                      opts: Optional[Sequence[str]] = None, tracker: Optional[str] = None,
                      device: Optional[str] = None) -> CN:
    """The effective tracking config (``pysot_ss.api.config_for``, the one config reader: --config YAML or
    experiment name, else the config stored in the snapshot, .pth or .onnx), then --tracker / --device."""
    try:
        cfg = config_for(config or None, snapshot or None, opts, opts_label="--opts")
    except (UserError, OSError) as e:
        raise TesterError(str(e)) from None
    if tracker:
        cfg.TRACK.TYPE = tracker
    if device:
        cfg.DEVICE = device
    return cfg


class TrackerFactory:
    """Picklable recipe of a tracker: the effective config, the snapshot path and the device (in cfg.DEVICE).
    Each worker process calls it once; the build step is `pysot_ss.api.build_from_config`, as in load_tracker."""

    def __init__(self, cfg: CN, snapshot: Optional[str]):
        self.cfg = cfg
        self.snapshot = snapshot

    def __call__(self, num_threads: Optional[int] = None):
        cfg = self.cfg.clone()
        if num_threads:
            cfg.TRACK.NUM_THREADS = int(num_threads)
        return build_from_config(cfg, self.snapshot)

    def __repr__(self) -> str:
        return f"TrackerFactory({self.cfg.TRACK.TYPE!r}, snapshot={self.snapshot!r})"


def make_tracker_factory(config: Optional[str] = None, snapshot: Optional[str] = None,
                         opts: Optional[Sequence[str]] = None, device: Optional[str] = None,
                         tracker: Optional[str] = None) -> TrackerFactory:
    """Validate the arguments and return the factory; nothing heavy is built here."""
    if snapshot and not os.path.isfile(snapshot):
        raise TesterError(f"snapshot not found: {snapshot}")
    cfg = build_test_config(config, snapshot, opts, tracker, device)
    if is_onnx_file(snapshot):
        cfg.TRACK.TYPE = "siamfc_onnx"  # an exported network runs on ONNX Runtime, whatever the config says
    try:
        weights = needs_weights(cfg.TRACK.TYPE)
    except RegistryError as e:
        raise TesterError(str(e)) from None
    if weights and not snapshot:
        raise TesterError(f"tracker {cfg.TRACK.TYPE!r} needs weights: pass --snapshot <model.pth>")
    return TrackerFactory(cfg, snapshot or None)


def default_tracker_name(snapshot: Optional[str], tracker_type: str) -> str:
    """pysot's rule: the snapshot's file name up to the first '.', e.g. checkpoint_e20.pth -> checkpoint_e20;
    without a snapshot, the tracker type."""
    return (os.path.basename(snapshot).split(".")[0] if snapshot else "") or tracker_type


class _Prebuilt:
    """Hands the tracker already built (while validating) to the sequential runner; builds anew otherwise."""

    def __init__(self, factory: TrackerFactory, tracker):
        self.factory, self.tracker = factory, tracker

    def __call__(self, num_threads: Optional[int] = None):
        if self.tracker is not None and not num_threads:
            tracker, self.tracker = self.tracker, None
            return tracker
        return self.factory(num_threads=num_threads)


def _create_dataset(name: str, root: str, protocol: Optional[str], eao_interval):
    try:
        resolve_dataset(name)  # an unknown name (a typo) is said first
    except UserError as e:
        raise TesterError(str(e)) from None
    if not os.path.isdir(root):
        raise TesterError(f"dataset root not found: {root} (pass --dataset_root)")
    interval = tuple(int(v) for v in eao_interval) if eao_interval else None
    try:
        return DatasetFactory.create_dataset(name=name, dataset_root=root, load_img=False, protocol=protocol or None,
                                             eao_interval=interval)
    except (UserError, OSError) as e:  # broken JSON, missing folders, ...
        raise TesterError(f"cannot load dataset {name!r} from {root}: {e}") from None


def _config_changes(path: Path, cfg: CN) -> List[str]:
    """'KEY: old -> new' for every key where the config stored at `path` and `cfg` differ."""
    try:
        old = merge_yaml(get_cfg(), path.read_text(), str(path))
    except ConfigError as e:  # a hand-edited file
        return [f"(the stored config cannot be read: {e})"]
    return [f"{k}: {a!r} -> {b!r}" for k, a, b in config_differences(old, cfg)]


def _prepare_results(cfg: CN, root: Path, overwrite: bool, log) -> None:
    """Save the effective config as ``root/config.yaml``: with `overwrite` after deleting `root` (a clean start);
    otherwise refuse when `root` already holds results made with another config (a resumed run would mix them)."""
    path = root / "config.yaml"
    try:
        if overwrite and root.exists():
            shutil.rmtree(root)
            log(f"--overwrite: deleted the earlier results in {root}")
        elif path.is_file() and any(p.is_file() and p != path for p in root.rglob("*")):
            changes = _config_changes(path, cfg)
            if changes:
                shown = "; ".join(changes[:8]) + (f"; ... ({len(changes) - 8} more)" if len(changes) > 8 else "")
                raise TesterError(f"{root} holds results of another config ({shown}); a re-run would skip the "
                                  f"finished videos and mix the two: pass --overwrite to delete them and start "
                                  f"clean, or choose another --tracker_name or --results_dir")
        save_cfg(cfg, path)
    except OSError as e:
        raise TesterError(f"cannot write the results to {root}: {e}") from None


def run_test(dataset: str, config: Optional[str] = None, snapshot: Optional[str] = None, video: str = "",
             vis: bool = False, dataset_root: Optional[str] = None, tracker_name: Optional[str] = None,
             results_dir: str = "results", num_workers: int = 1, protocol: Optional[str] = None,
             eao_interval: Optional[Sequence[int]] = None, device: Optional[str] = None,
             opts: Optional[Sequence[str]] = None, tracker: Optional[str] = None, progress: bool = True,
             overwrite: bool = False, log=None) -> int:
    """Track every video of `dataset` (or just `video`) and write pysot-layout results; returns the exit code.
    `overwrite` deletes this tracker's earlier results on the dataset first."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    if num_workers < 1:
        raise TesterError(f"--num_workers must be >= 1, got {num_workers}")
    factory = make_tracker_factory(config, snapshot, opts, device, tracker)
    cfg = factory.cfg
    name = tracker_name or default_tracker_name(snapshot, cfg.TRACK.TYPE)
    ds = _create_dataset(dataset, dataset_root or os.path.join("testing_dataset", split_custom(dataset)[1]),
                         protocol, eao_interval)
    try:
        result_name(name, "--tracker_name")  # the snapshot's name and the tracker type are plain names
        root = results_root(results_dir, str(ds.name), name)
        select_videos(ds, video or None)
    except UserError as e:
        raise TesterError(str(e)) from None

    try:  # build once here so a weights/config mismatch is a setup error, not N failed videos
        built = factory()
    except TesterError:
        raise
    except Exception as e:
        raise TesterError(f"cannot build tracker {cfg.TRACK.TYPE!r}: {type(e).__name__}: {e}") from None

    on_frame_factory = None
    if vis:
        on_frame_factory, reason = open_display()
        if on_frame_factory is None:
            log(f"--vis: cannot show frames: {reason}; running without visualisation")

    _prepare_results(cfg, root, overwrite, log)
    run_factory = _Prebuilt(factory, built) if num_workers == 1 else factory
    try:
        summary = run_dataset(ds, run_factory, name, results_dir=results_dir, protocol=protocol,
                              videos=[video] if video else None, num_workers=num_workers,
                              on_frame_factory=on_frame_factory, progress=progress)
    except UserError as e:
        raise TesterError(str(e)) from None
    return summary.exit_code
