"""Case 6 of the reliability issue: a re-run of tools/test.py never mixes results of two configs, and resumes only
what is really finished.

Covers: a re-run with different ``--opts`` over existing results is refused (the error names the folder and the
changed keys, ``KEY: old -> new``) and changes nothing; ``--overwrite`` deletes the old results and starts clean; a
re-run with the same config resumes; a 0-byte result file, a one-pass file and a VOT baseline file with fewer lines
than the video has frames are tracked again (with a one-line warning), not skipped.
"""
from pathlib import Path

import pytest

from tests.protocols.test_protocols import RECT, CountingFactory, FakeDataset, make_video, read_lines
from tests.protocols.test_test_cli import _load_cli
from toolkit.protocols import run_dataset

THRESH = "TRACK.OPENCV.KCF_DETECT_THRESH"


@pytest.fixture(scope="module")
def otb(tmp_path_factory):
    from toolkit.synthetic import generate_benchmark

    root = tmp_path_factory.mktemp("bench")
    return Path(generate_benchmark(root, num_videos=2, num_frames=6, size=(96, 72), layouts=("otb",))["otb"])


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_changed_config_is_refused_and_overwrite_starts_clean(otb, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cli = _load_cli()
    base = ["--dataset", "OTB100", "--dataset_root", str(otb), "--tracker", "opencv_kcf", "--no_progress"]
    assert cli.main(base + ["--opts", THRESH, "0.0"]) == 0
    tdir = tmp_path / "results" / "OTB100" / "opencv_kcf"
    before = snapshot(tdir)
    assert len(before) == 3  # two videos and config.yaml
    capsys.readouterr()

    assert cli.main(base + ["--opts", THRESH, "0.5"]) == 2
    err = capsys.readouterr().err
    folder = Path("results/OTB100/opencv_kcf")
    assert f"test.py: error: {folder} holds results of another config ({THRESH}: 0.0 -> 0.5)" in err
    assert "--overwrite" in err and "Traceback" not in err
    assert snapshot(tdir) == before  # neither the config nor any result changed

    assert cli.main(base + ["--opts", THRESH, "0.0"]) == 0  # the same config resumes
    assert "2 video(s) already have results" in capsys.readouterr().out and snapshot(tdir) == before

    (tdir / "stale.txt").write_text("from an older run\n")
    assert cli.main(base + ["--overwrite", "--opts", THRESH, "0.5"]) == 0
    captured = capsys.readouterr()
    assert "already have results" not in captured.out and "--overwrite: deleted" in captured.err
    assert f"{THRESH.split('.')[-1]}: 0.5" in (tdir / "config.yaml").read_text()
    assert not (tdir / "stale.txt").exists() and len(snapshot(tdir)) == 3


@pytest.mark.parametrize("protocol, path", [("ope", "OTB100/t/{v}.txt"),
                                            ("reset", "OTB100/t/baseline/{v}/{v}_001.txt")])
def test_empty_or_short_result_files_are_tracked_again(protocol, path, tmp_path):
    videos = [make_video(tmp_path / "data", n, [RECT] * 6) for n in ("a", "b", "c")]
    ds = FakeDataset("OTB100", videos, protocol=protocol)
    results = tmp_path / "results"
    assert run_dataset(ds, CountingFactory(), "t", results_dir=results, progress=False).ok
    files = {v: results / path.format(v=v) for v in "abc"}
    full = read_lines(files["a"])
    files["a"].write_text("")                                      # 0 bytes
    files["b"].write_text("".join(f"{ln}\n" for ln in full[:4]))   # 4 lines for 6 frames
    log = []
    s = run_dataset(ds, CountingFactory(), "t", results_dir=results, progress=False, log=log.append)
    assert [o.name for o in s.done] == ["a", "b"] and [o.name for o in s.skipped] == ["c"]
    assert f"warning: {files['a']} is empty: tracking a again" in log
    assert f"warning: {files['b']} has 4 line(s) for 6 frames: tracking b again" in log
    assert read_lines(files["a"]) == read_lines(files["b"]) == full
