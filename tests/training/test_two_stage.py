"""Two-stage orchestration (pysot_ss.core.two_stage): stage 1 -> clusters -> stage 2 with tiny sizes, reuse of a
matching stage-1 model, refusal of one trained with other settings, and the stage-1 command-line overrides."""
import json

import pytest

from pysot_ss.core.distributed import DistInfo
from pysot_ss.core.trainer import Trainer
from pysot_ss.core.two_stage import ensure_clusters, stage1_opts

from .test_cluster import _cfg, images  # noqa: F401  (the fixture)


def test_stage1_opts_keep_schedule_but_not_outputs():
    opts = ["TRAIN.EPOCHS", "1", "TRAIN.OUTPUT_DIR", "x", "SAMPLER.TYPE", "single_image", "CLUSTER.K", "3",
            "TRAIN.MAX_STEPS", "5"]
    assert stage1_opts(opts) == ["TRAIN.EPOCHS", "1", "TRAIN.MAX_STEPS", "5"]


def test_not_hard_negative_or_existing_file_is_a_no_op(images, tmp_path):  # noqa: F811
    cfg = _cfg(images, tmp_path / "run")
    ensure_clusters(cfg, DistInfo())                     # single_image sampler: nothing to do
    cfg.SAMPLER.TYPE, cfg.SAMPLER.CLUSTER_FILE = "hard_negative", str(tmp_path / "c.json")
    (tmp_path / "c.json").write_text("{}")
    cfg.CLUSTER.STAGE1_CFG = str(tmp_path / "never_read.yaml")
    ensure_clusters(cfg, DistInfo())
    assert not (tmp_path / "run").exists()


def test_stage1_then_clusters_then_stage2_reuse_and_refusal(images, tmp_path):  # noqa: F811
    s1 = _cfg(images, tmp_path / "stage1")
    s1_path = tmp_path / "stage1.yaml"
    s1_path.write_text(s1.dump())
    cfg = _cfg(images, tmp_path / "stage2")
    cfg.SAMPLER.TYPE = "hard_negative"
    cfg.SAMPLER.CLUSTER_FILE = str(tmp_path / "stage1" / "clusters.json")
    with pytest.raises(FileNotFoundError, match="tools/cluster.py"):     # no STAGE1_CFG: the recipe
        ensure_clusters(cfg, DistInfo())
    cfg.CLUSTER.STAGE1_CFG = str(s1_path)
    ensure_clusters(cfg, DistInfo(), opts=["TRAIN.MAX_STEPS", "1", "TRAIN.OUTPUT_DIR", "ignored"])
    model = tmp_path / "stage1" / "model.pth"
    assert model.is_file() and not (tmp_path / "ignored").exists()
    assert json.loads((tmp_path / "stage1" / "clusters.json").read_text())["k"] == 3
    cfg.TRAIN.MAX_STEPS = 1
    assert Trainer(cfg).train().is_file()                                 # stage 2 reads the clusters
    # a finished stage-1 model of another seed is not silently reused for this one
    (tmp_path / "stage1" / "clusters.json").unlink()
    cfg.SEED = s1.SEED + 1
    with pytest.raises(ValueError, match=rf"SEED: {s1.SEED} vs {s1.SEED + 1}"):
        ensure_clusters(cfg, DistInfo(), opts=["TRAIN.MAX_STEPS", "1"])
    assert not (tmp_path / "stage1" / "clusters.json").exists()
    # same settings (a different device or worker count does not matter): reused, not retrained
    cfg.SEED = s1.SEED
    before = model.stat().st_mtime_ns
    ensure_clusters(cfg, DistInfo(), opts=["TRAIN.MAX_STEPS", "1", "TRAIN.NUM_WORKERS", "0", "DEVICE", "cpu"])
    assert (tmp_path / "stage1" / "clusters.json").is_file() and model.stat().st_mtime_ns == before
