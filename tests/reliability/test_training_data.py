"""Reliability: where training data comes from (tools/train.py's data step, tools/make_synthetic.py).

Cases covered:
* case 1: a mistyped DATASET.SYNTHETIC.ROOT (default config, an experiment, a two-stage config) is an error naming
  the key and the path (exit 2) before anything trains; nothing is generated there. Only the default synthetic
  folder is generated, and only when DATASET.GENERATE_IF_MISSING is true (logged);
* case 10: tools/make_synthetic.py runs from a checkout that is not installed (no PYTHONPATH, no package).
"""
import subprocess
import sys
from pathlib import Path

import pysot_ss.datasets.generate as generate
from pysot_ss.datasets.sources.base import is_default_synthetic_root
from tools.train import main as train_main

REPO = Path(__file__).resolve().parents[2]


def test_mistyped_root_is_an_error_and_nothing_is_generated(tmp_path, monkeypatch, capsys):
    def refuse(*a, **kw):
        raise AssertionError("generated data")

    monkeypatch.setattr(generate, "generate_unlabeled_images", refuse)
    monkeypatch.chdir(tmp_path)
    typo = "data/synthetic/unlabled"
    for config in ("", REPO / "experiments/s2siamfc/stage1.yaml", REPO / "experiments/s2siamfc/config.yaml"):
        rc = train_main(["--config", str(config), "--device", "cpu", "--opts", "DATASET.SYNTHETIC.ROOT", typo,
                         "TRAIN.OUTPUT_DIR", str(tmp_path / "run")])
        err = capsys.readouterr().err
        assert rc == 2 and f"train.py: error: DATASET.SYNTHETIC.ROOT: no such folder: {typo}" in err, err
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []                    # no data folder, no run folder


def test_only_the_default_root_is_generated():
    assert is_default_synthetic_root("data/synthetic/unlabeled")
    assert is_default_synthetic_root("./data/synthetic/unlabeled/")
    assert not is_default_synthetic_root("data/synthetic/unlabled")


def test_make_synthetic_runs_without_the_package_installed(tmp_path):
    # the venv may hold an editable install of some checkout: drop its import hook, so that only the script's own
    # sys.path line can make `toolkit` importable (as in a fresh clone)
    code = ("import importlib.util, runpy, sys\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in getattr(f, '__module__', '')]\n"
            "assert importlib.util.find_spec('toolkit') is None\n"
            "sys.argv = sys.argv[1:]\n"
            "runpy.run_path(sys.argv[0], run_name='__main__')\n")
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code, str(REPO / "tools" / "make_synthetic.py"), "--out", "out",
                           "--num_videos", "1", "--frames", "3", "--size", "64", "48"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out" / "VOT2016" / "list.txt").is_file()
