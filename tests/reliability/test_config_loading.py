"""Reliability: reading configs (tools/train.py, tools/cluster.py, `load_cfg`).

Cases covered:
* case 3: a config never executes code: `--config evil.py` and `CLUSTER.STAGE1_CFG: evil.py` exit 2 without running
  the file; a YAML Python tag (``!!python/object/apply``) is an error naming the file and line, not run either;
* case 8: a YAML syntax error or a tab gives one line ``<tool>: error: <file>:<line>: <problem>`` (no traceback);
* case 9: values outside their range (``TRACK.WINDOW_INFLUENCE 5.0``, NaN...) are an error naming the key, the
  value and the allowed range, from a file or from --opts; a mistyped key of a DATASET source node is an error.
"""
import pytest

from pysot_ss.core.config import RANGES, check_cfg, get_cfg, load_cfg
from pysot_ss.errors import ConfigError
from tools.cluster import main as cluster_main
from tools.train import main as train_main

EVIL = "import pathlib\npathlib.Path({marker!r}).write_text('executed')\ncfg = {{}}\n"


def _evil(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.py"
    path.write_text(EVIL.format(marker=str(marker)))
    return path, marker


def _one_error_line(capsys, tool):
    err = capsys.readouterr().err
    assert err.startswith(f"{tool}: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_python_config_is_never_executed(tmp_path, capsys):
    evil, marker = _evil(tmp_path)
    for main, tool in ((train_main, "train.py"), (cluster_main, "cluster.py")):
        assert main(["--config", str(evil), "--opts", "TRAIN.OUTPUT_DIR", str(tmp_path / "run")]) == 2
        assert str(evil) in _one_error_line(capsys, tool)
    stage2 = tmp_path / "stage2.yaml"   # hard negatives with a missing clusters file: stage 1 would be loaded
    stage2.write_text(f"SAMPLER:\n  TYPE: hard_negative\n  CLUSTER_FILE: {tmp_path / 'none.json'}\n"
                      f"CLUSTER:\n  STAGE1_CFG: {evil}\nDATASET:\n  SYNTHETIC:\n    ROOT: {tmp_path}\n"
                      f"TRAIN:\n  OUTPUT_DIR: {tmp_path / 'run'}\n")
    assert train_main(["--config", str(stage2), "--device", "cpu"]) == 2
    err = _one_error_line(capsys, "train.py")
    assert "CLUSTER.STAGE1_CFG" in err and str(evil) in err
    assert not marker.exists() and not (tmp_path / "run").exists()


def test_yaml_python_tag_is_refused_with_file_and_line(tmp_path, capsys):
    marker = tmp_path / "marker"
    path = tmp_path / "tag.yaml"
    path.write_text(f"TRAIN:\n  OUTPUT_DIR: !!python/object/apply:os.system ['touch {marker}']\n")
    assert train_main(["--config", str(path)]) == 2
    err = _one_error_line(capsys, "train.py")
    assert f"{path}:2: " in err and "Python tags are not allowed" in err and not marker.exists()


@pytest.mark.parametrize("text, line, words", [
    ("TRAIN:\n  EPOCHS: 2\n\tBATCH_SIZE: 4\n", 3, "not tabs"),
    ("TRAIN:\n  EPOCHS: [2,\n", 3, "expected"),
    ("- TRAIN\n", None, "mapping"),
])
def test_yaml_errors_are_one_line_with_file_and_line(tmp_path, capsys, text, line, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert train_main(["--config", str(path)]) == 2
    err = _one_error_line(capsys, "train.py")
    assert f"{path}{f':{line}' if line else ''}: " in err and words in err


def test_out_of_range_values_name_key_value_and_range(tmp_path, capsys):
    check_cfg(get_cfg())                                     # the defaults are inside every range
    with pytest.raises(ConfigError, match=r"TRACK.WINDOW_INFLUENCE = 5.0 is outside the allowed range \[0, 1\]"):
        load_cfg(None, ["TRACK.WINDOW_INFLUENCE", "5.0"])
    cfg = get_cfg()
    cfg.TRACK.SCALE_LR, cfg.TRAIN.BASE_LR = float("nan"), -0.01
    with pytest.raises(ConfigError, match=r"TRACK.SCALE_LR = nan .*; TRAIN.BASE_LR = -0.01 .*\(0, inf\)"):
        check_cfg(cfg)                                       # every bad value in one message
    path = tmp_path / "exp.yaml"
    path.write_text("TRACK:\n  UPDATE_RATE: 1.5\n")
    assert train_main(["--config", str(path)]) == 2
    assert "TRACK.UPDATE_RATE = 1.5 is outside the allowed range [0, 1]" in _one_error_line(capsys, "train.py")
    assert load_cfg(str(path), ["TRACK.UPDATE_RATE", "0.5"]).TRACK.UPDATE_RATE == 0.5   # --opts fixes it
    for interval, keys in RANGES.items():                    # the table names real keys only
        for key in keys:
            node = get_cfg()
            for part in key.split("."):
                node = node[part]
            assert isinstance(node, (int, float)), key


def test_mistyped_dataset_keys_are_errors(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("DATASET:\n  SYNTHETIC:\n    RROT: /my/images\n  GENERATE_IF_MISING: False\n")
    with pytest.raises(ConfigError) as e:
        load_cfg(str(path))
    assert "DATASET.SYNTHETIC.RROT is not a data source key" in str(e.value)
    assert "DATASET.GENERATE_IF_MISING is not a DATASET key" in str(e.value)
