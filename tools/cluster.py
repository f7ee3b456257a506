#!/usr/bin/env python
"""K-means clusters of the training videos (one representative frame each) with a stage-1 model (hard negatives,
paper 3.5). Which images are frames of one video: the sources' video grouping (image sources: the CLIPS key).

    python tools/cluster.py --config experiments/s2siamfc/stage1.yaml \
        [--snapshot runs/s2siamfc_stage1/model.pth] [--out runs/s2siamfc_stage1/clusters.json]

Defaults: --snapshot OUTPUT_DIR/model.pth, --out CLUSTER.OUTPUT or OUTPUT_DIR/clusters.json. The stage-2 config
points SAMPLER.CLUSTER_FILE at the output. Exit status: 0 done, 2 bad arguments or data.
"""
import argparse
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pysot_ss.api import resolve_config  # noqa: E402
from pysot_ss.core.cluster import build_clusters  # noqa: E402
from pysot_ss.core.config import load_cfg  # noqa: E402
from pysot_ss.core.distributed import resolve_device  # noqa: E402
from sotbase.errors import UserError  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="cluster the training images with a stage-1 backbone")
    p.add_argument("--config", "--cfg", dest="cfg", required=True,
                   help="experiment YAML or name (model and DATASET of the run); --cfg is an alias")
    p.add_argument("--snapshot", default="", help="stage-1 weights (default: OUTPUT_DIR/model.pth)")
    p.add_argument("--out", default="", help="clusters JSON (default: CLUSTER.OUTPUT or OUTPUT_DIR/clusters.json)")
    p.add_argument("--device", default=None, help="auto, cpu, cuda (overrides DEVICE)")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides: KEY VALUE ...")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        cfg = load_cfg(str(resolve_config(args.cfg)) if args.cfg else None, args.opts)  # "": the defaults
        snapshot = args.snapshot or str(Path(cfg.TRAIN.OUTPUT_DIR) / "model.pth")
        out = build_clusters(cfg, snapshot, out=args.out or None, device=resolve_device(args.device or cfg.DEVICE))
    except (UserError, OSError) as e:
        print(f"cluster.py: error: {e}", file=sys.stderr)
        return 2
    print(f"clusters: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
