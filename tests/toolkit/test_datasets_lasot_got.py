"""LaSOT test split and GOT-10k val: raw layouts, JSON, absent flags, got10k-style results."""
import json
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from toolkit.datasets import GOT10K_VAL_VIDEOS, LASOT_TEST_VIDEOS, DatasetFactory, DatasetWarning
from sotbase.errors import FileFormatError

create = DatasetFactory.create_dataset
JPEG = cv2.imencode(".jpg", np.zeros((6, 10, 3), np.uint8))[1].tobytes()  # width 10, height 6


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DatasetWarning)
        return fn(*a, **kw)


def sequence(seq_dir, n, gt_rows=None, img_sub="img"):
    img = Path(seq_dir) / img_sub if img_sub else Path(seq_dir)
    img.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        (img / f"{i:08d}.jpg").write_bytes(JPEG)
    rows = gt_rows or [[i, i, 4, 3] for i in range(1, n + 1)]
    (Path(seq_dir) / "groundtruth.txt").write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n")


# ------------------------------------------------------------------------------------------------------- LaSOT
def test_lasot_test_list():
    assert len(LASOT_TEST_VIDEOS) == 280 == len(set(LASOT_TEST_VIDEOS))
    classes = {}
    for name in LASOT_TEST_VIDEOS:
        cls, k = name.rsplit("-", 1)
        classes.setdefault(cls, []).append(int(k))
    assert len(classes) == 70 and all(len(v) == 4 for v in classes.values())
    assert {"airplane-1", "rubicCube-19", "volleyball-19", "drone-2"} <= set(LASOT_TEST_VIDEOS)


@pytest.fixture
def lasot_root(tmp_path):
    seq = tmp_path / "airplane" / "airplane-1"
    sequence(seq, 6)
    (seq / "full_occlusion.txt").write_text("0,0,1,0,0,0")
    (seq / "out_of_view.txt").write_text("0,0,0,0,1,1\n")
    sequence(tmp_path / "bear-2", 3)  # LaSOTTesting-style flat layout, no flag files
    sequence(tmp_path / "airplane" / "airplane-2", 2)  # training split: ignored
    return tmp_path


def test_lasot_raw_layout_absent_flags(lasot_root):
    with pytest.warns(DatasetWarning) as rec:
        ds = create(name="LaSOT", dataset_root=lasot_root)
    msgs = [str(w.message) for w in rec]
    assert any("278 video(s) not found" in m for m in msgs)
    assert any("lack full_occlusion.txt" in m and "bear-2" in m for m in msgs)
    assert list(ds.videos) == ["airplane-1", "bear-2"] and len(ds.missing) == 278
    assert (ds.protocol, ds.eao_interval) == ("ope", None)
    a = ds["airplane-1"]
    # visible = not fully occluded and not out of view: occ [0,0,1,0,0,0], oov [0,0,0,0,1,1]
    assert a.absent == [1, 1, 0, 1, 0, 0]
    assert a.gt_traj[2] == [3, 3, 4, 3] and a.init_rect == [1, 1, 4, 3] and (a.width, a.height) == (10, 6)
    assert ds["bear-2"].absent == [1, 1, 1]


def test_lasot_flag_length_mismatch(lasot_root):
    bad = lasot_root / "airplane" / "airplane-1" / "out_of_view.txt"
    bad.write_text("0,0,0")
    with pytest.raises(FileFormatError, match=r"out_of_view.txt: has 3 per-frame values but the sequence has 6"):
        quiet(create, name="LaSOT", dataset_root=lasot_root)
    bad.write_text("0,0,0,0,0,0,0")
    with pytest.raises(FileFormatError, match=r"out_of_view.txt: has 7 per-frame values"):
        quiet(create, name="LaSOT", dataset_root=lasot_root)


def test_lasot_json(lasot_root):
    desc = {"airplane-1": {"video_dir": "airplane-1", "init_rect": [1, 1, 4, 3],
                           "img_names": [f"airplane/airplane-1/img/{i:08d}.jpg" for i in range(1, 4)],
                           "gt_rect": [[1, 1, 4, 3]] * 3, "attr": ["ARC", "FM"], "absent": [1, 0, 1]}}
    (lasot_root / "LaSOT.json").write_text(json.dumps(desc))
    ds = quiet(create, name="LaSOT", dataset_root=lasot_root)
    assert list(ds.videos) == ["airplane-1"] and ds["airplane-1"].absent == [1, 0, 1]
    assert ds.attr == {"ALL": ["airplane-1"], "ARC": ["airplane-1"], "FM": ["airplane-1"]}


# ----------------------------------------------------------------------------------------------------- GOT-10k
def test_got10k_val_layout_and_results(tmp_path):
    val = tmp_path / "val"
    sequence(val / "GOT-10k_Val_000001", 4, img_sub=None)
    sequence(val / "GOT-10k_Val_000002", 2, img_sub=None)
    (val / "list.txt").write_text("GOT-10k_Val_000001\nGOT-10k_Val_000002\nGOT-10k_Val_000003\n")
    with pytest.warns(DatasetWarning, match="GOT-10k_Val_000003"):
        ds = create(name="GOT-10k", dataset_root=tmp_path)
    assert list(ds.videos) == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"] and ds.missing == ["GOT-10k_Val_000003"]
    v = ds["GOT-10k_Val_000001"]
    assert v.img_names[0] == str(val / "GOT-10k_Val_000001" / "00000001.jpg") and v.gt_traj[3] == [4, 4, 4, 3]
    # the GOT-10k toolkit's result layout, %.4f without a trailing newline, plus a time file; pysot's flat file
    tr = tmp_path / "res" / "T"
    (tr / "GOT-10k_Val_000001").mkdir(parents=True)
    (tr / "GOT-10k_Val_000001" / "GOT-10k_Val_000001_001.txt").write_text(
        "\n".join(["1.0000,2.0000,3.0000,4.0000"] * 4))
    (tr / "GOT-10k_Val_000001" / "GOT-10k_Val_000001_time.txt").write_text("0.010000\n" * 4)
    (tr / "GOT-10k_Val_000002.txt").write_text("5,6,7,8\n5,6,7,8\n")
    assert ds.load_tracker(tmp_path / "res", "T") == []
    assert v.pred_trajs["T"] == [[1, 2, 3, 4]] * 4
    assert ds["GOT-10k_Val_000002"].pred_trajs["T"] == [[5, 6, 7, 8]] * 2
    # root pointing at val/ itself works too; without list.txt the 180 official names define `missing`
    (val / "list.txt").unlink()
    ds = quiet(create, name="GOT-10k", dataset_root=val)
    assert len(ds) == 2 and len(ds.missing) == 178 == len(GOT10K_VAL_VIDEOS) - 2


def test_got10k_ground_truth_must_have_4_numbers(tmp_path):
    sequence(tmp_path / "val" / "GOT-10k_Val_000001", 2, gt_rows=[[1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8]],
             img_sub=None)
    with pytest.raises(FileFormatError, match=r"GOT-10k_Val_000001/groundtruth.txt:2: expected 4 number"):
        quiet(create, name="GOT-10k", dataset_root=tmp_path)
