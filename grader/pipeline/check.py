"""`python -m grader check`: grade a submission, per test id, and write a report.

The pipeline: cases -> student run (child processes) -> numbers -> comparison with the
reference and PyTorch -> scores and diagnoses -> report. Each stage is a plain function.
"""
import builtins
import concurrent.futures
import contextlib
import dataclasses
import importlib.util
import pathlib
import sys
import time

from grader.pipeline import cases as case_lib
from grader import config, escape
from grader.pipeline import compare, diagnose, expect, fork_core, intake, shapes
from grader.pipeline.case_record import CaseRecord, from_cases
from grader.exercises import kit
from grader.results import Failure, Report, TestResult, sanitize
from grader.paths import KIT_ROOT, REFERENCE_VALUES, public_torch
from grader.pipeline.sandbox import ConfinementMissing, plan, resolve_user, run_cases

DEFAULT_SUBMISSION = KIT_ROOT / "exercises"
# The student kit ships neither the HTML report (it draws with the reference engine) nor a
# reference to compute hidden cases' values with: there, `check` does not offer them.
HTML_REPORT = importlib.util.find_spec("grader.views.html_report") is not None
HIDDEN_CASES = not REFERENCE_VALUES.exists()


# ---------------------------------------------------------------------------------------------
# stage 1: cases (public, plus hidden ones when the instructor's settings give a seed)

def build_cases(test_id, hidden_seed=None, registry=None):
    """[(case, hidden)] for one test id."""
    exercise = (registry or kit())[test_id]
    out = [(c, False) for c in exercise.cases()]
    if hidden_seed is not None:
        out += [(c, True) for c in exercise.cases(seed=hidden_seed, hidden=True)]
    return out


# ---------------------------------------------------------------------------------------------
# stage 2: expectations, from the reference (live) and PyTorch (stored for public cases, else live)

def torch_expectations(test_id, cases, live=None, store=None, registry=None):
    """PyTorch's values for `cases` of test_id, and where they came from (precomputed|live|unavailable).

    `live`: True computes them with PyTorch; None (default) reads stored values when they cover the
    cases, else computes them when PyTorch is there; False never imports PyTorch. `store`
    ({test_id: {digest, values}}, from torch_expect.build_store) covers hidden cases too, e.g. in the
    Gradescope autograder, which ships PyTorch's values instead of PyTorch.
    """
    if not live:
        entry = (store or {}).get(test_id)
        if entry and entry["digest"] == case_lib.fingerprint([c for c, _ in cases]):
            return entry["values"], "precomputed"
        public = [c for c, hidden in cases if not hidden]
        stored = public_torch().get(test_id)
        if not (stored and stored["digest"] == case_lib.fingerprint(public)):
            stored = None
        if stored and len(public) == len(cases):
            return stored["values"], "precomputed"
    if live is not False:
        try:
            from grader.pipeline import torch_expect
        except ImportError:
            if live:
                raise
        else:
            return [torch_expect.expected(test_id, c, registry) for c, _ in cases], "live"
    if stored:
        return stored["values"] + [None] * (len(cases) - len(public)), "precomputed"
    return [None] * len(cases), "unavailable"


# ---------------------------------------------------------------------------------------------
# stage 4: scores and feedback for one test id

def describe_case(test_id, case, registry=None):
    """What a case runs, in a student's words."""
    return (registry or kit())[test_id].describe(case)


def score_test(test_id, cases, outcome, ref_values, torch_values, settings, points, registry=None, pictures=False):
    """A TestResult from a child's outcome, the cases [(case, hidden)] and their index-aligned
    expectations (see score for what is shown)."""
    return score((registry or kit())[test_id], from_cases(cases, ref_values, torch_values), outcome, settings, points,
                 pictures)


def score(exercise, records, outcome, settings, points, pictures=False):
    """A TestResult from a child's outcome and the records of every case (inputs and expectations).
    `pictures`: also record what only the HTML report draws (the exercise's `pictures`), which costs time.

    Text from the child (messages, printed output) is cleaned of control characters here. When the
    test has hidden cases, nothing the student's code produced is shown at all, on any of its cases
    (code that can read its case list could raise, print or return the hidden inputs): only how each
    case failed. Public cases keep their inputs and expected values, which `make check` shows anyway.
    """
    test_id = exercise.id
    hidden_cases = sum(1 for r in records if r.hidden)
    private = hidden_cases > 0
    result = TestResult(id=test_id, score=0.0, max_score=float(points), passed=0, total=0, status="failed",
                        summary="", output="" if private else escape.clean(outcome.output),
                        elapsed=outcome.elapsed, hidden_cases=hidden_cases)
    if outcome.status == "protocol" or outcome.tamper:
        result.status, result.total = "error", len(records)
        result.breach = "protocol" if outcome.status == "protocol" else "tamper"
        what = "grader functions or builtins" if private else ", ".join(outcome.tamper)
        result.summary = (f"your code replaced {what} while it was being graded; monkeypatching scores 0 here"
                          if result.breach == "tamper" else outcome.message)
        return result
    if outcome.import_error:
        err = outcome.import_error
        where = f"{err['where']}: " if err["where"] else ""
        result.status, result.total = "error", len(records)
        result.summary = (f"importing your file raised {_exception_name(err['type'])} (its message is not shown: "
                          "this test has hidden cases)" if private
                          else escape.clean(f"{where}{err['type']}: {err['message']}"))
        result.hint = _import_hint(err)
        result.ended = f"importing the file raised {_exception_name(err['type'])}"
        return result
    if outcome.status == "internal":
        result.status = "error"
        result.internal_errors.append(outcome.message)
        result.summary = "internal error: " + outcome.message
        return result

    rel_tol, abs_tol = settings.rel_tol, settings.abs_tol
    if exercise.tolerance:
        rel_tol, abs_tol = max(rel_tol, exercise.tolerance[0]), max(abs_tol, exercise.tolerance[1])
    not_implemented = 0
    first_error = None  # what the first failing case raised, if it raised
    for record in records:
        record.got, record.error = outcome.results.get(record.index), outcome.errors.get(record.index)
        want, torch_want, got, error = record.reference, record.torch, record.got, record.error
        if isinstance(want, Exception) or (torch_want is not None and not compare.agree(want, torch_want)):
            result.internal_errors.append(
                f"case {record.index + 1}: the reference and PyTorch disagree (or the reference failed); not counted — "
                "this is the kit's fault, please report it")
            continue
        result.total += 1  # every case counts, whatever the code does: runs stay comparable
        if (error and error["type"] == "RecursionError" and record.inputs.get("deep")
                and settings.deep_recursion == "warn"):
            result.warnings.append(
                f"Your backward() is recursive: on {record.inputs['name']} it exceeded Python's recursion limit. "
                "Not deducted, but a real network can be that deep — an explicit stack or list instead of "
                "recursion handles any depth.")
            result.passed += 1  # counted as passing: the policy is a warning, not a deduction
            continue
        if got is not None and not compare.first_difference(got, want, rel_tol, abs_tol):
            result.passed += 1
            continue
        if error and error["type"] == "NotImplementedError":
            not_implemented += 1
        failure = _failure(exercise, record, outcome, private)
        if not record.hidden and torch_want is not None:
            failure.torch = sanitize(torch_want)
        result.failures.append(failure)
        if result.failure is None:
            result.failure, first_error = failure, error
            mistake = (diagnose.diagnose_error(test_id, error, exercise) if error
                       else diagnose.diagnose(test_id, record.inputs, got, want, exercise) if got is not None else None)
            if mistake in exercise.mistakes:
                result.mistake = mistake
                result.title, result.hint = exercise.mistakes[mistake]
            elif mistake in diagnose.GENERIC:  # any test id's, named by the child (grader/pipeline/child.py)
                result.mistake = mistake
                result.title, result.hint = diagnose.GENERIC[mistake]
                if mistake == "missing_name":
                    result.title = escape.clean(got["missing"])
                elif mistake in ("missing_method", "kit_method") and not private:  # the child's words: public cases only
                    result.title = escape.clean(error["message"])

    note = exercise.note(records)
    if note:
        result.warnings.append(note)
    if records and not records[0].hidden:
        extra = exercise.detail(records[0], private)
        if extra is not None:
            result.detail = sanitize(extra)
        if pictures and exercise.draws_pictures:
            failed = any(f.case == records[0].index + 1 for f in result.failures)
            if pictures == "later":  # computed by add_pictures, only if the page is drawn at all
                result.pictures_later = (exercise, records[0], private, failed)
            else:
                drawn = _pictures(exercise, records[0], private, failed)
                if drawn:
                    result.detail = dict(result.detail or {}, **sanitize(drawn))
    if result.total:
        result.score = round(points * result.passed / result.total, 4)
    if result.total and result.passed == result.total and not result.internal_errors:
        result.status = "passed"
        result.summary = f"all {result.total} cases pass"
    elif result.total == 0:
        result.status = "error"
        result.summary = "no case could be graded"
    elif result.internal_errors and result.passed == result.total:
        result.status = "error"  # the unchecked cases are the kit's fault: not a pass, not the student's failure
        result.summary = (f"{result.passed}/{result.total} cases pass; "
                          f"{len(result.internal_errors)} could not be checked (internal error)")
    elif not_implemented == result.total - result.passed and result.passed == 0:
        result.status = "not_attempted"
        result.summary = "not written yet — " + result.failure.problem.removeprefix("NotImplementedError: ")
    else:
        if outcome.status != "ok":
            result.status = "error"
            running = outcome.running_case
            case_txt = f" on case {running + 1}" if running is not None else ""
            result.summary = f"{outcome.message}{case_txt}"
            result.ended = outcome.message
        else:
            result.summary = f"{result.passed}/{result.total} cases pass"
            if result.title:
                result.summary += f" — {result.title}"
    if result.status != "not_attempted":
        graph = graph_data(exercise, result.failures)
        if graph is not None:
            result.detail = dict(result.detail, graph=graph)
        if first_error is not None:  # the class analytics groups students by it (not by a message's wording)
            result.detail = dict(result.detail, raised=_exception_name(first_error["type"]))
    return result


def add_pictures(report):
    """Compute the pictures grading left for later (`pictures="later"`) into each result's detail;
    returns what they were computed from, for the HTML page's key (see reports.write_html)."""
    inputs = []
    for result in report.tests:
        later = result.__dict__.pop("pictures_later", None)
        if later is None:
            continue
        exercise, record, private, failed = later
        inputs.append((result.id, record.got, failed))
        drawn = _pictures(exercise, record, private, failed)
        if drawn:
            result.detail = dict(result.detail or {}, **sanitize(drawn))
    return inputs


def pictures_key(report):
    """What the pictures left for later would be computed from: the student's values of the pictured
    case, and whether it failed (the page's key covers them, so a reused page shows the same)."""
    return [(t.id, t.pictures_later[1].got, t.pictures_later[3]) for t in report.tests
            if getattr(t, "pictures_later", None) is not None]


def _pictures(exercise, record, private, failed):
    try:
        return exercise.pictures(record, private, failed)
    except Exception:  # a picture never costs a grade: whatever the student's values, the page goes without it
        return None


def graph_data(exercise, failures):
    """What the views draw of the first failing case whose inputs are shown: {"case", "root", "nodes"}
    from the exercise's `graph` ("nodes" None: too big to draw), or None when nothing is drawn."""
    shown = next((f for f in failures if f.inputs), None)
    if shown is None or exercise.graph is None:
        return None
    try:
        graph = exercise.graph(shown)
    except Exception:  # a picture never costs a grade: whatever the student's values, the page goes without it
        return None
    return dict({"case": shown.case}, **(graph.to_dict() if graph is not None else {"root": None, "nodes": None}))


def _import_hint(err):
    if err["type"] == "ModuleNotFoundError":
        import re

        from grader.pipeline.sandbox import ALLOWED_PACKAGES

        name = re.match(r"No module named '([\w.]+)'", err.get("message", ""))
        top = name.group(1).split(".")[0] if name else ""
        rule = ("Your code runs with Python's standard library, plus " + " and ".join(ALLOWED_PACKAGES) +
                " (read-only; drawing is never run); any other import costs the tests of the file that imports it. "
                "Your files import each other by plain name (`from engine import Value`) or as a package "
                "(`from micrograd.engine import Value`).")
        if top and top not in ("engine", "nn", "train", "micrograd"):
            return (f"`{top}` is not available while grading: no {top}.py (or {top}/ folder) was handed in with "
                    "your files, and it is not a package the grader has. A helper module of your own goes beside "
                    "the file that imports it. " + rule)
        return rule
    if err["type"] == "SystemExit":
        return "Importing your file called sys.exit(): keep code that runs on import to definitions."
    return "The file has to import cleanly before anything in it can be graded."


def _exception_name(name):
    """An exception's type as shown where student text is withheld: Python's own names only (a class
    of the student's can be named anything, the hidden inputs included)."""
    kind = getattr(builtins, name, None)
    return name if isinstance(kind, type) and issubclass(kind, BaseException) else "an exception of its own class"


def _failure(exercise, record, outcome, private=False):
    """The failing case as the student reads it. `private`: the test has hidden cases, so nothing the
    student's code returned, raised or printed is shown (see score); hidden cases show no inputs."""
    i, case, hidden, got, want, error = (record.index, record.inputs, record.hidden, record.got, record.reference,
                                         record.error)
    description = f"hidden case {i + 1} (its inputs are not shown)" if hidden else exercise.describe(case)
    inputs = {} if hidden else sanitize(case)
    expected = None if hidden else sanitize(want)
    if error:
        if error["type"] == "SystemExit":
            problem = "your code called sys.exit() — it ends the program; return or raise instead"
        elif error["type"] == "MemoryError":
            problem = "ran out of memory (the limit is there to stop runaway code)"
        elif error["type"] == "RecursionError":
            problem = "RecursionError: the recursion is too deep (or never ends)"
        elif private:
            problem = f"raised {_exception_name(error['type'])} (its message is not shown: this test has hidden cases)"
        elif diagnose.diagnose_error(exercise.id, error, exercise) in ("missing_method", "kit_method"):
            problem = escape.clean(error["message"])  # said in words already: "your tanh calls Value.exp, ..."
        else:
            problem = escape.clean(f"{error['type']}: {error['message']}")
        return Failure(case=i + 1, description=description, inputs=inputs, expected=expected, got=None,
                       problem=problem, where="" if private else escape.clean(error["where"]))
    if got is None:
        problem = outcome.message or "no result came back for this case"
        if outcome.running_case is not None and outcome.running_case != i:
            problem = f"not run: the process ended on case {outcome.running_case + 1} ({outcome.message})"
    elif private:
        problem = compare.withheld_difference(got, want)
    else:
        problem = escape.clean(compare.first_difference(got, want))
    shown = None if got is None or private else sanitize(_clean_values({k: v for k, v in got.items() if k != "calls"}))
    return Failure(case=i + 1, description=description, inputs=inputs, expected=expected, got=shown, problem=problem)


def _clean_values(x):
    """A student's values with the text in them (a non-number's repr, a check's message) cleaned."""
    if isinstance(x, str):
        return escape.clean(x)
    if isinstance(x, dict):
        return {k: _clean_values(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean_values(v) for v in x]
    return x


# ---------------------------------------------------------------------------------------------
# the whole pipeline

def grade(submission=DEFAULT_SUBMISSION, names=(), settings=None, live_torch=None, torch_store=None,
          instructor=None, files=None, registry=None, pictures=False):
    """Grade the student files in `submission`: a Report with one TestResult per selected test id.

    `names` picks parts or test ids (all when empty). `live_torch`: compute PyTorch's values live
    (default: only when the stored ones do not cover the cases). `torch_store`: precomputed PyTorch
    values that also cover hidden cases (see torch_expectations). `instructor` (default: when there
    are hidden cases) makes missing confinement an error (ConfinementMissing) unless the settings opt
    out. `files`: the submission already read (a grader.pipeline.shapes.Read, or the kit's three files read by
    grader.pipeline.intake; else it is read here). `registry`:
    the exercises (default: the settings', the kit's own plus a course's). `pictures`: also record
    the data only the HTML report draws (a trained model's decision boundary), which costs time.
    """
    started = time.monotonic()
    settings = settings or config.Settings()
    registry = registry or settings.registry
    submission = pathlib.Path(submission)
    test_ids = registry.select(names)
    instructor = settings.hidden_seed is not None if instructor is None else instructor
    run_as = resolve_user(settings.run_as)
    sandbox = plan(settings.confinement, instructor, settings.python or None, run_as)
    all_cases = {t: build_cases(t, settings.hidden_seed, registry) for t in test_ids}
    if isinstance(files, shapes.Read):  # any shape, already read by grader.pipeline.shapes (batch)
        shaped = shapes.assign(files, test_ids)
    elif files is not None:  # the kit's three files, already read by grader.pipeline.intake
        shaped = shapes.Shaped(str(submission), files.files, files.problems,
                               {t: f"{registry[t].part}.py" for t in test_ids if f"{registry[t].part}.py" in files.files},
                               {t: files.problems.get(f"{registry[t].part}.py") or f"{registry[t].part}.py not found"
                                for t in test_ids if f"{registry[t].part}.py" not in files.files}, {}, "kit")
    else:
        shaped = shapes.discover(submission, test_ids, max_bytes=settings.limits.file)
    problems = {t: shaped.missing.get(t, "") for t in test_ids}

    # the forked core: one sandbox for the submission, each test id's child forked in it, in a slot
    # of its own, after two slots per file whose top level runs code (its import probes), in a fixed
    # order: every run forks each test id from the same state
    probed = sorted({shaped.sources[t] for t in test_ids if not problems[t] and shaped.sources[t] in shaped.runs_code})
    probe_slots = {src: (2 * i, 2 * i + 1) for i, src in enumerate(probed)}
    slots = {t: 2 * len(probed) + i for i, t in enumerate(t for t in test_ids if not problems[t])}
    template = fork_core.start(sandbox, settings.python or sys.executable, settings.limits, run_as,
                               2 * len(probed) + len(slots), settings.core)

    def run(test_id):
        if problems[test_id]:
            return None
        cases = [c for c, _ in all_cases[test_id]]
        return run_cases(registry[test_id], cases, shaped.files, settings.limits, settings.python or None, run_as,
                         sandbox=sandbox, source=shaped.sources[test_id], definitions_only=test_id in reduced,
                         template=template, slot=slots[test_id])

    with contextlib.ExitStack() as stack, concurrent.futures.ThreadPoolExecutor(max_workers=settings.jobs) as pool:
        if template is not None:
            stack.enter_context(template)
        reduced, notes = _import_probes(shaped, test_ids, problems, settings, run_as, sandbox, registry,
                                        template, probe_slots)
        futures = {t: pool.submit(run, t) for t in test_ids}
        # expectations are computed here while the children run
        records, torch_source = {}, set()
        for t in test_ids:
            torch_values, src = torch_expectations(t, all_cases[t], live=live_torch, store=torch_store,
                                                   registry=registry)
            torch_source.add(src)
            records[t] = [CaseRecord(i, c, hidden, _safe_expect(t, c, registry[t]), torch_values[i])
                          for i, (c, hidden) in enumerate(all_cases[t])]
        outcomes = {t: f.result() for t, f in futures.items()}

    tests = []
    for t in test_ids:
        points = settings.points.get(t, registry[t].points)
        if outcomes[t] is None:
            problem = problems[t]
            tests.append(TestResult(id=t, score=0.0, max_score=float(points), passed=0, total=len(all_cases[t]),
                                    status="error", summary=escape.clean(problem), ended="the file cannot be imported",
                                    hint="The file has to import cleanly before anything in it can be graded."))
            continue
        result = score(registry[t], records[t], outcomes[t], settings, points, pictures)
        result.source = shaped.origin(t)
        if t in notes:
            result.warnings.insert(0, notes[t])
        if t == "engine.backward" and shaped.sources.get(t) in shaped.prev_sets and result.status != "passed":
            result.warnings.append(PREV_SET_NOTE)
        _locate(result, shaped)
        tests.append(result)
    _once(tests)
    source = "unavailable" if "unavailable" in torch_source else ("live" if "live" in torch_source else "precomputed")
    return Report(submission=str(submission), tests=tests, score=round(sum(t.score for t in tests), 4),
                  max_score=float(sum(t.max_score for t in tests)), hidden=settings.hidden_seed is not None,
                  torch_check=source, elapsed=round(time.monotonic() - started, 3),
                  confinement=sandbox.describe())


PREV_SET_NOTE = ("_prev is a set: your traversal order follows the order of a set of Values, which changes with "
                 "where they sit in memory (kept the same here, but not on your machine from run to run); a result "
                 "that depends on that order is fragile: use a tuple or list")


def _import_probes(shaped, test_ids, problems, settings, run_as, sandbox, registry, template=None, slots=None):
    """For each graded file whose top level runs code (a training loop at import, as in EurekaLabs'
    micrograd.py), one sandboxed import before any test id runs it, with half a test id's wall limit
    (every test id imports it again). If it does not finish in that time, its test ids are graded on
    the file with its top-level loops, bare calls and blocks left out (shapes.definitions_only, line
    numbers kept); if even that does not import in time, they are not run. So a submission costs
    about one wall limit more at worst, not one timeout per test id. `template`, `slots`: the
    forked core's template and each file's two slots in it (its imports, whole then reduced).
    Returns ({test ids graded on definitions only}, {test id: note}), the note on the first test id
    of each file only."""
    import dataclasses as _dc

    reduced, notes, done = set(), {}, {}
    limits = _dc.replace(settings.limits, wall=settings.limits.wall / 2)

    def imports_in_time(src, test_id, definitions_only=False):
        slot = slots[src][definitions_only] if template is not None else None
        outcome = run_cases(registry[test_id], [], shaped.files, limits, settings.python or None, run_as, sandbox=sandbox,
                            source=src, definitions_only=definitions_only, template=template, slot=slot)
        return outcome.status != "timeout" and outcome.elapsed <= limits.wall

    for t in test_ids:
        src = shaped.sources.get(t)
        if problems[t] or src not in shaped.runs_code:
            continue
        if src not in done:
            name = shaped.origin(t)
            if imports_in_time(src, t):
                done[src] = (None, "")
            else:
                if imports_in_time(src, t, definitions_only=True):
                    done[src] = (True, f"importing {name} did not finish within {settings.limits.wall / 2:g} s "
                                 "(its top level runs code, a training perhaps): graded with its top-level loops, "
                                 "calls and if-blocks left out. Put what should run only as a script under "
                                 "`if __name__ == \"__main__\":`.")
                else:
                    done[src] = (False, f"importing {name} did not finish within {limits.wall:g} s, even with its "
                                 "top-level loops and calls left out: nothing in it could be graded. Put what should "
                                 "run only as a script under `if __name__ == \"__main__\":`.")
                notes[t] = done[src][1]
        files, note = done[src]
        if files is False:
            problems[t] = note if t in notes else f"not graded: importing {shaped.origin(t)} does not finish (see above)"
            notes.pop(t, None)
        elif files:
            reduced.add(t)
    return reduced, notes


def _once(tests):
    """A file's syntax error is said in full, with its line, on the first test id that imports the
    file; the others of that file say where to look, in one short line."""
    first = {}
    for t in tests:
        if t.status != "error" or not t.source or t.failures:
            continue
        kind = next((k for k in ("IndentationError", "TabError", "SyntaxError") if f": {k}: " in t.summary), None)
        if kind is None:
            continue
        key = (t.source, t.summary)
        if key in first:
            t.summary = f"not graded: the {kind} in {t.source} (see {first[key]})"
            t.hint = ""
        else:
            first[key] = t.id


def _locate(result, shaped):
    """Locations in a notebook's generated file said as the notebook's cell and line."""
    if not shaped.notebooks:
        return
    for failure in result.failures:
        if failure.where:
            failure.where = shaped.locate(failure.where)
        failure.problem = shaped.locate(failure.problem)
    result.summary = shaped.locate(result.summary)
    result.title = shaped.locate(result.title)


def _safe_expect(test_id, case, exercise=None):
    try:
        return expect.expected(test_id, case, exercise)
    except Exception as exc:  # a kit bug: reported as an internal error, never against the student
        return exc


# ---------------------------------------------------------------------------------------------
# the command

def add_arguments(parser):
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help="parts (engine, nn, train) or test ids (engine.tanh); default: all")
    parser.add_argument("--submission", default=str(DEFAULT_SUBMISSION),
                        help="a folder (engine.py, nn.py, train.py; a micrograd/ package; one file with helpers), "
                             "a .py file or a notebook (default: exercises/)")
    parser.add_argument("--format", choices=["text", "json", "gradescope"] + (["html"] if HTML_REPORT else []), default="text")
    parser.add_argument("--out", help="write the report to this file (atomically) instead of the terminal")
    if HTML_REPORT:
        parser.add_argument("--html", metavar="FILE",
                            help="also write the HTML report (graphs, curves) to FILE, from the same results")
    parser.add_argument("--config", help="instructor settings (TOML); default: grader.toml at the kit's root")
    if HIDDEN_CASES:
        parser.add_argument("--hidden-seed", type=int, help="add hidden cases drawn from this seed (instructors)")


def run(args):
    from grader.views import reports

    try:
        settings = config.load(args.config)
    except config.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "hidden_seed", None) is not None:
        settings = dataclasses.replace(settings, hidden_seed=args.hidden_seed)
    if settings.hidden_seed is not None and not HIDDEN_CASES:
        print("error: hidden cases are graded by your instructor: this kit has no reference to check them "
              "against (remove hidden_seed from the settings)", file=sys.stderr)
        return 2
    if not pathlib.Path(args.submission).exists():
        print(f"error: {args.submission} does not exist: not a folder, a .py file or a notebook", file=sys.stderr)
        return 2
    try:
        # the HTML report's pictures are computed only when it is asked for
        # (for --html, only once it is known that the page has to be drawn again)
        pictures = True if args.format == "html" else ("later" if getattr(args, "html", None) else False)
        report = grade(args.submission, args.parts, settings, pictures=pictures)
    except (ValueError, ConfinementMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format != "text" or args.out:  # the text report in the terminal says it itself
        print(f"sandbox: {report.confinement}", file=sys.stderr)
    reports.emit(report, args.format, args.out, settings.registry)
    if getattr(args, "html", None):
        drawn = reports.write_html(report, args.html, settings.registry, extra_key=pictures_key(report),
                                   complete=add_pictures)
        print(f"HTML report (graphs and curves): {args.html}{'' if drawn else ' (unchanged, not drawn again)'}")
    if any(t.internal_errors for t in report.tests):
        return 2  # the kit's fault, not the student's: never a pass
    return 0 if report.full_marks else 1


def main(argv=None):
    """`micrograd-check PATH [PART ...]`: the installed command; PATH a folder, a .py file or a notebook."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="micrograd-check", description="Grade a micrograd: a folder (engine.py, nn.py, train.py, or a "
        "micrograd/ package, or one file with its helpers), a .py file or a notebook (.ipynb).")
    parser.add_argument("path", metavar="PATH", help="the file, notebook or folder to grade")
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.submission = args.path
    return run(args)
