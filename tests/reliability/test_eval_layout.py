"""Cases 8 and 10 of evaluation: a tracker folder in the wrong result layout (the error names the layout expected
and what was found instead); an output folder that cannot be written (one line, no traceback)."""
import json
import warnings

import pytest

from toolkit.cli.eval import main
from toolkit.datasets import DatasetFactory, DatasetWarning
from toolkit.utils.errors import MissingResultsError

GT = [20, 20, 10, 10]


def dataset(tmp_path, protocol):
    root = tmp_path / "data"
    root.mkdir()
    (root / "seqs.json").write_text(json.dumps({v: {"video_dir": v, "init_rect": GT, "gt_rect": [GT] * 3,
                                                    "img_names": [f"{v}/{i}.jpg" for i in range(3)],
                                                    "width": 64, "height": 64} for v in ("a", "b", "c")}))
    return root


def test_vot_results_in_the_one_pass_layout(tmp_path, capsys):
    root = dataset(tmp_path, "reset")
    results = tmp_path / "results" / "seqs"
    for v in ("a", "b", "c"):  # flat <video>.txt files, as a one-pass run writes them
        (results / "T").mkdir(parents=True, exist_ok=True)
        (results / "T" / f"{v}.txt").write_text("1\n20,20,10,10\n20,20,10,10\n")
    assert main(["-p", str(tmp_path / "results"), "-d", "custom:seqs", "--dataset_root", str(root),
                 "--protocol", "reset", "--eao_interval", "1", "3"]) == 2
    err = capsys.readouterr().err
    assert f"no results for 3 video(s) in {results / 'T'}: a, b, c; expected layout " \
           f"{results}/<tracker>/baseline/<video>/<video>_001.txt, found instead T/a.txt, T/b.txt, T/c.txt" in err


def test_one_pass_results_in_the_vot_layout(tmp_path):
    ds = DatasetFactory.create_dataset(name="custom:seqs", dataset_root=str(dataset(tmp_path, "ope")),
                                       need_frames=False)
    results = tmp_path / "results"
    f = results / "T" / "baseline" / "b" / "b_001.txt"
    f.parent.mkdir(parents=True)
    f.write_text("1\n")
    with pytest.raises(MissingResultsError, match=f"expected layout {results}/<tracker>/<video>.txt, found instead "
                                                  f"T/baseline/b/b_001.txt$"):
        ds.load_tracker(results, ["T"])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert ds.load_tracker(results, ["T"], allow_missing=True) == ["a", "b", "c"]
    assert [str(w.message).endswith("found instead T/baseline/b/b_001.txt") for w in rec
            if w.category is DatasetWarning] == [True]


def test_unwritable_plot_folder_is_a_one_line_error(tmp_path, capsys):
    """Case 8: an output path that cannot be written (here a file where a folder is needed) is one line, exit 2."""
    root = dataset(tmp_path, "ope")
    for v in ("a", "b", "c"):
        (tmp_path / "results" / "seqs" / "T").mkdir(parents=True, exist_ok=True)
        (tmp_path / "results" / "seqs" / "T" / f"{v}.txt").write_text("20,20,10,10\n" * 3)
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["-p", str(tmp_path / "results"), "-d", "custom:seqs", "--dataset_root", str(root),
                 "--plot", str(blocker)]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and "Traceback" not in err and str(blocker) in last
