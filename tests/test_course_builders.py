"""The example course's engine.sigmoid in every builder: the nbgrader course (real nbgrader,
`nbgrader autograde` of submitted notebooks), the Gradescope zip (its run_autograder run here on a
temporary /autograder) and the student release (its own `check`).

Expected points come from the course's settings and from the cases that pass under a known
mistake (an overwritten .grad is right exactly where the pre-set gradient is 0).
"""
import json
import pathlib
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from grader import config
from grader.builders import stubs
from grader.integrations import notebook_grading
from grader.builders import nbgrader_course as course_lib
from tests.test_course import ANSWER, EXAMPLE, EXAMPLE_TOML, submission
from tests.test_gradescope import autograder_root, run_autograder

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = 4711
OVERWRITE = "self.grad = s * (1 - s) * out.grad"
SIGMOID = config.load(EXAMPLE_TOML).registry["engine.sigmoid"]


def overwrite_score(seed=None):
    """engine.sigmoid's score with .grad overwritten: the cases whose pre-set gradient is 0 pass."""
    chosen = SIGMOID.cases() + (SIGMOID.cases(seed=seed, hidden=True) if seed is not None else [])
    return round(3 * sum(c["ga"] == 0 for c in chosen) / len(chosen), 4)


def course_toml(folder, extra=""):
    """The example course's settings, with its folders as absolute paths, in `folder`."""
    text = EXAMPLE_TOML.read_text().replace('"exercises"', f'"{EXAMPLE / "exercises"}"', 1)
    text = text.replace('"solutions"', f'"{EXAMPLE / "solutions"}"', 1)
    path = folder / "grader.toml"
    path.write_text(text + "\n[limits]\nwall_seconds = 30\ncpu_seconds = 30\n" + extra)
    return path


# ---------------------------------------------------------------------------------------------
# nbgrader

def _cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "grade_id" in c.metadata.get("nbgrader", {})}


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    settings = course_toml(root, f"[grading]\nhidden_seed = {SEED}\n")
    layout = course_lib.build_course(root / "nbgrader", settings_file=settings)
    return root / "nbgrader", layout


def test_the_notebook_has_a_test_cell_for_the_courses_exercise(nbgrader_course):
    course_dir, layout = nbgrader_course
    source = nbformat.read(course_dir / "source/micrograd/micrograd.ipynb", as_version=4)
    release = nbformat.read(course_dir / "release/micrograd/micrograd.ipynb", as_version=4)
    meta = _cells(source)["engine_sigmoid"].metadata["nbgrader"]
    assert (meta["grade"], meta["points"]) == (True, 3)
    assert layout["tests"]["engine_sigmoid"] == {"id": "engine.sigmoid", "points": 3, "cell": "answer_engine_Value"}
    assert ANSWER in _cells(source)["answer_engine_Value"].source
    assert ANSWER not in _cells(release)["answer_engine_Value"].source
    assert "def sigmoid(self):" in _cells(release)["answer_engine_Value"].source


def test_a_test_cell_grades_the_courses_exercise_without_the_instructors_settings(nbgrader_course):
    """What the kernel's check runs: the layout names the course's exercises, not the hidden seed."""
    _, layout = nbgrader_course
    assert str(SEED) not in json.dumps(layout)
    value = (stubs.answer_key(config.load(EXAMPLE_TOML)) / "engine.py").read_text()
    (result,) = notebook_grading.grade_sources({"answer_engine_Value": _value_cell(value)}, layout,
                                               ["engine_sigmoid"]).tests
    assert (result.id, result.score, result.hidden_cases) == ("engine.sigmoid", 3.0, 0)


def _value_cell(engine_py):
    """The Value class of an engine.py, as its answer cell holds it."""
    import ast

    tree = ast.parse(engine_py)
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Value")
    return "\n".join(engine_py.splitlines()[node.lineno - 1:node.end_lineno])


def test_nbgrader_autograde_scores_the_courses_exercise(nbgrader_course):
    course_dir, _ = nbgrader_course
    source = nbformat.read(course_dir / "source/micrograd/micrograd.ipynb", as_version=4)
    release = nbformat.read(course_dir / "release/micrograd/micrograd.ipynb", as_version=4)
    for student, change in (("key", None), ("overwrite", (ANSWER, OVERWRITE))):
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for gid, cell in _cells(nb).items():
            if cell.metadata["nbgrader"]["solution"]:
                cell.source = _cells(source)[gid].source
        if change:
            cell = _cells(nb)["answer_engine_Value"]
            assert change[0] in cell.source
            cell.source = cell.source.replace(*change)
        folder = course_dir / "submitted" / student / "micrograd"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "micrograd.ipynb")
    done = course_lib.nbgrader(course_dir, "autograde", "micrograd", check=False, capture=True)
    assert done.returncode == 0, done.stdout + done.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        scores = {s: {g.name: g.auto_score for g in gb.find_submission_notebook("micrograd", "micrograd", s).grades}
                  for s in ("key", "overwrite")}
    assert scores["key"]["engine_sigmoid"] == 3.0 and scores["key"]["engine_tanh"] == 3.0
    assert scores["overwrite"]["engine_sigmoid"] == pytest.approx(overwrite_score(SEED))
    assert 0 < scores["overwrite"]["engine_sigmoid"] < 3 and scores["overwrite"]["engine_tanh"] == 3.0


# ---------------------------------------------------------------------------------------------
# Gradescope

@pytest.fixture(scope="module")
def course_zip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradescope")
    done = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--out", str(folder / "autograder.zip"),
                           "--config", str(EXAMPLE_TOML), "--hidden-seed", str(SEED)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return folder / "autograder.zip"


def test_the_zip_holds_the_courses_exercises_and_not_its_answer_key(course_zip):
    with zipfile.ZipFile(course_zip) as z:
        names = set(z.namelist())
        settings = z.read("grader.toml").decode()
        store = json.loads(z.read("grader/data/gradescope_torch.json"))
    assert {"course/exercises/engine_sigmoid.py", "course/exercises/child/engine_sigmoid.py"} <= names
    assert not any("solutions" in n for n in names)
    assert 'exercises = "course/exercises"' in settings and "solutions" not in settings
    assert len(store["engine.sigmoid"]["values"]) == len(SIGMOID.cases()) + len(SIGMOID.cases(seed=SEED, hidden=True))


def test_run_autograder_grades_the_courses_exercise_with_hidden_cases(course_zip, tmp_path):
    def roomy(text):  # not about limits: room for a loaded machine
        return text + "\n[limits]\nwall_seconds = 30\ncpu_seconds = 30\n"

    root = autograder_root(course_zip, submission(tmp_path / "s", ANSWER, OVERWRITE), roomy)
    try:
        results = run_autograder(root)
    finally:
        shutil.rmtree(root)
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests)[-1] == "engine.sigmoid"
    assert tests["engine.sigmoid"]["max_score"] == 3.0
    assert tests["engine.sigmoid"]["score"] == pytest.approx(overwrite_score(SEED))
    assert tests["engine.tanh"]["score"] == tests["engine.tanh"]["max_score"]
    assert "overwrote .grad instead of accumulating" in tests["engine.sigmoid"]["output"]


# ---------------------------------------------------------------------------------------------
# the student release

def test_the_student_kit_grades_the_courses_exercise(tmp_path):
    from grader.builders import release

    kit = release.build_student_kit(tmp_path / "student", config.load(EXAMPLE_TOML))
    assert "def sigmoid(self):" in (kit / "exercises" / "engine.py").read_text()
    assert not any(ANSWER in p.read_text(errors="replace") for p in kit.rglob("*") if p.is_file())
    assert not (kit / "course" / "solutions").exists()
    for sub, score in ((submission(tmp_path / "key"), 3.0), (submission(tmp_path / "bad", ANSWER, OVERWRITE),
                                                              overwrite_score())):
        done = subprocess.run([sys.executable, "-m", "grader", "check", "--submission", str(sub), "--format", "json",
                               "engine.sigmoid"], cwd=kit, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr
        (test,) = json.loads(done.stdout)["tests"]
        assert (test["id"], test["score"]) == ("engine.sigmoid", score)
        assert json.loads(done.stdout)["torch_check"] == "precomputed"
