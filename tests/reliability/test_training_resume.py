"""Reliability: resuming a training run.

Cases covered:
* case 8: `--resume` with a checkpoint of another architecture is one line ``train.py: error: <file>: its weights
  do not fit the model built from the config ...`` (exit 2, no traceback);
* case 10: train.log does not repeat step lines after a resume: the resumed run cuts the log back to where its
  checkpoint was written (the steps after it run again, and are logged once), and TensorBoard purges from there.
"""
import re

from pysot_ss.core.trainer import Trainer
from pysot_ss.models import build_model
from pysot_ss.utils.checkpoint import save_checkpoint
from tests.training.test_trainer import images, tiny_cfg  # noqa: F401  (the fixture and the tiny config)
from tools.train import main as train_main


def test_resume_with_another_architecture_is_one_line(images, tmp_path, capsys):
    other = tiny_cfg(images, tmp_path / "other")             # alexnet_s2 + xcorr_bn
    ckpt = tmp_path / "other.pth"
    save_checkpoint({"model": build_model(other).state_dict(), "optimizer": {}, "scheduler": {}, "epoch": 1}, ckpt)
    cfg_path = tmp_path / "alexnet.yaml"
    cfg_path.write_text(tiny_cfg(images, tmp_path / "run", BACKBONE__TYPE="alexnet", HEAD__TYPE="xcorr").dump())
    assert train_main(["--config", str(cfg_path), "--resume", str(ckpt)]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith(f"train.py: error: {ckpt}: its weights do not fit the model built from the config"), err


def test_resumed_run_logs_every_step_once(images, tmp_path):
    out = tmp_path / "run"
    Trainer(tiny_cfg(images, out, TRAIN__MAX_STEPS=3, TRAIN__LOG_IMAGES_EVERY=0)).train()  # stops in epoch 2
    log = out / "logs" / "train.log"
    assert "Epoch: [2][1/2]" in log.read_text()
    resumed = Trainer(tiny_cfg(images, out, TRAIN__LOG_IMAGES_EVERY=0), resume="auto")  # from checkpoint_e1.pth
    assert resumed.tb.purge_step == 2
    resumed.train()
    text = log.read_text()
    steps = re.findall(r"Epoch: \[(\d+)\]\[(\d+)/2\]", text)
    assert steps == [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")], steps
    assert re.search(r"resumed from .*checkpoint_e1.pth: 1 epoch\(s\), 2 step\(s\) done; the \d+ log line\(s\) "
                     r"written after it were removed", text)
    assert text.count("training alexnet_s2") == 2             # both runs' headers stay
