"""K-means hard negatives: clusters file format, determinism, K clipping, the CLI (the automatic stage 1: test_two_stage.py)."""
import json

import pytest

from pysot_ss.core.cluster import build_clusters, kmeans
from pysot_ss.core.config import get_cfg
from pysot_ss.datasets import build_sources, build_train_dataset
from pysot_ss.models import build_model
from pysot_ss.utils.checkpoint import save_checkpoint


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from toolkit.synthetic import generate_unlabeled_images
    return generate_unlabeled_images(tmp_path_factory.mktemp("unl") / "images", n=10, seed=5, size=(128, 96))


def _cfg(images, out, k=3):
    cfg = get_cfg()
    cfg.DEVICE = "cpu"
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE, cfg.INPUT.NORMALIZE = "alexnet_s2", "xcorr_bn", "unit"
    cfg.DATASET.SYNTHETIC.ROOT = str(images)
    cfg.CLUSTER.K = k
    cfg.CLUSTER.IMAGE_SIZE = 103
    cfg.TRAIN.OUTPUT_DIR = str(out)
    cfg.TRAIN.EXEMPLAR_SIZE, cfg.TRAIN.SEARCH_SIZE, cfg.LOSS.R_POS = 103, 135, 8
    cfg.TRAIN.BATCH_SIZE, cfg.TRAIN.NUM_WORKERS, cfg.TRAIN.PAIRS_PER_EPOCH, cfg.TRAIN.EPOCHS = 2, 0, 4, 1
    return cfg


def _snapshot(cfg, path):
    save_checkpoint({"model": build_model(cfg).state_dict(), "config": cfg.dump()}, path)
    return path


def test_clusters_file_is_complete_and_deterministic(images, tmp_path):
    cfg = _cfg(images, tmp_path)
    snap = _snapshot(cfg, tmp_path / "stage1.pth")
    a = json.loads(build_clusters(cfg, snap, out=tmp_path / "a.json").read_text())
    b = json.loads(build_clusters(cfg, snap, out=tmp_path / "b.json").read_text())
    assert a == b
    keys = [k for src in build_sources(cfg) for k in src.keys()]
    assert a["version"] == 1 and a["k"] == 3 and a["seed"] == cfg.SEED
    assert sorted(a["assignments"]) == sorted(keys)
    assert set(a["assignments"].values()) == {0, 1, 2}
    assert len(a["centroids"]) == 3 and len(a["centroids"][0]) == 256
    # the hard-negative sampler of the data pipeline reads it
    cfg.SAMPLER.TYPE, cfg.SAMPLER.CLUSTER_FILE, cfg.SAMPLER.NEG_PROB = "hard_negative", str(tmp_path / "a.json"), 1.0
    item = build_train_dataset(cfg, epoch_len=2)[0]
    assert bool(item["negative"])


def test_k_is_clipped_to_the_number_of_images(images, tmp_path):
    cfg = _cfg(images, tmp_path, k=50)
    snap = _snapshot(cfg, tmp_path / "s.pth")
    with pytest.warns(UserWarning, match="only 10 images"):
        out = json.loads(build_clusters(cfg, snap).read_text())  # default: OUTPUT_DIR/clusters.json
    assert out["k"] == 10 and (tmp_path / "clusters.json").is_file()


def test_kmeans_minibatch_branch_is_seeded():
    import numpy as np
    x = np.random.default_rng(0).normal(size=(60, 8))
    a = kmeans(x, 4, seed=1, n_init=2, minibatch_above=10)
    b = kmeans(x, 4, seed=1, n_init=2, minibatch_above=10)
    assert (a[0] == b[0]).all() and a[1].shape == (4, 8)


def test_cluster_cli(images, tmp_path):
    from tools.cluster import main
    cfg = _cfg(images, tmp_path)
    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text(cfg.dump())
    _snapshot(cfg, tmp_path / "model.pth")
    assert main(["--config", str(cfg_path), "--device", "cpu"]) == 0  # snapshot/out default to OUTPUT_DIR
    assert json.loads((tmp_path / "clusters.json").read_text())["k"] == 3
    assert main(["--cfg", str(cfg_path), "--snapshot", str(tmp_path / "none.pth")]) == 2


def test_clustering_embeds_one_frame_per_video(images, tmp_path):
    from tests.datasets import write_images
    for c in range(3):
        write_images(tmp_path / "clips" / f"clip{c}", 4, h=96, w=128, seed=10 * c)
    cfg = _cfg(images, tmp_path, k=2)
    cfg.DATASET.SYNTHETIC.ROOT = str(tmp_path / "clips")
    cfg.DATASET.SYNTHETIC.CLIPS = "folders"
    snap = _snapshot(cfg, tmp_path / "s.pth")
    out = json.loads(build_clusters(cfg, snap).read_text())
    mids = [str(tmp_path / "clips" / f"clip{c}" / "00002.jpg") for c in range(3)]
    assert sorted(out["assignments"]) == mids and out["unit"] == "video" and out["k"] == 2
    cfg.SAMPLER.TYPE, cfg.SAMPLER.CLUSTER_FILE = "hard_negative", str(tmp_path / "clusters.json")
    sampler = build_train_dataset(cfg, epoch_len=2).sampler
    assert sampler.num_videos == 3 and len(sampler.sources[0]) == 12
