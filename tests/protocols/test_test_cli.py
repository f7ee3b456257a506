"""tools/test.py end to end on a tiny synthetic benchmark (2 videos x 15 frames) with random SiamFC weights."""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_PY = REPO / "tools" / "test.py"
EVAL_PY = REPO / "tools" / "eval.py"
VOT_LINE = re.compile(r"[012]|-?\d+\.\d{4}(,-?\d+\.\d{4}){3}")
THREADS = ["--opts", "TRACK.NUM_THREADS", "1"]


def _load_cli():
    spec = importlib.util.spec_from_file_location("pysot_ss_tools_test", TEST_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    from toolkit.synthetic import generate_benchmark
    from pysot_ss.core.config import get_cfg
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import save_checkpoint

    root = tmp_path_factory.mktemp("bench")
    roots = generate_benchmark(root / "testing_dataset", seed=0, num_videos=2, num_frames=15)
    cfg = get_cfg()
    snapshot = root / "model.e1.pth"
    save_checkpoint({"model": build_model(cfg).state_dict(), "config": cfg.dump()}, snapshot)
    return {"root": root, "vot": Path(roots["vot"]).resolve(), "otb": Path(roots["otb"]).resolve(),
            "snapshot": snapshot}


@pytest.fixture(scope="module")
def cli():
    return _load_cli()


def run_tool(script, args, cwd):
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def eval_ok(dataset, root, results, cwd):
    """tools/eval.py (another helper's) must score what test.py wrote."""
    if not EVAL_PY.is_file():
        pytest.skip("tools/eval.py not written yet")
    if importlib.util.find_spec("toolkit.utils.statistics") is None:
        pytest.skip("toolkit.utils.statistics not written yet (tools/eval.py needs it)")
    res = run_tool(EVAL_PY, ["--dataset", dataset, "--dataset_root", str(root), "--tracker_path", str(results)],
                   cwd)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_vot_reset_end_to_end_and_resume(bench, tmp_path):
    args = ["--dataset", "VOT2016", "--dataset_root", str(bench["vot"]), "--snapshot", str(bench["snapshot"]),
            "--no_progress", *THREADS]
    res = run_tool(TEST_PY, args, tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    # tracker name = snapshot file name up to the first '.'; results relative to the CWD
    tdir = tmp_path / "results" / "VOT2016" / "model"
    videos = sorted(p.name for p in (tdir / "baseline").iterdir())
    assert videos == sorted(p.name for p in bench["vot"].iterdir() if p.is_dir())
    contents = {}
    for v in videos:
        files = sorted(p.name for p in (tdir / "baseline" / v).iterdir())
        assert files == [f"{v}_001.txt"]
        lines = (tdir / "baseline" / v / f"{v}_001.txt").read_text().splitlines()
        assert len(lines) == 15 and lines[0] == "1"
        assert all(VOT_LINE.fullmatch(line) for line in lines), lines
        contents[v] = lines
    assert re.search(r"\(  1\) Video: \S+ +Time: +[\d.]+s Speed: [\d.]+fps Lost: \d+", res.stdout)
    assert "model total lost:" in res.stdout
    saved = (tdir / "config.yaml").read_text()
    assert "NUM_THREADS: 1" in saved and "TYPE: siamfc" in saved

    again = run_tool(TEST_PY, args, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "2 video(s) already have results" in again.stdout
    for v in videos:
        assert (tdir / "baseline" / v / f"{v}_001.txt").read_text().splitlines() == contents[v]
    eval_ok("VOT2016", bench["vot"], tmp_path / "results", tmp_path)


def test_otb_one_pass_in_process(bench, tmp_path, cli, monkeypatch, capsys):
    from toolkit.datasets import DatasetFactory

    monkeypatch.chdir(tmp_path)
    rc = cli.main(["--dataset", "OTB100", "--dataset_root", str(bench["otb"]), "--snapshot", str(bench["snapshot"]),
                   "--tracker_name", "ss", "--no_progress", *THREADS])
    assert rc == 0, capsys.readouterr().err[-3000:]
    ds = DatasetFactory.create_dataset(name="OTB100", dataset_root=str(bench["otb"]))
    tdir = tmp_path / "results" / "OTB100" / "ss"
    assert sorted(p.name for p in tdir.iterdir()) == sorted([f"{v.name}.txt" for v in ds] + ["config.yaml"])
    for v in ds:
        lines = (tdir / f"{v.name}.txt").read_text().splitlines()
        assert len(lines) == 15
        x, y, w, h = v.gt_traj[0]
        assert lines[0] == ",".join(str(n) for n in [x + 0.5, y + 0.5, w, h])  # pysot's +0.5 quirk
        assert all(len(line.split(",")) == 4 for line in lines)
    eval_ok("OTB100", bench["otb"], tmp_path / "results", tmp_path)


def need_kcf():
    import cv2
    if not (hasattr(cv2, "TrackerKCF_create") or hasattr(getattr(cv2, "legacy", None), "TrackerKCF_create")):
        pytest.skip("OpenCV without KCF (opencv-contrib)")


def test_weightless_tracker_and_video_filter(bench, tmp_path, cli, monkeypatch, capsys):
    need_kcf()
    monkeypatch.chdir(tmp_path)
    video = sorted(p.name for p in bench["otb"].iterdir() if p.is_dir())[1]
    rc = cli.main(["--dataset", "OTB100", "--dataset_root", str(bench["otb"]), "--tracker", "opencv_kcf",
                   "--video", video, "--no_progress"])
    assert rc == 0, capsys.readouterr().err[-3000:]
    tdir = tmp_path / "results" / "OTB100" / "opencv_kcf"  # no snapshot: named after the tracker type
    assert sorted(p.name for p in tdir.iterdir()) == sorted([f"{video}.txt", "config.yaml"])
    assert "TYPE: opencv_kcf" in (tdir / "config.yaml").read_text()


def test_a_failing_video_gives_exit_1_and_the_others_finish(bench, tmp_path, cli, monkeypatch, capsys):
    need_kcf()
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "OTB100"
    shutil.copytree(bench["otb"], root)
    first, second = sorted(p.name for p in root.iterdir() if p.is_dir())
    frames = sorted((root / first / "img").iterdir())
    frames[5].write_bytes(b"broken")
    rc = cli.main(["--dataset", "OTB100", "--dataset_root", str(root), "--tracker", "opencv_kcf", "--no_progress"])
    out = capsys.readouterr().out
    assert rc == 1
    assert f"Video: {first:12s} FAILED: FrameError" in out and str(frames[5]) in out
    names = sorted(p.name for p in (tmp_path / "results" / "OTB100" / "opencv_kcf").iterdir())
    assert names == sorted(["config.yaml", f"{second}.txt"])


@pytest.mark.parametrize("extra, message", [
    (["--dataset", "NoSuchSet", "--tracker", "opencv_kcf"], "unknown dataset 'NoSuchSet'; known: GOT-10k"),
    (["--dataset", "custom:NoSuchSet", "--tracker", "opencv_kcf"], "dataset root not found: testing_dataset/NoSuchSet"),
    (["--snapshot", "missing.pth"], "snapshot not found: missing.pth"),
    (["--opts", "TRACK.NO_SUCH_KEY", "1"], "Non-existent key: TRACK.NO_SUCH_KEY"),
    (["--config", "nope.yaml"], "config file not found: nope.yaml"),
    (["--tracker", "no_such_tracker"], "unknown tracker 'no_such_tracker'"),
    ([], "needs weights: pass --snapshot"),
    (["--tracker", "opencv_kcf", "--video", "zzz"], "has no video(s) zzz"),
])
def test_setup_errors_are_one_line_and_exit_2(bench, tmp_path, cli, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    base = [] if "--dataset" in extra else ["--dataset", "OTB100", "--dataset_root", str(bench["otb"])]
    rc = cli.main(base + ["--no_progress"] + extra)
    err = capsys.readouterr().err
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("test.py:")]
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_default_tracker_name():
    from pysot_ss.core.tester import default_tracker_name
    assert default_tracker_name("runs/x/checkpoint_e20.pth", "siamfc") == "checkpoint_e20"
    assert default_tracker_name("model.e1.pth", "siamfc") == "model"
    assert default_tracker_name(None, "opencv_kcf") == "opencv_kcf"


def test_spawned_cli_help_runs_without_repo_on_path(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([sys.executable, str(TEST_PY), "--help"], cwd=tmp_path, capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode == 0 and "--num_workers" in res.stdout
