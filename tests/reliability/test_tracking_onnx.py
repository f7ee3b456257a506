"""Cases 4, 8 (its ONNX part) and 9 (its ONNX part) of the reliability issue: exported .onnx models.

Covers: ``tools/test.py --tracker siamfc_onnx --snapshot model.onnx`` tracks a benchmark and writes its results (it
once failed with torch's UnpicklingError); the export stores the sha256 of its graph and loading verifies it, so a
bit-flipped file is refused with an error naming it (instead of running with scores of 5e8); a garbage .onnx is a
one-line error in `load_tracker` and in tools/test.py; the shipped models/*.onnx, exported before checksums, still
load.
"""
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from pysot_ss import load_tracker  # noqa: E402
from pysot_ss.export.runtime import CHECKSUM, OnnxModelError, read_metadata  # noqa: E402
from sotbase.errors import UserError  # noqa: E402
from tests.protocols.test_test_cli import _load_cli  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from pysot_ss.core.config import get_cfg
    from pysot_ss.export.onnx import export_onnx
    from pysot_ss.models import build_model

    cfg = get_cfg()
    cfg.TRACK.NUM_THREADS = 1
    return export_onnx(build_model(cfg).eval(), cfg, tmp_path_factory.mktemp("onnx") / "tiny.onnx")


@pytest.fixture(scope="module")
def otb(tmp_path_factory):
    from toolkit.synthetic import generate_benchmark

    root = tmp_path_factory.mktemp("bench")
    return Path(generate_benchmark(root, num_videos=2, num_frames=5, size=(96, 72), layouts=("otb",))["otb"])


def flipped(src: Path, dst: Path) -> Path:
    """`src` with one bit flipped inside the first convolution's weights."""
    import onnx

    data = bytearray(src.read_bytes())
    raw = bytes(onnx.load(str(src)).graph.initializer[0].raw_data)
    data[data.find(raw[:64]) + 100] ^= 0x10
    dst.write_bytes(bytes(data))
    return dst


def test_test_py_runs_an_onnx_snapshot(exported, otb, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rc = _load_cli().main(["--dataset", "OTB100", "--dataset_root", str(otb), "--tracker", "siamfc_onnx",
                           "--snapshot", str(exported), "--no_progress"])
    assert rc == 0, capsys.readouterr().err[-2000:]
    tdir = tmp_path / "results" / "OTB100" / "tiny"
    videos = sorted(p.name for p in otb.iterdir() if p.is_dir())
    assert sorted(p.name for p in tdir.glob("*.txt")) == [f"{v}.txt" for v in videos]
    assert all(len((tdir / f"{v}.txt").read_text().splitlines()) == 5 for v in videos)
    assert "TYPE: siamfc_onnx" in (tdir / "config.yaml").read_text()


def test_a_bit_flip_is_refused(exported, tmp_path, monkeypatch, capsys):
    assert len(read_metadata(exported)[CHECKSUM]) == 64
    bad = flipped(exported, tmp_path / "flipped.onnx")
    with pytest.raises(OnnxModelError, match=f"{bad}: the network does not match the checksum"):
        load_tracker(None, bad)
    monkeypatch.chdir(tmp_path)
    rc = _load_cli().main(["--dataset", "OTB100", "--tracker", "siamfc_onnx", "--snapshot", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and "flipped.onnx: the network does not match" in err


def test_garbage_onnx_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07 this is not a model" * 10)
    with pytest.raises(UserError, match="junk.onnx: not a readable ONNX model"):
        load_tracker(None, junk)
    monkeypatch.chdir(tmp_path)
    rc = _load_cli().main(["--dataset", "OTB100", "--snapshot", str(junk)])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert [ln for ln in err.splitlines() if ln.strip()] == [ln for ln in err.splitlines()
                                                              if ln.startswith("test.py: error:")]
    assert "junk.onnx: not a readable ONNX model" in err


def test_shipped_models_without_a_checksum_still_load():
    shipped = sorted((REPO / "models").glob("*.onnx"))
    if not shipped:
        pytest.skip("no shipped .onnx model")
    for path in shipped:
        assert CHECKSUM not in read_metadata(path)
        tracker = load_tracker(None, path, opts=["TRACK.NUM_THREADS", "1"])
        assert type(tracker.tracker).__name__ == "SiamFCOnnxTracker"
