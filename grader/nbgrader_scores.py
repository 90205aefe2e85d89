"""Autograde steps that score the micrograd test cells outside the student's kernel.

In nbgrader the answer cells and the test cells share one kernel, so a submission can replace
anything a test cell calls (the grader, builtins, torch, sys.modules) and make it report full
marks. These steps run in nbgrader's own process instead:

- StartMicrogradScores, before Execute: takes the answer cells' code from the sanitized notebook
  and starts grading it with the kit's grader (child processes with the standard library only),
  in a thread, so that grading overlaps nbgrader's execution of the notebook;
- MicrogradScores, before SaveAutoGrades: waits for that grade (or grades now, when the start step
  is not in the pipeline) and replaces every test cell's output with the grader's feedback and
  score. Whatever the kernel printed or returned in a test cell is discarded.

ExecuteToTheEnd takes Execute's place, so that a kernel the student's code kills costs what the
grader says it costs, not the whole submission.

Only code the course expects counts: answer cells by their grade_id (a deleted one is graded as
released, i.e. not written), given code from the course's layout. Cells a student adds are not
graded, the same rule as the check inside the notebook.
"""
import concurrent.futures
import copy

from nbclient.exceptions import DeadKernelError
from nbformat import v4
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Dict, Integer, Unicode

from grader import config, notebook_grading

PENDING = "micrograd_scores"  # the key of the running grade in nbconvert's resources


class MicrogradScores(NbGraderPreprocessor):
    """Replace each micrograd test cell's output by the kit grader's feedback and score."""

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
        pending = resources.pop(PENDING, None)
        tests = self.test_cells(nb)
        if not tests:
            return nb, resources
        try:
            report = pending.result() if pending is not None else self.grade(nb, resources)
        except Exception:
            self.log.exception("The micrograd grader failed on %s; its test cells score 0",
                               resources["nbgrader"]["notebook"])
            report = None
        results = {t.id: t for t in report.tests} if report else {}
        for cell in tests:
            result = results.get(self.layout["tests"][cell.metadata.nbgrader["grade_id"]]["id"])
            if result is None:
                text, score = "This test could not be graded (an error in the course's grader).\n", 0.0
            else:
                text, score = notebook_grading.feedback(result, hidden=True), notebook_grading.capped(result)
            cell.outputs = [
                v4.new_output("stream", name="stdout", text=text),
                v4.new_output("execute_result", data={"text/plain": repr(score)},
                              execution_count=cell.get("execution_count")),
            ]
        return nb, resources

    def test_cells(self, nb):
        """The notebook's code cells whose grade_id is a test of the layout."""
        if not self.layout:
            raise ValueError("MicrogradScores has no layout: rebuild the course with `make nbgrader`")
        return [cell for cell in nb.cells if cell.cell_type == "code"
                and cell.metadata.get("nbgrader", {}).get("grade_id") in self.layout["tests"]]

    def grade(self, nb, resources):
        """The Report of the notebook's answer cells, graded now."""
        info = resources["nbgrader"]
        by_id = {cell.metadata.nbgrader["grade_id"]: cell for cell in nb.cells
                 if cell.cell_type == "code" and "grade_id" in cell.metadata.get("nbgrader", {})}
        sources = {}
        with Gradebook(info["db_url"]) as gb:
            for spec in self.layout["parts"].values():
                for cell in spec["cells"]:
                    gid = cell["grade_id"]
                    if "source" in cell:
                        continue
                    if gid in by_id:
                        sources[gid] = by_id[gid].source
                    else:
                        self.log.warning("Answer cell %s is missing from the submission: graded as released", gid)
                        sources[gid] = _released(gb, gid, info)
        settings = config.load(self.settings_file or None)
        settings.hidden_seed = self.hidden_seed
        grade_ids = [cell.metadata.nbgrader["grade_id"] for cell in self.test_cells(nb)]
        return notebook_grading.grade_sources(sources, self.layout, grade_ids, settings,
                                              live_torch=True if self.live_torch else False)


class StartMicrogradScores(MicrogradScores):
    """Start grading the submitted answer cells in a thread; MicrogradScores picks the result up."""

    def preprocess(self, nb, resources):
        """Start the grade of the sanitized notebook's answer cells; change nothing in the notebook."""
        if self.test_cells(nb):
            # the cells are read here, before the kernel runs; the copy keeps them as submitted
            snapshot = copy.deepcopy(nb)
            pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            resources[PENDING] = pool.submit(self.grade, snapshot, resources)
            pool.shutdown(wait=False)
        return nb, resources


class ExecuteToTheEnd(Execute):
    """nbgrader's Execute, except that a kernel killed by the student's code (os._exit, a crash)
    ends the run, not the student's grade: the cells after it stay unrun, and the scores still
    come from MicrogradScores, where such code costs only the part it is in."""

    def preprocess(self, nb, resources, km=None):
        """Run the notebook as Execute does; on a dead kernel, keep what ran and go on."""
        try:
            return super().preprocess(nb, resources, km=km)
        except DeadKernelError:
            self.log.warning("The kernel died while running %s; the cells after that point were not run. "
                             "The test cells are scored by the course's grader all the same.",
                             resources["nbgrader"]["notebook"])
            return nb, resources


def _released(gb, grade_id, info):
    """The released (stub) source of an answer cell, from the gradebook ('' if it has none)."""
    try:
        return gb.find_source_cell(grade_id, info["notebook"], info["assignment"]).source
    except MissingEntry:
        return ""
