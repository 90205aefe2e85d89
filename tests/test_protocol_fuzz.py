"""Property: whatever a child sends, the parent reads it, scores it and writes every report.

Hypothesis feeds `_interpret` arbitrary event streams (garbage bytes, JSON of any shape, the
child's own events with values of any type, mutated copies of a valid run), then scores the
outcome and renders it in every format. A report must always come out, the JSON one valid
against grader/data/report.schema.json, a text report free of escape sequences, and a run that
broke the protocol must score 0.
"""
import functools
import json

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.integrations import notebook_grading, pytest_plugin
from grader.pipeline import check
from grader.views import reports
from grader.config import Settings
from grader.results import SCHEMA_PATH, Report
from grader.pipeline.sandbox import Limits, RunOutcome, _interpret

TEST_IDS = ["engine.tanh", "engine.add", "engine.backward", "nn.layer", "nn.mlp", "train.cross_entropy",
            "train.adamw", "train.loop"]
SCHEMA = json.loads(SCHEMA_PATH.read_text())
NASTY = ["\x1b[2J\x1b[H", "All tests pass", "[bold red]x[/bold red]", "[/]", "\u202e", "\r\x08", "\x9b31m",
         "<script>alert(1)</script>", "=1+1", "\x00", "é", "\x1b]0;title\x07"]


@functools.cache
def graded_cases(test_id, hidden):
    """The cases of `test_id` and their expected values (hidden ones drawn from a fixed seed)."""
    cases = check.build_cases(test_id, hidden_seed=5 if hidden else None)
    return cases, [check._safe_expect(test_id, c) for c, _ in cases]


texts = st.one_of(st.text(max_size=40), st.sampled_from(NASTY),
                  st.lists(st.sampled_from(NASTY), max_size=4).map("".join))
floats = st.floats(allow_nan=True, allow_infinity=True)
tagged = st.fixed_dictionaries({"not_a_number": texts, "repr": texts})
number = st.one_of(floats, tagged)
numbers = st.one_of(st.lists(number, max_size=12), tagged)
anything = st.recursive(st.none() | st.booleans() | floats | st.integers() | texts,
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
                        max_leaves=12)


# the fields the child sends for each test id (grader/pipeline/child.py), written out here independently
FIELDS = {
    "engine.tanh": {"out": "number", "grads": "numbers"}, "engine.add": {"out": "number", "grads": "numbers"},
    "engine.backward": {"grads": "numbers", "calls": "calls"},
    "nn.layer": {"out": "numbers", "grads": "numbers", "order": "text"},
    "nn.mlp": {"out": "numbers", "grads": "numbers", "order": "text", "zero_grad": "text"},
    "train.cross_entropy": {"out": "number", "grads": "numbers"},
    "train.adamw": {"steps": "steps", "zero_grad": "text"},
    "train.loop": {"losses": "numbers", "params": "numbers"},
}
KINDS = {"number": number, "numbers": numbers, "text": texts, "calls": st.lists(st.integers(0, 40), max_size=30),
         "steps": st.lists(numbers, max_size=4)}


@st.composite
def case_values(draw, test_id, want, wild):
    """A case's values: the expected ones (a pass), the expected ones with one entry changed, values of
    the right shape, and when `wild`, a structure message or anything at all."""
    how = draw(st.sampled_from(["expected", "nudged", "nudged", "shaped", "shaped"]
                               + (["structure", "anything"] if wild else [])))
    fields = FIELDS[test_id]
    if how in ("expected", "nudged") and isinstance(want, dict):
        values = json.loads(json.dumps({k: want.get(k, [] if k == "calls" else "") for k in fields}))
        if how == "nudged":
            key = draw(st.sampled_from(sorted(fields)))
            if isinstance(values[key], list) and values[key]:
                values[key][draw(st.integers(0, len(values[key]) - 1))] = draw(number)
            else:
                values[key] = draw(KINDS[fields[key]])
        return values
    if how in ("shaped", "expected", "nudged"):
        return {k: draw(KINDS[kind]) for k, kind in fields.items()}
    if how == "structure":
        return {"structure": draw(texts)}
    return draw(anything)


@st.composite
def streams(draw):
    """(test_id, hidden, lines, returncode, timed_out): what one child might have sent."""
    test_id = draw(st.sampled_from(TEST_IDS))
    hidden = draw(st.booleans())
    cases, want = graded_cases(test_id, hidden)
    n = len(cases)
    wild = draw(st.integers(0, 3)) == 0
    events = [{"event": "ready"}]
    for i in range(n):
        events.append({"event": "start", "case": i})
        if draw(st.integers(0, 3)):
            events.append({"event": "result", "case": i, "values": draw(case_values(test_id, want[i], wild))})
        else:
            events.append({"event": "error", "case": i, "type": draw(st.sampled_from(
                ["ValueError", "NotImplementedError", "RecursionError", "SystemExit", "MemoryError", "Ev1l"])),
                "message": draw(texts), "where": draw(texts)})
    events.append({"event": "done"})
    lines = [json.dumps(e, allow_nan=True).encode() for e in events]
    # then mutate: cut it short, drop, duplicate or swap events, or insert forged lines anywhere
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        how = draw(st.sampled_from(["cut", "drop", "dup", "swap", "insert", "garbage"]))
        k = draw(st.integers(0, max(0, len(lines) - 1)))
        if how == "cut":
            lines = lines[:k]
        elif how == "drop" and lines:
            del lines[k]
        elif how == "dup" and lines:
            lines.insert(k, lines[k])
        elif how == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[j] = lines[j], lines[k]
        elif how == "insert":
            forged = draw(st.one_of(
                st.fixed_dictionaries({"event": st.sampled_from(["ready", "start", "result", "error", "import_error",
                                                                  "tamper", "done", "other"])},
                                      optional={"case": st.one_of(st.integers(-2, n + 2), anything),
                                                "values": anything, "what": anything, "type": anything,
                                                "message": anything, "where": anything}),
                anything))
            lines.insert(k, json.dumps(forged, allow_nan=True).encode())
        elif how == "garbage":
            lines.insert(k, draw(st.one_of(st.binary(max_size=60), st.sampled_from(
                [b"[" * 50_000, b'{"event": "start", "case": 1' + b"0" * 5000 + b"}", b'{"event": "done"',
                 b"\xff\xfe\x00", b'{"event": "error", "case": 0, "type": "\\ud800", "message": "", "where": ""}',
                 b"NaN", b'{"event": "start", "case": NaN}', b'{"event": "ready", "event": "done"}']))))
    returncode = draw(st.sampled_from([0, 1, -9, -11, -24, None]))
    return test_id, hidden, lines, returncode, draw(st.booleans())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(streams())
def test_any_stream_gives_a_valid_report_in_every_format(stream):
    test_id, hidden, lines, returncode, timed_out = stream
    cases, want = graded_cases(test_id, hidden)
    outcome = RunOutcome(test_id, output="printed \x1b[2J" + NASTY[2])
    _interpret(outcome, list(lines), returncode, timed_out, len(cases), Limits())
    result = check.score_test(test_id, cases, outcome, want, [None] * len(cases),
                              Settings(hidden_seed=5 if hidden else None), 3)
    if outcome.status == "protocol":
        assert result.score == 0 and result.breach == "protocol"
    report = Report(submission="sub\x1b[31m[bold]", tests=[result], score=result.score, max_score=3.0, hidden=hidden)
    data = json.loads(reports.render(report, "json"))
    jsonschema.validate(data, SCHEMA)
    for text in (reports.render(report, "text", color=False), reports.render(report, "gradescope"),
                 notebook_grading.feedback(result, hidden=hidden), pytest_plugin.feedback(result)):
        assert "\x1b" not in text and "\u202e" not in text and "\r" not in text


# the HTML report draws graphs with graphviz for engine cases: slower, so fewer examples
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(streams())
def test_any_stream_gives_an_html_report(stream):
    test_id, hidden, lines, returncode, timed_out = stream
    cases, want = graded_cases(test_id, hidden)
    outcome = RunOutcome(test_id)
    _interpret(outcome, list(lines), returncode, timed_out, len(cases), Limits())
    result = check.score_test(test_id, cases, outcome, want, [None] * len(cases),
                              Settings(hidden_seed=5 if hidden else None), 3)
    report = Report(submission="<script>x</script>", tests=[result], score=result.score, max_score=3.0, hidden=hidden)
    page = reports.render(report, "html")
    assert "<script>" not in page and "\x1b" not in page


def test_a_loop_failing_only_in_hidden_cases_gives_an_html_report():
    """Found by the property above: train.loop's public cases pass and only hidden ones raise, so no
    failing case may be pictured, yet the result still carries the first public case's curves. The
    pictures are headed by the case they show (the first public one), not by a failing case."""
    cases, want = graded_cases("train.loop", True)
    public = [i for i, (case, hidden) in enumerate(cases) if not hidden]
    assert public == [0, 1] and len(cases) > 2
    events = [{"event": "ready"}]
    for i in range(len(cases)):
        events.append({"event": "start", "case": i})
        events.append({"event": "result", "case": i, "values": {k: want[i][k] for k in ("losses", "params")}}
                      if i in public else {"event": "error", "case": i, "type": "ValueError", "message": "",
                                           "where": ""})
    events.append({"event": "done"})
    outcome = RunOutcome("train.loop")
    _interpret(outcome, [json.dumps(e).encode() for e in events], 0, False, len(cases), Limits())
    result = check.score_test("train.loop", cases, outcome, want, [None] * len(cases), Settings(hidden_seed=5), 3)
    assert result.status == "failed" and result.passed == len(public)
    assert all(not f.inputs for f in result.failures)  # only hidden cases failed: none is shown
    report = Report(submission="s", tests=[result], score=result.score, max_score=3.0, hidden=True)
    page = reports.render(report, "html")
    assert "<h3>Training: case 1</h3>" in page
