"""Atomic output: all or nothing, usual permissions, nothing left behind on error."""
import os

import pytest

from sotbase.atomic import atomic_output, atomic_write_text


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def test_published_file_gets_the_usual_permissions_and_no_temp_remains(tmp_path):
    p = atomic_write_text(tmp_path / "sub" / "a.txt", "x\ny\n", fsync=True)
    assert p.read_bytes() == b"x\ny\n"
    assert (p.stat().st_mode & 0o777) == (0o666 & ~_umask())  # not mkstemp's private 0600
    assert sorted(os.listdir(p.parent)) == ["a.txt"]


def test_an_error_keeps_the_old_file_and_removes_the_temp(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(p) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("crash while writing")
    assert p.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]


def test_suffix_reaches_the_temp_file(tmp_path):
    with atomic_output(tmp_path / "v.avi", suffix=".avi") as tmp:
        assert tmp.endswith(".avi") and os.path.dirname(tmp) == str(tmp_path)
        open(tmp, "wb").close()
    assert (tmp_path / "v.avi").is_file()
