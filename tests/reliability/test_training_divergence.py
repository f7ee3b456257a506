"""Reliability: a diverging training run (case 7).

Cases covered:
* case 7: a non-finite loss stops tools/train.py with exit 2 and one error line naming the epoch, the step and the
  loss value; model.pth is not written and the last checkpoint (written before) stays, finite;
* case 7: non-finite weights are never saved: `Trainer.save` / `save_final` raise DivergenceError and write nothing.
"""
import math

import pytest
import torch

from pysot_ss.core.trainer import DivergenceError, Trainer
from pysot_ss.losses import Objective
from pysot_ss.utils.checkpoint import load_checkpoint
from tests.training.test_trainer import images, tiny_cfg  # noqa: F401  (the fixture and the tiny config)
from tools.train import main as train_main


def test_nan_loss_stops_with_error_and_keeps_the_last_good_checkpoint(images, tmp_path, monkeypatch, capsys):
    forward, calls = Objective.forward, []

    def nan_at_step_3(self, *a, **kw):                       # epoch 2, step 1 (2 steps per epoch)
        out = forward(self, *a, **kw)
        calls.append(1)
        if len(calls) == 3:
            out["total_loss"] = out["total_loss"] * float("nan")
        return out

    monkeypatch.setattr(Objective, "forward", nan_at_step_3)
    out = tmp_path / "run"
    cfg_path = tmp_path / "tiny.yaml"
    cfg_path.write_text(tiny_cfg(images, out, TRAIN__EPOCHS=3, TRAIN__LOG_IMAGES_EVERY=0).dump())
    assert train_main(["--config", str(cfg_path)]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("train.py: error: training diverged: epoch 2 step 1/2 (step 3 of the run)"), err
    assert "total_loss = nan" in err and f"last good checkpoint is {out / 'checkpoint_e1.pth'}" in err
    assert sorted(p.name for p in out.glob("*.pth")) == ["checkpoint_e1.pth"]
    assert all(torch.isfinite(v).all() for v in load_checkpoint(out / "checkpoint_e1.pth")["model"].values())


def test_non_finite_weights_are_never_saved(images, tmp_path):
    t = Trainer(tiny_cfg(images, tmp_path))
    with torch.no_grad():
        next(t.model.parameters())[0].fill_(math.inf)
    for save, name in ((lambda: t.save(1), "checkpoint_e1.pth"), (t.save_final, "model.pth")):
        with pytest.raises(DivergenceError, match=f"weights are not finite .*{name} not written"):
            save()
    assert not list(tmp_path.glob("*.pth"))
