"""Adversarial appearance masking (paper eq. 6-12) on hand-made tensors and on a real (tiny) model."""
import numpy as np
import pytest
import torch

import pysot_ss.losses.adversarial_mask as am
from pysot_ss.core.config import get_cfg
from pysot_ss.losses import Objective
from pysot_ss.models import build_model
from pysot_ss.models.head.xcorr import batched_xcorr


E = 127  # template size: 6x6 features


def _hand_made():
    """zf (1,4,6,6) and xf of the same size -> a 1x1 response, which is the positive cell.

    S = sum_c sum_uv zf_c * xf_c, so dS/dzf_c = xf_c and alpha_c = mean(xf_c) = 0.1, 0.1, 1.0, 1.0.
    A_0 = 0.1*0.2 = 0.02 everywhere (never reaches the level), A_1 = ReLU(0.1*-1) = 0,
    A_2 = 1 on the top-left 2x2 cells, 0 elsewhere; A_3 = 0.9 everywhere (area 1 > cap).
    Global min 0, max 1 -> level 0.5: only channel 2 is a valid candidate.
    """
    zf = torch.zeros(1, 4, 6, 6)
    zf[0, 0] = 0.2
    zf[0, 1] = -1.0
    zf[0, 2, :2, :2] = 1.0
    zf[0, 3] = 0.9
    xf = torch.ones(1, 4, 6, 6) * torch.tensor([0.1, 0.1, 1.0, 1.0]).view(1, 4, 1, 1)
    return zf.requires_grad_(True), xf


def _expected_block_mask(n=E, cells=6):
    # 1-D bilinear (align_corners=False) of g = [1,1,0,0,0,0]: output pixel j samples the input at
    # s = max((j+0.5)*6/127 - 0.5, 0); g(s) = 1 for s <= 1, 2 - s for 1 < s < 2, 0 beyond.
    s = np.maximum((np.arange(n) + 0.5) * cells / n - 0.5, 0)
    g = np.clip(2 - s, 0, 1)
    # bilinear of a separable map is the product of the 1-D interpolations; threshold 0.5 of max 1
    return np.outer(g, g) >= 0.5


def test_dominant_channel_region_is_masked():
    zf, xf = _hand_made()
    response = batched_xcorr(zf, xf)
    labels = torch.ones_like(response)
    sal, has_pos = am.channel_saliency(zf, response, labels)
    assert torch.allclose(sal[0, :, 0, 0], torch.tensor([0.02, 0.0, 1.0, 0.9]))
    assert has_pos.tolist() == [True]
    expected = _expected_block_mask()
    # sanity of the hand computation: covers the 32x32 corner where both factors are 1, inside 42x42
    assert expected[:32, :32].all() and not expected[42:].any() and not expected[:, 42:].any()
    for seed in range(5):
        mask, channel, applied = am.select_masks(sal, (E, E), 0.5, 0.5, torch.Generator().manual_seed(seed),
                                                 has_pos)
        assert channel.tolist() == [2] and applied.tolist() == [True]
        assert np.array_equal(mask[0].numpy(), expected)
    # the masked pixels take the image's mean colour, the others are untouched
    template = torch.rand(1, 3, E, E) * 255
    color = torch.tensor([[10.0, 20.0, 30.0]])
    masked = am.apply_mask(template, mask, color)
    m = torch.from_numpy(expected)
    for ch, v in enumerate([10.0, 20.0, 30.0]):
        assert (masked[0, ch][m] == v).all()
        assert torch.equal(masked[0, ch][~m], template[0, ch][~m])


def test_no_candidate_or_no_positive_leaves_template_unmasked():
    zf, xf = _hand_made()
    response = batched_xcorr(zf, xf)
    sal, has_pos = am.channel_saliency(zf, response, torch.zeros_like(response))  # negative pair
    assert has_pos.tolist() == [False]
    mask, _, applied = am.select_masks(sal, (E, E), 0.5, 0.5, torch.Generator(), has_pos)
    assert applied.tolist() == [False] and not mask.any()
    # area cap below the block's area: no valid channel at all
    sal, has_pos = am.channel_saliency(zf, response, torch.ones_like(response))
    mask, _, applied = am.select_masks(sal, (E, E), 0.5, 0.05, torch.Generator(), has_pos)
    assert applied.tolist() == [False] and not mask.any()


@pytest.mark.parametrize("seed", range(4))
def test_sparse_path_equals_dense_reference(seed, monkeypatch):
    g = torch.Generator().manual_seed(seed)
    # ReLU-like maps: mostly zeros and a few strong channels, as the network produces
    sal = torch.relu(torch.randn(3, 64, 6, 6, generator=g)) * (torch.rand(3, 64, 1, 1, generator=g) ** 4)
    enabled = torch.tensor([True, True, False])
    fast = am.select_masks(sal, (E, E), 0.5, 0.5, torch.Generator().manual_seed(1), enabled)
    monkeypatch.setattr(am, "_binarize_sparse", lambda *a: None)
    dense = am.select_masks(sal, (E, E), 0.5, 0.5, torch.Generator().manual_seed(1), enabled)
    for a, b in zip(fast, dense):
        assert torch.equal(a, b)
    assert fast[2].tolist()[2] is False


def _tiny(modifiers, n_masks=2, chained=True, seed=0):
    cfg = get_cfg()
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE, cfg.INPUT.NORMALIZE = "alexnet_s2", "xcorr_bn", "unit"
    cfg.LOSS.MODIFIERS = modifiers
    cfg.LOSS.ADVERSARIAL_MASK.N_MASKS = n_masks
    cfg.LOSS.ADVERSARIAL_MASK.CHAINED = chained
    torch.manual_seed(seed)
    model = build_model(cfg)
    g = torch.Generator().manual_seed(seed)
    batch = dict(template=torch.rand(4, 3, E, E, generator=g) * 255,
                 search=torch.rand(4, 3, 143, 143, generator=g) * 255,  # 3x3 response
                 offset=torch.zeros(4, 2), negative=torch.tensor([False, False, False, True]),
                 mean_color=torch.rand(4, 3, generator=g) * 255)
    return cfg, model, batch


def test_objective_no_parameter_grads_from_saliency_and_eq12_weights():
    cfg, model, batch = _tiny(["anti_clutter", "adversarial_mask"])
    obj = Objective(cfg, model)
    out = obj(**batch, collect=True)
    assert all(p.grad is None for p in model.parameters())  # the saliency pass left nothing behind
    expected = 0.7 * out["main_loss"] + 0.15 * (out["mask_loss_1"] + out["mask_loss_2"])
    assert torch.allclose(out["total_loss"].detach(), expected, atol=1e-6)
    assert out["mask_applied_1"] <= 0.75  # the negative pair (no positive cell) is never masked
    out["total_loss"].backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    masked = obj.artifacts["masked_templates"]
    assert masked.shape == (4, 2, 3, E, E)
    assert torch.equal(masked[3, 0], batch["template"][3]) and torch.equal(masked[3, 1], batch["template"][3])
    # chained: the second mask starts from the first masked template, so every pixel masked once stays masked
    changed = (masked[:, 0] != batch["template"]).any(1, keepdim=True).expand_as(masked[:, 0])
    assert torch.equal(masked[:, 1][changed], masked[:, 0][changed])
    assert changed.any()


def test_all_negative_batch_is_finite_and_unmasked():
    cfg, model, batch = _tiny(["adversarial_mask"])
    batch["negative"] = torch.ones(4, dtype=torch.bool)
    out = Objective(cfg, model)(**batch)
    assert torch.isfinite(out["total_loss"]) and out["mask_applied_1"] == 0 and out["mask_applied_2"] == 0


def test_masks_are_deterministic_given_the_seed():
    runs = []
    for _ in range(2):
        cfg, model, batch = _tiny(["adversarial_mask"], n_masks=3, chained=False)
        obj = Objective(cfg, model, seed=7)
        obj(**batch, collect=True)
        runs.append(obj.artifacts["masked_templates"])
    assert torch.equal(runs[0], runs[1])


def test_independent_masks_are_drawn_from_the_unmasked_template():
    # CHAINED False (the authors' code): every mask is chosen from the saliency of the unmasked template and
    # applied to it -- the same masks as select_masks on that one saliency with the objective's generator
    cfg, model, batch = _tiny(["adversarial_mask"], n_masks=2, chained=False)
    obj = Objective(cfg, model, seed=3)
    obj(**batch, collect=True)
    masked = obj.artifacts["masked_templates"]
    zf = model.embed(batch["template"])
    response = model.correlate(zf, model.embed(batch["search"]))
    saliency, has_pos = am.channel_saliency(zf, response, obj.labels_for(response, batch["offset"],
                                                                            batch["negative"]))
    g = torch.Generator().manual_seed(3)
    for i in range(2):
        mask, _, _ = am.select_masks(saliency, (E, E), 0.5, 0.5, g, has_pos)
        assert torch.equal(masked[:, i], am.apply_mask(batch["template"], mask, batch["mean_color"]))
    # neither masked template carries the other's mask: each differs from the original in its own mask only
    assert not torch.equal(masked[:, 0], masked[:, 1])
