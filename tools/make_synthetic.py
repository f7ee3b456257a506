"""Write the synthetic benchmark (VOT2016 and OTB100 layouts) built from scikit-image's sample photos.

    python tools/make_synthetic.py --out testing_dataset/synthetic --seed 0 --num_videos 6 --frames 60
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sotbase.errors import UserError  # noqa: E402
from toolkit.synthetic import generate_benchmark  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder that receives VOT2016/ and OTB100/")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num_videos", type=int, default=6)
    parser.add_argument("--frames", type=int, default=60, help="frames per video")
    parser.add_argument("--size", type=int, nargs=2, default=(320, 240), metavar=("W", "H"))
    parser.add_argument("--overwrite", action="store_true", help="regenerate even if the folders are up to date")
    args = parser.parse_args(argv)
    try:
        roots = generate_benchmark(args.out, seed=args.seed, num_videos=args.num_videos, num_frames=args.frames,
                                   size=tuple(args.size), overwrite=args.overwrite)
    except UserError as err:
        print(f"make_synthetic.py: error: {err}", file=sys.stderr)
        return 2
    for layout, root in roots.items():
        print(f"{layout}: {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
