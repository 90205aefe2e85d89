"""MicrogradScores: an nbgrader autograde step that scores the test cells outside the student's kernel.

In nbgrader the answer cells and the test cells share one kernel, so a submission can replace
anything a test cell calls (the grader, builtins, torch, sys.modules) and make it report full
marks. This step runs in nbgrader's own process, after the notebook has been executed and before
SaveAutoGrades: it reads the answer cells' code from the notebook, grades it with the kit's grader
(child processes with the standard library only), and replaces every test cell's output with the
grader's feedback and score. Whatever the kernel printed or returned in a test cell is discarded.

Only code the course expects counts: answer cells by their grade_id (a deleted one is graded as
released, i.e. not written), given code from the course's layout. Cells a student adds are not
graded, the same rule as the check inside the notebook.
"""
from nbformat import v4
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Integer, Unicode

from grader import config, notebook_grading


class MicrogradScores(NbGraderPreprocessor):
    """Replace each micrograd test cell's output by the kit grader's feedback and score."""

    layout = Dict(help="which cells make which student file, and the test cells (written by the course builder)"
                  ).tag(config=True)
    hidden_seed = Integer(None, allow_none=True, help="adds hidden cases drawn from this seed").tag(config=True)
    settings_file = Unicode("", help="the kit's grader settings (TOML): limits, tolerances; '' for the defaults"
                            ).tag(config=True)

    def preprocess(self, nb, resources):
        """Grade the submitted answer cells once, then write every test cell's output from the result."""
        if not self.layout:
            raise ValueError("MicrogradScores has no layout: rebuild the course with `make nbgrader`")
        info = resources["nbgrader"]
        by_id = {cell.metadata.nbgrader["grade_id"]: cell for cell in nb.cells
                 if "grade_id" in cell.metadata.get("nbgrader", {})}
        tests = [gid for gid in by_id if gid in self.layout["tests"] and by_id[gid].cell_type == "code"]
        if not tests:
            return nb, resources
        sources = {}
        with Gradebook(info["db_url"]) as gb:
            for spec in self.layout["parts"].values():
                for cell in spec["cells"]:
                    gid = cell["grade_id"]
                    if "source" in cell:
                        continue
                    if gid in by_id and by_id[gid].cell_type == "code":
                        sources[gid] = by_id[gid].source
                    else:
                        self.log.warning("Answer cell %s is missing from the submission: graded as released", gid)
                        sources[gid] = self._released(gb, gid, info)
        settings = config.load(self.settings_file or None)
        settings.hidden_seed = self.hidden_seed
        try:
            report = notebook_grading.grade_sources(sources, self.layout, tests, settings)
        except Exception:
            self.log.exception("The micrograd grader failed on %s; its test cells score 0", info["notebook"])
            report = None
        results = {t.id: t for t in report.tests} if report else {}
        for gid in tests:
            result = results.get(self.layout["tests"][gid]["id"])
            cell = by_id[gid]
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

    def _released(self, gb, grade_id, info):
        """The released (stub) source of an answer cell, from the gradebook ('' if it has none)."""
        try:
            return gb.find_source_cell(grade_id, info["notebook"], info["assignment"]).source
        except MissingEntry:
            return ""
