"""Evaluation from annotations alone (docs/toolkit.md §6.3): a one-pass dataset needs only its description JSON, a
reset-protocol one also each video's image size (first frame, else the JSON's width/height). Loading for tracking
(the default, need_frames=True) still requires the frames."""
import json

import cv2
import numpy as np
import pytest

from tests.conftest import shared_root
from toolkit.cli.eval import main
from toolkit.datasets import DatasetFactory
from toolkit.utils.errors import ToolkitError

from sotbase.errors import FileFormatError

create = DatasetFactory.create_dataset
GT = [[10 + i, 12, 20, 15] for i in range(15)]


def describe(root, name, videos, **extra):
    """<root>/<name>.json in pysot's format, frames never written; returns the entries."""
    root.mkdir(parents=True, exist_ok=True)
    desc = {v: {"video_dir": v, "init_rect": GT[0], "gt_rect": GT,
                "img_names": [f"{v}/{i:04d}.jpg" for i in range(len(GT))], **extra} for v in videos}
    (root / f"{name}.json").write_text(json.dumps(desc))
    return desc


def write_results(results, videos, vot=False):
    for video in videos:
        rows = [(1,)] + video.gt_traj[1:] if vot else video.gt_traj
        f = results / "T" / ("baseline/%s/%s_001.txt" % (video.name, video.name) if vot else f"{video.name}.txt")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("".join(",".join(map(str, r)) + "\n" for r in rows))


def evaluate(results, name, root, *extra, capsys):
    rc = main(["-p", str(results), "-d", name, "--dataset_root", str(root), "--format", "json", *extra])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)["T"]


def test_one_pass_from_the_json_alone(tmp_path, capsys):
    root = tmp_path / "data"
    describe(root, "OTB100", ["Basketball", "Car4"])
    with pytest.raises(ToolkitError, match="no videos found"):  # running a tracker needs the frames
        create(name="OTB100", dataset_root=str(root))
    ds = create(name="OTB100", dataset_root=str(root), need_frames=False)
    write_results(tmp_path / "results" / "OTB100", ds)
    got = evaluate(tmp_path / "results", "OTB100", root, capsys=capsys)
    assert got["success_auc"] == pytest.approx(20 / 21) and got["precision"] == 1.0  # IoU 1 is not > 1


def test_real_otb2015_json_without_images(tmp_path, capsys):
    reference = shared_root() / "data" / "reference" / "OTB2015.json"
    if not reference.is_file():
        pytest.skip(f"{reference} not found")
    root = tmp_path / "data"
    root.mkdir()
    (root / "OTB2015.json").symlink_to(reference)
    ds = create(name="OTB2015", dataset_root=str(root), need_frames=False)
    assert len(ds) == 100 and "Jogging-1" in ds.videos and not ds.missing
    write_results(tmp_path / "results" / "OTB2015", ds)
    got = evaluate(tmp_path / "results", "OTB2015", root, "-s", capsys=capsys)
    assert len(got["videos"]) == 100 and got["success_auc"] > 0.9 and got["precision"] == 1.0


def test_vot_needs_only_the_image_size(tmp_path, capsys):
    root = tmp_path / "data"
    describe(root, "VOT2018", ["ants1", "bag"], width=320, height=240)
    (root / "bag").mkdir()
    cv2.imwrite(str(root / "bag" / "0000.jpg"), np.zeros((50, 60, 3), np.uint8))  # bag: first frame only
    with pytest.raises(ToolkitError, match="no videos found"):
        create(name="VOT2018", dataset_root=str(root))
    ds = create(name="VOT2018", dataset_root=str(root), need_frames=False)
    assert [(v.name, v.width, v.height) for v in ds] == [("ants1", 320, 240), ("bag", 60, 50)]  # the image wins
    write_results(tmp_path / "results" / "VOT2018", ds, vot=True)
    got = evaluate(tmp_path / "results", "VOT2018", root, "--eao_interval", "1", "15", capsys=capsys)
    assert got["accuracy"] == 1.0 and got["lost_number"] == 0 and got["eao"]["all"] == pytest.approx(1.0)


@pytest.mark.parametrize("size", [{}, {"width": 320}, {"width": 0, "height": 240}, {"width": "320", "height": 240}])
def test_vot_without_a_size_names_the_video(tmp_path, size):
    root = tmp_path / "data"
    desc = describe(root, "VOT2018", ["ants1", "bag", "wiper"], width=320, height=240)
    desc["bag"] = {k: v for k, v in desc["bag"].items() if k not in ("width", "height")} | size
    desc["wiper"].pop("width")
    (root / "VOT2018.json").write_text(json.dumps(desc))
    with pytest.raises(FileFormatError, match=r"VOT2018.json: video 'bag': image size unknown .* first frame "
                                              r".*bag/0000.jpg not found"):
        create(name="VOT2018", dataset_root=str(root), need_frames=False)
