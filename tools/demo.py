"""Track an object in a video, a frame folder or a camera: see pysot_ss/apps/demo.py and `--help`.

    python tools/demo.py --config experiments/s2siamfc/config.yaml --snapshot runs/s2siamfc/model.pth \
        --video input.mp4 --init 120,80,40,60 --out out.mp4
    python tools/demo.py --tracker opencv_csrt --video frames_dir/ --init 120,80,40,60
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pysot_ss.apps.demo import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
