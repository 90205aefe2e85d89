"""The course's autograde steps: the micrograd test cells scored without running the submission in a kernel.

In nbgrader the answer cells and the test cells share one kernel, so a submission can replace
anything a test cell calls (the grader, builtins, torch, sys.modules) and make it report full
marks; and that kernel runs with the rights of whoever grades, so an answer cell could also rewrite
the kit's files or the course config and change every score after its own. The course therefore
takes nbgrader's Execute out of the autograde pipeline and puts MicrogradScores in its place:

- it takes the answer cells' code from the sanitized notebook (given code from the course's
  layout) and grades it with the kit's grader, whose child processes are the only place where
  student code runs, confined by the kit's sandbox;
- it writes every test cell's output from that grade: the feedback on stdout and the score as the
  cell's result, a number from 0 to the cell's points, which SaveAutoGrades then records.

Only code the course expects counts: answer cells by their grade_id (a deleted one is graded as
released, i.e. not written), given code from the course's layout. Cells a student adds are not
graded, the same rule as the check inside the notebook. A submission that makes the grader itself
fail costs the part whose grading failed, never the whole notebook. Two steps go first among
nbgrader's sanitizing steps: SubmittedFiles grades only what was submitted as files (no links),
and EncodableText keeps a character UTF-8 cannot encode from failing the whole notebook.
"""
import dataclasses
import math
import os
import pathlib
import shutil

from nbformat import v4
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Dict, Integer, Unicode

from grader import config
from grader.integrations import notebook_grading

UNGRADED = "This test could not be graded (an error in the course's grader).\n"


class MicrogradScores(NbGraderPreprocessor):
    """Score each micrograd test cell with the kit's grader, in Execute's place: nothing is run in a kernel."""

    layout = Dict(help="which cells make which student file, and the test cells (written by the course builder)"
                  ).tag(config=True)
    hidden_seed = Integer(None, allow_none=True, help="adds hidden cases drawn from this seed").tag(config=True)
    settings_file = Unicode("", help="the kit's grader settings (TOML): limits, tolerances; '' for the defaults"
                            ).tag(config=True)
    live_torch = Bool(False, help="also check hidden cases against live PyTorch (about 1.5 s more per "
                                  "submission); the reference is checked against PyTorch by the kit's tests"
                      ).tag(config=True)

    def preprocess(self, nb, resources):
        """Write every test cell's output from the grade of the submitted answer cells."""
        tests = self.test_cells(nb)
        if not tests:
            return nb, resources
        results = self.grade(nb, resources, [_grade_id(cell) for cell in tests])
        for cell in tests:
            result = results.get(self.layout["tests"][_grade_id(cell)]["id"])
            cell.outputs = outputs(result, cell.metadata["nbgrader"].get("points"), cell.get("execution_count"))
        return nb, resources

    def test_cells(self, nb):
        """The notebook's code cells whose grade_id is a test of the layout."""
        if not self.layout:
            raise ValueError("MicrogradScores has no layout: rebuild the course with `make nbgrader`")
        return [cell for cell in nb.cells
                if cell.get("cell_type") == "code" and _grade_id(cell) in self.layout["tests"]]

    def grade(self, nb, resources, grade_ids):
        """{test id: TestResult} for the test cells `grade_ids`; a test whose grading failed is left out.

        All tests are graded at once; if the grader fails on the submission (a source it cannot
        handle), each part is graded on its own, so that the failure costs only the part it is in.
        When no part can be graded, the failure is the grader's (a protection missing, a broken
        install), not the submission's: it is raised, so nbgrader reports it for this student
        instead of recording zeros.
        """
        sources = self.sources(nb, resources)
        settings = dataclasses.replace(config.load(self.settings_file or None), hidden_seed=self.hidden_seed)
        student = resources["nbgrader"]["student"]
        try:
            return self._grade(sources, grade_ids, settings)
        except Exception as exc:
            self.log.warning("The micrograd grader failed on %s's submission (%s); grading each part on its own",
                             student, _brief(exc))
        results, failed = {}, None
        for group in self.by_part(grade_ids):
            try:
                results.update(self._grade(sources, group, settings))
            except Exception as exc:
                self.log.warning("The micrograd grader failed on %s's %s (%s); these test cells score 0",
                                 student, ", ".join(group), _brief(exc))
                failed = exc
        if not results and failed is not None:
            raise RuntimeError(f"the micrograd grader could not grade any part of {student}'s submission "
                               f"({_brief(failed)}); nothing was recorded for it") from None
        return results

    def _grade(self, sources, grade_ids, settings):
        report = notebook_grading.grade_sources(sources, self.layout, grade_ids, settings,
                                                live_torch=True if self.live_torch else False)
        return {t.id: t for t in report.tests}

    def by_part(self, grade_ids):
        """`grade_ids` grouped by the part (student file) whose answer cell each test grades."""
        part_of = {cell["grade_id"]: part for part, spec in self.layout["parts"].items() for cell in spec["cells"]}
        groups = {}
        for gid in grade_ids:
            groups.setdefault(part_of.get(self.layout["tests"][gid].get("cell")), []).append(gid)
        return list(groups.values())

    def sources(self, nb, resources):
        """{grade_id: source} of the layout's answer cells, as submitted (as released when missing)."""
        info = resources["nbgrader"]
        by_id = {_grade_id(cell): cell for cell in nb.cells if cell.get("cell_type") == "code"}
        sources, missing = {}, []
        for spec in self.layout["parts"].values():
            for cell in spec["cells"]:
                gid = cell["grade_id"]
                if "source" in cell:
                    continue
                if gid not in by_id:
                    self.log.warning("Answer cell %s is missing from the submission: graded as released", gid)
                    missing.append(gid)
                elif not isinstance(by_id[gid].get("source"), str):
                    self.log.warning("Answer cell %s has no text as its source: graded as empty", gid)
                    sources[gid] = ""
                else:
                    sources[gid] = by_id[gid].source
        if missing:
            with Gradebook(info["db_url"]) as gb:
                sources.update({gid: _released(gb, gid, info) for gid in missing})
        return sources


class SubmittedFiles(NbGraderPreprocessor):
    """Grade only what was submitted as files: no notebook through a link, no copy of what a link points at.

    nbgrader reads the submitted notebook and copies the folder's other files into autograded/
    (and from there into the student's feedback) following links, with the grader's rights: a link
    to the answer key would be graded as the student's notebook, and one to the course config would
    hand its hidden seed back in the feedback. The first of the sanitizing steps refuses the former
    and takes the copies of the latter out of autograded/.
    """

    def preprocess(self, nb, resources):
        """Raise if the notebook or its folders are links; remove from autograded/ what links became."""
        folder = pathlib.Path(resources["metadata"]["path"])
        notebook = folder / f"{resources['nbgrader']['notebook']}.ipynb"
        for path in (notebook, folder, folder.parent):
            if path.is_symlink():
                raise ValueError(f"{_printable(str(path))} is a link, not what the student submitted: "
                                 "this notebook is not graded")
        converter = getattr(self.parent, "parent", None)
        if not hasattr(converter, "_format_dest"):
            raise RuntimeError("SubmittedFiles needs nbgrader's Autograde converter (nbgrader 0.9)")
        info = resources["nbgrader"]
        dest = pathlib.Path(converter._format_dest(info["assignment"], info["student"]))
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = pathlib.Path(root, name)
                if path.is_symlink() or not (path.is_dir() or path.is_file()):
                    copy = dest / path.relative_to(folder)
                    self.log.warning("%s is not a plain file or folder: left out of the autograded copy",
                                     _printable(str(path)))
                    if copy.is_dir() and not copy.is_symlink():
                        shutil.rmtree(copy)
                    elif copy.exists() or copy.is_symlink():
                        copy.unlink()
        return nb, resources


class EncodableText(NbGraderPreprocessor):
    """Replace what UTF-8 cannot encode (lone surrogates, which a notebook's JSON may hold) by U+FFFD.

    nbgrader writes the sanitized notebook as UTF-8 before grading it; one such character anywhere
    (a comment, a cell's metadata) would otherwise fail the whole submission.
    """

    def preprocess(self, nb, resources):
        """The notebook with every string (keys included) made encodable; nothing else changes."""
        stack = [nb]
        while stack:  # not recursive: the depth of a submission's JSON is the student's to choose
            node = stack.pop()
            items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            for key, value in items:
                if isinstance(node, dict) and isinstance(key, str) and not _encodable(key):
                    del node[key]
                    key = _encoded(key)
                    node[key] = value
                if isinstance(value, str):
                    if not _encodable(value):
                        node[key] = _encoded(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        return nb, resources


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _encoded(text):
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def outputs(result, points, execution_count=None):
    """A test cell's outputs for `result` (None: not graded): feedback on stdout, the score as the result.

    nbgrader reads the result as the cell's score: a number above the cell's points would abort the
    student's autograde and anything that is not a number (NaN included) would give full marks, so
    the score is a finite number from 0 to the cell's points. Nothing goes to stderr (that scores 0).
    """
    if result is None:
        text, score = UNGRADED, 0.0
    else:
        text, score = notebook_grading.feedback(result, hidden=True), notebook_grading.capped(result)
    try:
        ceiling = float(points)
    except (TypeError, ValueError):
        ceiling = 0.0
    score = min(score, ceiling) if math.isfinite(ceiling) else score
    score = score if math.isfinite(score) and score > 0 else 0.0
    return [v4.new_output("stream", name="stdout", text=text),
            v4.new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=execution_count)]


def _brief(exc):
    """An exception in one short line for the log (its text may come from the submission)."""
    text = _printable(" ".join(str(exc).split()))
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _printable(text):
    """`text` without terminal control characters (it reaches the grader's terminal through the log)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _grade_id(cell):
    """The cell's nbgrader grade_id, or None (also when its metadata is not the shape nbgrader writes)."""
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    gid = meta.get("grade_id") if isinstance(meta, dict) else None
    return gid if isinstance(gid, str) else None


def _released(gb, grade_id, info):
    """The released (stub) source of an answer cell, from the gradebook ('' if it has none)."""
    try:
        return gb.find_source_cell(grade_id, info["notebook"], info["assignment"]).source
    except MissingEntry:
        return ""
