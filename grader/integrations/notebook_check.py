"""A test cell's check, inside the student's kernel: grade the answer cells as last run, print, return points.

This is the student's view (`nbgrader validate`, or running a test cell in Jupyter). The kernel
is the student's, so nothing computed here counts: `nbgrader autograde` runs no kernel at all (the
course's MicrogradScores grades the submitted cells with the kit's grader and writes these cells'
output), and should a pipeline run the notebook anyway, this check does not grade there.

The answer cells' code comes from the kernel's input history: for each cell of the layout, the
last input that defined its first name (`class Value`, `def train`, ...). nbgrader gives a cell
that writes to stderr no points, so everything here prints to stdout, errors included.
"""
import ast
import contextlib
import os
import sys

from grader.integrations import notebook_grading

AUTOGRADE_NOTE = ("Graded by the course's grader outside this notebook's kernel: "
                  "see your feedback for the score of this test.")


class NotFullMarks(Exception):
    """Raised by a test cell under `nbgrader validate`, whose report shows a failing cell's error
    but not its output: the feedback is the whole "traceback"."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return str(self).splitlines()


def check(test_id, layout):
    """Grade `test_id` on the answer cells as last run in this kernel; print feedback, return the score.

    Under `nbgrader validate`, a test short of full marks raises NotFullMarks with the feedback instead.
    """
    mode = os.environ.get("NBGRADER_EXECUTION")
    with contextlib.redirect_stderr(sys.stdout):
        if mode == "autograde":
            print(AUTOGRADE_NOTE)
            return 0.0
        text, score, points = _grade(test_id, layout)
    if mode == "validate" and score < points:
        raise NotFullMarks(text)
    print(text, end="")
    return score


def _grade(test_id, layout):
    """(feedback text, score, points) for `test_id`; never raises."""
    grade_id = test_id.replace(".", "_")
    if grade_id not in layout["tests"]:
        return f"{test_id} is not a test of this notebook; nothing was graded.\n", 0.0, 0.0
    points = float(layout["tests"][grade_id]["points"])
    try:
        sources, missing = sources_from_history(layout)
        # a test needs the answer cell above it; cells not run yet are left out of the files
        cells = [cell for spec in layout["parts"].values() for cell in spec["cells"]]
        needed = next(cell["names"][0] for cell in cells if cell["grade_id"] == layout["tests"][grade_id]["cell"])
        missing = [name for name in missing if name == needed]
        if missing:
            return (f"{test_id}: 0/{points:g} points — run the cells above first: {', '.join(missing)} "
                    "not defined in this kernel yet.\n", 0.0, points)
        result = notebook_grading.grade_sources(sources, layout, [grade_id]).tests[0]
    except Exception as exc:  # the check itself failed: say so, score nothing
        return f"{test_id}: could not be graded here ({type(exc).__name__}: {exc}).\n", 0.0, points
    return notebook_grading.feedback(result), notebook_grading.capped(result), points


def sources_from_history(layout, history=None):
    """({grade_id: source}, [names never defined]) from the kernel's inputs, latest definition winning."""
    if history is None:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            raise RuntimeError("not running in an IPython kernel")
        history = [shell.transform_cell(text) for text in shell.history_manager.input_hist_raw]
    latest = {}
    for text in history:
        for name in defined_names(text):
            latest[name] = text
    sources, missing = {}, []
    for spec in layout["parts"].values():
        for cell in spec["cells"]:
            names = cell["names"]
            if "source" in cell or not names:  # given code: the layout has it
                continue
            if names[0] in latest:
                sources[cell["grade_id"]] = latest[names[0]]
            else:
                missing.append(names[0])
    return sources, missing


def defined_names(source):
    """The names a cell's top level defines with def, class or import ([] if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    return names
