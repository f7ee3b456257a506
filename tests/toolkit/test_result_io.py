"""Strict parsing of box / tag / list files: every accepted producer format, every rejected input with file:line."""
import numpy as np
import pytest

from sotbase.errors import FileFormatError
from toolkit.utils.result_io import (CountMismatchError, check_count, count_mismatch, read_boxes, read_flags,
                                     read_groundtruth, read_name_list)


def write(tmp_path, text, name="r.txt", mode="w"):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        with open(p, "w", newline="") as f:  # keep \r\n exactly as given
            f.write(text)
    return p


# ---------------------------------------------------------------------------------------------------- accepted
def test_pysot_format_python_floats(tmp_path):
    # pysot test.py: ','.join(str(v) for v in box) with a trailing newline
    p = write(tmp_path, "10.5,20.25,30.0,40.0\n0.1,0.2,0.3,0.4\n")
    assert read_boxes(p) == [[10.5, 20.25, 30.0, 40.0], [0.1, 0.2, 0.3, 0.4]]


def test_got10k_format_without_trailing_newline(tmp_path):
    # got10k: np.savetxt('%.3f') for OTB, '\n'.join without final newline for VOT
    p = write(tmp_path, "1.000,2.000,3.000,4.000\n5.000,6.000,7.000,8.000")
    assert read_boxes(p) == [[1, 2, 3, 4], [5, 6, 7, 8]]


@pytest.mark.parametrize("text", [
    "1\t2\t3\t4\n5\t6\t7\t8\n",        # OTB tab-separated
    "1 2 3 4\n5  6 7   8\n",           # blanks (BlurCar1 line 496 style)
    "1, 2 ,3,4\n5,6,7,8\n",            # comma with padding
    "1,2,3,4\r\n5,6,7,8\r\n",          # CRLF
    "1,2,3,4\n5,6,7,8\n\n\n",          # blank final lines
    "1,2,3,4\n5,6,7,8\n  \n",          # whitespace-only final line
    "\ufeff1,2,3,4\n5,6,7,8",          # UTF-8 BOM
    "1,2,3,4\n5\t6 7,8\n",             # mixed separators within a file
])
def test_separator_and_line_end_variants(tmp_path, text):
    p = write(tmp_path, text)
    assert read_boxes(p) == [[1, 2, 3, 4], [5, 6, 7, 8]]


def test_float32_and_double_formatting_both_parse(tmp_path):
    # docs/toolkit.md §1.1: pysot formats float32('%.4f') and got10k double('%.4f'); 1.00005 prints differently
    # but both parse
    v = 1.00005
    f32 = "%.4f" % float(np.float32(v))
    f64 = "%.4f" % v
    assert (f32, f64) == ("1.0000", "1.0001")
    p = write(tmp_path, f"{f32},{f64},1e2,-0.000\n")
    assert read_boxes(p) == [[1.0, 1.0001, 100.0, 0.0]]


def test_vot_codes_and_polygons(tmp_path):
    # reset protocol: 1 = init, 2 = failure, 0 = skipped; boxes may be 4 or 8 numbers; codes may be written as 1.0
    p = write(tmp_path, "1\n10.0000,20.0000,30.0000,40.0000\n2\n0\n0\n1.0\n1,2,3,4,5,6,7,8\n")
    assert read_boxes(p, (1, 4, 8)) == [[1.0], [10, 20, 30, 40], [2.0], [0.0], [0.0], [1.0],
                                        [1, 2, 3, 4, 5, 6, 7, 8]]


def test_negative_and_out_of_frame_boxes_are_valid(tmp_path):
    p = write(tmp_path, "-5,-3.5,10,10\n")  # e.g. OTB Biker frame 75 has negative y
    assert read_groundtruth(p, (4,)) == [[-5, -3.5, 10, 10]]


def test_empty_result_file_is_zero_lines_and_counts_mismatch(tmp_path):
    p = write(tmp_path, "")
    assert read_boxes(p) == []
    with pytest.raises(CountMismatchError):
        read_boxes(p, expected_len=3)


# ---------------------------------------------------------------------------------------------------- rejected
def _fails(p, line, fragment, **kw):
    with pytest.raises(FileFormatError) as ei:
        read_boxes(p, **kw)
    msg = str(ei.value)
    assert msg.startswith(f"{p}:{line}: ") if line else msg.startswith(f"{p}: "), msg
    assert fragment in msg, msg
    assert ei.value.line == line
    return ei.value


def test_wrong_field_count(tmp_path):
    _fails(write(tmp_path, "1,2,3,4\n1,2,3\n"), 2, "expected 4 number(s) per line, found 3")
    _fails(write(tmp_path, "1,2,3,4,5\n"), 1, "found 5")
    _fails(write(tmp_path, "1\n1,2,3,4,5,6\n"), 2, "expected 1 or 4 or 8", expect_fields=(1, 4, 8))


def test_non_numeric_text(tmp_path):
    _fails(write(tmp_path, "1,2,3,4\n5,6,seven,8\n"), 2, "non-numeric field 'seven'")
    _fails(write(tmp_path, "1_0,2,3,4\n"), 1, "non-numeric field '1_0'")  # float() would accept it


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_inf_rejected(tmp_path, bad):
    _fails(write(tmp_path, f"1,2,3,4\n1,2,3,4\n1,{bad},3,4\n"), 3, "non-finite")


def test_empty_field_and_trailing_comma(tmp_path):
    _fails(write(tmp_path, "1,,3,4\n"), 1, "empty field")
    _fails(write(tmp_path, "1,2,3,4,\n"), 1, "empty field")


def test_blank_line_inside(tmp_path):
    _fails(write(tmp_path, "1,2,3,4\n\n5,6,7,8\n"), 2, "blank line")


def test_one_field_lines_only_vot_codes(tmp_path):
    _fails(write(tmp_path, "1\n3\n"), 2, "VOT code", expect_fields=(1, 4, 8))
    _fails(write(tmp_path, "1\n0.5\n"), 2, "VOT code", expect_fields=(1, 4, 8))
    # a one-pass result never has codes
    _fails(write(tmp_path, "1,2,3,4\n2\n"), 2, "expected 4")


def test_unreadable_files(tmp_path):
    _fails(write(tmp_path, b"\xff\xfe\x00garbage"), None, "not a UTF-8")
    _fails(tmp_path / "absent.txt", None, "cannot read")


def test_count_mismatch_names_file_and_both_counts(tmp_path):
    p = write(tmp_path, "1,2,3,4\n1,2,3,4\n")
    with pytest.raises(CountMismatchError) as ei:
        read_boxes(p, expected_len=3)
    assert str(ei.value) == f"{p}: has 2 line(s) but the sequence has 3 frame(s)"
    assert (ei.value.got, ei.value.expected) == (2, 3)
    assert isinstance(count_mismatch(p, 5, 4), FileFormatError)
    check_count(p, [1, 2], 2)  # no error
    with pytest.raises(CountMismatchError):
        check_count(p, [1, 2], 1)


# ----------------------------------------------------------------------------------------------- ground truth
def test_groundtruth_reader(tmp_path):
    p = write(tmp_path, "1,2,3,4\n1,2,3,4,5,6,7,8\n")
    assert read_groundtruth(p) == [[1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8]]
    with pytest.raises(FileFormatError, match=r":2: expected 4 number"):
        read_groundtruth(p, (4,))
    with pytest.raises(FileFormatError, match="holds no boxes"):
        read_groundtruth(write(tmp_path, "\n", "e.txt"))
    with pytest.raises(FileFormatError, match=r"e2.txt:2: expected 4 or 8"):
        read_groundtruth(write(tmp_path, "1,2,3,4\n1\n", "e2.txt"))  # codes never in ground truth


# ------------------------------------------------------------------------------------------------ flags, lists
def test_flags_one_per_line_and_comma_separated(tmp_path):
    assert read_flags(write(tmp_path, "0\n1\n1\n", "a.tag")) == [0, 1, 1]
    assert read_flags(write(tmp_path, "0,0,1,0", "occ.txt")) == [0, 0, 1, 0]  # LaSOT
    assert read_flags(write(tmp_path, "", "empty.label")) == []
    with pytest.raises(FileFormatError, match=r"b.tag:3: per-frame flag must be 0 or 1, found '2'"):
        read_flags(write(tmp_path, "0\n1\n2\n", "b.tag"))
    with pytest.raises(FileFormatError, match=r"c.tag: has 3 per-frame values but the sequence has 2"):
        read_flags(write(tmp_path, "0\n1\n0\n", "c.tag"), n_frames=2)


def test_name_list(tmp_path):
    assert read_name_list(write(tmp_path, "bag\n\nball1\r\ncar1", "list.txt")) == ["bag", "ball1", "car1"]
    with pytest.raises(FileFormatError, match=r"list2.txt:3: sequence 'bag' listed twice"):
        read_name_list(write(tmp_path, "bag\nball1\nbag\n", "list2.txt"))
    with pytest.raises(FileFormatError, match=r"list3.txt:1: not a sequence name"):
        read_name_list(write(tmp_path, "../etc\n", "list3.txt"))
