"""The HTML report is drawn again only when what it shows changed: the same report data, drawn by
the same code, reuses the page already written; any change to the data, the drawing code, the page
itself or its key draws it again."""
import dataclasses
import json

import pytest

from grader.exercises import kit
from grader.results import Failure, Report
from grader.results import TestResult as Result
from grader.views import html_report, reports


def make_report(score=1.0, elapsed=0.8):
    mul = kit()["engine.mul"]
    case = mul.cases()[0]
    want = mul.reference(case)
    failing = Failure(case=1, description=mul.describe(case), inputs=case, expected=want, got=want,
                      problem="out.data differs")
    tests = [Result(id="engine.add", score=score, max_score=1.0, passed=int(score), total=1,
                        status="passed" if score == 1.0 else "failed", summary="all 1 cases pass", elapsed=0.1),
             Result(id="engine.mul", score=0.0, max_score=1.0, passed=0, total=1, status="failed",
                        summary="0/1 cases pass", failure=failing, failures=[failing], elapsed=0.2)]
    return Report(submission="somewhere", tests=tests, score=score, max_score=2.0, elapsed=elapsed,
                  confinement="bubblewrap")


@pytest.fixture
def drawings(monkeypatch):
    """The number of times the page was drawn."""
    count = {"n": 0}
    real = reports.render

    def counting(report, fmt, color=None, registry=None):
        if fmt == "html":
            count["n"] += 1
        return real(report, fmt, color=color, registry=registry)

    monkeypatch.setattr(reports, "render", counting)
    return count


def test_the_same_report_reuses_the_page(tmp_path, drawings):
    page = tmp_path / "build" / "report.html"
    assert reports.write_html(make_report(), page) is True
    first = page.read_bytes()
    assert first.decode() == html_report.render(make_report())  # the page as drawn directly
    assert reports.write_html(make_report(), page) is False
    assert drawings["n"] == 1
    assert page.read_bytes() == first


def test_timings_alone_do_not_draw_again_and_the_page_says_this_runs_time(tmp_path, drawings):
    page = tmp_path / "report.html"
    reports.write_html(make_report(elapsed=0.8), page)
    assert "Graded in <span class=\"elapsed\">0.8</span> s." in page.read_text()
    other = make_report(elapsed=1.7)
    other.tests[0].elapsed = 0.4
    assert reports.write_html(other, page) is False
    assert drawings["n"] == 1
    assert page.read_text() == html_report.render(make_report(elapsed=1.7))  # as if drawn now
    assert reports.write_html(other, page) is False  # and still reused after the time changed
    assert drawings["n"] == 1


def test_changed_data_draws_again(tmp_path, drawings):
    page = tmp_path / "report.html"
    reports.write_html(make_report(score=1.0), page)
    assert reports.write_html(make_report(score=0.0), page) is True
    assert drawings["n"] == 2
    assert page.read_text() == html_report.render(make_report(score=0.0))


def test_a_page_edited_since_is_drawn_again(tmp_path, drawings):
    page = tmp_path / "report.html"
    reports.write_html(make_report(), page)
    page.write_text(page.read_text().replace("engine.mul", "engine.MUL"))
    assert reports.write_html(make_report(), page) is True
    assert page.read_text() == html_report.render(make_report())


@pytest.mark.parametrize("key", ["", "not json", json.dumps(["a list"]), json.dumps({"key": "0" * 64})])
def test_a_missing_or_damaged_key_draws_again(tmp_path, drawings, key):
    page = tmp_path / "report.html"
    reports.write_html(make_report(), page)
    key_file = tmp_path / ("report.html" + reports.HTML_KEY_SUFFIX)
    if key:
        key_file.write_text(key)
    else:
        key_file.unlink()
    assert reports.write_html(make_report(), page) is True
    assert drawings["n"] == 2


def test_a_deleted_page_is_drawn_again(tmp_path, drawings):
    page = tmp_path / "report.html"
    reports.write_html(make_report(), page)
    page.unlink()
    assert reports.write_html(make_report(), page) is True
    assert page.read_text() == html_report.render(make_report())


def test_changed_drawing_code_draws_again(tmp_path, drawings, monkeypatch):
    code = tmp_path / "report_plots.py"
    code.write_text("COLOR = 'red'\n")
    monkeypatch.setattr(reports, "_drawing_files", lambda registry: [code])
    page = tmp_path / "report.html"
    reports.write_html(make_report(), page)
    assert reports.write_html(make_report(), page) is False
    code.write_text("COLOR = 'blue'\n")
    assert reports.write_html(make_report(), page) is True
    assert drawings["n"] == 2


def test_the_kits_drawing_code_is_in_the_key():
    files = {f.name for f in reports._drawing_files(None)}
    assert {"html_report.py", "report_plots.py", "report_graphs.py", "report.html", "nn.py"} <= files


def test_dot_appearing_draws_again(tmp_path, drawings, monkeypatch):
    page = tmp_path / "report.html"
    monkeypatch.setattr(reports.shutil, "which", lambda name, *a, **k: None)
    reports.write_html(make_report(), page)
    monkeypatch.setattr(reports.shutil, "which", lambda name, *a, **k: "/usr/bin/true")
    assert reports.write_html(make_report(), page) is True
    assert drawings["n"] == 2


def test_a_course_exercise_module_is_in_the_key(tmp_path):
    ex = kit()["engine.add"]
    runner = tmp_path / "runner.py"
    runner.write_text("def run(mods, case, ref):\n    return {}\n")
    own = dataclasses.replace(ex, id="engine.own", runner=(str(runner),))
    files = reports._drawing_files([own])
    assert runner in files


def test_pictures_are_computed_only_when_the_page_is_drawn(tmp_path, monkeypatch):
    """check --html leaves train.loop's boundary grid for later: a page reused computes none, a page
    drawn again has it; what the grid is computed from (the student's values) is in the page's key."""
    from grader.pipeline import check
    from grader.pipeline.sandbox import RunOutcome
    from grader.config import Settings

    loop = kit()["train.loop"]
    case = loop.cases()[0]
    want = loop.reference(case)
    computed = {"n": 0}
    real = check._pictures

    def counting(*args):
        computed["n"] += 1
        return real(*args)

    monkeypatch.setattr(check, "_pictures", counting)

    def graded(losses):
        outcome = RunOutcome("train.loop", results={0: {"losses": losses, "params": want["params"]}})
        result = check.score_test("train.loop", [(case, False)], outcome, [want], [None], Settings(), 6,
                                  pictures="later")
        return Report(submission="s", tests=[result], score=result.score, max_score=6.0)

    page = tmp_path / "report.html"
    first = graded(want["losses"][::-1])
    assert computed["n"] == 0  # grading alone computes no picture
    assert reports.write_html(first, page, extra_key=check.pictures_key(first), complete=check.add_pictures)
    assert computed["n"] == 1 and "boundary" in first.tests[0].detail
    again = graded(want["losses"][::-1])
    assert not reports.write_html(again, page, extra_key=check.pictures_key(again), complete=check.add_pictures)
    assert computed["n"] == 1  # reused: no grid computed
    other = graded(want["losses"][::-1])
    other.tests[0].pictures_later[1].got["params"] = [p + 1.0 for p in want["params"]]
    assert reports.write_html(other, page, extra_key=check.pictures_key(other), complete=check.add_pictures)
    assert computed["n"] == 2
