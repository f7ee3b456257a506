"""Model shapes, SiamFC labels, balanced weights and loss, checked against values worked out by hand."""
import math

import numpy as np
import pytest
import torch

from pysot_ss.core.config import get_cfg
from pysot_ss.losses.balanced import BalancedLogisticLoss, balanced_weights, make_labels
from pysot_ss.models import build_model
from pysot_ss.tracker.base import fold_batchnorm


def _grid(rows):
    """Hand-drawn map: '.' = 0, '1' = 1, 'h' = 0.5 (ignored)."""
    table = {".": 0.0, "1": 1.0, "h": 0.5}
    return torch.tensor([[table[c] for c in r.replace(" ", "")] for r in rows])


# r_pos = 16 px, stride 8 -> radius 2 cells in L1 ("block") distance around the centre cell (7, 7) of a 15x15 map:
# a diamond of 1 + 3 + 5 + 3 + 1 = 13 positive cells.
LABEL_15 = [
    "...............",
    "...............",
    "...............",
    "...............",
    "...............",
    ".......1.......",
    "......111......",
    ".....11111.....",
    "......111......",
    ".......1.......",
    "...............",
    "...............",
    "...............",
    "...............",
    "...............",
]

# the same diamond moved one cell to the right (target 8 px right of the search centre)
LABEL_15_RIGHT = [r[-1] + r[:-1] for r in LABEL_15]

# 7x7, r_pos = 8 (1 cell), r_neg = 16 (2 cells): distance <= 1 positive, distance 2 ignored (0.5)
LABEL_7_BAND = [
    ". . . . . . .",
    ". . . h . . .",
    ". . h 1 h . .",
    ". h 1 1 1 h .",
    ". . h 1 h . .",
    ". . . h . . .",
    ". . . . . . .",
]


@pytest.fixture(scope="module", params=[("alexnet", "xcorr"), ("alexnet_s2", "xcorr_bn")], ids=lambda p: p[0])
def model(request):
    cfg = get_cfg()
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE = request.param
    torch.manual_seed(0)
    return build_model(cfg).eval()


def test_feature_and_response_shapes(model):
    z = torch.rand(1, 3, 127, 127) * 255
    x255 = torch.rand(1, 3, 255, 255) * 255
    x239 = torch.rand(2, 3, 239, 239) * 255
    with torch.no_grad():
        zf = model.embed(z)
        assert zf.shape == (1, 256, 6, 6)
        assert model.embed(x255).shape == (1, 256, 22, 22)
        xf239 = model.embed(x239)
        assert xf239.shape == (2, 256, 20, 20)
        assert model(z, x255).shape == (1, 1, 17, 17)
        assert model.correlate(zf, xf239).shape == (2, 1, 15, 15)  # one template against every search map
        assert model(z.expand(2, -1, -1, -1), x239).shape == (2, 1, 15, 15)  # pairwise
    assert model.stride == 8


def test_training_mode_forward(model):
    model.train()
    try:
        with torch.no_grad():
            out = model(torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 239, 239) * 255)
        assert out.shape == (2, 1, 15, 15) and torch.isfinite(out).all()
    finally:
        model.eval()


def test_fold_batchnorm_keeps_eval_outputs(model):
    import copy

    # non-trivial running statistics so the fold actually has something to do
    bb = copy.deepcopy(model.backbone)
    g = torch.Generator().manual_seed(1)
    for m in bb.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    x = torch.rand(1, 3, 127, 127) * 255
    with torch.no_grad():
        ref = bb.eval()(x)
        folded = fold_batchnorm(copy.deepcopy(bb).eval())
        out = folded(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert torch.allclose(out, ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())


def test_labels_match_hand_drawn_maps():
    assert torch.equal(make_labels(15, 16, 8)[0, 0], _grid(LABEL_15))
    shifted = make_labels(15, 16, 8, batch=2, centers=torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    assert torch.equal(shifted[0, 0], _grid(LABEL_15_RIGHT))
    assert torch.equal(shifted[1, 0], _grid(LABEL_15))
    neg = make_labels(15, 16, 8, batch=2, negative=torch.tensor([True, False]))
    assert neg[0].sum() == 0 and neg[1].sum() == 13
    assert torch.equal(make_labels(7, 8, 8, r_neg=16)[0, 0], _grid(LABEL_7_BAND))


def test_balanced_weights_by_hand():
    labels = make_labels(15, 16, 8, batch=2, negative=torch.tensor([False, True]))
    w = balanced_weights(labels)
    # positive pair: 13 positives share 0.5, 225 - 13 = 212 negatives share 0.5
    pos = labels[0] == 1
    assert torch.allclose(w[0][pos], torch.full((13,), 0.5 / 13))
    assert torch.allclose(w[0][~pos], torch.full((212,), 0.5 / 212))
    # all-negative pair: every cell 1/225
    assert torch.allclose(w[1], torch.full((1, 15, 15), 1 / 225))
    # ignored band weighs nothing: 5 positives x 0.1, 36 negatives x 0.5/36, 8 ignored x 0
    wb = balanced_weights(make_labels(7, 8, 8, r_neg=16))[0, 0]
    expected = _grid(LABEL_7_BAND)
    expected = torch.where(expected == 1, 0.1, torch.where(expected == 0, 0.5 / 36, 0.0))
    assert torch.allclose(wb, expected)
    assert torch.allclose(w.flatten(1).sum(1), torch.ones(2))


def test_loss_values():
    loss = BalancedLogisticLoss()
    labels = make_labels(15, 16, 8, batch=2)
    # zero logits: every cell costs ln 2 and the weights of a pair sum to 1 -> ln 2 per pair
    assert torch.allclose(loss.per_pair(torch.zeros(2, 1, 15, 15), labels), torch.full((2,), math.log(2)))
    perfect = 5.0 * (2 * labels - 1)
    shifted = 5.0 * (2 * torch.roll(labels, shifts=3, dims=-1) - 1)
    assert loss(perfect, labels) < loss(shifted, labels)
    # perfect: every cell is softplus(-5) = ln(1 + e^-5)
    assert torch.allclose(loss(perfect, labels), torch.tensor(math.log1p(math.exp(-5.0))), atol=1e-6)


def test_preprocess_channel_order_and_normalisation():
    cfg = get_cfg()
    cfg.INPUT.NORMALIZE = "unit"
    m = build_model(cfg)
    img = torch.zeros(1, 3, 2, 2)
    img[:, 0] = 255.0  # pure blue in BGR
    out = m.preprocess(img)
    assert np.allclose(out[0, :, 0, 0].numpy(), [0.0, 0.0, 1.0])  # RGB order, /255
