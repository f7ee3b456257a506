"""Training-image sources, unreadable images and the shared data folders."""
import json
import warnings

import cv2
from pathlib import Path

import numpy as np
import pytest
from torch.utils.data import DataLoader

from pysot_ss.core.config import get_cfg
from pysot_ss.datasets import DataSourceError, build_sources, build_train_dataset
from pysot_ss.datasets.sources import BadImageWarning, FrameSet, ImageReader, read_boxes_file
from sotbase.errors import FileFormatError

from . import folder_cfg, write_images

CN = type(get_cfg())


def _cfg(**nodes):
    cfg = get_cfg()
    cfg.DATASET.NAMES = list(nodes)
    for name, node in nodes.items():
        cfg.DATASET[name] = CN(node, new_allowed=True)
    return cfg


# ---------------------------------------------------------------------------------------------------------------
# unlabeled sources

def test_image_folder_recursive_extensions_and_order(tmp_path):
    root = tmp_path / "imgs"
    write_images(root / "b", 2, ext=".png")
    write_images(root / "a" / "deep", 1, ext=".JPEG")
    write_images(root, 1, ext=".bmp", name="top{}")
    write_images(root / "c", 1, ext=".webp")
    (root / "notes.txt").write_text("not an image")
    src = build_sources(folder_cfg(root))[0]
    rel = [p[len(str(root)) + 1:] for p in src.items]
    assert rel == ["top0.bmp", "a/deep/00000.JPEG", "b/00000.png", "b/00001.png", "c/00000.webp"]
    assert len(src) == 5 and src.key(2) == src.image_path(2, np.random.default_rng(0)) == src.items[2]


def test_image_folder_frame_step_and_subdirs(tmp_path):
    root = tmp_path / "seqs"
    write_images(root / "train1" / "img", 7)
    write_images(root / "train2" / "img", 3)
    write_images(root / "eval1" / "img", 4)
    src = build_sources(folder_cfg(root, FRAME_STEP=3, SUBDIRS=["train1", "train2"]))[0]
    names = [p.split("seqs/")[1] for p in src.items]
    # every 3rd frame of each folder: train1 frames 0, 3, 6; train2 frame 0
    assert names == ["train1/img/00000.jpg", "train1/img/00003.jpg", "train1/img/00006.jpg", "train2/img/00000.jpg"]
    with pytest.raises(DataSourceError, match="missing"):
        build_sources(folder_cfg(root, SUBDIRS=["missing"]))


def test_clips_group_frames_into_videos(tmp_path):
    root = tmp_path / "mixed"
    write_images(root / "clipA", 4)                                 # 00000.jpg ... numbered frames
    write_images(root / "clipB" / "img", 3, name="{:04d}")
    write_images(root / "stills", 3, name="photo_{}")               # named photos: still images
    write_images(root / "one", 1)                                   # a single numbered image: a still
    paths = build_sources(folder_cfg(root))[0].items
    rel = lambda p: p[len(str(root)) + 1:]                          # noqa: E731
    # default "none": every image is a video of its own (keys = the images), as before
    ids, keys = build_sources(folder_cfg(root))[0].video_groups()
    assert ids.tolist() == list(range(11)) and keys == paths
    # "folders": one video per folder, keyed by its middle frame, numbered in item order
    ids, keys = build_sources(folder_cfg(root, CLIPS="folders"))[0].video_groups()
    assert ids.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 3, 3, 3]
    assert [rel(k) for k in keys] == ["clipA/00002.jpg", "clipB/img/0001.jpg", "one/00000.jpg",
                                      "stills/photo_1.jpg"]
    # "numbered": only folders of >= 2 numbered frames are clips
    src = build_sources(folder_cfg(root, CLIPS="numbered", FRAME_STEP=2))[0]
    ids, keys = src.video_groups()
    assert [rel(p) for p in src.items] == ["clipA/00000.jpg", "clipA/00002.jpg", "clipB/img/0000.jpg",
                                           "clipB/img/0002.jpg", "one/00000.jpg", "stills/photo_0.jpg",
                                           "stills/photo_2.jpg"]
    assert ids.tolist() == [0, 0, 1, 1, 2, 3, 4]
    assert [rel(k) for k in keys] == ["clipA/00002.jpg", "clipB/img/0002.jpg", "one/00000.jpg",
                                      "stills/photo_0.jpg", "stills/photo_2.jpg"]
    with pytest.raises(DataSourceError, match=r"DATASET.IMGS.CLIPS must be one of none, folders, numbered"):
        build_sources(folder_cfg(root, CLIPS="videos"))


def test_list_file_clips_by_parent_folder(tmp_path):
    a = write_images(tmp_path / "a", 2)
    b = write_images(tmp_path / "b", 2)
    lst = tmp_path / "list.txt"
    lst.write_text("\n".join(str(p) for p in [a[0], b[0], a[1], b[1]]))
    ids, keys = build_sources(_cfg(L={"TYPE": "list_file", "LIST": str(lst), "CLIPS": "folders"}))[0].video_groups()
    assert ids.tolist() == [0, 1, 0, 1] and keys == [str(a[1]), str(b[1])]


def test_video_sources_are_one_video_per_item(tmp_path):
    for seq in ("s1", "s2"):
        write_images(tmp_path / "got" / "train" / seq, 3, name="{:08d}")
    src = build_sources(_cfg(G={"TYPE": "got10k_single_frame", "ROOT": str(tmp_path / "got")}))[0]
    ids, keys = src.video_groups()
    assert ids.tolist() == [0, 1] and keys == src.keys()


def test_empty_or_missing_source_names_the_path(tmp_path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "readme.txt").write_text("x")
    with pytest.raises(DataSourceError, match=str(empty)):
        build_sources(folder_cfg(empty))
    with pytest.raises(DataSourceError, match=str(tmp_path / "absent")):
        build_sources(folder_cfg(tmp_path / "absent"))
    lst = tmp_path / "list.txt"
    lst.write_text("# nothing here\n\n")
    with pytest.raises(DataSourceError, match=str(lst)):
        build_sources(_cfg(L={"TYPE": "list_file", "LIST": str(lst)}))
    cfg = folder_cfg(empty)
    cfg.DATASET.NAMES = ["NOPE"]
    with pytest.raises(DataSourceError, match="DATASET.NOPE"):
        build_sources(cfg)


def test_list_file_relative_and_absolute(tmp_path):
    paths = write_images(tmp_path / "data" / "x", 2)
    lst = tmp_path / "data" / "train.txt"
    lst.write_text(f"# training images\nx/00000.jpg\n\n{paths[1]}\n")
    src = build_sources(_cfg(L={"TYPE": "list_file", "LIST": str(lst)}))[0]
    assert src.items == [str(tmp_path / "data" / "x" / "00000.jpg"), str(paths[1])]
    with pytest.raises(DataSourceError, match="nope.txt"):
        build_sources(_cfg(L={"TYPE": "list_file", "LIST": str(tmp_path / "nope.txt")}))


def test_vid_single_frame_layout(tmp_path):
    train = tmp_path / "ILSVRC2015" / "Data" / "VID" / "train"
    write_images(train / "ILSVRC2015_VID_train_0000" / "snip_a", 5, name="{:06d}", ext=".JPEG")
    write_images(train / "ILSVRC2015_VID_train_0001" / "snip_b", 3, name="{:06d}", ext=".JPEG")
    src = build_sources(_cfg(VID={"TYPE": "vid_single_frame", "ROOT": str(tmp_path / "ILSVRC2015")}))[0]
    assert src.items == ["ILSVRC2015_VID_train_0000/snip_a", "ILSVRC2015_VID_train_0001/snip_b"]
    drawn = {src.image_path(0, np.random.default_rng(s)) for s in range(40)}
    assert drawn == {str(train / "ILSVRC2015_VID_train_0000" / "snip_a" / f"{k:06d}.JPEG") for k in range(5)}
    assert src.key(0).endswith("snip_a/000002.JPEG") and src.key(1).endswith("snip_b/000001.JPEG")


def test_got10k_single_frame_uses_list_txt(tmp_path):
    train = tmp_path / "GOT-10k" / "train"
    write_images(train / "GOT-10k_Train_000002", 4, name="{:08d}")
    write_images(train / "GOT-10k_Train_000001", 2, name="{:08d}")
    (train / "list.txt").write_text("GOT-10k_Train_000002\nGOT-10k_Train_000001\n")
    src = build_sources(_cfg(G={"TYPE": "got10k_single_frame", "ROOT": str(tmp_path / "GOT-10k")}))[0]
    assert src.items == ["GOT-10k_Train_000002", "GOT-10k_Train_000001"]
    assert src.image_path(1, np.random.default_rng(0)).startswith(str(train / "GOT-10k_Train_000001"))


def test_frame_set_compact_and_irregular():
    fs = FrameSet("/v", ["000007.JPEG", "000008.JPEG", "000009.JPEG"])
    assert fs.names is None and len(fs) == 3 and fs.path(2) == "/v/000009.JPEG"
    odd = FrameSet("/v", ["a.jpg", "b.jpg"])
    assert odd.path(1) == "/v/b.jpg"


def test_several_sources_and_weights(tmp_path):
    write_images(tmp_path / "a", 3)
    write_images(tmp_path / "b", 2)
    cfg = _cfg(A={"TYPE": "image_folder", "ROOT": str(tmp_path / "a")},
               B={"TYPE": "image_folder", "ROOT": str(tmp_path / "b"), "WEIGHT": 2.0})
    srcs = build_sources(cfg)
    assert [s.name for s in srcs] == ["A", "B"] and [len(s) for s in srcs] == [3, 2] and srcs[1].weight == 2.0
    ds = build_train_dataset(cfg, epoch_len=7)
    refs = sorted(ds.sample(i)["ref"] for i in range(7))
    assert refs == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 0), (1, 1), (1, 1)]


def _fake_generator(tmp_path, monkeypatch):
    made = []

    def fake_generate(out_dir, n=200, seed=0, **kw):
        made.append(out_dir)
        write_images(tmp_path / out_dir, 3)
        return tmp_path / out_dir

    import pysot_ss.datasets.generate as generate
    import toolkit.synthetic as synthetic
    monkeypatch.setattr(synthetic, "generate_unlabeled_images", fake_generate)
    monkeypatch.setattr(generate, "generate_unlabeled_images", fake_generate)
    monkeypatch.chdir(tmp_path)
    return made


def test_building_on_a_missing_root_generates_nothing(tmp_path, monkeypatch):
    made = _fake_generator(tmp_path, monkeypatch)
    cfg = get_cfg()                     # DATASET.NAMES = ["SYNTHETIC"], ROOT data/synthetic/unlabeled
    assert cfg.DATASET.GENERATE_IF_MISSING
    for build in (build_sources, lambda c: build_train_dataset(c, epoch_len=2)):
        with pytest.raises(DataSourceError, match="GENERATE_IF_MISSING"):   # the error says how to get data
            build(cfg)
    assert made == [] and not (tmp_path / "data").exists()


def test_default_synthetic_root_is_generated_only_on_request(tmp_path, monkeypatch, caplog):
    from pysot_ss.datasets.generate import generate_missing_data
    made = _fake_generator(tmp_path, monkeypatch)
    cfg = get_cfg()
    cfg.DATASET.GENERATE_IF_MISSING = False
    with pytest.raises(DataSourceError, match="DATASET.SYNTHETIC.ROOT.*GENERATE_IF_MISSING"):
        generate_missing_data(cfg)
    assert made == []
    cfg.DATASET.GENERATE_IF_MISSING = True
    assert generate_missing_data(cfg, write=False) == [] and made == []   # DDP ranks > 0 only check
    with caplog.at_level("INFO", logger="pysot_ss.data"):
        generate_missing_data(cfg)
    assert made == ["data/synthetic/unlabeled"] and "generating" in caplog.text
    assert len(build_sources(cfg)[0]) == 3
    generate_missing_data(cfg)
    assert len(made) == 1               # present now: not generated again
    cfg.DATASET.NAMES = ["MINE"]        # a user's source (not the default ROOT) is never generated: an error
    cfg.DATASET.MINE = type(cfg.DATASET)({"TYPE": "image_folder", "ROOT": "data/other"})
    for call in (generate_missing_data, build_sources):
        with pytest.raises(DataSourceError, match="DATASET.MINE.ROOT: no such folder: data/other$"):
            call(cfg)
    assert len(made) == 1


# ---------------------------------------------------------------------------------------------------------------
# unreadable images

def test_unreadable_image_is_skipped_warned_once_and_counted(tmp_path):
    root = tmp_path / "imgs"
    write_images(root, 3)
    (root / "broken.jpg").write_bytes(b"this is not a jpeg")
    ds = build_train_dataset(folder_cfg(root), epoch_len=24)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = [ds[i] for i in range(24)]
    bad = [w for w in caught if issubclass(w.category, BadImageWarning)]
    assert len(bad) == 1 and "broken.jpg" in str(bad[0].message)
    assert all(it["search"].shape == (3, 239, 239) for it in items)
    assert ds.bad_images == 1
    skips = ds.bad_image_skips
    assert skips >= 6                   # 24 draws over 4 files, each file in 6 of them (one pass per epoch)
    # the same draws in two worker processes: same counts, seen by the main process
    ds2 = build_train_dataset(folder_cfg(root), epoch_len=24)
    list(DataLoader(ds2, batch_size=6, num_workers=2))
    assert ds2.bad_images == 1 and ds2.bad_image_skips == skips


def test_reader_reads_bgr_and_rejects_garbage(tmp_path):
    img = np.zeros((10, 12, 3), np.uint8)
    img[..., 2] = 255                   # red in BGR
    cv2.imwrite(str(tmp_path / "red.png"), img)
    cv2.imwrite(str(tmp_path / "gray.png"), np.full((10, 12), 77, np.uint8))
    reader = ImageReader()
    np.testing.assert_array_equal(reader.read(tmp_path / "red.png"), img)
    assert reader.read(tmp_path / "gray.png").shape == (10, 12, 3)
    with pytest.warns(BadImageWarning, match="missing.jpg"):
        with pytest.raises(Exception, match="missing.jpg"):
            reader.read(tmp_path / "missing.jpg")
    assert reader.log.skips == 1 and reader.log.distinct == 1


# ---------------------------------------------------------------------------------------------------------------
# labelled sources (video_pairs)

def test_ground_truth_files(tmp_path):
    f = tmp_path / "groundtruth.txt"
    # OTB x,y,w,h with three separators; a VOT axis-aligned polygon; a VOT diamond; a NaN line
    f.write_text("10,20,30,40\n10\t20\t30\t40\n10 20  30 40\n"
                 "10,20,50,20,50,80,10,80\n0,10,10,0,20,10,10,20\nnan,nan,nan,nan\n\n")
    boxes = read_boxes_file(f)
    assert boxes.shape == (6, 4)
    for i in range(3):                  # centre x + (w - 1) / 2 = 10 + 14.5, 20 + 19.5
        np.testing.assert_allclose(boxes[i], [24.5, 39.5, 30, 40])
    # polygon: centre = corner mean (30, 50); s = sqrt(A1 / A2) = 1; w = 40 + 1, h = 60 + 1 (VOT/pysot rule)
    np.testing.assert_allclose(boxes[3], [30, 50, 41, 61])
    # diamond: A1 = sqrt(200)^2 = 200, A2 = 20 * 20 = 400, s = sqrt(0.5): w = h = 20 s + 1 = 15.1421
    np.testing.assert_allclose(boxes[4], [10, 10, 15.1421356, 15.1421356], atol=1e-6)
    assert np.isnan(boxes[5]).all()
    f.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(FileFormatError, match=r"groundtruth.txt:2"):
        read_boxes_file(f)
    f.write_text("1,2,3,4\n1,2,x,4\n")
    with pytest.raises(FileFormatError, match=r"groundtruth.txt:2"):
        read_boxes_file(f)


def _seq(root, name, n, gt_lines, gt_name="groundtruth_rect.txt", sub="img"):
    write_images(root / name / sub if sub else root / name, n, name="{:04d}")
    (root / name / gt_name).write_text("\n".join(gt_lines) + "\n")


def test_video_pairs_folders_otb_vot_got(tmp_path):
    root = tmp_path / "seqs"
    _seq(root, "otb", 3, ["1,2,30,40"] * 3)
    _seq(root, "vot", 2, ["10,20,50,20,50,80,10,80"] * 2, gt_name="groundtruth.txt", sub="")
    _seq(root, "got", 4, ["5,5,30,30"] * 4, gt_name="groundtruth.txt", sub="")
    (root / "got" / "absence.label").write_text("0\n1\n0\n0\n")
    (root / "got" / "cover.label").write_text("8\n8\n2\n8\n")      # cover 2 <= max(1, 0.3 * 8) = 2.4
    (root / "notaseq").mkdir()
    src = build_sources(_cfg(S={"TYPE": "video_pairs", "ROOT": str(root)}))[0]
    assert src.labelled and src.items == ["got", "otb", "vot"]
    got, otb, vot = (src.video(i) for i in range(3))
    assert otb.frames[0].endswith("otb/img/0000.jpg") and len(otb.frames) == 3
    np.testing.assert_allclose(otb.boxes[0], [15.5, 21.5, 30, 40])
    np.testing.assert_allclose(vot.boxes[1], [30, 50, 41, 61])
    assert vot.frames[1].endswith("vot/0001.jpg")
    np.testing.assert_array_equal(got.usable, [True, False, False, True])
    only = build_sources(_cfg(S={"TYPE": "video_pairs", "ROOT": str(root), "VIDEOS": ["vot"]}))[0]
    assert only.items == ["vot"]
    _seq(root, "short", 3, ["1,2,30,40"] * 2)
    with pytest.raises(FileFormatError, match="2 boxes for 3 images"):
        build_sources(_cfg(S={"TYPE": "video_pairs", "ROOT": str(root)}))


def test_video_pairs_frame_step_keeps_boxes_and_frame_numbers(tmp_path):
    root = tmp_path / "seqs"
    _seq(root, "otb", 7, [f"{i},2,30,40" for i in range(7)])
    src = build_sources(_cfg(S={"TYPE": "video_pairs", "ROOT": str(root), "FRAME_STEP": 3}))[0]
    t = src.video(0)
    assert [Path(f).name for f in t.frames] == ["0000.jpg", "0003.jpg", "0006.jpg"]
    np.testing.assert_allclose(t.boxes[:, 0], [0 + 14.5, 3 + 14.5, 6 + 14.5])  # x + (w - 1) / 2 of lines 1, 4, 7
    np.testing.assert_array_equal(t.frame_ids, [0, 3, 6])                     # FRAME_RANGE counts real frames
    # the same frames as the unlabeled reader with the same step
    unl = build_sources(_cfg(U={"TYPE": "image_folder", "ROOT": str(root / "otb" / "img"), "FRAME_STEP": 3}))[0]
    assert sorted(unl.items) == sorted(t.frames)
    with pytest.raises(Exception, match="FRAME_STEP must be >= 1"):
        build_sources(_cfg(S={"TYPE": "video_pairs", "ROOT": str(root), "FRAME_STEP": 0}))


def test_video_pairs_pysot_json(tmp_path):
    root = tmp_path / "vid"
    write_images(root / "train" / "v1", 3, name="{:06d}", ext=".JPEG")
    anno = {"train/v1": {"0": {"000000": [10, 10, 50, 40], "000002": [12, 10, 52, 40]},
                         "1": {"000001": [0, 0, 20, 20], "junk": [1, 2, 3, 4]}}}
    f = tmp_path / "train.json"
    f.write_text(json.dumps(anno))
    src = build_sources(_cfg(J={"TYPE": "video_pairs", "ROOT": str(root), "ANNO": str(f)}))[0]
    assert src.items == ["train/v1/0", "train/v1/1"]
    t0 = src.video(0)
    assert t0.frames == [str(root / "train" / "v1" / "000000.JPEG"), str(root / "train" / "v1" / "000002.JPEG")]
    np.testing.assert_array_equal(t0.frame_ids, [0, 2])
    np.testing.assert_allclose(t0.boxes[0], [10 + 39 / 2, 10 + 29 / 2, 40, 30])   # corners -> w = x2 - x1
    f.write_text("{oops")
    with pytest.raises(FileFormatError, match="train.json"):
        build_sources(_cfg(J={"TYPE": "video_pairs", "ROOT": str(root), "ANNO": str(f)}))
    f.write_text(json.dumps({"train/v9": {"0": {"000000": [1, 1, 30, 30]}}}))
    with pytest.raises(DataSourceError, match="FRAME_FORMAT"):
        build_sources(_cfg(J={"TYPE": "video_pairs", "ROOT": str(root), "ANNO": str(f)}))


# ---------------------------------------------------------------------------------------------------------------
# the shared data (skipped when ../shared is absent)

TRAIN_SEQS = ["Human3", "wakeboard7", "boat1", "MotorRolling", "car1"]


def test_shared_unlabeled_and_train_sequences(shared_data):
    unl = build_sources(_cfg(U={"TYPE": "image_folder", "ROOT": str(shared_data / "unlabeled")}))[0]
    assert len(unl) == 1253
    seq = build_sources(_cfg(S={"TYPE": "image_folder", "ROOT": str(shared_data / "sequences"),
                                "SUBDIRS": TRAIN_SEQS, "FRAME_STEP": 10}))[0]
    # ceil(n / 10) per sequence: 199 -> 20, 67 -> 7, 301 -> 31, 164 -> 17, 150 -> 15
    assert len(seq) == 20 + 7 + 31 + 17 + 15
    lab = build_sources(_cfg(S={"TYPE": "video_pairs", "ROOT": str(shared_data / "sequences"),
                                "VIDEOS": TRAIN_SEQS}))[0]
    assert lab.items == TRAIN_SEQS and [len(lab.video(i).frames) for i in range(5)] == [199, 67, 301, 164, 150]
