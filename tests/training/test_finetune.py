"""One-image fine-tuning (paper 4.4) on a generated frame."""
import numpy as np
import pytest
import torch

from pysot_ss.core.config import get_cfg
from pysot_ss.models import build_model
from pysot_ss.tracker.finetune import finetune_on_first_frame


def _frame():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(96, 128, 3), dtype=np.uint8)
    img[30:60, 40:80] = (20, 200, 60)  # a "target"
    return img


def _cfg(backbone, head, normalize, modifiers=()):
    cfg = get_cfg()
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE, cfg.INPUT.NORMALIZE = backbone, head, normalize
    cfg.TRAIN.EXEMPLAR_SIZE, cfg.TRAIN.SEARCH_SIZE, cfg.LOSS.R_POS = 103, 135, 8
    cfg.TRACK.FINETUNE.ITERS, cfg.TRACK.FINETUNE.BATCH_SIZE = 2, 2
    cfg.TRACK.FINETUNE.MODIFIERS = list(modifiers)
    return cfg


@pytest.mark.parametrize("net", [("alexnet_s2", "xcorr_bn", "unit", ["anti_clutter"]),
                                 ("alexnet", "xcorr", "none", [])])
def test_finetune_changes_a_copy_slightly_and_deterministically(net):
    cfg = _cfg(*net)
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng_before = torch.get_rng_state()
    tuned = finetune_on_first_frame(model, _frame(), (40, 30, 40, 30), cfg)
    assert tuned is not model and not tuned.training
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())  # original untouched
    assert torch.equal(torch.get_rng_state(), rng_before)                           # global RNG untouched
    after = tuned.state_dict()
    w = "backbone.conv1.0.weight"
    delta = (after[w] - before[w]).abs().max().item()
    # Adam's first steps move each weight by about lr (1e-5) per step: 2 steps -> at most ~2e-5
    assert 0 < delta <= 3e-5
    bn = [k for k in after if "running_mean" in k]
    assert bn and all(torch.equal(after[k], before[k]) for k in bn)                 # BN frozen
    again = finetune_on_first_frame(model, _frame(), (40, 30, 40, 30), cfg)
    assert all(torch.equal(v, again.state_dict()[k]) for k, v in after.items())


def test_sgd_finetuning_moves_weights_by_the_gradient_not_by_lr():
    """SGD (lr 1e-5; the authors' commented-out alternative) moves weights in proportion to their gradients: far
    less than Adam's ~lr per weight and step, which makes Adam (the paper and the authors' active code) a much
    stronger adaptation."""
    cfg = _cfg("alexnet_s2", "xcorr_bn", "unit")
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    w = "backbone.conv1.0.weight"
    moves = {}
    for name in ("adam", "sgd"):
        cfg.TRACK.FINETUNE.OPTIMIZER = name
        tuned = finetune_on_first_frame(model, _frame(), (40, 30, 40, 30), cfg)
        moves[name] = (tuned.state_dict()[w] - model.state_dict()[w]).abs().mean().item()
    assert 0 < moves["sgd"] < 0.1 * moves["adam"], moves
    cfg.TRACK.FINETUNE.OPTIMIZER = "lbfgs"
    with pytest.raises(ValueError, match="OPTIMIZER"):
        finetune_on_first_frame(model, _frame(), (40, 30, 40, 30), cfg)


def test_bad_box_is_rejected():
    cfg = _cfg("alexnet", "xcorr", "none")
    with pytest.raises(ValueError, match="positive size"):
        finetune_on_first_frame(build_model(cfg), _frame(), (1, 1, 0, 5), cfg)


def test_authors_recipe_adam_with_weight_decay_one_pseudo_pair_full_loss(monkeypatch):
    from pysot_ss.tracker import finetune as ft
    cfg = _cfg("alexnet_s2", "xcorr_bn", "unit")
    cfg.TRACK.FINETUNE.RECIPE = "authors"
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    seen = {"boxes": [], "batches": [], "modifiers": None, "optimizer": None}
    sample = ft.SingleImageSampler.sample_from_image

    def spy_sample(self, img, rng, box=None):
        seen["boxes"].append(box)
        return sample(self, img, rng, box=box)

    class SpyObjective(ft.Objective):
        def __init__(self, cfg, net, modifiers=None, seed=None):
            super().__init__(cfg, net, modifiers=modifiers, seed=seed)
            seen["modifiers"] = self.modifier_names

        def forward(self, template, *a, **k):
            seen["batches"].append(template.shape[0])
            return super().forward(template, *a, **k)

    recipe_optimizer = ft.AuthorsRecipe.optimizer

    def spy_optimizer(self, params):
        seen["optimizer"] = opt = recipe_optimizer(self, params)
        return opt

    monkeypatch.setattr(ft.SingleImageSampler, "sample_from_image", spy_sample)
    monkeypatch.setattr(ft, "Objective", SpyObjective)
    monkeypatch.setattr(ft.AuthorsRecipe, "optimizer", spy_optimizer)
    tuned = finetune_on_first_frame(model, _frame(), (40, 30, 40, 30), cfg)
    assert seen["boxes"] == [None, None]                 # 2 steps, each one pair around a random pseudo box
    assert seen["batches"] == [1, 1]
    assert seen["modifiers"] == ["anti_clutter", "adversarial_mask"]
    opt = seen["optimizer"]
    assert isinstance(opt, torch.optim.Adam)
    assert opt.defaults["lr"] == 1e-5 and opt.defaults["weight_decay"] == 5e-4
    w = "backbone.conv1.0.weight"
    assert 0 < (tuned.state_dict()[w] - model.state_dict()[w]).abs().max().item() <= 3e-5
    bn = [k for k in tuned.state_dict() if "running_mean" in k]
    assert all(torch.equal(tuned.state_dict()[k], model.state_dict()[k]) for k in bn)   # BN frozen
    cfg.TRACK.FINETUNE.RECIPE = "theirs"
    with pytest.raises(ValueError, match="TRACK.FINETUNE.RECIPE must be one of authors, box"):
        finetune_on_first_frame(model, _frame(), (40, 30, 40, 30), cfg)


def test_default_recipe_is_box():
    assert get_cfg().TRACK.FINETUNE.RECIPE == "box"
