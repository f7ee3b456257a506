#!/usr/bin/env python
"""Run a tracker on a benchmark and write pysot-layout results (VOT reset protocol or one-pass).

    python tools/test.py --dataset VOT2016 --config experiments/s2siamfc/config.yaml --snapshot model.pth
    python tools/test.py --dataset OTB100 --tracker opencv_kcf            # a tracker without weights

Exit status: 0 all videos done, 1 some video failed (others still finished), 2 bad arguments.

A re-run resumes: videos with complete results are skipped. Results made with another config are not mixed with
new ones: the run is refused unless --overwrite, which deletes them first.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pysot_ss.core.tester import run_test  # noqa: E402
from sotbase.errors import UserError  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="track a benchmark with the VOT reset or the one-pass protocol")
    p.add_argument("--dataset", required=True,
                   help="VOT2016, VOT2017, VOT2018, VOT2019, OTB100 (= OTB2015), OTB50, OTB2013, GOT-10k, LaSOT, "
                        "or custom:<Name> for a folder of your own sequences (see --dataset_root)")
    p.add_argument("--config", "--cfg", default="", help="experiment YAML (default: the config stored in the snapshot)")
    p.add_argument("--snapshot", default="", help="model weights (.pth); not needed by trackers without weights")
    p.add_argument("--tracker", default="", help="registered tracker type, overrides TRACK.TYPE (e.g. opencv_kcf)")
    p.add_argument("--video", default="", help="only this video")
    p.add_argument("--vis", action="store_true", help="show the frames (needs a display and OpenCV with GUI)")
    p.add_argument("--dataset_root", default="", help="default: testing_dataset/<dataset> (relative to the CWD)")
    p.add_argument("--tracker_name", default="", help="results folder name (default: snapshot name up to the '.')")
    p.add_argument("--results_dir", default="results", help="results root (default ./results)")
    p.add_argument("--overwrite", action="store_true",
                   help="delete this tracker's earlier results on the dataset (every video, also with --video) and "
                        "its config.yaml, then track from scratch; without it a re-run skips finished videos and is "
                        "refused when the stored config.yaml differs from this run's config")
    p.add_argument("--num_workers", type=int, default=1, help="videos tracked in parallel processes")
    p.add_argument("--protocol", choices=("reset", "ope"), default=None,
                   help="default: reset for VOT2016/2018/2019, one-pass otherwise")
    p.add_argument("--eao_interval", type=int, nargs=2, metavar=("LOW", "HIGH"), default=None,
                   help="EAO length range recorded for a custom dataset")
    p.add_argument("--device", default="", help="cpu, cuda, cuda:N or auto (default: DEVICE of the config)")
    p.add_argument("--no_progress", action="store_true", help="no tqdm progress bars")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides: KEY VALUE ...")
    args = p.parse_args(argv)
    try:
        return run_test(args.dataset, config=args.config or None, snapshot=args.snapshot or None,
                        video=args.video, vis=args.vis, dataset_root=args.dataset_root or None,
                        tracker_name=args.tracker_name or None, results_dir=args.results_dir,
                        num_workers=args.num_workers, protocol=args.protocol, eao_interval=args.eao_interval,
                        device=args.device or None, opts=args.opts, tracker=args.tracker or None,
                        progress=not args.no_progress, overwrite=args.overwrite)
    except (UserError, OSError) as e:
        print(f"test.py: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("test.py: interrupted; finished videos are saved, re-run the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
