"""Hostile submissions against the parent side of grading: what comes back from a child, and the reports.

Each attack is real student code graded by the real grader where the attack comes from student
code, or a forged byte stream handed to `_interpret` directly. The defended outcome:
- a child's forged or malformed events never crash the parent: that test id is marked tampered
  (breach "protocol") and scores 0, the submission's other test ids are graded as usual;
- on tests with hidden cases, no hidden input and nothing the student's code raised, printed or
  returned appears in any report (text, JSON, Gradescope, HTML, nbgrader and pytest feedback);
- no escape sequence or control character from student text reaches a terminal or text report,
  rich markup in it is shown as written, and no CSV cell starts a formula;
- `batch` never reuses a result made under other settings, by another kit, or under tampering.
"""
import csv
import dataclasses
import io
import json
import os
import pathlib
import shutil
import textwrap
import threading

import pytest

from grader import escape
from grader.classroom import batch
from grader.integrations import notebook_grading, pytest_plugin
from grader.pipeline import check
from grader.views import reports
from grader.pipeline import cases as case_lib
from grader.config import Settings
from grader.results import Report
from grader.pipeline.sandbox import FLOOD, Limits, RunOutcome, _exchange, _interpret
from tests.classroom import copy_solutions

SETTINGS = Settings(limits=Limits(wall=30.0, cpu=20.0))  # under load; none of these tests is about limits
ADD = "other.grad += out.grad"  # the last line of engine.add's _backward in the answer key
TANH = "self.grad += (1 - t**2) * out.grad"
FORMATS = ("text", "json", "gradescope", "html")


def student(folder, code, line=ADD, file="engine.py", keep=True):
    """The answer key with `code` (a block of Python) put in place of `line`, which is kept after
    the code when `keep`; indented like the line it replaces."""
    copy_solutions(folder)
    path = pathlib.Path(folder) / file
    lines = path.read_text().splitlines(keepends=True)
    hits = [i for i, x in enumerate(lines) if x.strip() == line]
    assert len(hits) == 1, f"{line!r} is not on exactly one line of {file}: the answer key changed"
    indent = lines[hits[0]][: len(lines[hits[0]]) - len(lines[hits[0]].lstrip())]
    block = textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", indent)
    lines[hits[0]] = block + (lines[hits[0]] if keep else "")
    path.write_text("".join(lines))
    return pathlib.Path(folder)


def forge(payload, then_exit=False):
    """Student code writing `payload` (bytes, or Python code that makes them) to the grader's
    results pipe (the one FIFO among its fds)."""
    exit_line = "os._exit(0)" if then_exit else ""
    payload = payload if isinstance(payload, str) else repr(payload)
    return f"""
        import os, stat
        for fd in range(3, 256):
            try:
                if stat.S_ISFIFO(os.fstat(fd).st_mode):
                    data = {payload}
                    while data:
                        data = data[os.write(fd, data):]
            except OSError:
                pass
        {exit_line}
    """


def all_views(report):
    """Every rendering of `report` a person might read, joined."""
    out = [reports.render(report, fmt, color=False) for fmt in FORMATS]
    out.append(reports.render(report, "text", color=True))
    for t in report.tests:
        out += [notebook_grading.feedback(t, hidden=True), pytest_plugin.feedback(t), "\n".join(reports.feedback_lines(t))]
    return "\n".join(out)


def by_id(report):
    return {t.id: t for t in report.tests}


# ---------------------------------------------------------------------------------------------
# class 8: what a child sends cannot crash the parent; anything off-schema is tampering

FORGED_BY_STUDENT = [
    ("nested JSON", forge(b"[" * 200_000 + b"\n")),
    ("a result whose gradients are a dict, then done", forge(
        b'{"event": "result", "case": 0, "values": {"out": 1.0, "grads": {"a": 1.0}}}\n{"event": "done"}\n', True)),
    ("done before any result", forge(b'{"event": "done"}\n', True)),
    ("a tamper event that names a number", forge(b'{"event": "tamper", "what": 5}\n{"event": "done"}\n', True)),
    ("a flood of 20 MiB", forge("b'x' * (20 << 20)")),
    ("a result for a case that never started", forge(
        b'{"event": "result", "case": 1, "values": {"out": 2.0, "grads": [1.0, 1.0]}}\n')),
]


@pytest.mark.parametrize("name, code", FORGED_BY_STUDENT, ids=[f[0] for f in FORGED_BY_STUDENT])
def test_forged_events_from_student_code_mark_its_part_tampered(tmp_path, name, code):
    report = check.grade(student(tmp_path / "sub", code), ["engine.add", "engine.mul"], SETTINGS)
    add, mul = by_id(report)["engine.add"], by_id(report)["engine.mul"]
    assert add.score == 0 and add.status == "error" and add.breach == "protocol", add.summary
    assert "results channel" in add.summary
    assert mul.score == mul.max_score and not mul.breach  # the rest of the submission is graded as usual
    for fmt in FORMATS:
        assert reports.render(report, fmt)


def stream(*events):
    return [json.dumps(e).encode() if isinstance(e, dict) else e for e in events] + [b""]


def result(case, **values):
    return {"event": "result", "case": case, "values": values or dict(OP_VALUES)}


OP_VALUES = {"out": 0.5, "grads": [1.0], "alive": "", "through": ""}  # what an engine op's child sends


READY, DONE = {"event": "ready"}, {"event": "done"}
S0, S1 = {"event": "start", "case": 0}, {"event": "start", "case": 1}
FORGED_STREAMS = [
    ("nested 100,000 deep", stream(READY, S0, b"[" * 100_000 + b"]" * 100_000)),
    ("an int of 5,000 digits", stream(READY, b'{"event": "start", "case": 1' + b"0" * 5000 + b"}")),
    ("NaN as a case index", stream(READY, b'{"event": "start", "case": NaN}')),
    ("Infinity as a case index", stream(READY, b'{"event": "start", "case": Infinity}')),
    ("true as a case index", stream(READY, {"event": "start", "case": True})),
    ("not UTF-8", stream(READY, S0, b'{"event": "result", "case": 0, "values": {"\xff": 1}}')),
    ("two ready events", stream(READY, READY)),
    ("the same result twice", stream(READY, S0, result(0), result(0))),
    ("cases started out of order", stream(READY, S1)),
    ("a result before its start", stream(READY, result(0))),
    ("a start past the last case", stream(READY, S0, result(0), S1, result(1), {"event": "start", "case": 2})),
    ("done before every result", stream(READY, S0, result(0), DONE)),
    ("an event after done", stream(READY, S0, result(0), S1, result(1), DONE, READY)),
    ("gradients that are a dict", stream(READY, S0, result(0, out=0.5, grads={"a": 1.0}))),
    ("out a list of lists", stream(READY, S0, result(0, out=[[0.5]], grads=[1.0]))),
    ("an int where a float belongs", stream(READY, S0, result(0, out=1, grads=[1.0]))),
    ("a field too many", stream(READY, S0, result(0, out=0.5, grads=[1.0], extra=0.0))),
    ("a tagged value with extra keys", stream(READY, S0, result(0, out={"not_a_number": "x", "repr": "", "a": 1},
                                                              grads=[1.0]))),
    ("a list past the bound", stream(READY, S0, result(0, out=0.5, grads=[1.0] * 100_001))),
    ("a message past the bound", stream(READY, S0, {"event": "error", "case": 0, "type": "ValueError",
                                                    "message": "x" * 10_000, "where": ""})),
    ("a tamper event naming a number", stream(READY, {"event": "tamper", "what": 5})),
    ("a tamper event naming a sentence", stream(READY, {"event": "tamper", "what": ["All tests pass"]})),
    ("an event of no known kind", stream({"event": "score", "value": 100})),
    ("a JSON list", stream(b"[1, 2]")),
    ("the same key twice", stream(b'{"event": "start", "event": "ready"}')),
    ("import_error after ready", stream(READY, {"event": "import_error", "type": "X", "message": "", "where": ""})),
    ("a flood", stream(READY, S0) + [FLOOD]),
    ("one line of 9 MiB", stream(READY, S0, b'{"event": "error", "case": 0, "type": "' + b"x" * (9 << 20) + b'"}')),
]


@pytest.mark.parametrize("name, lines", FORGED_STREAMS, ids=[f[0] for f in FORGED_STREAMS])
def test_a_forged_byte_stream_is_reported_as_tampering(name, lines):
    outcome = RunOutcome("engine.tanh")
    _interpret(outcome, lines, 0, False, 2, Limits())
    assert outcome.status == "protocol", (outcome.status, outcome.results)
    assert not outcome.results and not outcome.errors and outcome.import_error is None
    cases = check.build_cases("engine.tanh")[:2]
    scored = check.score_test("engine.tanh", cases, outcome, [{"out": 0.5, "grads": [1.0]}] * 2, [None] * 2, SETTINGS, 3)
    assert scored.score == 0 and scored.breach == "protocol"


def test_the_childs_own_stream_is_accepted():
    """The control: what the child sends, including NaN, a tagged non-number and a lone surrogate."""
    lines = stream(READY, S0, result(0, out=float("nan"), grads={"not_a_number": "str", "repr": "'x'"}, alive="", through=""),
                   S1, b'{"event": "error", "case": 1, "type": "ValueError", "message": "\\ud800", "where": ""}', DONE)
    outcome = RunOutcome("engine.tanh")
    _interpret(outcome, lines, 0, False, 2, Limits())
    assert outcome.status == "ok" and outcome.results[0]["grads"]["not_a_number"] == "str"
    assert outcome.errors[1]["message"] == "\ufffd"  # a lone surrogate cannot be written out as UTF-8


def test_an_event_cut_short_by_a_kill_is_the_kill_not_tampering():
    lines = stream(READY, S0, result(0), S1)[:-1] + [b'{"event": "result", "case": 1, "values": {"out"']
    killed = RunOutcome("engine.tanh")
    _interpret(killed, lines, -9, False, 2, Limits())
    assert killed.status == "memory" and killed.results == {0: OP_VALUES}
    exited = RunOutcome("engine.tanh")
    _interpret(exited, lines, 0, False, 2, Limits())  # the process ended by itself with half a line: forged
    assert exited.status == "protocol"


def test_a_flood_on_the_pipe_is_cut_and_reported():
    read_fd, write_fd = os.pipe()

    def flood():
        chunk = b"x" * (1 << 20)
        try:
            for _ in range(40):
                os.write(write_fd, chunk)
        except OSError:
            pass
        finally:
            os.close(write_fd)

    writer = threading.Thread(target=flood)
    writer.start()
    import time

    cases_r, cases_w = os.pipe()  # the job waits unread in the pipe: the child here only floods
    out_r, out_w = os.pipe()
    os.close(out_w)
    lines, timed_out, _, _ = _exchange(read_fd, cases_w, out_r, {}, [], time.monotonic() + 60, 1024)
    os.close(cases_r)
    writer.join()
    assert lines[-1] is FLOOD and not timed_out
    outcome = RunOutcome("engine.add")
    _interpret(outcome, lines, 0, False, 2, Limits())
    assert outcome.status == "protocol"


# ---------------------------------------------------------------------------------------------
# class 9: hidden cases leak nothing

HIDDEN_SEED = 4321


def hidden_numbers(test_id):
    """The hidden cases' input numbers as they could be written: repr and 6 significant digits."""
    found = set()
    for case in case_lib.case_list(test_id, seed=HIDDEN_SEED, hidden=True):
        for value in case.values():
            if isinstance(value, float) and len(repr(abs(value))) >= 7:  # drawn, not hand-picked like 0.5
                found |= {repr(abs(value)), f"{abs(value):.6g}"}
    assert len(found) > 10
    return found


LEAKS = [
    ("raising its inputs", "raise ValueError(f'LEAKED a={self.data!r} g={out.grad!r} ga={self.grad!r}')", False),
    ("printing its inputs", "print('LEAKED a =', self.data, 'g =', out.grad, 'ga =', self.grad)", True),
    ("returning its input as the gradient", "self.grad = self.data\nreturn", True),
    ("raising the case list it found in the grader's frames", """
        import sys
        f = sys._getframe()
        while f is not None and not isinstance(f.f_locals.get("job"), dict):
            f = f.f_back
        raise ValueError("LEAKED " + (repr(f.f_locals["job"]["cases"]) if f is not None else "not found"))
    """, False),
    ("an exception class named after its input", "raise type('E' + repr(self.data).replace('.', '_').replace('-', 'm'),"
                                                 " (Exception,), {})()", False),
]


@pytest.mark.parametrize("name, code, keep", LEAKS, ids=[x[0] for x in LEAKS])
def test_hidden_inputs_appear_in_no_report(tmp_path, name, code, keep):
    sub = student(tmp_path / "sub", code, line=TANH, keep=keep)
    report = check.grade(sub, ["engine.tanh"], dataclasses.replace(SETTINGS, hidden_seed=HIDDEN_SEED))
    (tanh,) = report.tests
    assert tanh.hidden_cases > 0
    text = all_views(report)
    leaked = {x for x in hidden_numbers("engine.tanh") if x in text}
    leaked |= {x.replace(".", "_") for x in hidden_numbers("engine.tanh") if x.replace(".", "_") in text}
    assert not leaked, leaked
    assert "LEAKED" not in text  # nothing it printed or raised
    hidden = [f for f in tanh.failures if f.description.startswith("hidden case")]
    if tanh.score < tanh.max_score:
        assert hidden and all(f.got is None and f.inputs == {} and f.expected is None and not f.where for f in hidden)
        assert all(f.problem for f in hidden)  # still says how: the exception's type, or a wrong value


def test_a_training_loop_that_returns_its_hidden_data_shows_none_of_it(tmp_path):
    sub = student(tmp_path / "sub", "return [p for x, y in train_split for p in x]", line="losses = []",
                  file="train.py")
    report = check.grade(sub, ["train.loop"], dataclasses.replace(SETTINGS, hidden_seed=HIDDEN_SEED))
    (loop,) = report.tests
    assert loop.score == 0 and loop.hidden_cases > 0
    assert loop.detail and loop.detail["student"] is None  # the curves keep the reference's and PyTorch's only
    text = all_views(report)
    points = {x for case in case_lib.case_list("train.loop", seed=HIDDEN_SEED, hidden=True) for (xy, _) in case["split"]
              for x in xy}
    assert len(points) > 10
    leaked = {x for x in points if repr(x) in text or f"{x:.6g}" in text}
    assert not leaked, leaked


def test_hidden_failures_still_say_how_they_failed(tmp_path):
    sub = student(tmp_path / "sub", "raise ZeroDivisionError('secret 0.671891')", line=TANH)
    (tanh,) = check.grade(sub, ["engine.tanh"], dataclasses.replace(SETTINGS, hidden_seed=HIDDEN_SEED)).tests
    assert tanh.score == 0
    assert all("ZeroDivisionError" in f.problem and "secret" not in f.problem for f in tanh.failures)
    wrong = student(tmp_path / "wrong", "self.grad += (1 - t) * out.grad", line=TANH, keep=False)
    (tanh,) = check.grade(wrong, ["engine.tanh"], dataclasses.replace(SETTINGS, hidden_seed=HIDDEN_SEED)).tests
    hidden = [f for f in tanh.failures if f.description.startswith("hidden case")]
    assert hidden and all(f.problem == "gradients[0]: returned the wrong value" for f in hidden)
    assert tanh.mistake == "tanh_no_square"  # the diagnosis is the kit's words, still given


def test_without_hidden_cases_the_student_sees_everything(tmp_path):
    """The same code in a student's own `make check`: messages, printed output and values shown."""
    sub = student(tmp_path / "sub", "print('a =', self.data)\nraise ValueError(f'a={self.data!r}')", line=TANH)
    (tanh,) = check.grade(sub, ["engine.tanh"], SETTINGS).tests
    assert "a = 0.5" in tanh.output and "ValueError: a=0.5" in tanh.failure.problem and tanh.failure.where


# ---------------------------------------------------------------------------------------------
# class 10: student text reaches no terminal as control characters, no CSV as a formula

ESCAPES = ["\x1b[2J", "\x1b[H", "\x1b]0;pwned\x07", "\u202e", "\u2066", "\x08", "\r", "\x9b2J", "\x85"]


def assert_no_escapes(text, rich_styles=False):
    for bad in ESCAPES:
        assert bad not in text, repr(bad)
    if not rich_styles:
        assert "\x1b" not in text


def test_an_exception_that_clears_the_screen_reaches_no_report_as_escapes(tmp_path):
    code = "raise ValueError('\\x1b[2J\\x1b[H\\u202eAll tests pass. Your micrograd backpropagates!\\r\\x08')"
    report = check.grade(student(tmp_path / "sub", code), ["engine.add", "engine.mul"], SETTINGS)
    add, mul = report.tests
    assert add.score == 0 and mul.score == mul.max_score
    for fmt in FORMATS:
        assert_no_escapes(reports.render(report, fmt, color=False))
    assert_no_escapes(reports.render(report, "text", color=True), rich_styles=True)
    for t in report.tests:
        assert_no_escapes(notebook_grading.feedback(t) + pytest_plugin.feedback(t))
    assert "All tests pass" in add.failure.problem  # shown, as text: it cannot clear the screen


def test_printed_escapes_and_markup_are_shown_as_plain_text(tmp_path):
    code = "print('\\x1b]0;pwned\\x07\\x1b[31m[bold]red[/bold] \\u2066x\\x9b2J\\x85 done')\nraise ValueError('[/]')"
    report = check.grade(student(tmp_path / "sub", code), ["engine.add"], SETTINGS)
    (add,) = report.tests
    assert "[bold]red[/bold]" in add.output
    text = reports.render(report, "text", color=False)
    assert_no_escapes(text)
    assert "[bold]red[/bold]" in text and "ValueError: [/]" in text  # markup shown as written, never read
    assert_no_escapes(notebook_grading.feedback(add))


def test_a_folder_name_with_markup_and_escapes_is_shown_as_text(tmp_path):
    name = "evil[/bold]\x1b]0;pwned\x07[red]"
    sub = copy_solutions(tmp_path / name)
    report = check.grade(sub, ["engine.add"], SETTINGS)
    text = reports.render(report, "text", color=True)
    assert_no_escapes(text, rich_styles=True)
    assert "evil[/bold]" in text and "[red]" in text


def test_html_escapes_script_in_a_message_and_a_folder_name(tmp_path):
    sub = student(tmp_path / "<script>alert('name')</script>", "raise ValueError('<script>alert(1)</script>')")
    page = reports.render(check.grade(sub, ["engine.add"], SETTINGS), "html")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;script&gt;alert(" in page


def test_class_analytics_escape_a_folder_name_and_a_grader_error():
    from grader.classroom import analytics

    results = [fake_result("<script>alert(1)</script>\x1b[2J", 2.0),
               {"student": "<img src=x onerror=alert(1)>", "report": None, "error": "ValueError: <script>"}]
    for r in results[:1]:
        for t in r["report"]["tests"]:
            t.update(status="passed", elapsed=0.1, title="", summary="")
        r["report"].update(max_score=28.0, elapsed=1.0)
    page = analytics.render(results)
    assert "<script>" not in page and "<img" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1",
            " =1", "=cmd|' /C calc'!A0"]


def gradebook_rows(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def fake_result(name, score):
    tests = [{"id": t, "score": score, "max_score": 2.0} for t in batch.TEST_IDS]
    return {"student": name, "report": {"tests": tests, "score": score * len(tests)}}


def test_csv_cells_never_start_a_formula_and_numbers_stay_numbers():
    text = batch.csv_text([fake_result(n, 2.0) for n in FORMULAS] + [fake_result("alice", 1.5)])
    header, rows = gradebook_rows(text)
    assert header == ["student", *batch.TEST_IDS, "total"]
    for row in rows:
        assert not row[0].lstrip(" \t\r\n").startswith(("=", "+", "-", "@")), row[0]
        assert [float(x) for x in row[1:]]  # scores are numbers, not text
    assert [r[0] for r in rows][:2] == ["'" + FORMULAS[0], "'+1+1"]
    assert rows[-1][0] == "alice" and rows[-1][-1] == f"{1.5 * len(batch.TEST_IDS):g}"  # 1.5 per test id


def test_escape_cleans_every_kind_of_control():
    assert escape.clean("a\x1b[2J\x1b[1;31mb\x1b]8;;http://x\x1b\\c\x07d\x9b1me\u202ef\x00g\ud800h\ni\tj") == "abcdefgh\ni\tj"
    assert escape.csv_cell(-3.5) == -3.5 and escape.csv_cell("a=b") == "a=b"


def test_batch_progress_lines_print_folder_names_without_escapes(capsys):
    progress = batch._Progress(1)
    with progress as update:
        update({"student": "\x1b[2Jmallory\x1b]0;x\x07", "report": {"score": 1, "max_score": 2}, "elapsed": 0.1})
    err = capsys.readouterr().err
    assert "mallory" in err and "\x1b" not in err


@pytest.mark.slow
def test_batch_gradebook_of_a_class_with_a_formula_for_a_name(tmp_path):
    klass = tmp_path / "class"
    copy_solutions(klass / '=HYPERLINK("evil.example","x")')
    copy_solutions(klass / "classmate")
    out = tmp_path / "grades.csv"
    results, _ = batch.grade_class(klass, out, SETTINGS, workers=1)
    header, rows = gradebook_rows(out.read_text())
    names = [r[0] for r in rows]
    assert names[0].startswith("'=HYPERLINK") and names[1] == "classmate"
    full = sum(SETTINGS.points.values())
    assert [float(r[-1]) for r in rows] == [full, full]  # the classmate and the attacker, both graded as usual


# ---------------------------------------------------------------------------------------------
# class 11: resume trusts nothing stale

CHANGES = {
    "run_as": {"run_as": "nobody"}, "python": {"python": "/usr/bin/python3"}, "hidden seed": {"hidden_seed": 7},
    "deep recursion": {"deep_recursion": "fail"}, "rel tolerance": {"rel_tol": 1e-3}, "abs tolerance": {"abs_tol": 1e-3},
    "wall limit": {"limits": Limits(wall=1.0)}, "memory limit": {"limits": Limits(memory=1 << 28)},
    "cpu limit": {"limits": Limits(cpu=1.0)}, "output limit": {"limits": Limits(output=1 << 10)},
    "a section other tools read": {"extra": {"batch": {"confinement": "none"}}},
    "points": {"points": {**Settings().points, "engine.add": 99}},
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_setting_that_affects_a_grade_or_its_safety_changes_the_cache_key(change):
    base = Settings()
    assert batch.settings_hash(dataclasses.replace(base, **change)) != batch.settings_hash(base)


def test_the_number_of_children_does_not_change_the_cache_key():
    assert batch.settings_hash(dataclasses.replace(Settings(), jobs=1)) == batch.settings_hash(Settings(jobs=3))


def test_the_kits_code_is_part_of_the_cache_key(tmp_path, monkeypatch):
    for folder in ("grader", "micrograd_ref"):
        shutil.copytree(batch.KIT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(batch, "KIT_ROOT", tmp_path)
    before = batch.kit_hash.__wrapped__()
    with open(tmp_path / "grader" / "pipeline" / "compare.py", "a") as f:
        f.write("\nREL_TOL = 0.5\n")
    assert batch.kit_hash.__wrapped__() != before


def stored_result(student_dir, results_dir, breach):
    tests = [{"id": "engine.add", "score": 2.0, "max_score": 2.0, "status": "passed", "breach": breach}]
    data = {"version": batch.RESULT_VERSION, "student": student_dir.name, "files": batch.files_hash(student_dir),
            "settings": batch.settings_hash(SETTINGS), "report": {"tests": tests, "score": 2.0}, "error": None}
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"{student_dir.name}.json").write_text(json.dumps(data))


@pytest.mark.parametrize("breach", ["tamper", "protocol"])
def test_a_result_made_under_tampering_is_never_reused(tmp_path, breach):
    honest, cheat = copy_solutions(tmp_path / "honest"), copy_solutions(tmp_path / "cheat")
    stored_result(honest, tmp_path / "grades", "")
    stored_result(cheat, tmp_path / "grades", breach)
    work = batch.plan([honest, cheat], tmp_path / "grades", SETTINGS)
    assert [s.name for s in work.todo] == ["cheat"] and [r["student"] for r in work.reused] == ["honest"]


@pytest.mark.slow
def test_resume_grades_a_tampering_student_again(tmp_path):
    klass = tmp_path / "class"
    copy_solutions(klass / "honest")
    student(klass / "cheat", "import math\nmath.tanh = lambda x: 0.0", line="import math", file="engine.py")
    out = tmp_path / "grades.csv"
    results, graded = batch.grade_class(klass, out, SETTINGS, workers=1)
    cheat = next(r for r in results if r["student"] == "cheat")
    assert {t["breach"] for t in cheat["report"]["tests"] if t["id"].startswith("engine.")} == {"tamper"}
    _, graded = batch.grade_class(klass, out, SETTINGS, workers=1)
    assert [r["student"] for r in graded] == ["cheat"]
    # a safer user to run student code as (with an interpreter that user can read): everyone again
    changed = dataclasses.replace(SETTINGS, run_as="nobody", python="/usr/bin/python3")
    _, graded = batch.grade_class(klass, out, changed, workers=1)
    assert sorted(r["student"] for r in graded) == ["cheat", "honest"]


def test_a_report_with_a_breach_keeps_it_in_its_published_shape():
    t = check.score_test("engine.add", check.build_cases("engine.add"), RunOutcome("engine.add", tamper=["math.tanh"]),
                         [None] * 8, [None] * 8, SETTINGS, 2)
    data = json.loads(reports.render(Report("s", [t], 0.0, 2.0), "json"))
    assert data["tests"][0]["breach"] == "tamper" and data["tests"][0]["score"] == 0
