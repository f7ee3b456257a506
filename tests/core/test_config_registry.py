"""Config, registry, checkpoint and `load_tracker` errors name what is wrong and where; the API round-trips."""
import os

import numpy as np
import pytest
import torch

import pysot_ss
from pysot_ss import api
from pysot_ss.core.config import get_cfg, load_cfg, save_cfg
from pysot_ss.errors import ConfigError
from pysot_ss.models import build_model
from pysot_ss.tracker import build_tracker
import pysot_ss.tracker.builder  # noqa: F401  (registers the trackers)
from pysot_ss.utils.checkpoint import CheckpointError, load_weights, save_checkpoint
from pysot_ss.utils.registry import BACKBONES, TRACKERS, RegistryError


def test_unknown_registry_name_lists_registered_names():
    with pytest.raises(RegistryError) as e:
        TRACKERS.get("siamfcc")
    assert "siamfcc" in str(e.value) and "siamfc" in str(e.value).split("siamfcc", 1)[1]
    cfg = get_cfg()
    cfg.TRACK.TYPE = "nope"
    with pytest.raises(RegistryError, match=r"unknown tracker 'nope'.*siamfc"):
        build_tracker(cfg, None)
    cfg = get_cfg()
    cfg.BACKBONE.TYPE = "resnet"
    with pytest.raises(RegistryError, match=r"'resnet'.*alexnet, alexnet_lite, alexnet_s2"):
        build_model(cfg)
    assert "alexnet" in BACKBONES.names()


def test_unknown_yaml_key_names_key_and_file(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("TRACK:\n  SCALE_NUM: 5\n  WINDOW_INFLUENCES: 0.2\n")
    with pytest.raises(ConfigError) as e:
        load_cfg(str(path))
    assert str(path) in str(e.value) and "WINDOW_INFLUENCES" in str(e.value)
    with pytest.raises(ConfigError, match="missing.yaml"):
        load_cfg(str(tmp_path / "missing.yaml"))


def test_opts_override_and_reject_unknown_keys():
    cfg = load_cfg(None, ["TRACK.SCALE_NUM", "5"])
    assert cfg.TRACK.SCALE_NUM == 5
    with pytest.raises(ValueError, match="TRACK.NOPE"):
        load_cfg(None, ["TRACK.NOPE", "1"])


@pytest.fixture(scope="module")
def s2_model():
    cfg = get_cfg()
    cfg.BACKBONE.TYPE, cfg.HEAD.TYPE = "alexnet_s2", "xcorr_bn"
    cfg.TRACK.SCALE_LR = 0.5
    torch.manual_seed(3)
    return cfg, build_model(cfg).eval()


def test_bad_snapshots_raise_checkpoint_error_with_path(tmp_path, s2_model):
    cfg, model = s2_model
    junk = tmp_path / "junk.pth"
    junk.write_bytes(os.urandom(256))
    a_list = tmp_path / "list.pth"
    torch.save([1, 2, 3], a_list)
    other = tmp_path / "other_arch.pth"
    other_cfg = get_cfg()  # alexnet + xcorr: different keys and shapes
    save_checkpoint({"model": build_model(other_cfg).state_dict()}, other)
    no_weights = tmp_path / "no_weights.pth"
    save_checkpoint({"epoch": 3}, no_weights)
    for path in (junk, a_list, other, no_weights, tmp_path / "absent.pth"):
        with pytest.raises(CheckpointError) as e:
            load_weights(model, path)
        assert str(path) in str(e.value)
        with pytest.raises(CheckpointError) as e:
            api.load_tracker(None, snapshot=str(path), opts=["BACKBONE.TYPE", "alexnet_s2", "HEAD.TYPE", "xcorr_bn"])
        assert str(path) in str(e.value)


def test_load_tracker_round_trip_with_stored_config(tmp_path, s2_model):
    cfg, model = s2_model
    path = tmp_path / "ckpt" / "model_e1.pth"
    save_checkpoint({"model": model.state_dict(), "config": cfg.dump(), "epoch": 1}, path)
    tracker = pysot_ss.load_tracker(None, snapshot=str(path))  # config comes from the checkpoint
    assert tracker.cfg.BACKBONE.TYPE == "alexnet_s2" and tracker.cfg.TRACK.SCALE_LR == 0.5
    assert tracker.device.type == "cpu"
    ref = model.state_dict()
    for k, v in tracker.model.state_dict().items():
        assert torch.equal(v, ref[k]), k
    frame = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    tracker.init(frame, (60, 40, 30, 25))
    out = tracker.track(frame).as_dict()
    assert set(out) >= {"bbox", "best_score"} and len(out["bbox"]) == 4 and all(np.isfinite(out["bbox"]))

    # an explicit config file wins over the stored one; opts come last
    yaml_path = tmp_path / "exp" / "config.yaml"
    cfg2 = cfg.clone()
    cfg2.TRACK.SCALE_LR = 0.3
    save_cfg(cfg2, yaml_path)
    t2 = api.load_tracker(str(yaml_path), snapshot=str(path), opts=["TRACK.FAST", "False"])
    assert t2.cfg.TRACK.SCALE_LR == 0.3 and t2.fast is False
    # a bare state dict (no stored config) loads with the given config
    bare = tmp_path / "bare.pth"
    torch.save(model.state_dict(), bare)
    t3 = api.load_tracker(str(yaml_path), snapshot=str(bare))
    assert torch.equal(t3.model.state_dict()["head.map_norm.running_var"], ref["head.map_norm.running_var"])


def test_experiment_names_resolve_under_experiments(tmp_path, monkeypatch):
    exp = tmp_path / "experiments"
    (exp / "mine").mkdir(parents=True)
    cfg = get_cfg()
    cfg.TRACK.SCALE_NUM = 5
    save_cfg(cfg, exp / "mine" / "config.yaml")
    monkeypatch.setattr(api, "EXPERIMENTS", exp)
    assert api.resolve_config("mine") == exp / "mine" / "config.yaml"
    tracker = api.load_tracker("mine")
    assert tracker.cfg.TRACK.SCALE_NUM == 5 and len(tracker.hp.scale_factors) == 5
    with pytest.raises(ConfigError, match=r"'nothere'.*experiments: mine"):
        api.load_tracker("nothere")
    with pytest.raises(ConfigError, match="nothere.yaml"):
        api.load_tracker(str(tmp_path / "nothere.yaml"))


def test_stored_config_with_unknown_key_is_a_checkpoint_error(tmp_path, s2_model):
    cfg, model = s2_model
    path = tmp_path / "future.pth"
    save_checkpoint({"model": model.state_dict(), "config": cfg.dump() + "\nNEW_SECTION:\n  X: 1\n"}, path)
    with pytest.raises(CheckpointError, match=r"future\.pth.*NEW_SECTION"):
        api.load_tracker(None, snapshot=str(path))


def test_device_resolution():
    from pysot_ss.tracker.base import resolve_device, use_bf16

    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            resolve_device("cuda")
    assert use_bf16("off", torch.device("cpu")) is False and use_bf16("on", torch.device("cpu")) is True
    with pytest.raises(ValueError, match="TRACK.BF16"):
        use_bf16("maybe", torch.device("cpu"))


def test_checkpoint_is_written_with_cpu_tensors_and_usual_permissions(tmp_path, monkeypatch):
    """A checkpoint written on a GPU must load on a CPU-only machine with plain torch.load; here the 'GPU'
    tensors are stand-ins whose .cpu() is observable."""
    import os

    import torch

    from pysot_ss.utils import checkpoint as ck

    moved = []

    class FakeCuda(torch.Tensor):
        def cpu(self, *a, **k):
            moved.append(1)
            return torch.Tensor.cpu(self).as_subclass(torch.Tensor)

    t = torch.ones(2).as_subclass(FakeCuda)
    state = {"model": {"w": t}, "optimizer": {"state": {0: {"exp_avg": t}}, "groups": [(t, 1.5, "x")]}, "epoch": 3}
    path = tmp_path / "c.pth"
    ck.save_checkpoint(state, path)
    assert len(moved) == 3
    obj = torch.load(path, weights_only=True)
    assert type(obj["model"]["w"]) is torch.Tensor and obj["epoch"] == 3
    assert obj["optimizer"]["groups"][0][1:] == (1.5, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)
