"""What the Gradescope autograder runs in its container: grade /autograder/submission with the
hidden cases, write /autograder/results/results.json.

The autograder's root is $AUTOGRADER_ROOT (default /autograder), so that tests can stand a
temporary folder in for it. PyTorch's values of every case were computed when the zip was built
(grader/data/gradescope_torch.json); the reference's are computed here, from micrograd_ref.
The results file is the grader's own: any file of that name is removed before student code
runs, and the real one is written after every child has been killed, atomically.
"""
import json
import os
import pathlib
import sys
import time

from grader import config
from grader.atomic import write_atomic
from grader.pipeline import check, shapes
from grader.views import reports
from grader.paths import SETTINGS, gradescope_torch


SKIPPED = {"__MACOSX", *shapes.SKIP_DIRS}  # a zip's resource forks, caches, virtual environments
MAX_UPLOAD_DEPTH = 3  # folders below the upload's root searched for the submission


def find_submission(folder):
    """The submission's folder: the upload's root when it holds a Python file or a notebook (or a
    micrograd/ package), else the shallowest folder in it that does (students often upload a folder,
    or a zip of one). Any shape `check` takes is then read from there (grader/pipeline/shapes.py).
    Links are not followed."""
    folder = pathlib.Path(folder)
    level = [folder]
    for _ in range(MAX_UPLOAD_DEPTH + 1):
        below = []
        for here in level:
            try:
                entries = sorted(os.scandir(here), key=lambda e: e.name)
            except OSError:
                continue
            if any(e.is_file(follow_symlinks=False) and e.name.endswith((".py", ".ipynb")) for e in entries) or \
                    any(e.is_dir(follow_symlinks=False) and e.name == "micrograd" for e in entries):
                return pathlib.Path(here)
            below += [pathlib.Path(e.path) for e in entries
                      if e.is_dir(follow_symlinks=False) and e.name not in SKIPPED and not e.name.startswith(".")]
        level = below
    return folder


def results_json(report, options):
    """Gradescope's results.json for `report`, with the instructor's visibility settings."""
    data = reports.gradescope(report, visibility=options.get("visibility", "visible"),
                              hidden_visibility=options.get("hidden_visibility", "after_published"))
    data["stdout_visibility"] = options.get("stdout_visibility", "hidden")
    if "results_visibility" in options:
        data["visibility"] = options["results_visibility"]
    for number, test in enumerate(data["tests"], 1):
        test["number"] = str(number)
    return json.dumps(data, indent=2) + "\n"


def failure_json(message):
    """results.json when the autograder itself failed: zero, and a message for staff."""
    return json.dumps({"score": 0.0, "output": f"The autograder failed (not your code's fault): {message}. "
                       "Course staff can re-run it.", "tests": []}, indent=2) + "\n"


def main(root=None):
    """Grade the submission under `root` and write its results.json; the exit status."""
    root = pathlib.Path(root or os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        settings = config.load(SETTINGS)
        store = gradescope_torch()
        # read once, in any shape check takes, without following links (grader/pipeline/shapes.py, through
        # grader/pipeline/intake.py): the upload is never run in place
        source = find_submission(root / "submission")
        files = shapes.read(source, max_bytes=settings.limits.file)
        report = check.grade(source, settings=settings, live_torch=False, torch_store=store, instructor=True,
                             files=files)
        report.submission = "submission"
        content = results_json(report, settings.extra.get("gradescope", {}))
    except Exception as exc:  # the student still gets a results file that says what happened
        content = failure_json(f"{type(exc).__name__}: {exc}")
        print(f"autograder error: {type(exc).__name__}: {exc}", file=sys.stderr)
    write_atomic(results, content)
    print(f"graded in {time.monotonic() - started:.1f} s; wrote {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
