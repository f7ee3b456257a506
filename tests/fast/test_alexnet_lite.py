"""alexnet_lite (the real-time backbone): geometry, FLOPs against alexnet_s2, registry/config building."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from pysot_ss.core.config import get_cfg
from pysot_ss.models import build_model
from pysot_ss.models.backbone.alexnet_lite import AlexNetLite
from pysot_ss.utils.registry import BACKBONES


def _flops(net, x):
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        net(x)
    return fc.get_total_flops()


@pytest.mark.parametrize("size,out", [(127, 5), (239, 19), (255, 21)])
def test_feature_sizes_give_alexnets_response_sizes(size, out):
    net = AlexNetLite().eval()
    assert net(torch.zeros(2, 3, size, size)).shape == (2, 128, out, out)
    # template 127 -> 5x5 slid over 255 -> 21x21 gives 17x17 (tracking), over 239 -> 19x19 gives 15x15 (training)
    assert net.stride == 8


def test_one_tracked_frame_costs_under_an_eighth_of_alexnet_s2():
    lite, s2 = AlexNetLite().eval(), BACKBONES.build("alexnet_s2").eval()
    x = torch.zeros(3, 3, 255, 255)  # the 3-scale search of one frame
    ratio = _flops(lite, x) / _flops(s2, x)
    assert ratio < 1 / 8
    assert ratio > 1 / 40  # a real network, not a stub: about 1/24


def test_widths_are_a_config_key_and_checked():
    cfg = get_cfg()
    cfg.merge_from_list(["BACKBONE.TYPE", "alexnet_lite", "HEAD.TYPE", "xcorr_bn"])
    cfg.BACKBONE.KWARGS.WIDTHS = [16, 32, 48, 48, 64]
    model = build_model(cfg).eval()
    assert model.backbone.out_channels == 64
    assert model(torch.zeros(1, 3, 127, 127), torch.zeros(1, 3, 255, 255)).shape == (1, 1, 17, 17)
    with pytest.raises(ValueError, match="WIDTHS"):
        AlexNetLite(widths=(16, 32))


def test_centre_of_the_response_looks_at_the_crop_centre():
    """Translation equivariance (no padding): a template cut from the middle of the search image peaks at the
    centre cell of the response, and a template shifted by k strides peaks k cells away."""
    torch.manual_seed(0)
    net = AlexNetLite().eval()
    x = torch.rand(1, 3, 255, 255) * 255
    xf = net(x)
    for k in (0, 2, -3):
        z = x[:, :, 64 + 8 * k:64 + 8 * k + 127, 64:191]
        zf = net(z)
        torch.testing.assert_close(zf, xf[:, :, 8 + k:13 + k, 8:13], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backbone,normalize,order", [("alexnet_lite", "unit", "RGB"), ("alexnet_s2", "none", "BGR"),
                                                      ("alexnet", "minmax", "RGB")])
def test_fast_path_folds_the_input_preprocessing_exactly(backbone, normalize, order):
    """The fast path feeds raw uint8 BGR crops: channel order and 1/255 live in the first convolution's weights
    (minmax cannot be folded and runs as in training); features equal the model's own embed() in fp32."""
    from pysot_ss.tracker.base import InferenceNet

    cfg = get_cfg()
    cfg.merge_from_list(["BACKBONE.TYPE", backbone, "HEAD.TYPE", "xcorr_bn", "INPUT.NORMALIZE", normalize,
                         "INPUT.CHANNEL_ORDER", order])
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    net = InferenceNet(model, torch.device("cpu"), bf16=False)
    assert net.folded_input == (normalize != "minmax")
    crops = torch.randint(0, 256, (2, 127, 127, 3), dtype=torch.uint8)
    with torch.no_grad():
        ref = model.embed(crops.permute(0, 3, 1, 2).float())
        got = net.embed(crops)
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4 * float(ref.abs().max()))
    # the model itself is untouched
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
