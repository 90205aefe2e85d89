"""Views of a Report: a terminal table, JSON, Gradescope's results (a dict), and `render`, which
gives any format (the HTML page too) as text. Written atomically."""
import dataclasses
import hashlib
import importlib.util
import io
import json
import os
import pathlib
import re
import shutil
import sys

from grader import escape
from grader.atomic import write_atomic
from grader.paths import GRADER, KIT_ROOT, SCHEMA_PATH, score_text
from grader.views.summary import STATUS_STYLE, STATUS_WORD, everything_graded


def text(report, color=None, width=100):
    """The report as a table with the failing cases below it, for a terminal. Every string is
    cleaned of control characters and escape sequences, and none is read as rich markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    report = escape.cleaned(report)
    color = _use_color() if color is None else color
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False)
    def say(line, style=None):
        console.print(escape.rich_text(line, style=style or ""))

    table = Table(title=escape.rich_text(f"micrograd: {report.submission}"), title_justify="left", show_lines=False)
    table.add_column("test")
    table.add_column("score", justify="right")
    table.add_column("", justify="center")
    table.add_column("what happened", overflow="fold")
    for t in report.tests:
        table.add_row(escape.rich_text(t.id), f"{score_text(t.score)}/{score_text(t.max_score)}",
                      Text(STATUS_WORD.get(t.status, "?"), style=STATUS_STYLE.get(t.status, "")),
                      escape.rich_text(t.summary))
    table.add_row("total", f"{score_text(report.score)}/{score_text(report.max_score)}", "", "", style="bold")
    console.print(table)
    origins = {}
    for t in report.tests:
        if getattr(t, "source", ""):
            origins.setdefault(t.id.split(".")[0], []).append(t.source)
    for part, sources in origins.items():
        say(f"{part} graded from {', '.join(dict.fromkeys(sources))}")
    for t in report.tests:
        if t.status == "passed" and not t.warnings:
            continue
        if t.status == "not_attempted":
            continue
        console.print(escape.rich_text(f"\n{t.id}", style="bold"))
        if t.failure:
            f = t.failure
            say(f"  case {f.case}: {f.description}")
            if f.where:
                say(f"  at {f.where}")
            say(f"  {f.problem}")
        if t.title:
            say(f"  likely mistake: {t.title}", "yellow")
        if t.hint:
            say(f"  hint: {t.hint}")
        for w in t.warnings:
            say(f"  warning: {w}", "yellow")
        for e in t.internal_errors:
            say(f"  internal: {e}", "magenta")
        if t.output:
            say("  your code printed:")
            for line in t.output.splitlines()[:5]:
                say(f"    {line}")
    todo = [t.id for t in report.tests if t.status == "not_attempted"]
    if todo:
        say(f"\nnot written yet: {', '.join(todo)}")
    if report.full_marks and everything_graded(report):
        console.print(Text("\nAll tests pass. Your micrograd backpropagates!", style="bold green"))
    elif report.full_marks:
        console.print(Text(f"\nAll tests pass (the {len(report.tests)} graded here; the others were not run).",
                           style="green"))
    if report.torch_check == "unavailable":
        console.print("note: PyTorch's values were not available; checked against the reference only.")
    if report.confinement:
        say(f"sandbox: {report.confinement}")
    return buf.getvalue()


def _use_color():
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def as_json(report):
    """The report's published JSON shape, validated against grader/data/report.schema.json."""
    from grader.schema_check import jsonschema  # here, not at the top: an import of a tenth of a second

    data = escape.cleaned(report).to_dict()
    jsonschema().validate(data, json.loads(SCHEMA_PATH.read_text()))
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def feedback_lines(t):
    """One test's feedback as plain lines (cleaned of control characters): the summary, the first
    failing case, the likely mistake, hints."""
    lines = [t.summary]
    if t.failure and t.status != "not_attempted":  # a stub's summary already carries its message
        lines += [f"case {t.failure.case}: {t.failure.description}", t.failure.problem]
        if t.failure.where:
            lines.append(f"at {t.failure.where}")
    if t.title:
        lines.append(f"likely mistake: {t.title}")
    if t.hint:
        lines.append(f"hint: {t.hint}")
    lines += [f"warning: {w}" for w in t.warnings]
    return [escape.clean(x) for x in lines if x]


def gradescope(report, visibility="visible", hidden_visibility="after_published"):
    """Gradescope's results.json, as a dict: one test per test id, named by the id."""
    report = escape.cleaned(report)
    tests = []
    for t in report.tests:
        tests.append({
            "name": t.id, "score": t.score, "max_score": t.max_score,
            "status": "passed" if t.status == "passed" else "failed",
            "output": "\n".join(feedback_lines(t)),
            "visibility": hidden_visibility if t.hidden_cases and t.status != "passed" and report.hidden else visibility,
            "execution_time": round(t.elapsed, 3),
        })
    sandbox = f"\nsandbox: {report.confinement}" if report.confinement else ""
    return {"score": report.score, "execution_time": report.elapsed, "tests": tests,
            "output": f"{report.score:g}/{report.max_score:g} points{sandbox}"}


def render(report, fmt, color=None, registry=None):
    """The report in format `fmt` (text, json, gradescope, html), as a string; `registry`: the
    exercises the HTML view describes and draws the report's cases with (default: the kit's)."""
    if fmt == "text":
        return text(report, color=color)
    if fmt == "json":
        return as_json(report)
    if fmt == "gradescope":
        return json.dumps(gradescope(report), indent=2) + "\n"
    if fmt == "html":
        from grader.views import html_report

        return html_report.render(report, registry)
    raise ValueError(f"unknown format {fmt!r}")


def emit(report, fmt, out=None, registry=None):
    """Print the report, or write it to `out` atomically."""
    content = render(report, fmt, color=False if out else None, registry=registry)
    if out:
        pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, content)
        print(f"report written to {out}")
    else:
        sys.stdout.write(content)


# ---------------------------------------------------------------------------------------------
# the HTML page, drawn again only when what it shows changed

HTML_KEY_SUFFIX = ".key"  # beside the page: what it was drawn from, and the page's own digest
DRAWING_LIBRARIES = ("jinja2", "graphviz", "matplotlib")  # their installs change the pictures


def write_html(report, path, registry=None, extra_key=None, complete=None):
    """Write the HTML report to `path` (atomically), unless the page there was drawn from the same
    report data by the same kit code and is unchanged since: drawing (matplotlib's import, graphs,
    curves) is most of a finished submission's `make check`. The key, stored in `path` + ".key", is
    a digest of the report's JSON without its timings, the code and templates that draw it (the
    kit's, a course's exercises, the drawing libraries' installs, graphviz's dot) and the page's
    own digest. A page reused says this run's grading time (the one thing on it that changed).
    Returns True when the page was drawn, False when it was reused. `extra_key`: what else the page
    is drawn from (data computed only when it is drawn); `complete(report)`: computes that data
    before drawing."""
    path = pathlib.Path(path)
    key_path = path.with_name(path.name + HTML_KEY_SUFFIX)
    key = html_key(report, registry, extra_key)
    try:
        stored = json.loads(key_path.read_text())
        page = path.read_bytes()
        if (isinstance(stored, dict) and stored.get("key") == key
                and stored.get("page") == hashlib.sha256(page).hexdigest()):
            timed = _ELAPSED.sub(f'<span class="elapsed">{report.elapsed:.1f}</span>'.encode(), page, count=1)
            if timed != page:
                _write_page(path, key_path, key, timed)
            return False
    except (OSError, ValueError):
        pass  # no page yet, no key, or a damaged one: drawn again
    if complete is not None:
        complete(report)
    _write_page(path, key_path, key, render(report, "html", registry=registry).encode())
    return True


# the grading time on the page: the template's own markup (what a report shows of student code is
# escaped, so no raw tag of theirs can match)
_ELAPSED = re.compile(rb'<span class="elapsed">[0-9.]+</span>')


def _write_page(path, key_path, key, page):
    write_atomic(path, page)
    write_atomic(key_path, json.dumps({"key": key, "page": hashlib.sha256(page).hexdigest()}) + "\n")


def html_key(report, registry=None, extra=None):
    """A digest of everything the HTML page of `report` is drawn from, timings left out (they differ
    on every run); `extra`: more of it, not in the report yet."""
    data = escape.cleaned(report).to_dict()
    data["drawn_from"] = extra
    data["elapsed"] = 0
    for t in data.get("tests", []):
        t["elapsed"] = 0
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=repr).encode())
    for file in _drawing_files(registry):
        digest.update(str(file).encode() + b"\0")
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(b"missing")
    for name in DRAWING_LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec and spec.origin else ""
        digest.update(f"{name}={origin}:{_mtime(origin)}\0".encode())
    dot = shutil.which("dot") or ""
    digest.update(f"dot={dot}:{_mtime(dot)}".encode())
    return digest.hexdigest()


def _mtime(file):
    try:
        return os.stat(file).st_mtime_ns if file else 0
    except OSError:
        return 0


def _drawing_files(registry):
    """The kit's own code and templates (grader/, micrograd_ref/: the boundary picture runs the
    reference MLP) and the files a course's exercises come from, sorted."""
    files = {p for p in GRADER.rglob("*") if p.is_file() and p.suffix in (".py", ".html", ".css", ".js", ".json")}
    files |= set((KIT_ROOT / "micrograd_ref").rglob("*.py"))
    for ex in (registry or ()):
        for field in dataclasses.fields(ex):
            module = sys.modules.get(getattr(getattr(ex, field.name), "__module__", None) or "")
            if getattr(module, "__file__", None):
                files.add(pathlib.Path(module.__file__))
        files |= {pathlib.Path(p) for p in ex.runner}
    return sorted(f for f in files if "__pycache__" not in f.parts)
