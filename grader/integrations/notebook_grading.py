"""Grading a notebook's answer cells with the kit's grader: cells → student files → Report → cell output.

The nbgrader course keeps the student's code in cells; the grader grades files. A *layout*
(plain data, written by the course builder) says which cells make up each file:

    {"parts": {"engine": {"header": "", "cells": [{"grade_id": "given_engine_imports", "names": ["math"],
                                                    "source": "import math"},
                                                   {"grade_id": "answer_engine_Value", "names": ["Value"]}]},
               "nn": {"header": "from engine import Value\\n", "cells": [...]}, ...},
     "tests": {"engine_add": {"id": "engine.add", "points": 2}, ...}}

A part's file is its header (imports that only make sense between files) followed by its cells'
sources in layout order: a given (read-only) cell's source is the layout's own, an answer cell's
comes from the student. Both the check a student runs inside the notebook and the instructor's
scoring outside the kernel go through `grade_sources`, so they grade the same files the same way.
"""
import dataclasses
import math
import pathlib
import tempfile
import textwrap

from grader import config, escape
from grader.pipeline import check
from grader.views.reports import feedback_lines

WIDTH = 84


def assemble(layout, sources):
    """{file name: text} for every part of `layout`; `sources` maps grade_id → cell source ('' if absent)."""
    files = {}
    for part, spec in layout["parts"].items():
        chunks = [spec.get("header", "").rstrip("\n")]
        chunks += [cell.get("source", sources.get(cell["grade_id"], "")).strip("\n") for cell in spec["cells"]]
        files[f"{part}.py"] = "\n\n\n".join(c for c in chunks if c) + "\n"
    return files


def grade_sources(sources, layout, grade_ids, settings=None, live_torch=None):
    """Grade the test cells `grade_ids` on the files assembled from `sources`: a Report, one test each.

    Points come from the layout (the cells' points); `settings` gives limits, tolerances and the
    hidden seed (default: none, the student's view); `live_torch` is check.grade's.
    """
    tests = [layout["tests"][grade_id] for grade_id in grade_ids]
    test_ids = [test["id"] for test in tests]
    # a course's notebook names its exercises' folder (never the instructor's settings: no hidden seed)
    settings = settings or config.Settings(course=config.Course(pathlib.Path(layout["course"])) if layout.get("course")
                                           else None)
    settings = dataclasses.replace(settings, points={**settings.points, **{t["id"]: t["points"] for t in tests}})
    with tempfile.TemporaryDirectory(prefix="micrograd-notebook-") as folder:
        for name, text in assemble(layout, sources).items():
            # a lone surrogate (valid in a notebook's JSON, not in UTF-8) is written as its escape
            (pathlib.Path(folder) / name).write_text(text, encoding="utf-8", errors="backslashreplace")
        return check.grade(folder, test_ids, settings, live_torch=live_torch)


def capped(result):
    """The test's score as nbgrader must see it: a number from 0 to the cell's points (0 if not a number)."""
    score, points = float(result.score), float(result.max_score)
    return min(score, points) if math.isfinite(score) and score > 0 else 0.0


def feedback(result, hidden=False):
    """What a test cell shows: the score, what was found, and where to look (no hidden case's values)."""
    head = f"{escape.line(result.id)}: {capped(result):g}/{result.max_score:g} points"
    if hidden and result.hidden_cases:
        head += f" (including {result.hidden_cases} hidden case{'s' if result.hidden_cases != 1 else ''})"
    lines = [head] + feedback_lines(result)
    if result.output:
        lines.append("your code printed:")
        lines += [f"    {escape.clean(line)}" for line in result.output.splitlines()[:5]]
    # short lines: nbgrader validate cuts longer ones
    wrapped = [w for line in lines for w in textwrap.wrap(line, WIDTH, subsequent_indent="    ") or [""]]
    return "\n".join(wrapped) + "\n"
