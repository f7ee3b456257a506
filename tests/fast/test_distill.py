"""The `distill` loss modifier: a student learns a frozen teacher's response maps from unlabeled crops."""
import copy
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from pysot_ss.api import REPO
from pysot_ss.core.config import get_cfg
from pysot_ss.losses import Objective
from pysot_ss.losses.distill import Distill, all_pair_logits, load_teacher
from pysot_ss.models import build_model
from pysot_ss.models.head.xcorr import batched_xcorr
from pysot_ss.utils.checkpoint import CheckpointError, save_checkpoint
from toolkit.synthetic import generate_unlabeled_images


def _cfg(*opts):
    cfg = get_cfg()
    cfg.merge_from_list(["BACKBONE.TYPE", "alexnet_lite", "HEAD.TYPE", "xcorr_bn", "INPUT.NORMALIZE", "unit",
                         "LOSS.MODIFIERS", "['distill']"] + list(opts))
    return cfg


@pytest.fixture(scope="module")
def teacher_file(tmp_path_factory):
    torch.manual_seed(1)
    cfg = _cfg()
    cfg.BACKBONE.KWARGS.WIDTHS = [16, 16, 24, 24, 32]
    teacher = build_model(cfg).eval()
    teacher.head.map_norm.running_var.fill_(4.0)  # not the init value, so a reload is visible
    path = tmp_path_factory.mktemp("teacher") / "teacher.pth"
    save_checkpoint({"model": teacher.state_dict(), "config": cfg.dump()}, path)
    return path


def _batch(n=4):
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 3, 127, 127, generator=g) * 255, torch.rand(n, 3, 239, 239, generator=g) * 255


def test_cross_logits_hold_the_pairs_on_the_diagonal():
    torch.manual_seed(0)
    model = build_model(_cfg()).eval()
    z, x = _batch()
    zf, xf = model.embed(z), model.embed(x)
    cross = all_pair_logits(model, zf, xf, cross=True)
    pairs = all_pair_logits(model, zf, xf, cross=False)
    assert cross.shape == (4, 4, 15, 15) and pairs.shape == (4, 1, 15, 15)
    for i in range(4):
        torch.testing.assert_close(cross[i, i], pairs[i, 0], rtol=1e-4, atol=1e-4)
        # off the diagonal: template j against search i
        ref = model.head.logits(batched_xcorr(zf[(i + 1) % 4:(i + 1) % 4 + 1], xf[i:i + 1]))
        torch.testing.assert_close(cross[i, (i + 1) % 4], ref[0, 0], rtol=1e-4, atol=1e-4)
    # eval-mode heads give the same logits as their forward
    torch.testing.assert_close(pairs, model.head(zf, xf))


def test_loss_trains_the_student_only_and_moves_no_running_statistic(teacher_file):
    cfg = _cfg("LOSS.DISTILL.TEACHER", str(teacher_file), "LOSS.DISTILL.BASE_WEIGHT", "0.0")
    torch.manual_seed(0)
    student = build_model(cfg).train()
    twin = copy.deepcopy(student)
    objective = Objective(cfg, student)
    distill = objective.modifiers[0]
    assert isinstance(distill, Distill)
    assert float(distill.teacher.head.map_norm.running_var) == 4.0  # the file's weights, not a fresh init
    teacher_state = {k: v.clone() for k, v in distill.teacher.state_dict().items()}
    z, x = _batch()
    out = objective(z, x)
    # pure distillation: the total is the distillation loss alone
    torch.testing.assert_close(out["total_loss"].detach(), out["distill_loss"])
    out["total_loss"].backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in student.parameters())
    assert all(p.grad is None for p in distill.teacher.parameters())
    for k, v in distill.teacher.state_dict().items():
        assert torch.equal(v, teacher_state[k]), k
    # the student's BN statistics moved exactly as by one plain training forward of the pairs: the B x B cross
    # maps did not move them
    twin.correlate(twin.embed(z), twin.embed(x))
    for (k, a), b in zip(student.state_dict().items(), twin.state_dict().values()):
        if "running" in k:
            torch.testing.assert_close(a, b, msg=k)


def test_distilling_pulls_the_student_toward_the_teacher(teacher_file):
    """A few SGD steps on fixed crops lower the distillation loss (the target is reachable: the student is the
    teacher's design, wider)."""
    cfg = _cfg("LOSS.DISTILL.TEACHER", str(teacher_file), "LOSS.DISTILL.BASE_WEIGHT", "0.0")
    torch.manual_seed(0)
    student = build_model(cfg).train()
    objective = Objective(cfg, student)
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    z, x = _batch()
    losses = []
    for _ in range(12):
        out = objective(z, x)
        opt.zero_grad()
        out["total_loss"].backward()
        opt.step()
        losses.append(float(out["distill_loss"]))
    assert losses[-1] < 0.9 * losses[0]


def test_soft_logistic_loss_is_minimal_at_the_teacher(teacher_file):
    t = torch.randn(2, 1, 15, 15)
    at_teacher = F.binary_cross_entropy_with_logits(t, torch.sigmoid(t))
    off = F.binary_cross_entropy_with_logits(t + 0.5, torch.sigmoid(t))
    assert at_teacher < off


def test_missing_or_bad_teacher_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="LOSS.DISTILL.TEACHER"):
        load_teacher("")
    bare = tmp_path / "bare.pth"
    save_checkpoint({"model": build_model(_cfg()).state_dict()}, bare)
    with pytest.raises(CheckpointError, match="config"):
        load_teacher(str(bare))
    with pytest.raises(ValueError, match="TEMPERATURE"):
        Distill(_cfg("LOSS.DISTILL.TEMPERATURE", "0.0"), teacher=build_model(_cfg()))


def test_the_fast_models_training_config_trains(tmp_path):
    """tools/train.py --config experiments/s2siamfc_fast/config.yaml (the zoo model's command) runs end to end: the
    teacher is the shipped alexnet_s2 file; data swapped for generated images (../shared is not needed here)."""
    images = tmp_path / "images"
    generate_unlabeled_images(images, n=8, seed=0)
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, str(REPO / "tools" / "train.py"), "--config",
                        str(REPO / "experiments" / "s2siamfc_fast" / "config.yaml"), "--device", "cpu", "--opts",
                        "DATASET.NAMES", "['UNLABELED']", "DATASET.UNLABELED.ROOT", str(images), "TRAIN.BATCH_SIZE", "4", "TRAIN.PAIRS_PER_EPOCH", "8", "TRAIN.MAX_STEPS", "2",
                        "TRAIN.NUM_WORKERS", "0", "TRAIN.OUTPUT_DIR", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    log = (out / "logs" / "train.log").read_text()
    assert "distill_loss" in log and "alexnet_lite" in log
    assert (out / "model.pth").is_file()
