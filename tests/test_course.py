"""A course's own exercises (grader.toml's [course]): the example course's engine.sigmoid, written
outside grader/, graded by check and batch, and the settings model that names it.

Expected scores come from the cases themselves (which pass under a known mistake), not from the
grader; expected sigmoid values from math, not from the course's reference.
"""
import ast
import csv
import dataclasses
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib

import pytest

from grader import config, exercises
from grader.builders import stubs
from grader.pipeline import check
from grader.pipeline.sandbox import Limits
from tests.classroom import copy_solutions

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example-course"
EXAMPLE_TOML = EXAMPLE / "grader.toml"
ANSWER = "self.grad += s * (1 - s) * out.grad"
LIMITS = Limits(wall=60.0, cpu=60.0)  # under load; none of these tests is about limits


def course_settings(**changes):
    return dataclasses.replace(config.load(EXAMPLE_TOML), limits=LIMITS, **changes)


def submission(dest, old=None, new=None):
    """The kit's answer key with the course's blocks added, one answer line changed when asked."""
    copy_solutions(dest)
    shutil.copytree(stubs.answer_key(config.load(EXAMPLE_TOML)), dest, dirs_exist_ok=True)
    if old is not None:
        path = dest / "engine.py"
        text = path.read_text()
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new))
    return dest


# ---------------------------------------------------------------------------------------------
# the settings model

def test_the_example_course_adds_engine_sigmoid_after_the_kits_exercises():
    settings = config.load(EXAMPLE_TOML)
    assert settings.registry.test_ids == exercises.kit().test_ids + ("engine.sigmoid",)
    assert settings.course.exercises == EXAMPLE / "exercises"
    assert settings.course.solutions == EXAMPLE / "solutions"
    assert settings.points["engine.sigmoid"] == 3
    assert config.Settings().registry is exercises.kit()


def test_settings_are_immutable_and_derived_by_replace():
    s = config.Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.jobs = 1
    assert dataclasses.replace(s, jobs=1).jobs == 1 and s.jobs != 0


SAMPLES = {"number": 0.05, "integer": 100, "string": "nobody"}


def _sample(key):
    if "enum" in key.schema:
        return key.schema["enum"][-1]
    return key.schema.get("maximum", SAMPLES[key.schema["type"]])


@pytest.mark.parametrize("key", [k for k in config.KEYS if k.section != "course"], ids=lambda k: f"{k.section}.{k.name}")
def test_every_key_lands_on_its_field(key):
    """A value written in the file is the one the settings hold, in the field's unit."""
    value = _sample(key)
    s = config.from_dict({key.section: {key.name: value}})
    head, _, attr = key.field.partition(".")
    got = getattr(s.limits, attr) if head == "limits" else s.extra[head][attr] if attr else getattr(s, head)
    want = value * {"memory_mb": 1 << 20, "output_kb": 1 << 10, "file_kb": 1 << 10, "disk_kb": 1 << 10}.get(key.name, 1)
    assert got == want
    assert config.from_dict({}) == config.Settings()


@pytest.mark.parametrize("data, message", [
    ({"limits": {"memory_mb": 10}}, "limits.memory_mb: 10 is less than the minimum of 64"),
    ({"grading": {"jobs": "two"}}, "grading.jobs: 'two' is not of type 'integer'"),
    ({"batch": {"jobs": 2}}, "(top level): Additional properties are not allowed ('batch'"),
    ({"points": {"engine.sigmoid": 3}}, "points: Additional properties are not allowed ('engine.sigmoid'"),
    ({"course": {}}, "course: 'exercises' is a required property"),
    ({"course": {"exercises": "exercises", "solution": "x"}}, "course: Additional properties"),
    ({"course": {"exercises": "nowhere"}}, "course.exercises: 'nowhere' is not a folder"),
])
def test_a_bad_value_names_the_file_and_the_key(tmp_path, data, message):
    path = tmp_path / "grader.toml"
    path.write_text("\n".join(f"[{section}]\n" + "".join(f'"{k}" = {v!r}\n'.replace("'", '"') for k, v in values.items())
                              for section, values in data.items()))
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def _course(tmp_path, module_text, name="engine_extra.py"):
    """A course folder whose one exercise module is `module_text`; its grader.toml's path."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / name).write_text(module_text)
    (tmp_path / "grader.toml").write_text('[course]\nexercises = "exercises"\n')
    return tmp_path / "grader.toml"


BASED = (f"import dataclasses, runpy\n"
         f"base = runpy.run_path({str(EXAMPLE / 'exercises' / 'engine_sigmoid.py')!r})['EXERCISE']\n")


@pytest.mark.parametrize("text, message", [
    ("import math\n\nx = 1 / 0\n", "engine_extra.py:3: importing the exercise module raised ZeroDivisionError"),
    ("def broken(:\n", "engine_extra.py:1: importing the exercise module raised SyntaxError"),
    ("X = 1\n", "defines neither EXERCISE (an Exercise) nor EXERCISES"),
    ("EXERCISES = [1]\n", "int is not an Exercise"),
    (BASED + "EXERCISE = dataclasses.replace(base, id='engine.tanh')\n", "'engine.tanh' is one of the kit's own"),
    (BASED + "EXERCISE = dataclasses.replace(base, id='sigmoid')\n", "must be <part>.<name>"),
    (BASED + "EXERCISE = dataclasses.replace(base, id='utils.sigmoid')\n", "must be <part>.<name>"),
    (BASED + "EXERCISE = dataclasses.replace(base, runner=('missing.py',))\n", "missing.py does not exist"),
    (BASED + "EXERCISE = dataclasses.replace(base, entry='run_other')\n", "its runner does not define run_other()"),
    (BASED + "EXERCISE = dataclasses.replace(base, points=-1)\n", "points must be a number >= 0"),
    (BASED + "EXERCISES = [base, base]\n", "'engine.sigmoid' is already defined by engine_extra.py"),
])
def test_a_malformed_exercise_module_is_named_with_its_problem(tmp_path, text, message):
    path = _course(tmp_path, text)
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert str(err.value).startswith(f"{path}: course.exercises: {tmp_path / 'exercises' / 'engine_extra.py'}")
    assert message in str(err.value)


def test_check_says_what_is_wrong_with_the_course_and_exits_2(tmp_path):
    path = _course(tmp_path, "X = 1\n")
    done = subprocess.run([sys.executable, "-m", "grader", "check", "--config", str(path), "engine.add"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "engine_extra.py: defines neither EXERCISE" in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------------------------------------
# the answer key: the course's blocks join the kit's

def test_the_courses_blocks_join_the_kits_value_class():
    key = stubs.answer_key(config.load(EXAMPLE_TOML))
    tree = ast.parse((key / "engine.py").read_text())
    value = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Value")
    methods = [n.name for n in value.body if isinstance(n, ast.FunctionDef)]
    kit_tree = ast.parse((ROOT / "solutions" / "engine.py").read_text())
    kit_value = next(n for n in kit_tree.body if isinstance(n, ast.ClassDef) and n.name == "Value")
    assert methods == [n.name for n in kit_value.body if isinstance(n, ast.FunctionDef)] + ["sigmoid"]
    assert sum(isinstance(n, ast.ClassDef) for n in tree.body) == sum(isinstance(n, ast.ClassDef) for n in kit_tree.body)
    for name in ("nn.py", "train.py"):
        assert (key / name).read_text() == (ROOT / "solutions" / name).read_text()
    rendered = stubs.render_exercises(key, config.load(EXAMPLE_TOML).registry.test_ids)["engine.py"]
    assert ANSWER not in rendered and 'raise NotImplementedError("engine.sigmoid: ' in rendered


def test_a_malformed_course_block_is_named_in_the_courses_own_file(tmp_path):
    shutil.copytree(EXAMPLE / "exercises", tmp_path / "exercises")
    (tmp_path / "solutions").mkdir()
    text = (EXAMPLE / "solutions" / "engine.py").read_text().replace("            # END SOLUTION\n", "")
    (tmp_path / "solutions" / "engine.py").write_text(text)
    (tmp_path / "grader.toml").write_text('[course]\nexercises = "exercises"\nsolutions = "solutions"\n')
    with pytest.raises(stubs.AnswerKeyError) as err:
        stubs.answer_key(config.load(tmp_path / "grader.toml"))
    line = text.splitlines().index("            # BEGIN SOLUTION engine.sigmoid: write the local derivative of sigmoid") + 1
    assert str(err.value) == f"{tmp_path / 'solutions' / 'engine.py'}:{line}: BEGIN SOLUTION is never closed: " \
                             "add '# END SOLUTION' after the answer"


def test_make_stubs_writes_the_courses_exercise_and_pytest_collects_it(tmp_path):
    out = tmp_path / "exercises"
    done = subprocess.run([sys.executable, "-m", "grader", "stubs", "--config", str(EXAMPLE_TOML), "--exercises",
                           str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert stubs.read_config(out) == EXAMPLE_TOML
    assert "def sigmoid(self):" in (out / "engine.py").read_text()
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.integrations.pytest_plugin", "-p", "no:cacheprovider",
                           str(out), "-q", "-k", "sigmoid", "--rootdir", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "engine.sigmoid: 0/3 — not written yet" in done.stdout, done.stdout + done.stderr
    assert "1 failed" in done.stdout


# ---------------------------------------------------------------------------------------------
# grading: check and batch

def test_check_gives_the_answer_full_marks(tmp_path):
    report = check.grade(submission(tmp_path / "key"), ["engine.sigmoid"], course_settings())
    (result,) = report.tests
    assert (result.id, result.status, result.score, result.max_score) == ("engine.sigmoid", "passed", 3.0, 3.0)
    cases = config.load(EXAMPLE_TOML).registry["engine.sigmoid"].cases()
    assert result.total == len(cases)
    for case in cases:  # the course's reference, against math itself
        s = 1 / (1 + math.exp(-case["a"]))
        want = config.load(EXAMPLE_TOML).registry["engine.sigmoid"].reference(case)
        assert math.isclose(want["out"], s, rel_tol=1e-12)
        assert math.isclose(want["grads"][0], case["ga"] + s * (1 - s) * case["g"], rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("wrong, mistake", [
    ("self.grad = s * (1 - s) * out.grad", "overwrite"),
    ("self.grad += x * (1 - x) * out.grad", "sigmoid_input"),
    ("self.grad += s * out.grad", "sigmoid_no_factor"),
])
def test_a_known_mistake_gets_partial_credit_and_its_diagnosis(tmp_path, wrong, mistake):
    report = check.grade(submission(tmp_path / "s", ANSWER, wrong), ["engine.sigmoid"], course_settings())
    (result,) = report.tests
    cases = config.load(EXAMPLE_TOML).registry["engine.sigmoid"].cases()
    if mistake == "overwrite":  # right exactly where the pre-set gradient is 0
        assert result.passed == sum(1 for c in cases if c["ga"] == 0) > 0
        assert result.score == round(3 * result.passed / len(cases), 4)
    assert result.status == "failed" and result.mistake == mistake
    assert result.title == config.load(EXAMPLE_TOML).registry["engine.sigmoid"].mistakes[mistake][0]


def test_hidden_cases_of_a_course_exercise_are_graded_and_not_shown(tmp_path):
    sub = submission(tmp_path / "s", ANSWER, "self.grad += x * (1 - x) * out.grad")
    (result,) = check.grade(sub, ["engine.sigmoid"], course_settings(hidden_seed=99)).tests
    hidden = config.load(EXAMPLE_TOML).registry["engine.sigmoid"].cases(seed=99, hidden=True)
    assert result.hidden_cases == len(hidden) > 0
    assert result.total == len(hidden) + len(config.load(EXAMPLE_TOML).registry["engine.sigmoid"].cases())
    shown = [f for f in result.failures if f.description.startswith("hidden case")]
    assert shown and all(f.inputs == {} and f.expected is None and f.got is None for f in shown)


def test_check_on_the_command_line_grades_the_course(tmp_path):
    sub = submission(tmp_path / "key")
    settings = tmp_path / "grader.toml"
    text = EXAMPLE_TOML.read_text().replace('"exercises"', f'"{EXAMPLE / "exercises"}"', 1)
    settings.write_text(text.replace('"solutions"', f'"{EXAMPLE / "solutions"}"', 1)
                        + "\n[limits]\nwall_seconds = 60\ncpu_seconds = 60\n")
    done = subprocess.run([sys.executable, "-m", "grader", "check", "--config", str(settings), "--submission",
                           str(sub), "--format", "json", "engine.sigmoid"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import json

    (test,) = json.loads(done.stdout)["tests"]
    assert (test["id"], test["score"], test["max_score"]) == ("engine.sigmoid", 3.0, 3.0)


@pytest.mark.slow
def test_batch_grades_the_course_into_the_gradebook_and_analytics(tmp_path):
    from grader.classroom import batch

    submission(tmp_path / "class" / "ada")
    submission(tmp_path / "class" / "bob", ANSWER, "self.grad = s * (1 - s) * out.grad")
    out = tmp_path / "grades.csv"
    batch.grade_class(tmp_path / "class", out, course_settings(), workers=1)
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    columns = list(next(iter(rows.values())))
    assert columns == ["student", *exercises.kit().test_ids, "engine.sigmoid", "total"]
    assert rows["ada"]["engine.sigmoid"] == "3"
    cases = config.load(EXAMPLE_TOML).registry["engine.sigmoid"].cases()
    assert float(rows["bob"]["engine.sigmoid"]) == round(3 * sum(c["ga"] == 0 for c in cases) / len(cases), 4)
    page = out.with_suffix(".html").read_text()
    assert "engine.sigmoid" in page and "overwrote .grad instead of accumulating" in page
    assert tomllib.loads(EXAMPLE_TOML.read_text())["course"]["exercises"] == "exercises"


def test_the_html_report_tables_and_draws_the_courses_exercise(tmp_path):
    from grader.views import reports

    settings = course_settings()
    report = check.grade(submission(tmp_path / "s", ANSWER, "self.grad = s * (1 - s) * out.grad"),
                         ["engine.sigmoid"], settings)
    page = reports.render(report, "html", registry=settings.registry)
    assert "engine.sigmoid" in page and "overwrote .grad instead of accumulating" in page
    assert "out.grad (upstream gradient)" in page  # the exercise's own table of a case's inputs
    if shutil.which("dot"):
        assert "<svg" in page  # and its drawing of the case's graph


def test_a_change_to_a_course_exercise_grades_stored_results_again(tmp_path):
    """batch reuses a stored grade only under the same settings: a course's code is part of them."""
    from grader.classroom import batch

    shutil.copytree(EXAMPLE, tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "course" / "grader.toml"
    before = batch.settings_hash(config.load(path))
    assert batch.settings_hash(config.load(path)) == before
    runner = tmp_path / "course" / "exercises" / "child" / "engine_sigmoid.py"
    runner.write_text(runner.read_text() + "\n# changed\n")
    assert batch.settings_hash(config.load(path)) != before
