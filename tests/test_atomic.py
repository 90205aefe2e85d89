"""Atomic writes: readers see the old file or the new one, and an interrupt stays an interrupt."""
import os

import pytest

from grader import atomic


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("old\n")
    atomic.write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_ctrl_c_just_after_the_rename_is_still_ctrl_c(tmp_path, monkeypatch):
    """Ctrl-C can land between the rename and the return: the temporary file is gone by then."""
    rename = os.replace

    def replace_then_interrupt(src, dst):
        rename(src, dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(tmp_path / "student.json", "{}\n")
    assert (tmp_path / "student.json").read_text() == "{}\n"
