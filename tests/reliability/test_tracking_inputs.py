"""Case 9 of the reliability issue: frames and init boxes are checked at the boundary, the same way for every tracker
(`sotbase.validate`, called by `pysot_ss.api.Tracker` and by the toolkit's protocols, which tools/test.py runs).

Covers: siamfc started from a box entirely outside the image (API and protocol); uint16, 1x1 and empty (None, size 0)
frames; KCF given a box of width 0 or NaN; a truncated JPEG in the middle of a sequence fails that video with an
error naming the file (the other videos finish). Every refusal is a `UserError` saying what is accepted.
"""
import numpy as np
import pytest

from pysot_ss import load_tracker
from sotbase.errors import UserError
from sotbase.validate import FRAMES, InputError
from tests.protocols.test_protocols import RECT, CountingFactory, FakeDataset, FakeTracker, make_video
from toolkit.protocols import FrameError, run_dataset, run_one_pass

FRAME = np.random.default_rng(0).integers(0, 255, (72, 96, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def siamfc(tmp_path_factory):
    from pysot_ss.core.config import get_cfg
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import save_checkpoint

    cfg = get_cfg()
    path = tmp_path_factory.mktemp("ckpt") / "model.pth"
    save_checkpoint({"model": build_model(cfg).state_dict(), "config": cfg.dump()}, path)
    return load_tracker(None, path, opts=["TRACK.NUM_THREADS", "1"])


@pytest.fixture(scope="module")
def kcf():
    return load_tracker(None, opts=["TRACK.TYPE", "opencv_kcf"])


def test_init_box_outside_the_image(siamfc):
    with pytest.raises(InputError, match=r"init box \[200.0, 10.0, 20.0, 20.0\] lies entirely outside the 96x72"):
        siamfc.init(FRAME, (200, 10, 20, 20))
    siamfc.init(FRAME, (-10, -10, 20, 20))  # partly inside is a valid start
    assert len(siamfc.track(FRAME)[0]) == 4


@pytest.mark.parametrize("frame, message", [
    (FRAME.astype(np.uint16), "is a uint16 array of shape (72, 96, 3)"),
    (np.zeros((1, 1, 3), np.uint8), "is 1x1 pixels"),
    (None, "is None"),
    (np.zeros((0, 0, 3), np.uint8), "is 0x0 pixels (empty)"),
    (np.zeros((72, 96, 2), np.uint8), "shape (72, 96, 2)"),
], ids=["uint16", "1x1", "None", "size0", "2channels"])
@pytest.mark.parametrize("which", ["siamfc", "kcf"])
def test_bad_frames(which, frame, message, request):
    tracker = request.getfixturevalue(which)
    with pytest.raises(InputError) as e:
        tracker.init(frame, (10, 10, 20, 20))
    assert message in str(e.value) and FRAMES in str(e.value)
    tracker.init(FRAME, (10, 10, 20, 20))
    with pytest.raises(InputError, match="uint8"):
        tracker.track(frame)


@pytest.mark.parametrize("box", [(10, 10, 0, 20), (10, 10, float("nan"), 20), (10, 10, 20, -1), (1, 2, 3)])
def test_kcf_boxes(kcf, box):
    with pytest.raises(InputError, match="init box must be"):
        kcf.init(FRAME, box)
    with pytest.raises(InputError, match="init box must be"):  # also when built without the API wrapper
        kcf.tracker.init(FRAME, box)


def test_protocol_checks_init_box_and_frames(tmp_path):
    outside = make_video(tmp_path, "out", [[500.0, 500.0, 20.0, 20.0]] * 3)
    with pytest.raises(FrameError, match=r"video 'out' frame 0: init box .* lies entirely outside the 100x80 frame"):
        run_one_pass(FakeTracker(), outside)

    class Uint16Video:
        name = "deep"

        def __iter__(self):
            return iter([(np.zeros((80, 100, 3), np.uint16), RECT)] * 2)

    with pytest.raises(FrameError, match="video 'deep' frame 0: the frame is a uint16 array"):
        run_one_pass(FakeTracker(), Uint16Video())


def test_truncated_jpeg_mid_sequence_fails_that_video(tmp_path):
    import cv2

    videos = [make_video(tmp_path / "data", n, [RECT] * 6) for n in ("a", "b")]
    rng = np.random.default_rng(0)
    for v in videos:  # textured JPEG files, as the benchmarks store them (no 255: FakeTracker's script stays off)
        v.img_names = [p[:-4] + ".jpg" for p in v.img_names]
        for p in v.img_names:
            cv2.imwrite(p, rng.integers(0, 200, (80, 100, 3), dtype=np.uint8))
    data = open(videos[0].img_names[3], "rb").read()
    open(videos[0].img_names[3], "wb").write(data[: len(data) * 2 // 3])  # cut mid-scan: libjpeg only warns
    assert cv2.imread(videos[0].img_names[3]) is not None
    s = run_dataset(FakeDataset("OTB100", videos), CountingFactory(), "t", results_dir=tmp_path / "r", progress=False)
    assert [o.name for o in s.done] == ["b"]
    assert s.failed[0].error == (f"FrameError: video 'a' frame 3: {videos[0].img_names[3]}: truncated or corrupt "
                                 f"JPEG (no end-of-image marker after its last scan)")
    assert not (tmp_path / "r" / "OTB100" / "t" / "a.txt").exists()


def test_errors_are_user_errors():
    assert issubclass(InputError, UserError) and issubclass(InputError, ValueError)
