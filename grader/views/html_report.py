"""The HTML report: the terminal table's richer twin, one self-contained page built from a Report.

Failing engine cases show their computation graph with the wrong nodes marked, nn cases a table
of outputs and gradients, train.loop the loss curves and the trained model's decision boundary.
Pictures are inline SVG; the page loads nothing from anywhere.
"""
import dataclasses
import json
import re

import graphviz
import jinja2

from grader import escape
from grader.views import report_graphs
from grader.pipeline.compare import LABELS
from grader.exercises import kit
from grader.paths import TEMPLATES, score_text
from grader.views.summary import STATUS_WORD, everything_graded
from grader.views.report_graphs import differs, show

MAX_ROWS = 40  # a values table longer than this keeps only the rows that differ


@dataclasses.dataclass
class Row:
    """One number of a failing case: what was expected, what PyTorch said, what came back."""

    name: str
    expected: str
    torch: str
    got: str
    wrong: bool


def render(report, registry=None):
    """The report as one self-contained HTML page (every string escaped, and cleaned of control
    and bidirectional characters first). `registry`: the exercises the report's test ids come from
    (default: the kit's own)."""
    report = escape.cleaned(report)
    registry = registry or kit()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    drawing = {"dot_missing": False, "plots_missing": False}
    sections = [_section(t, drawing, k, registry) for k, t in enumerate(report.tests) if _has_section(t)]
    counts = {s: sum(1 for t in report.tests if t.status == s) for s in ("passed", "failed", "error", "not_attempted")}
    return env.get_template("report.html").render(
        report=report, sections=sections, counts=counts, drawing=drawing,
        everything=everything_graded(report),
        todo=[t.id for t in report.tests if t.status == "not_attempted"],
        install_graphviz=report_graphs.INSTALL_GRAPHVIZ, anchor=_anchor,
        num=score_text, status_word=STATUS_WORD,
        wrong_grad=report_graphs.WRONG_GRAD, wrong_data=report_graphs.WRONG_DATA)


def _has_section(t):
    if t.status == "not_attempted":
        return False
    return t.status != "passed" or bool(t.warnings) or bool(t.detail)


def _anchor(test_id):
    return "t-" + test_id.replace(".", "-")


def _section(t, drawing, k, registry):
    """Everything the page shows below the table for one test id."""
    shown = _shown_failure(t)
    others = [f for f in t.failures if not t.failure or f.case != t.failure.case]
    section = {"test": t, "anchor": _anchor(t.id), "failure": t.failure, "shown": shown,
               "others": others[:8], "more_failures": max(0, len(others) - 8), "graph": None, "inputs": [],
               "rows": [], "rows_note": "", "curves": None, "boundary": None, "pictured": None}
    if shown is not None:
        section["inputs"] = case_inputs(t.id, shown.inputs, registry)
        if ((t.detail or {}).get("graph") or {}).get("case") == shown.case:
            section["graph"] = _graph(t, shown, drawing, k)
        if shown.expected:
            section["rows"], section["rows_note"] = value_rows(t.id, shown, registry)
    if t.detail and (t.detail.get("case") or {}).get("split") is not None:
        number = t.detail.get("number")
        section["pictured"] = number if isinstance(number, int) and not isinstance(number, bool) else None
        _loop_pictures(section, t, drawing, k)
    return section


def _shown_failure(t):
    """The failing case to picture: the first one whose inputs the student may see."""
    for f in [t.failure] + list(t.failures):
        if f is not None and f.inputs:
            return f
    return None


# ---------------------------------------------------------------------------------------------
# pictures

def _graph(test, failure, drawing, k):
    graph = report_graphs.recorded_graph(test, failure)
    if graph is None:
        return {"svg": None, "text": None, "wrong": [],
                "why": "This graph is too big to draw; its size is in the case's description."}
    svg = None
    if not drawing["dot_missing"]:
        try:
            svg = report_graphs.as_svg(graph)
        except graphviz.ExecutableNotFound:
            drawing["dot_missing"] = True
        except Exception:  # a record the drawing cannot read (one stored before it held "local"): listed as text
            svg = None
    return {"svg": _inline(svg, f"g{k}") if svg else None,
            "text": None if svg else report_graphs.as_text(graph), "wrong": graph.wrong, "why": ""}


def _loop_pictures(section, t, drawing, k):
    detail = t.detail or {}
    if not detail or drawing["plots_missing"]:
        return
    try:
        from grader.views import report_plots
        import matplotlib  # noqa: F401  (the plots group; its absence is said on the page)
    except ImportError:
        drawing["plots_missing"] = True
        return
    if any(detail.get(key) for key in ("student", "reference", "torch")):
        section["curves"] = _inline(report_plots.loss_curves(detail), f"c{k}")
    case = detail.get("case") or {}
    boundary = detail.get("boundary")
    # recorded by the pipeline when an HTML report was asked for (check --html), else not drawn
    panels = boundary.get("panels") if isinstance(boundary, dict) else None
    if case.get("split") and isinstance(panels, list) and any(isinstance(p, dict) for p in panels):
        section["boundary"] = _inline(report_plots.decision_boundaries(case, boundary), f"b{k}")


def _inline(svg, prefix):
    """An SVG ready to sit in the page: ids made unique to it, references to them kept."""
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    return re.sub(r'(href="#|url\(#)', rf"\g<1>{prefix}-", svg)


# ---------------------------------------------------------------------------------------------
# tables

def case_inputs(test_id, case, registry=None):
    """(name, value) rows saying what a case ran on, the upstream gradient included: the exercise's
    own rows, or one per input."""
    registry = registry or kit()
    if test_id in registry and registry[test_id].inputs is not None:
        return registry[test_id].inputs(case)
    return [(key, _compact(value)) for key, value in case.items()]


def _compact(value):
    text = json.dumps(value)
    return text if len(text) <= 160 else text[:157] + "..."


def value_rows(test_id, failure, registry=None):
    """The rows of a failing case's values table, and a note when only the differing rows are kept."""
    registry = registry or kit()
    exercise = registry[test_id] if test_id in registry else None
    want, got, torch = failure.expected, failure.got or {}, failure.torch or {}
    rows = []
    for key, w in want.items():
        if exercise is not None and key in exercise.withheld:
            continue  # a picture shows them (train.loop's decision boundary)
        g = got.get(key)
        if isinstance(w, str):  # a check the child ran itself: '' means fine
            if g:
                rows.append(Row(_label(exercise, key, (), failure.inputs), "passes", "", str(g), True))
            continue
        for index, wv in _flatten(w):
            gv, tv = _at(g, index), _at(torch.get(key), index)
            wrong = failure.got is not None and differs(gv, wv)
            rows.append(Row(_label(exercise, key, index, failure.inputs), show(wv),
                            "" if tv is None else show(tv),
                            "—" if failure.got is None else ("missing" if gv is None else show(gv)), wrong))
    note = ""
    if len(rows) > MAX_ROWS:
        kept = [r for r in rows if r.wrong][:MAX_ROWS]
        note = f"{len(kept)} of {len(rows)} values differ; only those are listed."
        rows = kept
    return rows, note


def _flatten(value, index=()):
    if isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flatten(v, index + (i,))
    else:
        yield index, value


def _at(value, index):
    for i in index:
        if not isinstance(value, list) or i >= len(value):
            return None
        value = value[i]
    return value


def _label(exercise, key, index, case):
    """A row's name, as the student's code would spell the value: the exercise's name for it, else
    the generic one."""
    own = exercise.label(key, index, case) if exercise is not None else None
    if own:
        return own
    i = index[0] if index else None
    if key == "out":
        return "out.data" if i is None else f"out[{i}].data"
    if key == "steps":
        return f"after step {i + 1}: p[{index[1]}]"
    if key == "losses":
        return f"loss at step {i + 1}"
    return LABELS.get(key, key) + "".join(f"[{j}]" for j in index)
