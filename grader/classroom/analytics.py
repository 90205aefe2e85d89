"""Class analytics: one self-contained HTML page (no network, everything inline) for the instructor.

Built from stored batch results (grades/<student>.json): per-op pass rates, the distribution of
totals, the most common diagnosed mistakes per op, the slowest submissions.
`python -m grader analytics grades/ --out grades.html` rebuilds it without grading anything.
"""
import collections
import dataclasses
import datetime
import pathlib
import sys

from grader import escape
from grader.classroom import results_store
from grader.exercises import ids_in
from grader.paths import TEMPLATES
from grader.spec import DEFAULT_POINTS

TEMPLATE = TEMPLATES / "analytics.html.j2"


@dataclasses.dataclass
class OpStats:
    """One test id across the class."""

    id: str
    max_score: float
    passed: int
    failed: int
    errors: int
    not_attempted: int
    mean: float
    mistakes: list  # [(title, count, example students)], most common first


def summarize(results, test_ids=None):
    """The numbers the page shows, from stored results (dicts as batch writes them)."""
    test_ids = test_ids or ids_in(results)
    graded = [r for r in results if r.get("report")]
    ops = []
    for t in test_ids:
        rows = [(r["student"], next((x for x in r["report"]["tests"] if x["id"] == t), None)) for r in graded]
        rows = [(s, x) for s, x in rows if x is not None]
        status = collections.Counter(x["status"] for _, x in rows)
        mistakes = collections.defaultdict(list)
        for student, x in rows:
            if x["status"] != "passed":
                mistakes[_mistake(x)].append(student)
        common = sorted(mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:5]
        ops.append(OpStats(
            id=t, max_score=rows[0][1]["max_score"] if rows else float(DEFAULT_POINTS.get(t, 0)),
            passed=status["passed"], failed=status["failed"], errors=status["error"],
            not_attempted=status["not_attempted"],
            mean=sum(x["score"] for _, x in rows) / len(rows) if rows else 0.0,
            mistakes=[(title, len(who), who[:6]) for title, who in common]))
    totals = [r["report"]["score"] for r in graded]
    max_total = max((r["report"]["max_score"] for r in graded), default=0.0)
    slowest = sorted(graded, key=lambda r: -r["report"]["elapsed"])[:10]
    return {
        "students": len(results), "graded": len(graded),
        "errors": [(r["student"], r.get("error") or "") for r in results if not r.get("report")],
        "ops": ops, "totals": totals, "max_total": max_total,
        "mean_total": sum(totals) / len(totals) if totals else 0.0,
        "median_total": _median(totals), "full_marks": sum(1 for r in graded if _full(r["report"])),
        "histogram": histogram(totals, max_total),
        "slowest": [(r["student"], r["report"]["elapsed"], _slow_part(r["report"])) for r in slowest],
    }


def _mistake(test):
    """What went wrong, as a phrase shared by students who made the same mistake."""
    if test.get("title"):
        return test["title"]
    if test["status"] == "not_attempted":
        return "not attempted (still raises NotImplementedError)"
    if test.get("ended"):  # the process failed: timeout, crash, exit, import error
        return test["ended"][:120]
    raised = (test.get("detail") or {}).get("raised")
    if isinstance(raised, str) and raised:  # the exception's name, recorded by the pipeline
        return f"raised {raised}"[:120]
    return "wrong values, no known mistake matched"  # "3/8 cases pass" differs per student: one bucket


def _full(report):
    return all(t["score"] >= t["max_score"] for t in report["tests"])


def _slow_part(report):
    t = max(report["tests"], key=lambda t: t["elapsed"], default=None)
    return f"{t['id']} ({t['elapsed']:.1f} s, {t['status']})" if t else ""


def _median(xs):
    xs = sorted(xs)
    if not xs:
        return 0.0
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def histogram(totals, max_total, bins=10):
    """[(label, count)] over [0, max_total] in `bins` equal bins, the top bin closed."""
    if max_total <= 0:
        return []
    width = max_total / bins
    counts = [0] * bins
    for x in totals:
        counts[min(bins - 1, max(0, int(x / width)))] += 1
    return [(f"{i * width:g}–{(i + 1) * width:g}", c) for i, c in enumerate(counts)]


def render(results, title="micrograd: class analytics"):
    """The page as a string (HTML with inline CSS and SVG; no scripts, no links out)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE.name).render(
        title=title, s=summarize(escape.clean_all(results)),  # names and messages are students' text
        generated=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))


def add_arguments(parser):
    parser.add_argument("results", help="a batch results folder (grades/ beside grades.csv) or the CSV itself")
    parser.add_argument("--out", help="the HTML page (default: beside the results, e.g. grades.html)")


def run(args):
    from grader.atomic import write_atomic

    source = pathlib.Path(args.results)
    folder = results_store.results_dir_for(source) if source.suffix == ".csv" else source
    results = results_store.load_results(folder) if folder.is_dir() else []
    if not results:
        print(f"error: no stored results in {folder}", file=sys.stderr)
        return 2
    out = pathlib.Path(args.out) if args.out else folder.with_name(folder.name + ".html")
    write_atomic(out, render(results))
    print(f"wrote {out} ({len(results)} students)", file=sys.stderr)
    return 0
