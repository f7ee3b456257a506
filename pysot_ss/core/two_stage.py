"""Two-stage training (paper 3.5), called explicitly by tools/train.py: stage 1 -> K-means clusters -> stage 2.

A config with SAMPLER.TYPE hard_negative needs the clusters file SAMPLER.CLUSTER_FILE. ``ensure_clusters`` does
nothing when it exists; when it is missing and CLUSTER.STAGE1_CFG names the stage-1 config, it
(1) reuses that run's finished OUTPUT_DIR/model.pth if it was trained with the same training settings (a model
    trained with other settings is refused: ``training_differences``), else trains stage 1 (``--resume auto``);
(2) clusters the training videos with it (``pysot_ss.core.cluster.build_clusters``);
logging each step. Stage 2 is then the caller's ordinary ``Trainer(cfg).train()``.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

from pysot_ss.core import distributed as du
from pysot_ss.core.cluster import build_clusters
from pysot_ss.core.config import config_differences, load_cfg
from pysot_ss.core.trainer import Trainer
from pysot_ss.datasets.generate import generate_missing_data
from pysot_ss.errors import ConfigError
from pysot_ss.utils.checkpoint import load_checkpoint, snapshot_config
from pysot_ss.utils.logging import close_logger, setup_logger

_STAGE1_DROP = ("SAMPLER.", "CLUSTER.", "TRAIN.OUTPUT_DIR", "TRAIN.LOG_DIR", "TRAIN.RESUME")


def stage1_opts(opts) -> List[str]:
    """The command-line overrides that also apply to an automatic stage-1 run (not its output or sampler)."""
    opts = list(opts or [])
    out = []
    for k, v in zip(opts[0::2], opts[1::2]):
        if not str(k).startswith(_STAGE1_DROP):
            out += [k, v]
    return out


def ensure_clusters(cfg, dist_info: du.DistInfo, opts=None) -> None:
    """For SAMPLER.TYPE hard_negative with a missing SAMPLER.CLUSTER_FILE: build it from the stage-1 run named by
    CLUSTER.STAGE1_CFG (reusing its OUTPUT_DIR/model.pth, or training it first with --resume auto). Without
    CLUSTER.STAGE1_CFG a missing file is an error that spells out the two-stage recipe."""
    if cfg.SAMPLER.TYPE != "hard_negative":
        return
    target = str(cfg.SAMPLER.CLUSTER_FILE)
    if target and Path(target).is_file():
        if dist_info.is_main:
            setup_logger("pysot_ss.stages", None, 0).info(f"hard negatives: using the clusters file {target}")
        return
    if not target:
        raise ConfigError("SAMPLER.TYPE hard_negative needs SAMPLER.CLUSTER_FILE (the clusters file of stage 1)")
    if not cfg.CLUSTER.STAGE1_CFG:
        raise FileNotFoundError(
            f"SAMPLER.CLUSTER_FILE {target} does not exist. Two-stage recipe: "
            f"(1) python tools/train.py --config <stage-1 config, e.g. experiments/s2siamfc/stage1.yaml>; "
            f"(2) python tools/cluster.py --config <that config> --out {target}; (3) train this config again. "
            f"Or set CLUSTER.STAGE1_CFG to do (1)-(2) automatically.")
    try:
        s1 = load_cfg(cfg.CLUSTER.STAGE1_CFG, stage1_opts(opts))
    except ConfigError as e:
        raise ConfigError(f"CLUSTER.STAGE1_CFG: {e}") from None
    s1.SEED, s1.DEVICE = cfg.SEED, cfg.DEVICE
    if s1.SAMPLER.TYPE == "hard_negative":
        raise ConfigError(f"CLUSTER.STAGE1_CFG {cfg.CLUSTER.STAGE1_CFG} uses the hard_negative sampler itself")
    snapshot = Path(s1.TRAIN.OUTPUT_DIR) / "model.pth"
    logger = setup_logger("pysot_ss.stages", None, dist_info.rank)
    if snapshot.is_file():
        diff = training_differences(s1, snapshot)
        if diff:
            raise ConfigError(
                f"{snapshot}: this stage-1 model was trained with other settings than this run asks for "
                f"({'; '.join(diff[:6])}); reusing it would cluster with the wrong model. Move it away, or point "
                f"the stage-1 run elsewhere (its TRAIN.OUTPUT_DIR in {cfg.CLUSTER.STAGE1_CFG}).")
    if not finished(s1, snapshot):
        logger.info(f"{target} missing: training stage 1 ({cfg.CLUSTER.STAGE1_CFG} -> {snapshot}) first")
        generate_missing_data(s1, logger, write=dist_info.is_main)
        du.barrier()
        Trainer(s1, dist_info, resume="auto").train()
    else:
        logger.info(f"{target} missing: reusing the finished stage-1 model {snapshot}")
    if dist_info.is_main:
        logger.info(f"building {target} from {snapshot}")
        build_clusters(cfg, snapshot, out=target, device=dist_info.device)
        logger.info(f"wrote {target}")
    du.barrier()
    close_logger(logger)


# keys that do not change what a run learns (where it ran, how it logged, how it is tracked afterwards)
_NOT_TRAINING = ("DEVICE", "TRAIN.NUM_WORKERS", "TRAIN.OUTPUT_DIR", "TRAIN.LOG_DIR", "TRAIN.RESUME",
                 "TRAIN.PRINT_FREQ", "TRAIN.LOG_IMAGES_EVERY", "TRAIN.EPOCHS", "TRAIN.MAX_STEPS", "TRACK.", "CLUSTER.",
                 "LOSS.ADVERSARIAL_MASK.LOG_EVERY")


def training_differences(cfg, snapshot: Path) -> List[str]:
    """'KEY: stored vs wanted' for the training settings (SEED, data, losses, sizes...) in which the config stored
    in `snapshot` differs from `cfg` ([] when equal, or when the snapshot stores no config). EPOCHS/MAX_STEPS are
    left to `finished` (an unfinished run is resumed)."""
    stored = snapshot_config(snapshot)
    if stored is None:
        return []
    return [f"{k}: {a!r} vs {b!r}" for k, a, b in config_differences(stored, cfg)
            if not (k.startswith(_NOT_TRAINING) or k in _NOT_TRAINING)]


def finished(cfg, snapshot: Path) -> bool:
    """Whether `snapshot` (a Trainer's model.pth) completed the run `cfg` describes (epochs or MAX_STEPS)."""
    if not snapshot.is_file():
        return False
    ckpt = load_checkpoint(snapshot)
    epoch, step = int(ckpt.get("epoch", 0)), int(ckpt.get("step", 0))
    return epoch >= cfg.TRAIN.EPOCHS or (cfg.TRAIN.MAX_STEPS > 0 and step >= cfg.TRAIN.MAX_STEPS)
