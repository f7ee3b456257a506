#!/usr/bin/env python
"""Train SiamFC / S2SiamFC.

    python tools/train.py --config experiments/s2siamfc/config.yaml                 # full method (two stages)
    python tools/train.py --config experiments/s2siamfc/ss.yaml --opts TRAIN.EPOCHS 5 TRAIN.MAX_STEPS 100
    python tools/train.py --config ... --resume auto                                 # continue the latest checkpoint
    torchrun --standalone --nproc_per_node=4 tools/train.py --config ...             # DDP (NCCL, or gloo on CPU)

Hard negatives (SAMPLER.TYPE hard_negative) need SAMPLER.CLUSTER_FILE; when it is missing and
CLUSTER.STAGE1_CFG names the stage-1 config, that run is trained first (or its model.pth reused) and clustered.
The explicit recipe: train stage1.yaml, then tools/cluster.py --config experiments/s2siamfc/stage1.yaml, then
config.yaml. Exit status: 0 done, 2 bad configuration or data.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pysot_ss.api import resolve_config  # noqa: E402
from pysot_ss.core import distributed as du  # noqa: E402
from pysot_ss.core.config import load_cfg  # noqa: E402
from pysot_ss.core.trainer import Trainer  # noqa: E402
from pysot_ss.core.two_stage import ensure_clusters  # noqa: E402
from pysot_ss.datasets.generate import generate_missing_data  # noqa: E402
from pysot_ss.utils.logging import close_logger, setup_logger  # noqa: E402
from sotbase.errors import UserError  # noqa: E402


def prepare_data(cfg, dist_info: du.DistInfo) -> None:
    """The explicit data step: every ROOT must exist; only the default synthetic folder is generated when missing
    (DATASET.GENERATE_IF_MISSING, by rank 0; every rank checks, so all fail together)."""
    log = setup_logger("pysot_ss.data", None, dist_info.rank)
    generate_missing_data(cfg, log, write=dist_info.is_main)
    close_logger(log)
    du.barrier()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="train a SiamFC / S2SiamFC model")
    p.add_argument("--config", "--cfg", dest="cfg", default="s2siamfc",
                   help="experiment YAML, or a name for experiments/<name>/config.yaml (default: s2siamfc)")
    p.add_argument("--resume", default=None,
                   help="'auto' (latest checkpoint_e*.pth in OUTPUT_DIR) or a checkpoint path "
                        "(default: TRAIN.RESUME of the config)")
    p.add_argument("--seed", type=int, default=None, help="overrides SEED")
    p.add_argument("--device", default=None, help="auto, cpu, cuda (overrides DEVICE)")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides: KEY VALUE ...")
    args = p.parse_args(argv)
    try:
        cfg = load_cfg(str(resolve_config(args.cfg)) if args.cfg else None, args.opts)  # "": the defaults
    except (UserError, OSError) as e:
        print(f"train.py: error: {e}", file=sys.stderr)
        return 2
    if args.seed is not None:
        cfg.SEED = args.seed
    if args.device:
        cfg.DEVICE = args.device
    try:
        dist_info = du.init_distributed(cfg.DEVICE)
    except RuntimeError as e:
        print(f"train.py: error: {e}", file=sys.stderr)
        return 2
    try:
        prepare_data(cfg, dist_info)
        ensure_clusters(cfg, dist_info, args.opts)
        path = Trainer(cfg, dist_info, resume=args.resume).train()
        if path is not None:
            print(f"model: {path}")
        return 0
    except (UserError, OSError) as e:
        print(f"train.py: error: {e}", file=sys.stderr)
        return 2
    finally:
        du.cleanup()


if __name__ == "__main__":
    sys.exit(main())
