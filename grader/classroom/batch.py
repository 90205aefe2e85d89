"""`python -m grader batch DIR --out grades.csv`: grade a whole class, one sub-folder per student.

Students are graded in parallel, each by `check.grade` (whose children are isolated and limited),
so a hostile submission costs its own limits and nothing more. Nothing is lost on the way:

    grades.csv              student, one column per test id, total (written atomically)
    grades/<student>.json   each student's full report, the hash of their files and the settings
    grades.html             class analytics (grader/classroom/analytics.py)

A re-run skips students whose files and settings are unchanged since their JSON was written
(unless --force), so an interrupted run resumes where it stopped. `--shard i/n` grades a
deterministic part of the class; `python -m grader merge` combines the shards' results.
`--scheduler ADDRESS` (or `local`) grades the students on Dask workers instead (grader/classroom/batch_dask.py);
either way every student goes through `grade_student`, and only this process writes results.
"""
import concurrent.futures
import contextlib
import csv
import dataclasses
import functools
import hashlib
import io
import json
import os
import pathlib
import sys
import tempfile
import time

from grader import config, escape
from grader.pipeline import intake, shapes
from grader.views.reports import write_atomic
from grader.paths import KIT_ROOT, STUDENT_FILES, score_text, tree_digest
from grader.pipeline.sandbox import ConfinementMissing, resolve_user
from grader.pipeline.sandbox import plan as sandbox_plan
from grader.classroom.results_store import RESULT_VERSION, load_result, load_results, result_path, results_dir_for
from grader.exercises import ids_in
from grader.spec import TEST_IDS  # noqa: F401  (the kit's columns, for callers that name them)

# ---------------------------------------------------------------------------------------------
# who is in the class, and which of them this run grades

def find_students(class_dir, skip=()):
    """The student folders in `class_dir` (sorted by name), leaving out hidden folders and `skip`."""
    skip = {pathlib.Path(p).resolve() for p in skip}
    return sorted((p for p in pathlib.Path(class_dir).iterdir()
                   if p.is_dir() and not p.name.startswith(".") and p.resolve() not in skip),
                  key=lambda p: p.name)


def parse_shard(text):
    """'2/5' -> (2, 5); raises ValueError with a readable message."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes i/n, like 1/4 (got {text!r})") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {text}: i must be between 1 and n")
    return i, n


def in_shard(name, shard):
    """Whether student `name` belongs to shard (i, n): a hash of the name, so that adding a student
    to the class never moves the others to another shard."""
    if shard is None:
        return True
    i, n = shard
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % n == i - 1


# ---------------------------------------------------------------------------------------------
# what a stored result must match to be reused

def read_submission(student_dir, max_bytes=intake.DEFAULT_MAX_BYTES):
    """The student's files, read once here through grader.pipeline.shapes (every shape `check` takes: the kit's
    three files, one file with helpers, a notebook, a micrograd/ package): graders (local threads or
    Dask workers) get these bytes, never the student's folder."""
    return shapes.read(student_dir, max_bytes=max_bytes)


def files_hash(student_dir, submission=None, max_bytes=intake.DEFAULT_MAX_BYTES):
    """A hash of the student's files (names and contents, or why a file was refused) as they were
    read (`submission`, else read here): the same files give the same hash."""
    return hash_files(submission or read_submission(student_dir, max_bytes=max_bytes))


def hash_files(submission):
    """files_hash of a submission already read (a grader.pipeline.shapes.Read, or a grader.pipeline.intake.Submission)."""
    return shapes.digest(submission.files, submission.problems)


def settings_hash(settings):
    """A hash of everything that can change a grade or how safely it was made: every setting but the
    number of children at once (points, limits, tolerances, hidden cases, run_as, confinement, ...),
    the interpreter student code runs on, whether the grader runs as root (run_as applies only then),
    and the grader's own code."""
    keep = {k: v for k, v in dataclasses.asdict(settings).items() if k != "jobs"}
    python = os.path.realpath(settings.python or sys.executable)
    try:
        stat = os.stat(python)
        keep["python"] = [python, stat.st_size, stat.st_mtime_ns]
    except OSError:
        keep["python"] = [python, None, None]
    keep["root"] = os.geteuid() == 0
    keep["kit"] = kit_hash()
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:16]


@functools.cache
def kit_hash():
    """A hash of the grader's code, data and templates and of the reference it grades against
    (grader/ and micrograd_ref/): a result made by another version of the kit is not reused, and two
    machines with the same hash grade alike."""
    return tree_digest((KIT_ROOT / "grader", KIT_ROOT / "micrograd_ref"), KIT_ROOT)


# ---------------------------------------------------------------------------------------------
# grading one student: never raises (but for a grader that is not this kit's)

class KitMismatch(Exception):
    """A grader (a Dask worker) whose kit is not the one the client runs: its grades could differ."""


def kit_version():
    """kit_hash, short: what a Dask task carries to check that its worker runs the client's kit."""
    return kit_hash()[:16]


def grade_student(student, files, settings, torch_store=None, kit=None, source=None):
    """The stored-result dict for one student from their files ({name: bytes}, see read_submission):
    their report, or the error that stopped the grader. `kit`: the client's kit_version, checked
    here (raises KitMismatch when it differs); `source`: where the files came from, for the report."""
    from grader.pipeline import check

    if kit is not None and kit != kit_version():
        raise KitMismatch(f"this grader runs kit {kit_version()} ({KIT_ROOT}), the client runs kit {kit}: "
                          "install the client's commit of the kit on every worker")
    started = time.monotonic()
    result = {"version": RESULT_VERSION, "student": student, "files": hash_files(files),
              "settings": settings_hash(settings), "report": None, "error": None}
    try:
        # graded from the bytes read by the client: the student's folder is never read again (it
        # may change meanwhile, or not exist at all on a Dask worker)
        report = check.grade(source or student, settings=settings, live_torch=False if torch_store else None,
                             torch_store=torch_store, instructor=True, files=files)
        result["report"] = report.to_dict()
    except Exception as exc:  # a submission that breaks the grader itself is one error row, not a crash
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["elapsed"] = round(time.monotonic() - started, 3)
    return result


def error_result(student, files, settings, error):
    """The stored-result dict of a student the grader could not grade (`error` says why)."""
    return {"version": RESULT_VERSION, "student": student, "files": hash_files(files),
            "settings": settings_hash(settings), "report": None, "error": error, "elapsed": 0.0}


def hidden_torch_store(settings):
    """PyTorch's values of every case (public and hidden) when hidden cases are on and torch is here,
    computed once for the class instead of once per student; else None."""
    if settings.hidden_seed is None:
        return None
    try:
        from grader.pipeline import torch_expect
    except ImportError:
        return None
    return torch_expect.build_store(hidden_seed=settings.hidden_seed, registry=settings.registry)


# ---------------------------------------------------------------------------------------------
# the gradebook

def csv_text(results, test_ids=None):
    """The gradebook: student, one column per test id, total. A student the grader could not
    grade gets empty cells and `error` as total. `test_ids`: default the kit's, then a course's own."""
    test_ids = test_ids or ids_in(results)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([escape.csv_cell(x) for x in ["student", *test_ids, "total"]])
    for r in results:
        name = escape.csv_cell(r["student"])  # a folder name is the student's to choose: never a formula
        if r["report"] is None:
            writer.writerow([name, *[""] * len(test_ids), "error"])
            continue
        scores = {t["id"]: t["score"] for t in r["report"]["tests"]}
        writer.writerow([name, *[score_text(scores.get(t), 4) for t in test_ids], score_text(r["report"]["score"], 4)])
    return buf.getvalue()


def write_outputs(out_csv, results):
    """The CSV and the analytics page beside it, both written atomically."""
    from grader.classroom import analytics

    out_csv = pathlib.Path(out_csv)
    write_atomic(out_csv, csv_text(results))
    html_path = out_csv.with_suffix(".html")
    write_atomic(html_path, analytics.render(results))
    return html_path


# ---------------------------------------------------------------------------------------------
# the class

@dataclasses.dataclass
class Plan:
    """Which students a run grades and which it reuses."""

    todo: list
    reused: list


def plan(students, results_dir, settings, force=False):
    """Split `students` into those to grade and those whose stored result is still valid: same files,
    same settings and kit, and nothing in it made under tampering (those are always graded again)."""
    s_hash = settings_hash(settings)
    todo, reused = [], []
    for student in students:
        stored = None if force else load_result(result_path(results_dir, student.name))
        if (stored and stored["student"] == student.name
                and stored["files"] == files_hash(student, max_bytes=settings.limits.file)
                and stored["settings"] == s_hash and trustworthy(stored)):
            reused.append(stored)
        else:
            todo.append(student)
    return Plan(todo, reused)


def trustworthy(stored):
    """Whether a stored result may be reused: a report, and no test in it graded under a breach
    (tampering, a forged results channel)."""
    report = stored.get("report")
    if not isinstance(report, dict) or not isinstance(report.get("tests"), list):
        return False
    return all(isinstance(t, dict) and not t.get("breach") for t in report["tests"])


def _confinement(settings):
    """The sandbox students' code will run in; raises ConfinementMissing when it is not enough."""
    try:
        run_as = resolve_user(settings.run_as)
    except KeyError:  # an unknown user: each student's row says so
        run_as = None
    return sandbox_plan(settings.confinement, instructor=True, python=settings.python or None, run_as=run_as)


def default_workers(settings, cores=None, memory=None):
    """Students graded at once by default: one per core, so that a child never waits for a core
    while its wall limit runs (more at once is faster, since children spend much of their time
    starting or waiting out a hung test's limit, but brings slow and correct code nearer its wall
    limit), and no more than the memory holds with every one of them at its test's memory limit."""
    cores = cores or os.cpu_count() or 1
    if memory is None:
        try:
            memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            memory = 0
    fit = memory // max(1, settings.limits.memory) if memory > 0 else cores
    return max(1, min(cores, fit))


def per_student_jobs(workers, cores=None):
    """Children per student so that students x children stays within the machine's cores."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def grade_class(class_dir, out_csv, settings=None, workers=None, force=False, shard=None, progress=None,
                scheduler=None):
    """Grade every student folder in `class_dir`; write the CSV, the JSON results and the analytics.

    Returns (results, graded_now). `progress(result)` is called as each student finishes.
    `scheduler`: grade on the Dask cluster at this address ("local": a LocalCluster of `workers`
    processes) instead of `workers` threads here; the results are written here either way.
    """
    settings = settings or config.Settings()
    _confinement(settings)  # refuse before grading anyone
    out_csv = pathlib.Path(out_csv)
    results_dir = results_dir_for(out_csv)
    results_dir.mkdir(parents=True, exist_ok=True)
    students = [s for s in find_students(class_dir, skip=[results_dir]) if in_shard(s.name, shard)]
    work = plan(students, results_dir, settings, force)
    workers = workers or default_workers(settings)
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler is not None and work.todo:
            from grader.classroom import batch_dask

            # connected before anything is written: a scheduler that cannot be reached changes nothing
            client = stack.enter_context(batch_dask.connect(scheduler, workers))
        store = hidden_torch_store(settings) if work.todo else None
        finished = (batch_dask.grade_on_dask(client, work.todo, settings, store) if client
                    else grade_here(work.todo, settings, store, workers))
        return _collect(finished, students, work.reused, out_csv, progress)


def _collect(finished, students, reused, out_csv, progress):
    """Write each result from `finished` as it comes, then the CSV and analytics: (results, graded)."""
    results_dir = results_dir_for(out_csv)
    done = {r["student"]: r for r in reused}
    graded = []
    try:
        for result in finished:
            write_atomic(result_path(results_dir, result["student"]), json.dumps(result, indent=1) + "\n")
            done[result["student"]] = result
            graded.append(result)
            if progress:
                progress(result)
    finally:
        # an interrupted run keeps every finished student: their JSON is written, and so is the CSV
        finished.close()
        results = [done[s.name] for s in students if s.name in done]
        write_outputs(out_csv, results)
    return results, graded


def grade_here(students, settings, store, workers):
    """Yield the result dict of each student folder in `students` as it finishes, graded by
    `workers` threads in this process (each student's children are sandboxed processes)."""
    settings = dataclasses.replace(settings, jobs=per_student_jobs(workers))

    def grade_folder(student):
        return grade_student(student.name, read_submission(student, settings.limits.file), settings, store,
                             source=str(student))

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(grade_folder, s) for s in students]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def merge(out_csv, sources):
    """Combine shards' results (their CSV files or result folders) into one CSV, result folder and
    analytics page. Returns the results; raises ValueError when two shards disagree on a student."""
    out_csv = pathlib.Path(out_csv)
    target = results_dir_for(out_csv)
    merged = {}
    for source in sources:
        source = pathlib.Path(source)
        folder = results_dir_for(source) if source.suffix == ".csv" else source
        if not folder.is_dir():
            raise ValueError(f"{source}: no results folder at {folder}")
        for r in load_results(folder):
            old = merged.get(r["student"])
            if old and (old["files"], old["settings"]) != (r["files"], r["settings"]):
                raise ValueError(f"student {r['student']} was graded differently in two shards "
                                 f"(different files or settings); grade them again")
            merged[r["student"]] = r
    target.mkdir(parents=True, exist_ok=True)
    for r in merged.values():
        path = result_path(target, r["student"])
        if not path.exists() or load_result(path) != r:
            write_atomic(path, json.dumps(r, indent=1) + "\n")
    results = [merged[k] for k in sorted(merged)]
    write_outputs(out_csv, results)
    return results


# ---------------------------------------------------------------------------------------------
# the command

def add_arguments(parser):
    parser.add_argument("class_dir", metavar="DIR", nargs="?", help="one sub-folder per student")
    parser.add_argument("--out", default="grades.csv", help="the gradebook (default: grades.csv); the JSON "
                        "results go to a folder of the same name beside it, the analytics to .html")
    parser.add_argument("--jobs", type=int, help="students graded at once (default: the machine's cores, no more than its memory holds at the "
                        "memory limit); with --scheduler local, that many worker processes")
    parser.add_argument("--force", action="store_true", help="grade again students whose files did not change")
    parser.add_argument("--shard", help="grade only shard i of n (i/n), e.g. 2/4, on one of n machines")
    parser.add_argument("--merge", nargs="+", metavar="SHARD", help="instead of grading, combine shards' "
                        "CSV files (or result folders) into --out")
    parser.add_argument("--config", help="instructor settings (TOML); default: grader.toml at the kit's root")
    parser.add_argument("--hidden-seed", type=int, help="add hidden cases drawn from this seed")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="grade on Dask workers: the scheduler's address "
                        "(tcp://host:8786), or `local` for a cluster of --jobs worker processes on this machine")


def run(args):
    if args.merge:
        return run_merge(args.out, args.merge)
    if not args.class_dir:
        print("error: give the class folder (one sub-folder per student), or --merge SHARD ...", file=sys.stderr)
        return 2
    try:
        settings = config.load(args.config)
        shard = parse_shard(args.shard) if args.shard else None
    except (config.ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.hidden_seed is not None:
        settings = dataclasses.replace(settings, hidden_seed=args.hidden_seed)
    try:
        sandbox = _confinement(settings)
    except ConfinementMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"sandbox: {sandbox.describe()}", file=sys.stderr)
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    dask_errors = ()  # what a run on Dask can fail with before grading anyone: a usage error
    if args.scheduler:
        from grader.classroom import batch_dask

        dask_errors = (batch_dask.DaskUnavailable,)
        try:
            batch_dask.require_distributed()
        except batch_dask.DaskUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    class_dir = pathlib.Path(args.class_dir)
    if not class_dir.is_dir():
        print(f"error: {class_dir} is not a folder", file=sys.stderr)
        return 2
    out = pathlib.Path(args.out)
    results_dir = results_dir_for(out)
    students = [s for s in find_students(class_dir, skip=[results_dir]) if in_shard(s.name, shard)]
    if not students:
        print(f"error: no student folders in {class_dir}" + (f" (shard {args.shard})" if shard else ""),
              file=sys.stderr)
        return 2
    work = plan(students, results_dir, settings, args.force)
    print(f"{len(students)} students: {len(work.reused)} already graded from unchanged files, "
          f"{len(work.todo)} to grade" + (f" on Dask ({args.scheduler})" if args.scheduler else ""), file=sys.stderr)
    started = time.monotonic()
    try:
        with _Progress(len(work.todo)) as on_result:
            results, graded = grade_class(class_dir, out, settings, args.jobs, args.force, shard, on_result,
                                          scheduler=args.scheduler)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished students are kept in {results_dir}/ and {out}; "
              "run the same command again to grade the rest", file=sys.stderr)
        return 130
    except dask_errors as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    errors = [r["student"] for r in results if r["report"] is None]
    print(f"graded {len(graded)} in {time.monotonic() - started:.1f} s; wrote {out}, {results_dir}/ and "
          f"{out.with_suffix('.html')}", file=sys.stderr)
    if errors:
        print(f"the grader failed on: {', '.join(escape.line(e) for e in errors)} (see their JSON files)",
              file=sys.stderr)
    return 1 if errors else 0


def run_merge(out, sources):
    """Merge shards into `out`, printing what happened; the exit status."""
    try:
        results = merge(out, sources)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"merged {len(results)} students from {len(sources)} shards into {out}", file=sys.stderr)
    return 0


class _Progress:
    """A rich progress bar on a terminal, one plain line per student otherwise (logs, CI)."""

    def __init__(self, total):
        self.total, self.count, self.bar = total, 0, None

    def __enter__(self):
        if sys.stderr.isatty() and self.total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                TextColumn("{task.description}"), transient=False)
            self.bar.start()
            self.task = self.bar.add_task("", total=self.total)
        return self.update

    def update(self, result):
        self.count += 1
        report = result["report"]
        what = "grader error" if report is None else f"{report['score']:g}/{report['max_score']:g}"
        name = escape.line(result["student"])  # a folder name may hold escape sequences or rich markup
        if self.bar:
            from rich.markup import escape as markup

            self.bar.update(self.task, advance=1, description=f"{markup(name)}: {what}")
        else:
            print(f"[{self.count}/{self.total}] {name}: {what} ({result['elapsed']:.1f} s)",
                  file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()
        return False

