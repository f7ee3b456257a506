"""OTB readers against DaSiamRPN's OTB2015.json (/work/shared/data/reference): a fake raw layout with tiny frames
for the tricky sequences must give exactly the reference frame lists and boxes."""
import json
import os
import shutil
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from toolkit.datasets import OTB_VIDEOS, DatasetFactory, DatasetWarning, OTBDataset
from sotbase.errors import FileFormatError

create = DatasetFactory.create_dataset
JPEG = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()


def reference():
    env = os.environ.get("PYSOT_SS_SHARED")
    shared = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared"
    path = shared / "data" / "reference" / "OTB2015.json"
    if not path.is_file():
        pytest.skip("shared reference OTB2015.json not available")
    with open(path) as f:
        return json.load(f)


def ref_key(video):
    """pysot name -> DaSiamRPN key: 'Jogging-1' -> 'jogging_1', 'BlurCar1' -> 'blurCar1'."""
    return (video[0].lower() + video[1:]).replace("-", "_")


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DatasetWarning)
        return fn(*a, **kw)


def link_frames(src, dst):
    """copytree helper: hard-link frames (fast), copy everything else (tests rewrite those files)."""
    return os.link(src, dst) if str(src).endswith(".jpg") else shutil.copy2(src, dst)


def write_gt(path, boxes, sep=",", special=None):
    rows = [(special.get(i, sep) if special else sep).join(str(v) for v in b) for i, b in enumerate(boxes)]
    Path(path).write_text("\n".join(rows) + "\n")


# folder -> (first, last, digits) of the frames on disk, as distributed (more frames than evaluated where
# docs/toolkit.md §6.4 says so; BlurCar1's folder starts at 0247; Board has five-digit names)
ON_DISK = {"David": (1, 770, 4), "Jogging": (1, 307, 4), "Tiger1": (1, 354, 4), "BlurCar1": (247, 988, 4),
           "Board": (1, 698, 5), "Human4": (1, 667, 4), "Football1": (1, 362, 4)}
PRESENT = ["BlurCar1", "Board", "David", "Football1", "Human4-2", "Jogging-1", "Jogging-2", "Tiger1"]


@pytest.fixture(scope="module")
def otb_root(tmp_path_factory):
    ref = reference()
    root = tmp_path_factory.mktemp("otb")
    master = tmp_path_factory.mktemp("frame") / "frame.jpg"
    master.write_bytes(JPEG)
    for folder, (first, last, digits) in ON_DISK.items():
        img = root / folder / "img"
        img.mkdir(parents=True)
        for i in range(first, last + 1):
            os.link(master, img / f"{i:0{digits}d}.jpg")  # ~3900 frames: hard links are cheap
    write_gt(root / "David" / "groundtruth_rect.txt", ref["david"]["gt_rect"], sep="\t")
    write_gt(root / "Jogging" / "groundtruth_rect.1.txt", ref["jogging_1"]["gt_rect"])
    write_gt(root / "Jogging" / "groundtruth_rect.2.txt", ref["jogging_2"]["gt_rect"], sep="\t")
    # Tiger1's file is annotated from frame 1: five leading boxes that the benchmark drops
    write_gt(root / "Tiger1" / "groundtruth_rect.txt", [[1, 1, 1, 1]] * 5 + ref["tiger1"]["gt_rect"])
    # tabs, and one line with blanks (docs/toolkit.md §6.4; BlurCar1 line 496)
    write_gt(root / "BlurCar1" / "groundtruth_rect.txt", ref["blurCar1"]["gt_rect"], sep="\t",
             special={495: " "})
    write_gt(root / "Board" / "groundtruth_rect.txt", ref["board"]["gt_rect"])
    write_gt(root / "Human4" / "groundtruth_rect.2.txt", ref["human4_2"]["gt_rect"])
    write_gt(root / "Human4" / "groundtruth_rect.1.txt", [[1, 1, 1, 1]] * 3)  # not evaluated, never read
    write_gt(root / "Football1" / "groundtruth_rect.txt", ref["football1"]["gt_rect"])
    return root


def check_against_reference(ds, ref, names):
    for name in names:
        video, entry = ds[name], ref[ref_key(name)]
        assert [os.path.basename(p) for p in video.img_names] == entry["image_files"], name
        assert video.gt_traj == [[float(v) for v in b] for b in entry["gt_rect"]], name
        assert video.init_rect == [float(v) for v in entry["init_rect"]], name
        assert all(p.startswith(os.path.join(ds.dataset_root, entry["name"], "img")) for p in video.img_names)
        assert video.attr == [] and video.absent is None


def test_name_lists_match_reference():
    ref = reference()
    names = sorted(e["name"] + ("-" + k.rsplit("_", 1)[1] if "_" in k else "") for k, e in ref.items())
    assert list(OTB_VIDEOS["OTB100"]) == names
    assert len(OTB_VIDEOS["OTB50"]) == 50 and set(OTB_VIDEOS["OTB50"]) < set(names)
    assert len(OTB_VIDEOS["OTB2013"]) == 51 and set(OTB_VIDEOS["OTB2013"]) < set(names)
    assert {"Skating2-1", "Skating2-2", "Human4-2"} <= set(OTB_VIDEOS["OTB50"])
    assert {"Jogging-1", "Jogging-2"} <= set(OTB_VIDEOS["OTB2013"])


def test_raw_layout_matches_reference(otb_root):
    ref = reference()
    with pytest.warns(DatasetWarning) as rec:
        ds = create(name="OTB100", dataset_root=str(otb_root))
    assert len(rec) == 1 and "92 video(s) not found" in str(rec[0].message)  # warned once
    assert isinstance(ds, OTBDataset) and ds.protocol == "ope" and ds.eao_interval is None
    assert list(ds.videos) == PRESENT and len(ds.missing) == 92 and "Basketball" in ds.missing
    check_against_reference(ds, ref, PRESENT)
    # spot checks worked out from docs/toolkit.md §6.4
    assert os.path.basename(ds["David"].img_names[0]) == "0300.jpg" and len(ds["David"]) == 471
    assert os.path.basename(ds["Tiger1"].img_names[0]) == "0006.jpg" and len(ds["Tiger1"]) == 349
    assert os.path.basename(ds["Board"].img_names[-1]) == "00698.jpg"
    assert len(ds["Football1"]) == 74 and os.path.basename(ds["BlurCar1"].img_names[0]) == "0247.jpg"
    assert ds.attr == {"ALL": PRESENT}


def test_alias_and_subsets(otb_root):
    ref = reference()
    ds = quiet(create, name="OTB2015", dataset_root=otb_root)
    assert ds.name == "OTB2015" and list(ds.videos) == PRESENT
    ds50 = quiet(create, name="OTB50", dataset_root=otb_root)
    assert list(ds50.videos) == ["David", "Human4-2"] and len(ds50.missing) == 48
    ds13 = quiet(create, name="OTB2013", dataset_root=otb_root)
    assert list(ds13.videos) == ["David", "Football1", "Jogging-1", "Jogging-2", "Tiger1"]
    check_against_reference(ds13, ref, ds13.videos)
    one = create(name="OTB100", dataset_root=otb_root, videos=["Jogging-2"])
    assert list(one.videos) == ["Jogging-2"] and one.missing == []


def test_tiger1_groundtruth_already_trimmed(tmp_path, otb_root):
    ref = reference()
    shutil.copytree(otb_root / "Tiger1", tmp_path / "Tiger1", copy_function=link_frames)
    write_gt(tmp_path / "Tiger1" / "groundtruth_rect.txt", ref["tiger1"]["gt_rect"])  # 349 lines
    ds = quiet(create, name="OTB100", dataset_root=tmp_path)
    check_against_reference(ds, ref, ["Tiger1"])


def test_wrong_box_count_or_missing_frame(tmp_path, otb_root):
    ref = reference()
    shutil.copytree(otb_root / "David", tmp_path / "David", copy_function=link_frames)
    gt = tmp_path / "David" / "groundtruth_rect.txt"
    write_gt(gt, ref["david"]["gt_rect"][:-1])
    with pytest.raises(FileFormatError, match=r"David/groundtruth_rect.txt: 470 boxes, but David is evaluated "
                                              r"on frames 300..770"):
        quiet(create, name="OTB100", dataset_root=tmp_path)
    write_gt(gt, ref["david"]["gt_rect"])
    (tmp_path / "David" / "img" / "0400.jpg").unlink()
    with pytest.raises(FileFormatError, match=r"groundtruth_rect.txt: 471 boxes from frame 300, but frame 400 "
                                              r"is missing"):
        quiet(create, name="OTB100", dataset_root=tmp_path)
    gt.write_text("1,2,3,4\n" * 3 + "1,2,3,4,5,6,7,8\n")
    with pytest.raises(FileFormatError, match=r"groundtruth_rect.txt:4: expected 4 number"):
        quiet(create, name="OTB100", dataset_root=tmp_path)


def test_pysot_json_with_attributes_and_fallback(tmp_path):
    for seq in ("Basketball", "Jogging"):
        (tmp_path / seq / "img").mkdir(parents=True)
        (tmp_path / seq / "img" / "0001.jpg").write_bytes(JPEG)
    desc = {"Basketball": {"video_dir": "Basketball", "init_rect": [1, 2, 3, 4],
                           "img_names": ["Basketball/img/0001.jpg"], "gt_rect": [[1, 2, 3, 4]],
                           "attr": ["IV", "OCC"]},
            "Jogging-1": {"video_dir": "Jogging-1", "init_rect": [5, 6, 7, 8], "img_names": ["Jogging/img/0001.jpg"],
                          "gt_rect": [[5, 6, 7, 8]], "attr": ["OCC"]}}
    (tmp_path / "OTB100.json").write_text(json.dumps(desc))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetWarning)  # the dataset's own JSON defines it: nothing missing
        ds = create(name="OTB100", dataset_root=tmp_path)
    assert list(ds.videos) == ["Basketball", "Jogging-1"] and ds.missing == []
    assert ds.attr == {"ALL": ["Basketball", "Jogging-1"], "IV": ["Basketball"], "OCC": ["Basketball", "Jogging-1"]}
    assert ds["Basketball"].attr == ["IV", "OCC"]
    # OTB50 has no JSON of its own here: OTB100.json restricted to TB-50 (Basketball yes, Jogging no)
    ds50 = quiet(create, name="OTB50", dataset_root=tmp_path)
    assert list(ds50.videos) == ["Basketball"] and len(ds50.missing) == 49


def test_dasiamrpn_json_is_accepted(tmp_path, otb_root):
    ref = reference()
    for folder in ("David", "Jogging"):
        shutil.copytree(otb_root / folder / "img", tmp_path / folder / "img", copy_function=link_frames)
    subset = {k: ref[k] for k in ("david", "jogging_1", "jogging_2", "basketball")}
    (tmp_path / "OTB2015.json").write_text(json.dumps(subset))
    with pytest.warns(DatasetWarning, match="Basketball"):  # in the JSON, frames not on disk
        ds = create(name="OTB2015", dataset_root=tmp_path)
    assert list(ds.videos) == ["David", "Jogging-1", "Jogging-2"] and ds.missing == ["Basketball"]
    check_against_reference(ds, ref, ds.videos)


def test_got10k_otb_results_load(otb_root, tmp_path):
    """got10k's ExperimentOTB: np.savetxt('%.3f', delimiter=','), names Jogging.1 / Human4, Tiger1 on 354 frames,
    times in a times/ sub-folder."""
    ds = quiet(create, name="OTB100", dataset_root=otb_root)
    tracker = tmp_path / "results" / "OTB2015" / "SiamFC"
    (tracker / "times").mkdir(parents=True)
    names = {"Jogging-1": "Jogging.1", "Jogging-2": "Jogging.2", "Human4-2": "Human4", "Tiger1": "Tiger1",
             "David": "David", "Board": "Board", "BlurCar1": "BlurCar1", "Football1": "Football1"}
    for video, stem in names.items():
        n = 354 if video == "Tiger1" else len(ds[video])
        np.savetxt(tracker / f"{stem}.txt", np.arange(4 * n, dtype=float).reshape(n, 4), fmt="%.3f", delimiter=",")
        np.savetxt(tracker / "times" / f"{stem}_time.txt", np.full(n, 0.01), fmt="%.8f")
    assert ds.load_tracker(tracker.parent, "SiamFC") == []
    # Tiger1: got10k's line k is frame k (1-based); ours start at frame 6 -> lines 6..354 -> values from 4*5
    tiger = ds["Tiger1"].pred_trajs["SiamFC"]
    assert len(tiger) == 349 and tiger[0] == [20.0, 21.0, 22.0, 23.0]
    assert ds["Human4-2"].pred_trajs["SiamFC"][1] == [4.0, 5.0, 6.0, 7.0]
    # a Tiger1 result of another length is still an error naming the file
    np.savetxt(tracker / "Tiger1.txt", np.zeros((350, 4)), fmt="%.3f", delimiter=",")
    with pytest.raises(FileFormatError, match=r"Tiger1.txt: has 350 line"):
        ds["Tiger1"].load_tracker(tracker.parent, "SiamFC")


def test_custom_folder_skips_empty_target_file(tmp_path, otb_root):
    shutil.copytree(otb_root / "Human4", tmp_path / "Human4", copy_function=link_frames)
    (tmp_path / "Human4" / "groundtruth_rect.1.txt").write_text("")  # as shipped with OTB
    ds = create(name="custom:Mine", dataset_root=tmp_path)
    assert list(ds.videos) == ["Human4-2"] and len(ds["Human4-2"]) == 667
