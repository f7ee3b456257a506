"""Anti-clutter weights (paper eq. 3-5) against values worked out by hand."""
import pytest
import torch

from pysot_ss.core.config import get_cfg
from pysot_ss.losses import BalancedLogisticLoss, Objective, make_labels
from pysot_ss.losses.anti_clutter import clutter_weights
from pysot_ss.models import build_model


# sample 0: values 0..8 -> min-max normalised v/8; v/8 >= 0.5 <=> v >= 4: 5 of 9 cells are "high"
R0 = torch.arange(9.0).view(3, 3)
# sample 1: one low cell, eight at the max -> 8 of 9 high
R1 = torch.tensor([[0.0, 8, 8], [8, 8, 8], [8, 8, 8]])


def _resp(*maps):
    return torch.stack(maps).unsqueeze(1)


def test_per_pair_weight_by_hand():
    w = clutter_weights(_resp(R0, R1), beta=0.5, gamma=2.0, margin=0.0)
    # (1 - 5/9)^2 = (4/9)^2 = 16/81 ; (1 - 8/9)^2 = 1/81
    assert torch.allclose(w, torch.tensor([16 / 81, 1 / 81]))


def test_margin_gamma_and_threshold_is_inclusive():
    w = clutter_weights(_resp(R0), beta=0.5, gamma=1.5, margin=0.1)
    assert torch.allclose(w, torch.tensor([(1.1 - 5 / 9) ** 1.5]))
    # beta just above 0.5 drops the cell at exactly 0.5 (v=4): 4 high cells
    w = clutter_weights(_resp(R0), beta=0.5001, gamma=2.0)
    assert torch.allclose(w, torch.tensor([(5 / 9) ** 2]))


def test_per_batch_counts_over_the_whole_batch():
    w = clutter_weights(_resp(R0, R1), beta=0.5, gamma=2.0, per_batch=True)
    # 5 + 8 = 13 high cells of 18 -> (5/18)^2 for both pairs (the authors' code)
    assert torch.allclose(w, torch.full((2,), (5 / 18) ** 2))


def test_invariant_to_affine_rescaling_and_detached():
    r = _resp(R0, R1).requires_grad_(True)
    w1 = clutter_weights(r)
    w2 = clutter_weights(3.0 * r - 7.0)
    assert torch.equal(w1, w2)
    assert not w1.requires_grad


def test_flat_map_keeps_full_weight():
    w = clutter_weights(_resp(torch.full((3, 3), 2.5)), gamma=2.0, margin=0.0)
    assert torch.equal(w, torch.ones(1))


@pytest.mark.parametrize("per_batch", [False, True])
def test_objective_applies_weights_to_pair_losses(per_batch):
    cfg = get_cfg()
    cfg.LOSS.MODIFIERS = ["anti_clutter"]
    cfg.LOSS.ANTI_CLUTTER.PER_BATCH = per_batch
    torch.manual_seed(0)
    model = build_model(cfg).eval()  # eval: BN in inference mode, so two forwards give the same response
    z = torch.rand(3, 3, 87, 87) * 255
    x = torch.rand(3, 3, 119, 119) * 255
    out = Objective(cfg, model)(z, x)
    with torch.no_grad():
        resp = model(z, x)
    labels = make_labels(resp.shape[-1], cfg.LOSS.R_POS, 8, batch=3)
    per_pair = BalancedLogisticLoss().per_pair(resp, labels)
    w = clutter_weights(resp, per_batch=per_batch)
    assert torch.allclose(out["total_loss"], (w * per_pair).mean(), atol=1e-6)
    assert torch.allclose(out["base_loss"], per_pair.mean(), atol=1e-6)
    assert torch.allclose(out["ac_weight_mean"], w.mean())


def test_empty_modifier_list_is_plain_siamfc():
    cfg = get_cfg()
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    z, x = torch.rand(2, 3, 87, 87) * 255, torch.rand(2, 3, 119, 119) * 255
    out = Objective(cfg, model)(z, x)
    assert set(out) == {"total_loss", "base_loss", "main_loss"}
    assert torch.equal(out["total_loss"].detach(), out["base_loss"])
