"""The template update's variants (TRACK.UPDATE_SOURCE / UPDATE_EVERY) of the SiamFC search."""
import numpy as np
import pytest
import torch

from pysot_ss.api import REPO, load_tracker
from pysot_ss.tracker.siamfc_math import template_from_search
from toolkit.synthetic.photos import load_photo

FP32 = ["TRACK.BF16", "off", "TRACK.NUM_THREADS", "1"]


def _lite_tracker(*opts):
    torch.manual_seed(0)
    return load_tracker(str(REPO / "experiments/s2siamfc_fast/config.yaml"), opts=FP32 + list(opts)).tracker


def test_update_from_search_features_equals_a_forward_of_the_new_exemplar():
    """With a padding-free backbone the exemplar crop around a centre k strides off the search centre samples the
    same pixels as the matching window of the search crop, so the features cut from the search map (no forward)
    are the features a second forward of the new exemplar would give."""
    t = _lite_tracker("TRACK.UPDATE_SOURCE", "search")
    img = np.ascontiguousarray(load_photo("astronaut")[:400, :400])
    t.init(img, (150.0, 140.0, 60.0, 70.0))
    center, x_sz = t.center.copy(), t.x_sz
    hp = t.hp
    xf = t._embed(img, [x_sz], hp.instance_size, "x")
    up = xf.shape[-1] - t.zf.shape[-1] + 1
    up *= hp.response_up
    for k in ((0, 0), (2, -1), (-3, 3)):
        loc = (up - 1) / 2.0 + np.array(k, float) * hp.response_up + 0.3  # a peak k cells off the centre
        cut = template_from_search(xf, 0, loc, up, t.zf.shape[-2:], hp.response_up)
        t.center = center + np.array(k, float) * hp.stride * x_sz / hp.instance_size
        ref = t._embed(img, [t.z_sz], hp.exemplar_size, "z")
        t.center = center
        assert cut.shape == ref.shape == t.zf.shape
        torch.testing.assert_close(cut, ref, rtol=1e-3, atol=1e-3 * float(ref.abs().max()))


def test_the_cut_window_stays_inside_the_search_map():
    xf = torch.arange(21 * 21, dtype=torch.float32).view(1, 1, 21, 21).expand(3, 2, 21, 21)
    far = np.array([1e4, -1e4])  # a peak far outside: clamped to the last / first window
    cut = template_from_search(xf, 2, far, 272, (5, 5), 16)
    assert cut.shape == (1, 2, 5, 5)
    assert float(cut[0, 0, 0, 0]) == 0 * 21 + 16  # row 0, column 16 = 21 - 5


@pytest.mark.parametrize("source", ["crop", "search"])
def test_update_every_n_frames_changes_the_template_only_then(source):
    t = _lite_tracker("TRACK.LINEAR_UPDATE", "True", "TRACK.UPDATE_SOURCE", source, "TRACK.UPDATE_EVERY", "3")
    assert t.hp.update_rate == pytest.approx(1 - (1 - 0.0102) ** 3)  # the same memory as every frame
    img = np.ascontiguousarray(load_photo("astronaut")[:300, :300])
    t.init(img, (100.0, 100.0, 50.0, 50.0))
    changed = []
    for _ in range(6):
        before = t.zf.clone()
        t.track(img)
        changed.append(not torch.equal(before, t.zf))
    assert changed == [False, False, True, False, False, True]


def test_bad_update_settings_are_errors_naming_the_key():
    with pytest.raises(ValueError, match="TRACK.UPDATE_SOURCE"):
        _lite_tracker("TRACK.UPDATE_SOURCE", "template")
    with pytest.raises(ValueError, match="TRACK.UPDATE_EVERY"):
        _lite_tracker("TRACK.UPDATE_EVERY", "0")
