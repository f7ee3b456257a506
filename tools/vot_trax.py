"""TraX server for the official VOT toolkit (pip install vot-toolkit vot-trax): see docs/vot_toolkit.md.

    python tools/vot_trax.py --config experiments/s2siamfc/config.yaml --snapshot runs/s2siamfc/model.pth
    python tools/vot_trax.py --tracker opencv_csrt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pysot_ss.apps.trax_server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
