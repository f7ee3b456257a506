"""tools/vot_trax.py driven by vot-trax's own client over stdin/stdout on a generated VOT sequence: one region back
for every frame, in the start region's format (polygon or rectangle)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

trax = pytest.importorskip("trax")
from trax.client import Client  # noqa: E402

from toolkit.synthetic import generate_benchmark  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
NUM_FRAMES = 6


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    roots = generate_benchmark(tmp_path_factory.mktemp("bench"), num_videos=1, num_frames=NUM_FRAMES,
                               layouts=("vot",))
    seq = next(p for p in roots["vot"].iterdir() if p.is_dir())
    frames = sorted((seq / "color").glob("*.jpg"))
    gt = [[float(v) for v in ln.split(",")] for ln in (seq / "groundtruth.txt").read_text().split()]
    assert len(frames) == len(gt) == NUM_FRAMES and len(gt[0]) == 8
    return frames, gt


def drive(server_args, frames, start_region):
    proc = subprocess.Popen([sys.executable, str(REPO / "tools" / "vot_trax.py")] + server_args,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        client = Client(stream=(proc.stdin.fileno(), proc.stdout.fileno()), timeout=60,
                        log=lambda message: None)  # vot-trax 4.0.2: log=False crashes in ctypes
        assert client.tracker_name == "pysot-ss"
        image = {trax.ImageChannel.COLOR: trax.FileImage.create(str(frames[0]))}
        objects, _ = client.initialize(image, [(start_region, {})], {})
        replies = [objects]
        for f in frames[1:]:
            objects, _ = client.frame({trax.ImageChannel.COLOR: trax.FileImage.create(str(f))}, {}, [])
            replies.append(objects)
        client.quit()
        proc.stdin.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0, err
        return replies, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_polygon_regions_with_opencv_tracker(sequence):
    frames, gt = sequence
    poly = trax.Polygon.create([(gt[0][i], gt[0][i + 1]) for i in range(0, 8, 2)])
    replies, err = drive(["--tracker", "opencv_csrt"], frames, poly)
    assert len(replies) == NUM_FRAMES and "tracked 5 frames" in err
    for objs in replies:
        assert len(objs) == 1
        region, props = objs[0]
        assert region.type == trax.Region.POLYGON and region.size() == 4
        assert 0.0 <= float(props["confidence"]) <= 1.0
    # the first reply is the init box (pysot's axis-aligned box of the polygon) as 4 corners
    from toolkit.utils.bbox import init_box, rect_to_polygon

    expect = rect_to_polygon(init_box(gt[0]))
    got = [v for p in replies[0][0][0] for v in p]
    np.testing.assert_allclose(got, expect, atol=1e-3)  # trax stores float32


def test_rectangle_regions_with_siamfc_snapshot(sequence, s2_snapshot):
    frames, gt = sequence
    xs, ys = gt[0][0::2], gt[0][1::2]
    rect = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    replies, _ = drive(["--snapshot", str(s2_snapshot)], frames, trax.Rectangle.create(*rect))
    assert len(replies) == NUM_FRAMES
    np.testing.assert_allclose(replies[0][0][0].bounds(), rect, atol=1e-3)
    for objs in replies:
        region, props = objs[0]
        assert region.type == trax.Region.RECTANGLE
        x, y, w, h = region.bounds()
        assert np.isfinite([x, y, w, h]).all() and w > 0 and h > 0 and np.isfinite(float(props["confidence"]))


class _Frame:
    """The one method of vot.dataset.Frame that the TraX runtime calls."""

    def __init__(self, path):
        self.path = str(path)

    def filename(self, channel):
        return self.path


def test_official_toolkit_runtime_from_trackers_ini(sequence, tmp_path):
    """The VOT toolkit's own TraX runtime, configured by the trackers.ini snippet of docs/vot_toolkit.md."""
    pytest.importorskip("vot", reason="vot-toolkit not installed (pip install -e '.[vot]')")
    from vot.region import Polygon
    from vot.tracker import ObjectStatus, Registry

    frames, gt = sequence
    (tmp_path / "trackers.ini").write_text(
        "[pysot_ss_csrt]\nlabel = pysot-ss CSRT\nprotocol = trax\n"
        f"command = {sys.executable} {REPO / 'tools' / 'vot_trax.py'} --tracker opencv_csrt\n")
    runtime = Registry([str(tmp_path)])["pysot_ss_csrt"].runtime(log=False)
    try:
        start = Polygon([(gt[0][i], gt[0][i + 1]) for i in range(0, 8, 2)])
        states = [runtime.initialize(_Frame(frames[0]), [ObjectStatus(start, {})])[0]]
        for f in frames[1:]:
            states.append(runtime.update(_Frame(f), [])[0])
    finally:
        runtime.stop()
    assert len(states) == NUM_FRAMES
    for st in states:
        assert len(st) == 1 and isinstance(st[0].region, Polygon) and st[0].region.size == 4
