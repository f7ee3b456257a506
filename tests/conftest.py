"""Shared fixtures. `shared_data` is ../shared/data next to the repository (or $PYSOT_SS_SHARED/data)."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    env = os.environ.get("PYSOT_SS_SHARED")
    return Path(env) if env else (REPO.parent / "shared")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_root() / "data"
    if not (d / "sequences").is_dir():
        pytest.skip(f"shared data not found at {d}")
    return d


# The suite runs with `pytest -n 2` on 2 cores: one torch thread per worker (and per subprocess that inherits the
# environment) avoids oversubscription, which on this kind of machine costs far more than it gains.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass
