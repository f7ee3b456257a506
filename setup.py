"""pysot-ss: self-supervised Siamese tracking (S2SiamFC) and a pure-Python VOT/OTB toolkit."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements():
    lines = (HERE / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


setup(
    name="pysot-ss",  # not "pysot": that name on the package index is an unrelated library
    version="0.1.0",
    description="Self-supervised fully-convolutional Siamese tracking (S2SiamFC) with a pure-NumPy VOT/OTB toolkit",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["pysot_ss", "pysot_ss.*", "toolkit", "toolkit.*"]),
    python_requires=">=3.10",
    install_requires=read_requirements(),
    extras_require={
        "dev": ["pytest>=7", "hypothesis>=6", "pytest-xdist>=3"],
    },
    entry_points={
        "console_scripts": [
            "pysot-ss-eval=toolkit.cli.eval:main",
        ],
    },
)
