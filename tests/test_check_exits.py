"""A child that ends mid-case (os._exit, a hang) leaves no values to diagnose: the grade says so."""
from grader.pipeline import check
from tests.classroom import HOSTILE, mutate


def test_process_ending_mid_case_is_reported_not_raised(tmp_path):
    file, old, new, lose = HOSTILE["os_exit_step"]
    sub = mutate(tmp_path / "s", file, old, new)
    (result,) = check.grade(sub, ["train.adamw"]).tests
    assert result.status == "error" and result.score == 0
    assert "os._exit" in result.summary
    assert result.failure.got is None and result.mistake == ""

