"""pysot-ss: self-supervised Siamese tracking (S2SiamFC) and a pure-Python VOT/OTB toolkit."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
REQUIREMENTS = (HERE / "requirements.txt").read_text().splitlines()

setup(
    name="pysot-ss",  # not "pysot": that name on the package index is an unrelated library
    version="0.1.0",
    description="Self-supervised fully-convolutional Siamese tracking (S2SiamFC) with a pure-NumPy VOT/OTB toolkit",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["pysot_ss", "pysot_ss.*", "sotbase", "sotbase.*", "toolkit", "toolkit.*"]),
    python_requires=">=3.10",
    install_requires=[ln.strip() for ln in REQUIREMENTS if ln.strip() and not ln.startswith("#")],
    extras_require={
        "dev": ["pytest>=7", "hypothesis>=6", "pytest-xdist>=3", "vot-trax>=4.0.1"],
        # the official VOT toolkit. attributee 0.1.10 breaks `import vot` (dataclass_transform TypeError on
        # Python 3.11), hence the pin. vot-toolkit also pulls opencv-python, which overwrites the cv2 package of
        # opencv-contrib-python-headless (losing the CSRT/KCF trackers): see docs/vot_toolkit.md for the fix.
        "vot": ["vot-toolkit>=0.9,<0.10", "vot-trax>=4.0.1", "attributee>=0.1.8,<0.1.10"],
    },
    entry_points={"console_scripts": ["pysot-ss-eval=toolkit.cli.eval:main"]},
)
