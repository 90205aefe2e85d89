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
from grader.pipeline import check, intake
from grader.views import reports
from grader.paths import SETTINGS, STUDENT_FILES, gradescope_torch


def find_submission(folder):
    """The folder holding the student's files: the submission's root, or the shallowest folder in it
    with one of engine.py, nn.py, train.py (students often upload a folder or a zip of one)."""
    folder = pathlib.Path(folder)
    if any((folder / n).is_file() for n in STUDENT_FILES):
        return folder
    found = sorted((p.parent for n in STUDENT_FILES for p in folder.rglob(n) if "__MACOSX" not in p.parts),
                   key=lambda p: (len(p.parts), str(p)))
    return found[0] if found else folder


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
        # read once, without following links (grader/pipeline/intake.py): the upload is never run in place
        source = find_submission(root / "submission")
        files = intake.read_submission(source, max_bytes=settings.limits.file)
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
