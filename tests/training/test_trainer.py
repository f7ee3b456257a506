"""Training loop: a tiny end-to-end run, exact resume, DDP with 2 gloo processes, configs, CLI errors.

Everything runs on CPU with generated images and tiny crops (103 -> 3x3 template features, 135 -> 5x5 response).
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from pysot_ss.core.config import get_cfg, load_cfg
from pysot_ss.core.trainer import Trainer, latest_checkpoint, lr_gamma
from pysot_ss.models import build_model
from pysot_ss.utils.checkpoint import load_checkpoint, load_weights


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from toolkit.synthetic import generate_unlabeled_images
    return generate_unlabeled_images(tmp_path_factory.mktemp("unl") / "images", n=12, seed=3, size=(128, 96))


def tiny_cfg(images, out, **kw):
    cfg = get_cfg()
    cfg.DEVICE = "cpu"
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE, cfg.INPUT.NORMALIZE = "alexnet_s2", "xcorr_bn", "unit"
    cfg.DATASET.SYNTHETIC.ROOT = str(images)
    cfg.TRAIN.EXEMPLAR_SIZE, cfg.TRAIN.SEARCH_SIZE = 103, 135
    cfg.LOSS.R_POS = 8
    cfg.TRAIN.BATCH_SIZE = 4
    cfg.TRAIN.NUM_WORKERS = 0
    cfg.TRAIN.PAIRS_PER_EPOCH = 8
    cfg.TRAIN.EPOCHS = 2
    cfg.TRAIN.PRINT_FREQ = 1
    cfg.TRAIN.LOG_IMAGES_EVERY = 1
    cfg.LOSS.ADVERSARIAL_MASK.LOG_EVERY = 1
    cfg.TRAIN.OUTPUT_DIR = str(out)
    for k, v in kw.items():
        node, key = k.rsplit("__", 1) if "__" in k else ("", k)
        target = cfg
        for part in node.split("__") if node else []:
            target = target[part]
        target[key] = v
    return cfg


def test_lr_schedule_reaches_end_lr():
    g = lr_gamma(1e-2, 1e-5, 50)
    assert abs(1e-2 * g ** 49 - 1e-5) < 1e-12
    assert lr_gamma(1e-2, 1e-5, 1) == 1.0


def test_end_to_end_loss_decreases_and_checkpoint_loads(images, tmp_path):
    from tools.train import main

    out = tmp_path / "run"
    # supervised-SiamFC network, plain loss, no rotation/colour augmentation, 4 epochs of 8 steps: the loss on
    # generated pairs drops within seconds (with the full augmentation it takes far longer)
    rc = main(["--config", "", "--device", "cpu", "--opts", "DATASET.SYNTHETIC.ROOT", str(images),
               "BACKBONE.TYPE", "alexnet", "HEAD.TYPE", "xcorr", "INPUT.NORMALIZE", "none",
               "AUG.ROTATION", "0.0", "AUG.COLOR", "0.0",
               "TRAIN.EXEMPLAR_SIZE", "103", "TRAIN.SEARCH_SIZE", "135", "LOSS.R_POS", "8",
               "TRAIN.BATCH_SIZE", "4", "TRAIN.NUM_WORKERS", "0", "TRAIN.PAIRS_PER_EPOCH", "32",
               "TRAIN.EPOCHS", "4", "TRAIN.END_LR", "1e-3", "TRAIN.PRINT_FREQ", "4",
               "TRAIN.OUTPUT_DIR", str(out)])
    assert rc == 0
    assert latest_checkpoint(out) == out / "checkpoint_e4.pth"
    log = (out / "logs" / "train.log").read_text()
    losses = [float(line.split("mean total_loss ")[1].split(",")[0]) for line in log.splitlines()
              if "mean total_loss" in line]
    assert len(losses) == 4 and losses[-1] < losses[0] - 0.02, losses
    assert "data_wait" in log and "bad images so far: 0" in log
    assert list((out / "logs").glob("events.out.tfevents.*"))
    cfg = load_cfg(str(out / "config.yaml"))
    model = build_model(cfg)
    obj = load_weights(model, out / "model.pth")
    assert obj["config"] == cfg.dump()
    ckpt = load_checkpoint(out / "checkpoint_e4.pth")  # weights_only=True
    assert ckpt["epoch"] == 4 and ckpt["step"] == 32 and len(ckpt["rng"]) == 1
    assert set(ckpt) >= {"model", "optimizer", "scheduler", "rng", "config"}


def _state(path):
    return load_checkpoint(path)["model"]


def test_resume_is_exact(images, tmp_path):
    mods = ["anti_clutter", "adversarial_mask"]
    straight = Trainer(tiny_cfg(images, tmp_path / "a", LOSS__MODIFIERS=mods))
    straight.train()
    # the same run interrupted after epoch 1 (MAX_STEPS = one epoch), then resumed with --resume auto
    first = Trainer(tiny_cfg(images, tmp_path / "b", LOSS__MODIFIERS=mods, TRAIN__MAX_STEPS=2))
    first.train()
    assert latest_checkpoint(tmp_path / "b") == tmp_path / "b" / "checkpoint_e1.pth"
    resumed = Trainer(tiny_cfg(images, tmp_path / "b", LOSS__MODIFIERS=mods), resume="auto")
    assert resumed.start_epoch == 1 and resumed.step == 2
    resumed.train()
    a, b = _state(tmp_path / "a" / "model.pth"), _state(tmp_path / "b" / "model.pth")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    # and training changed the weights at all
    init = build_model(tiny_cfg(images, tmp_path / "c")).state_dict()
    assert not torch.equal(a["backbone.conv1.0.weight"], init["backbone.conv1.0.weight"])


def test_resume_auto_without_checkpoint_starts_fresh_and_bad_resume_errors(images, tmp_path):
    t = Trainer(tiny_cfg(images, tmp_path / "x"), resume="auto")
    assert t.start_epoch == 0
    from pysot_ss.utils.checkpoint import CheckpointError, save_checkpoint
    save_checkpoint({"model": build_model(tiny_cfg(images, tmp_path)).state_dict()}, tmp_path / "w.pth")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        Trainer(tiny_cfg(images, tmp_path / "y"), resume=str(tmp_path / "w.pth"))
    with pytest.raises(CheckpointError, match="not found"):
        Trainer(tiny_cfg(images, tmp_path / "y"), resume=str(tmp_path / "missing.pth"))


DDP_SCRIPT = textwrap.dedent("""
    import sys, torch
    from pysot_ss.core.config import load_cfg
    from pysot_ss.core import distributed as du
    from pysot_ss.core.trainer import Trainer
    cfg = load_cfg(sys.argv[1])
    info = du.init_distributed("cpu")
    assert info.world_size == 2 and info.backend == "gloo"
    t = Trainer(cfg, info)
    t.train()
    torch.save({k: v.clone() for k, v in t.model.state_dict().items()}, f"{sys.argv[2]}/rank{info.rank}.pt")
    du.cleanup()
""")


def test_ddp_two_gloo_processes_end_with_identical_weights(images, tmp_path):
    cfg = tiny_cfg(images, tmp_path / "ddp", LOSS__MODIFIERS=["anti_clutter", "adversarial_mask"])
    cfg.TRAIN.EPOCHS = 1
    cfg.TRAIN.PAIRS_PER_EPOCH = 16  # 2 steps of 4 pairs per process
    cfg_path = tmp_path / "ddp.yaml"
    cfg_path.write_text(cfg.dump())
    script = tmp_path / "ddp_worker.py"
    script.write_text(DDP_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           str(script), str(cfg_path), str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k
    init = build_model(cfg).state_dict()
    assert not torch.equal(r0["backbone.conv1.0.weight"], init["backbone.conv1.0.weight"])
    ckpt = load_checkpoint(tmp_path / "ddp" / "checkpoint_e1.pth")
    assert ckpt["world_size"] == 2 and len(ckpt["rng"]) == 2 and ckpt["step"] == 2


def test_every_experiment_config_loads():
    paths = sorted((REPO / "experiments").glob("**/*.yaml"))
    assert len(paths) >= 9
    for p in paths:
        cfg = load_cfg(str(p))
        for m in cfg.LOSS.MODIFIERS:
            from pysot_ss.utils.registry import LOSS_MODIFIERS
            assert m in LOSS_MODIFIERS, (p, m)
    full = load_cfg(str(REPO / "experiments/s2siamfc/config.yaml"))
    assert (full.BACKBONE.TYPE, full.HEAD.TYPE, full.INPUT.NORMALIZE) == ("alexnet_s2", "xcorr_bn", "unit")
    assert list(full.LOSS.MODIFIERS) == ["anti_clutter", "adversarial_mask"]
    assert full.SAMPLER.TYPE == "hard_negative" and full.TRACK.LINEAR_UPDATE
    stage1 = load_cfg(str(REPO / full.CLUSTER.STAGE1_CFG))
    assert stage1.SAMPLER.TYPE == "single_image"
    assert Path(full.SAMPLER.CLUSTER_FILE).parent == Path(stage1.TRAIN.OUTPUT_DIR)


def test_cli_generates_the_default_data_explicitly_and_says_how_when_off(images, tmp_path, monkeypatch, capsys):
    import shutil

    import pysot_ss.datasets.generate as generate
    from tools.train import main

    made = []

    def fake_generate(out_dir, **kw):               # the 12 fixture images instead of 200 rendered ones
        made.append(out_dir)
        shutil.copytree(images, out_dir)
        return out_dir

    monkeypatch.setattr(generate, "generate_unlabeled_images", fake_generate)
    monkeypatch.chdir(tmp_path)                     # the default ROOT data/synthetic/unlabeled is missing here
    opts = ["--config", "", "--device", "cpu", "--opts", "TRAIN.EXEMPLAR_SIZE", "103", "TRAIN.SEARCH_SIZE", "135",
            "LOSS.R_POS", "8", "TRAIN.BATCH_SIZE", "2", "TRAIN.NUM_WORKERS", "0", "TRAIN.PAIRS_PER_EPOCH", "2",
            "TRAIN.EPOCHS", "1", "TRAIN.OUTPUT_DIR", str(tmp_path / "run")]
    assert main(opts + ["DATASET.GENERATE_IF_MISSING", "False"]) == 2 and made == []
    assert "GENERATE_IF_MISSING" in capsys.readouterr().err
    assert main(opts) == 0
    assert "generating the synthetic unlabeled training images" in capsys.readouterr().err   # logged
    assert len(made) == 1 and (tmp_path / "data" / "synthetic" / "unlabeled").is_dir()


def test_cli_reports_bad_config(tmp_path, capsys):
    from tools.train import main
    bad = tmp_path / "bad.yaml"
    bad.write_text("TRAIN:\n  NOT_A_KEY: 1\n")
    assert main(["--config", str(bad)]) == 2
    assert "NOT_A_KEY" in capsys.readouterr().err
