"""Dataset/Video API, JSON and raw VOT sources, the registry, result loading, custom datasets."""
import json
import os
import shutil
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from toolkit.datasets import DATASETS, Dataset, DatasetFactory, DatasetWarning, VOTDataset, resolve_dataset
from toolkit.datasets.base import find_ope_result
from toolkit.utils.errors import MissingResultsError, ToolkitError
from sotbase.errors import FileFormatError
from toolkit.utils.result_io import CountMismatchError

create = DatasetFactory.create_dataset
JPEG = cv2.imencode(".jpg", np.full((8, 12, 3), 127, np.uint8))[1].tobytes()  # width 12, height 8


def shared_dir():
    env = os.environ.get("PYSOT_SS_SHARED")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared"
    return path if path.is_dir() else None


def frames(folder, names, data=JPEG):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_bytes(data)


def lines(path, rows, sep=",", trailing="\n"):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sep.join(str(v) for v in r) if isinstance(r, (list, tuple)) else str(r)
                              for r in rows) + trailing)
    return path


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DatasetWarning)
        return fn(*a, **kw)


POLY = [1, 1, 9, 1, 9, 6, 1, 6]


# ------------------------------------------------------------------------------------------------ JSON source
@pytest.fixture
def vot_json_root(tmp_path):
    """pysot VOT2018.json: videos 'b' (4 frames in color/), 'a' (3 frames in the folder), 'gone' (no frames)."""
    frames(tmp_path / "b" / "color", [f"{i:08d}.jpg" for i in range(1, 5)])
    frames(tmp_path / "a", [f"{i:08d}.jpg" for i in range(1, 4)])
    desc = {
        "b": {"video_dir": "b", "init_rect": POLY, "img_names": [f"b/color/{i:08d}.jpg" for i in range(1, 5)],
              "gt_rect": [POLY] * 4, "camera_motion": [1, 0, 0, 0], "illum_change": [],
              "motion_change": [0, 1], "size_change": [0, 0, 0, 0], "occlusion": [0, 0, 0, 1],
              "width": 999, "height": 999},
        "a": {"video_dir": "a", "init_rect": [1, 2, 3, 4], "img_names": [f"a/{i:08d}.jpg" for i in range(1, 4)],
              "gt_rect": [[1, 2, 3, 4], [2, 3, 4, 5], POLY], "camera_motion": [], "illum_change": [],
              "motion_change": [], "size_change": [], "occlusion": []},
        "gone": {"video_dir": "gone", "init_rect": [1, 2, 3, 4], "img_names": ["gone/00000001.jpg"],
                 "gt_rect": [[1, 2, 3, 4]]},
    }
    (tmp_path / "VOT2018.json").write_text(json.dumps(desc))
    return tmp_path


def test_json_vot_dataset_api(vot_json_root):
    with pytest.warns(DatasetWarning) as rec:
        ds = create(name="VOT2018", dataset_root=str(vot_json_root), load_img=False)
    msgs = [str(w.message) for w in rec]
    assert sum("not found" in m and "gone" in m for m in msgs) == 1          # missing: warned once
    assert sum("padded" in m and "b/motion_change" in m for m in msgs) == 1  # short non-empty tag list
    assert isinstance(ds, VOTDataset) and isinstance(ds, Dataset)
    assert (ds.name, ds.protocol, ds.eao_interval, ds.missing) == ("VOT2018", "reset", (100, 356), ["gone"])
    assert ds.tags == ["all", "camera_motion", "illum_change", "motion_change", "size_change", "occlusion",
                       "empty"]
    assert len(ds) == 2 and [v.name for v in ds] == ["a", "b"] and ds[0].name == "a" and ds[1] is ds["b"]
    with pytest.raises(KeyError):
        ds["gone"]
    b = ds["b"]
    assert b.img_names[0] == os.path.join(str(vot_json_root), "b/color/00000001.jpg")  # join(root, x)
    assert b.init_rect == [float(v) for v in POLY] and b.gt_traj[3] == [float(v) for v in POLY]
    assert len(b) == 4 and b.absent is None and b.attr == [] and b.pred_trajs == {}
    # padded tags; empty[t] = 1 iff all five attribute tags are 0 at t, worked by hand:
    # camera [1,0,0,0], illum [0,0,0,0], motion [0,1,0,0], size [0,0,0,0], occl [0,0,0,1] -> empty [0,0,1,0]
    assert b.tags["motion_change"] == [0, 1, 0, 0] and b.tags["illum_change"] == [0, 0, 0, 0]
    assert b.tags["all"] == [1, 1, 1, 1] and b.tags["empty"] == [0, 0, 1, 0]
    assert ds["a"].tags["empty"] == [1, 1, 1]
    # select_tag: pysot slicing (end=0 -> empty list), 'empty' sliced too (it is per-frame here)
    assert b.select_tag("camera_motion", 0, 2) == [1, 0] and b.select_tag("all") == []
    assert b.select_tag("empty", 1, 4) == [0, 1, 0]
    with pytest.raises(ToolkitError, match="no tag 'blur'"):
        b.select_tag("blur", 0, 4)
    img, gt = b[2]
    assert img.shape == (8, 12, 3) and gt == [float(v) for v in POLY]
    assert [g for _, g in ds["a"]] == ds["a"].gt_traj
    assert (b.width, b.height) == (12, 8)  # the image, not the JSON's 999


def test_width_height_are_lazy_and_cached(tmp_path):
    frames(tmp_path / "s" / "img", ["0001.jpg", "0002.jpg"], data=b"not a jpeg")
    lines(tmp_path / "s" / "groundtruth_rect.txt", [[1, 2, 3, 4]] * 2)
    video = create(name="custom:Mine", dataset_root=tmp_path)["s"]  # building never decodes a frame
    with pytest.raises(ToolkitError, match=r"cannot read image .*0001.jpg"):
        video.width
    frames(tmp_path / "s" / "img", ["0001.jpg"])
    assert (video.width, video.height) == (12, 8)
    (tmp_path / "s" / "img" / "0001.jpg").unlink()
    assert (video.height, video.width) == (8, 12)  # cached, no second read


def test_load_img_reads_all_frames(vot_json_root):
    ds = quiet(create, name="VOT2018", dataset_root=vot_json_root, load_img=True)
    v = ds["a"]
    assert len(v.imgs) == 3 and (v.width, v.height) == (12, 8)
    (vot_json_root / "a" / "00000002.jpg").unlink()
    assert v[1][0].shape == (8, 12, 3)  # served from memory
    v.free_img()
    with pytest.raises(ToolkitError, match="cannot read image"):
        v[1]


@pytest.mark.parametrize("entry, fragment", [
    ({"img_names": ["x.jpg"], "gt_rect": [[1, 2, 3]], "init_rect": [1, 2, 3, 4]}, "gt_rect[0] must be"),
    ({"img_names": ["x.jpg"], "gt_rect": [[1, 2, 3, 4]]}, "missing key 'init_rect'"),
    ({"img_names": ["x.jpg", "y.jpg"], "gt_rect": [[1, 2, 3, 4]], "init_rect": [1, 2, 3, 4]}, "2 img_names"),
    ({"img_names": ["x.jpg"], "gt_rect": [[1, 2, 3, 4]], "init_rect": [1, 2, 3, 4], "occlusion": [0, 2]},
     "'occlusion' must be a list of 0/1"),
    ({"img_names": ["x.jpg"], "gt_rect": [[1, 2, 3, 4]], "init_rect": [1, 2, 3, 4], "occlusion": [0, 1]},
     "'occlusion' has 2 values for 1 frames"),
])
def test_json_validation_errors_name_file_and_video(tmp_path, entry, fragment):
    (tmp_path / "VOT2016.json").write_text(json.dumps({"v": entry}))
    with pytest.raises(FileFormatError) as ei:
        create(name="VOT2016", dataset_root=tmp_path)
    assert str(tmp_path / "VOT2016.json") in str(ei.value) and "video 'v'" in str(ei.value)
    assert fragment in str(ei.value)


def test_json_syntax_error_has_line(tmp_path):
    (tmp_path / "VOT2016.json").write_text('{\n"v": {,\n}')
    with pytest.raises(FileFormatError, match=r"VOT2016.json:2: invalid JSON"):
        create(name="VOT2016", dataset_root=tmp_path)


# ---------------------------------------------------------------------------------------------- raw VOT layout
@pytest.fixture
def vot_raw_root(tmp_path):
    root = tmp_path / "vot"
    # 'ants1': VOT2017+ layout (color/, .tag); occlusion.tag is short (3 of 5 lines)
    frames(root / "ants1" / "color", [f"{i:08d}.jpg" for i in range(1, 6)])
    lines(root / "ants1" / "groundtruth.txt", [POLY] * 5, trailing="")
    lines(root / "ants1" / "camera_motion.tag", [1, 0, 0, 1, 0])
    lines(root / "ants1" / "occlusion.tag", [0, 0, 1])
    # 'bag': VOT2016 layout (frames in the folder, .label files); size_change.label short too
    frames(root / "bag", [f"{i:08d}.jpg" for i in range(1, 4)])
    lines(root / "bag" / "groundtruth.txt", [[1, 2, 3, 4]] * 3)
    lines(root / "bag" / "size_change.label", [1])
    lines(root / "list.txt", ["ants1", "bag", "ball1"])
    return root


def test_raw_vot_layout_tags_padding_and_missing(vot_raw_root):
    with pytest.warns(DatasetWarning) as rec:
        ds = create(name="VOT2016", dataset_root=vot_raw_root)
    msgs = [str(w.message) for w in rec]
    padded = [m for m in msgs if "padded" in m]
    assert len(padded) == 1 and "ants1/occlusion.tag" in padded[0] and "bag/size_change.label" in padded[0]
    assert sum("ball1" in m for m in msgs) == 1
    assert (ds.protocol, ds.eao_interval, ds.missing, list(ds.videos)) == ("reset", (108, 371), ["ball1"],
                                                                           ["ants1", "bag"])
    assert ds.tags == ["all", "camera_motion", "size_change", "occlusion", "empty"]
    a = ds["ants1"]
    assert a.img_names[0].endswith(os.path.join("ants1", "color", "00000001.jpg"))
    assert a.tags["occlusion"] == [0, 0, 1, 0, 0]
    # camera [1,0,0,1,0] | occlusion [0,0,1,0,0] -> empty [0,1,0,0,1]
    assert a.tags["empty"] == [0, 1, 0, 0, 1]
    assert ds["bag"].tags["size_change"] == [1, 0, 0] and ds["bag"].tags["empty"] == [0, 1, 1]
    assert ds["bag"].init_rect == [1, 2, 3, 4]


def test_raw_vot_without_list_reports_official_missing(vot_raw_root):
    (vot_raw_root / "list.txt").unlink()
    ds = quiet(create, name="VOT2018", dataset_root=vot_raw_root)
    assert list(ds.videos) == ["ants1", "bag"] and len(ds.missing) == 58 and "zebrafish1" in ds.missing
    assert ds.eao_interval == (100, 356)
    assert quiet(create, name="VOT2019", dataset_root=vot_raw_root).eao_interval == (46, 291)
    assert quiet(create, name="VOT2017", dataset_root=vot_raw_root).eao_interval == (100, 356)
    ds = quiet(create, name="VOT2018", dataset_root=vot_raw_root, eao_interval=(5, 9), videos=["bag"])
    assert ds.eao_interval == (5, 9) and list(ds.videos) == ["bag"] and ds.missing == []


@pytest.mark.parametrize("fname, content, fragment", [
    ("occlusion.tag", "0\n1\n0\n0\n0\n1\n", "occlusion.tag: has 6 per-frame values but the sequence has 5"),
    ("camera_motion.tag", "0\n1\nx\n", "camera_motion.tag:3: non-numeric field 'x'"),
    ("groundtruth.txt", "1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n1,2,3,4\n", "groundtruth.txt:4: expected 4 or 8"),
    ("groundtruth.txt", "1,2,3,4\n" * 6, "groundtruth.txt: 6 boxes but only 5 frame(s)"),
])
def test_raw_vot_bad_files(vot_raw_root, fname, content, fragment):
    (vot_raw_root / "ants1" / fname).write_text(content)
    with pytest.raises(FileFormatError) as ei:
        quiet(create, name="VOT2016", dataset_root=vot_raw_root)
    assert fragment in str(ei.value) and str(vot_raw_root / "ants1") in str(ei.value)


def test_more_frames_than_boxes_uses_first_and_warns(vot_raw_root):
    frames(vot_raw_root / "bag", ["00000004.jpg"])
    with pytest.warns(DatasetWarning) as rec:
        ds = create(name="VOT2016", dataset_root=vot_raw_root)
    extra = [str(w.message) for w in rec if "more frames than ground-truth boxes" in str(w.message)]
    assert len(extra) == 1 and extra[0].endswith(": bag")
    assert len(ds["bag"]) == 3 and ds["bag"].img_names[-1].endswith("00000003.jpg")


# ---------------------------------------------------------------------------------------------------- registry
def test_registry_names_aliases_and_custom_folders():
    for name in ("VOT2016", "VOT2017", "VOT2018", "VOT2019", "OTB100", "OTB2015", "OTB50", "OTB2013", "GOT-10k",
                 "LaSOT"):
        assert name in DATASETS
    assert DATASETS.get("OTB2015") is DATASETS.get("OTB100")
    assert resolve_dataset("otb2015").canonical == "OTB100"
    assert resolve_dataset("got10k").canonical == "GOT-10k"
    assert resolve_dataset("vot-2018").canonical == "VOT2018"
    assert resolve_dataset("lasot").canonical == "LaSOT"
    assert resolve_dataset("custom:MySeqs").canonical == "custom"
    for typo in ("VOT2108", "OTB100_mine", "MySeqs"):  # no substring rule (pysot: 'OTB' in name), no silent custom
        with pytest.raises(ToolkitError, match=rf"unknown dataset '{typo}'; known: GOT-10k, .*VOT2018.*custom:{typo}"):
            resolve_dataset(typo)
    with pytest.raises(ToolkitError, match="dataset_root is required"):
        create(name="custom:MySeqs")
    with pytest.raises(ToolkitError, match="not a folder"):
        create(name="VOT2018", dataset_root="/nonexistent/folder")


# -------------------------------------------------------------------------------------------------- VOT results
def _vot_result(path, rows, trailing="\n"):
    return lines(path, rows, trailing=trailing)


@pytest.fixture
def vot_ds(vot_raw_root):
    return quiet(create, name="VOT2016", dataset_root=vot_raw_root)


def test_vot_results_one_run_codes_and_time_file_ignored(vot_ds, tmp_path):
    res = tmp_path / "res"
    base = res / "T" / "baseline" / "bag"
    _vot_result(base / "bag_001.txt", [1, "10.0000,20.0000,30.0000,40.0000", 2])
    lines(base / "bag_time.txt", ["0.0100", "0.0200", "0.0300"])  # contains '0': pysot's *0*.txt would match it
    traj = vot_ds["bag"].load_tracker(str(res), "T", store=False)
    assert traj == [[[1.0], [10.0, 20.0, 30.0, 40.0], [2.0]]] and vot_ds["bag"].pred_trajs == {}
    vot_ds["bag"].load_tracker(str(res), ["T"])
    assert vot_ds["bag"].pred_trajs["T"] == traj


def test_vot_results_repetitions(vot_ds, tmp_path):
    res = tmp_path / "res"
    for k in range(15, 0, -1):  # written out of order: loader sorts
        _vot_result(res / "R15" / "baseline" / "bag" / f"bag_{k:03d}.txt", [1, f"{k},0,1,1", 0], trailing="")
    for k in (3, 2, 1):
        _vot_result(res / "R3" / "baseline" / "bag" / f"bag_{k:03d}.txt", [1, f"{k},0,1,1", 0])
    reps = vot_ds["bag"].load_tracker(res, "R15", store=False)
    assert len(reps) == 15 and [r[1][0] for r in reps] == list(range(1, 16))
    reps = vot_ds["bag"].load_tracker(res, "R3", store=False)
    assert len(reps) == 1 and reps[0][1] == [1.0, 0.0, 1.0, 1.0]  # not 15 -> only the first (sorted) file
    both = vot_ds["bag"].load_tracker(res, None, store=False)  # None = every tracker folder
    assert sorted(both) == ["R15", "R3"]


def test_vot_results_errors(vot_ds, tmp_path):
    res = tmp_path / "res"
    with pytest.raises(MissingResultsError, match="'T'.*bag"):
        vot_ds["bag"].load_tracker(res, "T")
    f = _vot_result(res / "T" / "baseline" / "bag" / "bag_001.txt", [1, "1,2,3,4"])
    with pytest.warns(DatasetWarning, match=f"{f}: 2 line\\(s\\) for a sequence of 3 frame"):  # scored (§8)
        assert vot_ds["bag"].load_tracker(res, "T") == [[[1], [1, 2, 3, 4]]]
    f.write_text("")
    with pytest.raises(CountMismatchError, match=f"{f}: has 0 line"):
        vot_ds["bag"].load_tracker(res, "T")
    _vot_result(f, [1, "1,2,3,4", 3])
    with pytest.raises(FileFormatError, match=f"{f}:3: a 1-field line must be a VOT code"):
        vot_ds["bag"].load_tracker(res, "T")
    _vot_result(f, [1, "1,2,3,nan", 0])
    with pytest.raises(FileFormatError, match=f"{f}:2: non-finite"):
        vot_ds["bag"].load_tracker(res, "T")


# -------------------------------------------------------------------------------------------------- OPE results
@pytest.fixture
def ope_ds(tmp_path):
    """Custom OTB-layout dataset: Jogging (two targets, 3 frames) and Basketball (2 frames)."""
    root = tmp_path / "seqs"
    frames(root / "Jogging" / "img", ["0001.jpg", "0002.jpg", "0003.jpg"])
    lines(root / "Jogging" / "groundtruth_rect.1.txt", [[1, 1, 5, 5]] * 3, sep="\t")
    lines(root / "Jogging" / "groundtruth_rect.2.txt", [[2, 2, 5, 5]] * 3)
    frames(root / "Basketball" / "img", ["0001.jpg", "0002.jpg"])
    lines(root / "Basketball" / "groundtruth_rect.txt", [[3, 3, 4, 4]] * 2)
    return create(name="custom:Mine", dataset_root=root)


def test_custom_multi_target_names(ope_ds):
    assert list(ope_ds.videos) == ["Basketball", "Jogging-1", "Jogging-2"]
    assert (ope_ds.protocol, ope_ds.eao_interval, ope_ds.tags) == ("ope", None, ["all", "empty"])
    assert ope_ds["Jogging-2"].gt_traj == [[2, 2, 5, 5]] * 3 and ope_ds.attr == {"ALL": list(ope_ds.videos)}


@pytest.mark.parametrize("layout", [
    {"Basketball.txt": "b", "Jogging-1.txt": "j1", "Jogging-2.txt": "j2"},                  # pysot
    {"Basketball.txt": "b", "Jogging.1.txt": "j1", "Jogging.2.txt": "j2"},                  # got10k OTB
    {"basketball.txt": "b", "jogging_1.txt": "j1", "jogging_2.txt": "j2"},                  # pysot fallbacks
    {"Basketball/Basketball_001.txt": "b", "Jogging-1/Jogging-1_001.txt": "j1",             # GOT-10k layout
     "Jogging-2/Jogging-2_001.txt": "j2", "Basketball/Basketball_time.txt": "t"},
])
def test_ope_result_naming_variants(ope_ds, tmp_path, layout):
    tracker = tmp_path / "res" / "T"
    content = {"b": (["1.000,2.000,3.000,4.000"] * 2, ""),     # got10k %.3f, no trailing newline
               "j1": (["1.5,2.5,3.5,4.5"] * 3, "\n"),           # pysot str(float)
               "j2": (["1\t2\t3\t4"] * 3, "\n\n"),
               "t": (["0.1", "0.2"], "\n")}
    for rel, key in layout.items():
        rows, trailing = content[key]
        lines(tracker / rel, rows, trailing=trailing)
    assert ope_ds.load_tracker(tmp_path / "res", "T") == []
    assert ope_ds["Basketball"].pred_trajs["T"] == [[1, 2, 3, 4]] * 2
    assert ope_ds["Jogging-1"].pred_trajs["T"] == [[1.5, 2.5, 3.5, 4.5]] * 3
    assert ope_ds["Jogging-2"].load_tracker(tmp_path / "res", "T", store=False) == [[1, 2, 3, 4]] * 3


def test_ope_result_ambiguity_is_an_error(ope_ds, tmp_path):
    tracker = tmp_path / "res" / "T"
    lines(tracker / "Jogging-1.txt", ["1,2,3,4"] * 3)
    lines(tracker / "jogging_1.txt", ["1,2,3,4"] * 3)
    with pytest.raises(ToolkitError, match=r"ambiguous results for video 'Jogging-1'.*Jogging-1.txt, jogging_1.txt"):
        ope_ds["Jogging-1"].load_tracker(tmp_path / "res", "T")
    assert find_ope_result(str(tracker), "Jogging-2") is None


def test_ope_result_errors_name_the_file(ope_ds, tmp_path):
    res = tmp_path / "res"
    f = lines(res / "T" / "Basketball.txt", ["1,2,3,4"] * 3)
    with pytest.raises(CountMismatchError, match=f"{f}: has 3 line\\(s\\) but the sequence has 2 frame"):
        ope_ds["Basketball"].load_tracker(res, "T")
    lines(f, ["1,2,3,4", "1,2,3,4,5"])
    with pytest.raises(FileFormatError, match=f"{f}:2: expected 4 number"):
        ope_ds["Basketball"].load_tracker(res, "T")
    lines(f, ["1,2,3,4", "2"])  # codes are not one-pass results
    with pytest.raises(FileFormatError, match=f"{f}:2: expected 4 number"):
        ope_ds["Basketball"].load_tracker(res, "T")


def test_dataset_load_tracker_collects_missing(ope_ds, tmp_path):
    res = tmp_path / "res"
    lines(res / "T" / "Basketball.txt", ["1,2,3,4"] * 2)
    lines(res / "U" / "Jogging-1.txt", ["1,2,3,4"] * 3)
    with pytest.raises(MissingResultsError) as ei:
        ope_ds.load_tracker(res, "T")
    assert ei.value.videos == ["Jogging-1", "Jogging-2"] and ei.value.tracker == "T"
    assert "2 video(s)" in str(ei.value)
    with pytest.raises(MissingResultsError) as ei:
        ope_ds.load_tracker(res, ["T", "U"])
    assert ei.value.videos == ["Basketball", "Jogging-1", "Jogging-2"]
    assert ei.value.by_tracker == {"T": ["Jogging-1", "Jogging-2"], "U": ["Basketball", "Jogging-2"]}
    with pytest.warns(DatasetWarning, match="tracker 'T' has no results for 2 video"):
        skipped = ope_ds.load_tracker(res, "T", allow_missing=True)
    assert skipped == ["Jogging-1", "Jogging-2"] and ope_ds["Basketball"].pred_trajs["T"] == [[1, 2, 3, 4]] * 2
    ope_ds.set_tracker(str(res), ["T"])
    assert (ope_ds.tracker_path, ope_ds.tracker_names) == (str(res), ["T"])


def test_custom_reset_protocol_reads_vot_results(ope_ds, tmp_path):
    ds = create(name="custom:Mine", dataset_root=ope_ds.dataset_root, protocol="reset", eao_interval=(2, 3),
                videos=["Basketball"])
    assert isinstance(ds, VOTDataset) and (ds.protocol, ds.eao_interval) == ("reset", (2, 3))
    assert ds["Basketball"].tags == {"all": [1, 1], "empty": [1, 1]}
    lines(tmp_path / "r" / "T" / "baseline" / "Basketball" / "Basketball_001.txt", [1, "1,2,3,4"])
    assert ds["Basketball"].load_tracker(tmp_path / "r", "T", store=False) == [[[1.0], [1, 2, 3, 4]]]
    with pytest.raises(ToolkitError, match="unknown video"):
        create(name="custom:Mine", dataset_root=ope_ds.dataset_root, videos=["Nope"])
    with pytest.raises(ToolkitError, match="eao_interval"):
        create(name="custom:Mine", dataset_root=ope_ds.dataset_root, eao_interval=(10, 5))
    with pytest.raises(ToolkitError, match="unknown protocol"):
        create(name="custom:Mine", dataset_root=ope_ds.dataset_root, protocol="tre")


def test_custom_mixed_layouts_list_and_ignored_folders(tmp_path):
    frames(tmp_path / "v" / "color", ["00000001.jpg", "00000002.jpg"])
    lines(tmp_path / "v" / "groundtruth.txt", [POLY, POLY])
    frames(tmp_path / "o" / "img", ["0001.jpg", "0002.jpg"])
    lines(tmp_path / "o" / "groundtruth_rect.txt", [[1, 2, 3, 4]] * 2)
    (tmp_path / "notes").mkdir()
    with pytest.warns(DatasetWarning, match="ignored 1 folder.*notes"):
        ds = create(name="custom:Mixed", dataset_root=tmp_path)
    assert list(ds.videos) == ["o", "v"] and len(ds["v"].gt_traj[0]) == 8
    lines(tmp_path / "list.txt", ["v", "o", "lost"])
    with pytest.warns(DatasetWarning, match="lost"):
        ds = create(name="custom:Mixed", dataset_root=tmp_path)
    assert ds.missing == ["lost"]
    # a pysot JSON named after the custom dataset takes precedence
    (tmp_path / "Mixed.json").write_text(json.dumps({"x": {"video_dir": "o", "init_rect": [1, 2, 3, 4],
                                                           "img_names": ["o/img/0001.jpg"],
                                                           "gt_rect": [[1, 2, 3, 4]], "attr": ["IV"]}}))
    ds = create(name="custom:Mixed", dataset_root=tmp_path)
    assert list(ds.videos) == ["x"] and ds.attr == {"ALL": ["x"], "IV": ["x"]}


# --------------------------------------------------------------------------------- the real shared sequences
MANIFEST = {  # name: (frames, width, height, numbers per GT line) from shared/data/MANIFEST.md
    "bag": (196, 480, 360, 8), "Crossing": (120, 360, 240, 4), "Human3": (199, 480, 640, 4),
    "wakeboard7": (67, 640, 360, 4), "boat1": (301, 640, 360, 4), "Girl": (500, 128, 96, 4),
    "ball1": (105, 1280, 720, 8), "Deer": (71, 704, 400, 4), "MountainBike": (228, 640, 360, 4),
    "MotorRolling": (164, 640, 360, 4), "car1": (150, 640, 480, 8),
}


def test_custom_dataset_on_shared_sequences():
    shared = shared_dir()
    if shared is None or not (shared / "data" / "sequences").is_dir():
        pytest.skip("shared data not available")
    root = shared / "data" / "sequences"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetWarning)  # a clean folder: no warning at all
        ds = create(name="custom:MySeqs", dataset_root=str(root))
    assert ds.protocol == "ope" and ds.missing == [] and sorted(ds.videos) == sorted(MANIFEST)
    for name, (n, w, h, fields) in MANIFEST.items():
        v = ds[name]
        assert (len(v), len(v.gt_traj), v.width, v.height, len(v.init_rect)) == (n, n, w, h, fields), name
        assert v.img_names[0] == str(root / name / "img" / "0001.jpg")
    assert ds["Crossing"].init_rect == [205, 151, 17, 50]  # first line of Crossing/groundtruth_rect.txt
    reset = create(name="custom:MySeqs", dataset_root=str(root), protocol="reset", eao_interval=(10, 60),
                   videos=["bag", "Crossing"])
    assert (reset.protocol, reset.eao_interval, list(reset.videos)) == ("reset", (10, 60), ["Crossing", "bag"])
    assert reset.tags == ["all", "empty"] and reset["bag"].tags["empty"] == [1] * 196


# ------------------------------------------------------------------------ the synthetic generator's two layouts
def test_synthetic_layouts_raw_equals_json(tmp_path):
    synthetic = pytest.importorskip("toolkit.synthetic")
    roots = synthetic.generate_benchmark(tmp_path / "gen", num_videos=2, num_frames=6, size=(64, 48))
    for layout, name in (("vot", "VOT2016"), ("otb", "OTB100")):
        from_json = create(name=name, dataset_root=roots[layout])
        raw = tmp_path / layout
        shutil.copytree(roots[layout], raw)
        (raw / f"{name}.json").unlink()  # the same folders without pysot's description
        from_raw = create(name="custom:Synth", dataset_root=raw, protocol=from_json.protocol)
        assert list(from_raw.videos) == list(from_json.videos)
        for v in from_json:
            r = from_raw[v.name]
            assert [os.path.relpath(p, roots[layout]) for p in v.img_names] == \
                   [os.path.relpath(p, raw) for p in r.img_names]
            np.testing.assert_allclose(r.gt_traj, v.gt_traj, atol=1e-4)
            assert r.tags == v.tags and (r.width, r.height) == (v.width, v.height) == (64, 48)
