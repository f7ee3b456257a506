"""LOSS.BALANCE: "per_pair" (default) and "per_batch", the latter against a transcription of the authors' loss."""
import pytest
import torch
import torch.nn.functional as F

from pysot_ss.core.config import get_cfg
from pysot_ss.losses import BalancedLogisticLoss, Objective, make_labels
from pysot_ss.models import build_model


def _authors_loss(responses, labels, pos_thres=None, alpha=2.0, margin=0.0):
    """Transcription of the authors' AC_BalancedLoss (losses.py): class weights over the whole batch, normalised
    to sum 1, optionally times one anti-clutter factor per batch; BCE summed."""
    pos_mask = labels == 1
    neg_mask = labels == 0
    pos_num = pos_mask.sum().float()
    neg_num = neg_mask.sum().float()
    weight = labels.new_zeros(labels.size())
    weight[pos_mask] = 1 / pos_num
    weight[neg_mask] = 1 / neg_num
    weight /= weight.sum()
    if pos_thres is not None:
        r = responses.detach()
        lo = r.flatten(2).min(2)[0].view(-1, 1, 1, 1)
        hi = r.flatten(2).max(2)[0].view(-1, 1, 1, 1)
        norm = (r - lo) / (hi - lo)
        num_high = (norm > pos_thres).sum().float()
        weight = weight * (1 + margin - num_high / r.numel()) ** alpha
    return F.binary_cross_entropy_with_logits(responses, labels, weight, reduction="sum")


def _batch(n=8, negatives=(3,), size=15, seed=0):
    g = torch.Generator().manual_seed(seed)
    resp = torch.randn(n, 1, size, size, generator=g)
    neg = torch.zeros(n, dtype=torch.bool)
    neg[list(negatives)] = True
    offsets = torch.randint(-1, 2, (n, 2), generator=g).float()
    return resp, make_labels(size, 16, 8, batch=n, centers=offsets, negative=neg)


@pytest.mark.parametrize("negatives", [(), (3,), (0, 5, 6), tuple(range(8))])
def test_per_batch_equals_the_authors_loss(negatives):
    resp, labels = _batch(negatives=negatives)
    ours = BalancedLogisticLoss("per_batch")(resp, labels)
    assert torch.allclose(ours, _authors_loss(resp, labels), atol=1e-6)


def test_a_negative_pair_weighs_its_share_of_the_batch():
    # batch 8 with one negative pair: 12.5 % of the loss per pair, ~6.6 % per batch (225 of 1709 negative cells / 2)
    _, labels = _batch(negatives=(3,))
    share = {}
    for mode in ("per_pair", "per_batch"):
        loss = BalancedLogisticLoss(mode)
        w = loss._weights(labels).flatten(1).sum(1)
        share[mode] = float(w[3] / w.sum())
    assert share["per_pair"] == pytest.approx(1 / 8)
    assert share["per_batch"] == pytest.approx(0.5 * 225 / (7 * (225 - 13) + 225))
    # without negative pairs (same label maps) the two agree
    resp, labels = _batch(negatives=())
    labels = make_labels(15, 16, 8, batch=8)
    assert torch.allclose(BalancedLogisticLoss("per_pair")(resp, labels),
                          BalancedLogisticLoss("per_batch")(resp, labels), atol=1e-6)


def test_objective_per_batch_with_per_batch_anti_clutter_is_the_authors_loss():
    cfg = get_cfg()
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE, cfg.INPUT.NORMALIZE = "alexnet_s2", "xcorr_bn", "unit"
    cfg.LOSS.BALANCE, cfg.LOSS.MODIFIERS, cfg.LOSS.ANTI_CLUTTER.PER_BATCH = "per_batch", ["anti_clutter"], True
    torch.manual_seed(0)
    model = build_model(cfg)
    g = torch.Generator().manual_seed(1)
    z, x = torch.rand(4, 3, 127, 127, generator=g) * 255, torch.rand(4, 3, 151, 151, generator=g) * 255
    neg = torch.tensor([False, True, False, False])
    obj = Objective(cfg, model)
    out = obj(z, x, torch.zeros(4, 2), neg)
    resp = model.correlate(model.embed(z), model.embed(x)).detach()       # BN in train mode: the same batch
    labels = obj.labels_for(resp, torch.zeros(4, 2), neg)
    assert torch.allclose(out["total_loss"], _authors_loss(resp, labels, pos_thres=0.5), atol=1e-5)
    assert get_cfg().LOSS.BALANCE == "per_pair"
    with pytest.raises(ValueError, match="LOSS.BALANCE must be one of per_pair, per_batch"):
        BalancedLogisticLoss("batch")
