"""A random-weight S2SiamFC checkpoint (config stored inside), saved once per session."""
import pytest


@pytest.fixture(scope="session")
def s2_snapshot(tmp_path_factory):
    import torch

    from pysot_ss.core.config import get_cfg
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import save_checkpoint

    torch.manual_seed(0)
    cfg = get_cfg()
    cfg.merge_from_list(["BACKBONE.TYPE", "alexnet_s2", "HEAD.TYPE", "xcorr_bn", "INPUT.NORMALIZE", "unit"])
    model = build_model(cfg).eval()
    path = tmp_path_factory.mktemp("ckpt") / "random_s2.pth"
    save_checkpoint({"model": model.state_dict(), "config": cfg.dump()}, path)
    return path
