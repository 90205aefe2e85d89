"""The grader as pytest tests: `pytest exercises/` shows one test per exercise id.

A folder of exercises (engine.py, nn.py, train.py beside the generator's manifest) is collected
as one test per test id, so an IDE's test explorer lists every op as passing or failing and
`pytest exercises/ -k tanh` reruns one. Each folder is graded once, by the real grader, for the
ids that were selected; a failing test shows the same feedback as `make check`.
"""

import pytest

from grader import escape
from grader.paths import MANIFEST, STUDENT_FILES
from grader.views.reports import feedback_lines
from grader.spec import TEST_IDS, part_of



def pytest_collect_file(file_path, parent):
    """Collect engine.py, nn.py and train.py of a generated exercises folder."""
    if file_path.name in STUDENT_FILES and (file_path.parent / MANIFEST).is_file():
        return ExerciseFile.from_parent(parent, path=file_path)
    return None


class ExerciseFile(pytest.File):
    """One student file: one test per test id of its part."""

    def collect(self):
        part = self.path.stem
        for test_id in _settings(self.path.parent).registry.test_ids if _course(self.path.parent) else TEST_IDS:
            if part_of(test_id) == part:
                yield ExerciseItem.from_parent(self, name=test_id)


def _course(folder):
    """The course settings file a folder of exercises was generated for (its manifest says), or None."""
    from grader.builders.stubs import read_config

    return read_config(folder)


def _settings(folder):
    """The settings a folder of exercises is graded with: its course's, else the kit's defaults."""
    from grader import config

    course = _course(folder)
    return config.load(course) if course else config.Settings()


class GradeFailure(Exception):
    """An exercise short of full marks; carries the feedback text."""


_REPORTS = pytest.StashKey[dict]()


class ExerciseItem(pytest.Item):
    """One test id, passing when the grader gives it full marks."""

    def runtest(self):
        result = self._report().tests_by_id[self.name]
        if result.score < result.max_score or result.internal_errors:
            raise GradeFailure(feedback(result))

    def _report(self):
        reports = self.config.stash.setdefault(_REPORTS, {})
        folder = self.path.parent
        if folder not in reports:
            from grader.pipeline.check import grade

            ids = [i.name for i in self.session.items if isinstance(i, ExerciseItem) and i.path.parent == folder]
            report = grade(folder, ids, _settings(folder))
            report.tests_by_id = {t.id: t for t in report.tests}
            reports[folder] = report
        return reports[folder]

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, GradeFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name


def feedback(result):
    """The feedback `make check` gives for one test id, after its score."""
    summary, *details = feedback_lines(result) or [""]
    return "\n".join([f"{escape.line(result.id)}: {result.score:g}/{result.max_score:g} — {summary}"] + details)
