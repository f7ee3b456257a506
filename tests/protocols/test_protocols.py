"""Protocol runners and result writers with scripted fake trackers (no pysot_ss, no torch).

Frames are tiny PNGs whose pixel (0, 0) carries the script: channel 0 = frame index, channel 1 = 255 makes the fake
tracker return a box far from the target (a failure), channel 2 = 255 makes it raise.
"""
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from toolkit.protocols import (FrameError, layout_name_for, make_layout, run_dataset, run_one_pass, run_reset,
                               run_video)
from toolkit.utils.bbox import get_axis_aligned_bbox, init_box, rect_to_polygon
from toolkit.utils.errors import ToolkitError

W, H = 100, 80
FAR = [500.0, 500.0, 5.0, 5.0]  # outside the image: overlap 0 with any target


class FakeVideo:
    def __init__(self, name, img_names, gt_traj):
        self.name = name
        self.img_names = img_names
        self.gt_traj = gt_traj


class FakeDataset:
    def __init__(self, name, videos, protocol=None):
        self.name = name
        self.videos = {v.name: v for v in videos}
        if protocol:
            self.protocol = protocol

    def __iter__(self):
        return iter([self.videos[k] for k in sorted(self.videos)])


def make_video(folder: Path, name: str, gts, fail=(), crash=()):
    d = folder / name
    d.mkdir(parents=True)
    paths = []
    for i in range(len(gts)):
        img = np.full((H, W, 3), 90, np.uint8)
        img[0, 0] = (i, 255 if i in fail else 0, 255 if i in crash else 0)
        p = d / f"{i:04d}.png"
        cv2.imwrite(str(p), img)
        paths.append(str(p))
    return FakeVideo(name, paths, [list(g) for g in gts])


class FakeTracker:
    """Returns `box` (or, if None, its last init box) unless the frame's script says fail/crash."""

    def __init__(self, box=None):
        self.box = box
        self.inits = []   # (frame index, init box)
        self.tracks = 0

    def init(self, img, bbox):
        self.inits.append((int(img[0, 0, 0]), [float(v) for v in bbox]))
        self.current = list(bbox)

    def track(self, img):
        self.tracks += 1
        if img[0, 0, 2] == 255:
            raise RuntimeError(f"scripted crash at frame {int(img[0, 0, 0])}")
        if img[0, 0, 1] == 255:
            return {"bbox": list(FAR), "best_score": 0.1}
        return {"bbox": list(self.box if self.box is not None else self.current), "best_score": 0.9}


class CountingFactory:
    """Picklable tracker factory; remembers the trackers it built (in this process)."""

    def __init__(self, box=None):
        self.box = box
        self.built = []

    def __call__(self):
        t = FakeTracker(self.box)
        self.built.append(t)
        return t


RECT = [10.0, 20.0, 30.0, 40.0]
RECT_LINE = "10.0000,20.0000,30.0000,40.0000"  # RECT via '%.4f'


def read_lines(path):
    return Path(path).read_text().splitlines()


# ------------------------------------------------------------------------------------------------ bbox rules

def test_axis_aligned_bbox_of_a_rotated_square():
    # diamond with corners (40,30) (50,40) (40,50) (30,40): centre (40,40); bounding box 20x20 (A2 = 400);
    # sides |p0-p1| = |p1-p2| = sqrt(200) -> A1 = 200; s = sqrt(1/2); w = h = 20/sqrt(2) + 1 = 15.1421356...
    poly = [40, 30, 50, 40, 40, 50, 30, 40]
    cx, cy, w, h = get_axis_aligned_bbox(poly)
    assert (cx, cy) == (40.0, 40.0)
    assert w == pytest.approx(15.142135623730951) and h == pytest.approx(15.142135623730951)
    # init = [cx - (w-1)/2, ...] = 40 - 7.0710678 = 32.9289322
    assert init_box(poly) == pytest.approx([32.928932188134524, 32.928932188134524, 15.142135623730951,
                                            15.142135623730951])


def test_init_box_of_a_rect_has_the_half_pixel_shift_and_polygon_uses_minus_one():
    assert init_box([10, 20, 30, 40]) == [10.5, 20.5, 30.0, 40.0]
    # x + w - 1 = 39, y + h - 1 = 59
    assert rect_to_polygon([10, 20, 30, 40]) == [10, 20, 10, 59, 39, 59, 39, 20]
    # through the -1 polygon the VOT init box is the rectangle itself (s = 1, w = 29 + 1)
    assert init_box(rect_to_polygon([10, 20, 30, 40])) == [10.0, 20.0, 30.0, 40.0]
    with pytest.raises(ValueError):
        init_box([1, 2, 3])


# ------------------------------------------------------------------------------------------------ reset protocol

def test_reset_pattern_after_a_failure_mid_video(tmp_path):
    video = make_video(tmp_path, "v", [RECT] * 15, fail={3})
    tracker = FakeTracker()
    record = run_reset(tracker, video)
    # failure at 3 -> frames 4..7 skipped, re-init at 3 + 5 = 8
    assert record.entries[:9] == [1, RECT, RECT, 2, 0, 0, 0, 0, 1]
    assert record.entries[9:] == [RECT] * 6
    assert record.lost == 1
    assert [i for i, _ in tracker.inits] == [0, 8]
    layout = make_layout("vot", tmp_path / "results", "VOT2018", "fake")
    layout.write("v", record)
    lines = read_lines(tmp_path / "results/VOT2018/fake/baseline/v/v_001.txt")
    assert lines == ["1", RECT_LINE, RECT_LINE, "2", "0", "0", "0", "0", "1"] + [RECT_LINE] * 6


def test_reset_counts(tmp_path):
    tracker = FakeTracker()
    run_reset(tracker, make_video(tmp_path, "v", [RECT] * 15, fail={3}))
    assert tracker.tracks == 9  # frames 1, 2, 3 and 9..14


def test_reset_failure_near_the_end_leaves_trailing_zeros(tmp_path):
    rec = run_reset(FakeTracker(), make_video(tmp_path, "a", [RECT] * 15, fail={12}))
    assert rec.entries[11:] == [RECT, 2, 0, 0]
    rec = run_reset(FakeTracker(), make_video(tmp_path, "b", [RECT] * 15, fail={10}))
    assert rec.entries[9:] == [RECT, 2, 0, 0, 0, 0]  # re-init would be frame 15: past the end


def test_reset_two_failures_and_failure_right_after_reinit(tmp_path):
    tracker = FakeTracker()
    rec = run_reset(tracker, make_video(tmp_path, "v", [RECT] * 15, fail={3, 9}))
    assert rec.entries == [1, RECT, RECT, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1]
    assert rec.lost == 2
    assert [i for i, _ in tracker.inits] == [0, 8, 14]


def test_reset_init_box_from_polygon_gt(tmp_path):
    # the diamond of test_axis_aligned_bbox_of_a_rotated_square, moved by 1 px per frame
    gts = [[40 + i, 30, 50 + i, 40, 40 + i, 50, 30 + i, 40] for i in range(6)]
    tracker = FakeTracker()
    rec = run_reset(tracker, make_video(tmp_path, "v", gts, fail={2}))
    assert rec.entries[:3] == [1, pytest.approx([32.928932188134524, 32.928932188134524, 15.142135623730951,
                                                 15.142135623730951]), 2]
    assert tracker.inits[0][1] == pytest.approx([32.928932188134524, 32.928932188134524,
                                                 15.142135623730951, 15.142135623730951])


def test_vot_lines_use_float32_formatting(tmp_path):
    # float32(30.00005) = 30.000049591... -> '30.0000' (a double would print 30.0001)
    box = [10.5, 20.25, 30.00005, 40.0]
    rec = run_reset(FakeTracker(box=box), make_video(tmp_path, "v", [RECT] * 3))
    layout = make_layout("vot", tmp_path, "VOT2016", "t")
    lines = read_lines(layout.write("v", rec))
    assert lines == ["1", "10.5000,20.2500,30.0000,40.0000", "10.5000,20.2500,30.0000,40.0000"]


def test_reset_uses_polygon_output_when_given(tmp_path):
    class PolyTracker(FakeTracker):
        def track(self, img):
            return {"bbox": FAR, "polygon": [10, 20, 10, 59, 39, 59, 39, 20], "best_score": 1.0}

    rec = run_reset(PolyTracker(), make_video(tmp_path, "v", [RECT] * 3))
    assert rec.entries[1] == [10.0, 20.0, 10.0, 59.0, 39.0, 59.0, 39.0, 20.0]


# ------------------------------------------------------------------------------------------------ one pass

def test_one_pass_first_line_is_init_box_with_half_pixel(tmp_path):
    rec = run_one_pass(FakeTracker(box=[1.5, 2.25, 3.0, 4.0]), make_video(tmp_path, "v", [RECT] * 4, fail={2}))
    layout = make_layout("ope", tmp_path / "results", "OTB100", "t")
    path = layout.write("v", rec)
    assert path == tmp_path / "results/OTB100/t/v.txt"
    # frame 0: [x+0.5, y+0.5, w, h]; frame 2's scripted failure is just another box in OPE (no re-init)
    assert read_lines(path) == ["10.5,20.5,30.0,40.0", "1.5,2.25,3.0,4.0", "500.0,500.0,5.0,5.0",
                                "1.5,2.25,3.0,4.0"]
    assert rec.scores == [None, 0.9, 0.1, 0.9]


def test_one_pass_rejects_non_finite_boxes(tmp_path):
    rec_video = make_video(tmp_path, "v", [RECT] * 3)
    outcome = run_video(FakeTracker(box=[1.0, float("nan"), 3.0, 4.0]), rec_video, "ope",
                        make_layout("ope", tmp_path, "OTB100", "t"))
    assert outcome.status == "failed" and "invalid box" in outcome.error
    assert not (tmp_path / "OTB100/t/v.txt").exists()


def test_got10k_and_longterm_layouts(tmp_path):
    video = make_video(tmp_path, "GOT-10k_Test_000001", [RECT] * 3)
    rec = run_one_pass(FakeTracker(box=[1.0, 2.0, 3.0, 4.0]), video)
    assert layout_name_for("GOT-10k", "ope") == layout_name_for("got10k", "ope") == "got10k"
    assert layout_name_for("GOT-10k", "reset") == "vot" and layout_name_for("OTB100", "ope") == "ope"
    got = make_layout("got10k", tmp_path / "r", "GOT-10k", "t")
    got.write(video.name, rec)
    d = tmp_path / "r/GOT-10k/t/GOT-10k_Test_000001"
    assert read_lines(d / "GOT-10k_Test_000001_001.txt") == ["10.5,20.5,30.0,40.0"] + ["1.0,2.0,3.0,4.0"] * 2
    times = read_lines(d / "GOT-10k_Test_000001_time.txt")
    assert len(times) == 3 and all(re.fullmatch(r"\d+\.\d{6}", t) for t in times)

    assert layout_name_for("VOT2018-LT", "ope") == "longterm"
    lt = make_layout("longterm", tmp_path / "r", "VOT2018-LT", "t")
    lt.write("v", rec)
    d = tmp_path / "r/VOT2018-LT/t/longterm/v"
    assert read_lines(d / "v_001.txt") == ["1", "1.0,2.0,3.0,4.0", "1.0,2.0,3.0,4.0"]
    assert read_lines(d / "v_001_confidence.value") == ["", "0.900000", "0.900000"]
    assert len(read_lines(d / "v_time.txt")) == 3


def test_in_memory_video_without_img_names(tmp_path):
    class MemVideo:
        name = "mem"

        def __iter__(self):
            for i in range(3):
                img = np.zeros((H, W, 3), np.uint8)
                img[0, 0, 0] = i
                yield img, RECT

    rec = run_one_pass(FakeTracker(), MemVideo())
    assert rec.entries[0] == [10.5, 20.5, 30.0, 40.0] and len(rec.entries) == 3


# ------------------------------------------------------------------------------------------------ dataset runner

def test_failing_videos_are_reported_and_the_others_finish(tmp_path, capsys):
    videos = [make_video(tmp_path / "data", "a", [RECT] * 5),
              make_video(tmp_path / "data", "b", [RECT] * 5, crash={3}),
              make_video(tmp_path / "data", "c", [RECT] * 5)]
    Path(videos[2].img_names[4]).write_bytes(b"not an image")
    ds = FakeDataset("OTB100", videos)
    summary = run_dataset(ds, CountingFactory(), "fake", results_dir=tmp_path / "results", progress=False)
    assert [o.name for o in summary.done] == ["a"]
    assert {o.name: o.error for o in summary.failed} == {
        "b": "RuntimeError: scripted crash at frame 3",
        "c": f"FrameError: video 'c' frame 4: {videos[2].img_names[4]}: not a readable image"}
    assert summary.exit_code == 1
    out = capsys.readouterr().out
    assert "(  1) Video: a            Time:" in out and "FAILED: RuntimeError: scripted crash" in out
    assert sorted(p.name for p in (tmp_path / "results/OTB100/fake").iterdir()) == ["a.txt"]


def test_resume_skips_finished_videos_and_cleans_temp_files(tmp_path):
    videos = [make_video(tmp_path / "data", n, [RECT] * 15, fail={3}) for n in ("a", "b", "c")]
    ds = FakeDataset("VOT2018", videos, protocol="reset")
    results = tmp_path / "results"
    first = CountingFactory()
    s1 = run_dataset(ds, first, "fake", results_dir=results, videos=["a", "c"], progress=False)
    assert s1.ok and [o.name for o in s1.done] == ["a", "c"] and s1.total_lost == 2
    assert [i for i, _ in first.built[0].inits] == [0, 8, 0, 8]  # one tracker for both videos

    # an interrupted run left a temp file for b: ignored by the evaluator's glob and removed on resume
    bdir = results / "VOT2018/fake/baseline/b"
    bdir.mkdir(parents=True)
    stale = bdir / ".b_001.txt.x1y2z3.tmp"
    stale.write_text("1\n10.0,")
    second = CountingFactory()
    s2 = run_dataset(ds, second, "fake", results_dir=results, progress=False)
    assert [o.name for o in s2.skipped] == ["a", "c"] and [o.name for o in s2.done] == ["b"]
    assert len(second.built[0].inits) == 2  # only b was tracked (init at 0 and 8)
    assert not stale.exists()
    assert read_lines(bdir / "b_001.txt")[:5] == ["1", RECT_LINE, RECT_LINE, "2", "0"]

    third = CountingFactory()
    s3 = run_dataset(ds, third, "fake", results_dir=results, progress=False)
    assert len(s3.skipped) == 3 and not s3.done and third.built == []  # nothing to do: no tracker built


def test_unknown_video_and_protocol(tmp_path):
    ds = FakeDataset("OTB100", [make_video(tmp_path, "a", [RECT] * 2)])
    with pytest.raises(ToolkitError, match="no video"):
        run_dataset(ds, CountingFactory(), "t", results_dir=tmp_path, videos=["zzz"], progress=False)
    with pytest.raises(ToolkitError, match="unknown protocol"):
        run_dataset(ds, CountingFactory(), "t", results_dir=tmp_path, protocol="xyz", progress=False)


def test_protocol_override_writes_vot_layout_for_any_dataset(tmp_path):
    ds = FakeDataset("MyData", [make_video(tmp_path / "d", "a", [RECT] * 4)])
    s = run_dataset(ds, CountingFactory(), "t", results_dir=tmp_path / "r", protocol="reset", progress=False)
    assert s.ok and s.layout == "vot"
    assert read_lines(tmp_path / "r/MyData/t/baseline/a/a_001.txt") == ["1"] + [RECT_LINE] * 3


def test_parallel_workers_match_sequential(tmp_path):
    videos = [make_video(tmp_path / "data", n, [RECT] * 10, fail={2} if n == "b" else (), crash={5} if n == "c"
                         else ()) for n in ("a", "b", "c")]
    ds = FakeDataset("VOT2016", videos, protocol="reset")
    seq = run_dataset(ds, CountingFactory(), "seq", results_dir=tmp_path / "r", progress=False)
    par = run_dataset(ds, CountingFactory(), "par", results_dir=tmp_path / "r", num_workers=2,
                      threads_per_worker=1, progress=False)
    assert [(o.name, o.status, o.lost) for o in par.outcomes] == [(o.name, o.status, o.lost) for o in seq.outcomes]
    assert [o.name for o in par.failed] == ["c"] and "scripted crash at frame 5" in par.failed[0].error
    for n in ("a", "b"):
        assert read_lines(tmp_path / f"r/VOT2016/par/baseline/{n}/{n}_001.txt") == \
            read_lines(tmp_path / f"r/VOT2016/seq/baseline/{n}/{n}_001.txt")
    assert par.exit_code == 1


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    from toolkit.protocols.writers import TrackRecord
    layout = make_layout("ope", tmp_path, "OTB100", "t")
    with pytest.raises(ValueError):
        layout.write("v", TrackRecord(entries=[[1.0, 2.0, 3.0, 4.0], ["x", 1, 2, 3]]))
    assert not (tmp_path / "OTB100/t").exists() or list((tmp_path / "OTB100/t").iterdir()) == []


def test_frame_error_is_a_toolkit_error():
    assert issubclass(FrameError, ToolkitError)


class BrokenFactory:
    def __call__(self):
        raise OSError("no weights here")


def test_factory_failure(tmp_path):
    ds = FakeDataset("OTB100", [make_video(tmp_path / "d", n, [RECT] * 3) for n in ("a", "b")])
    with pytest.raises(OSError, match="no weights"):  # one process: the caller sees the exception itself
        run_dataset(ds, BrokenFactory(), "t", results_dir=tmp_path / "r", progress=False)
    s = run_dataset(ds, BrokenFactory(), "t", results_dir=tmp_path / "r", num_workers=2, progress=False)
    assert [o.status for o in s.outcomes] == ["failed", "failed"] and s.exit_code == 1
    assert s.failed[0].error == "building the tracker failed: OSError: no weights here"
