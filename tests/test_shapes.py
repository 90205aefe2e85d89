"""Shapes people hand in: one file with its helper, a notebook with magics, karpathy's package layout
(with and without __init__.py, or the folder itself), the kit's three files.

The corpus in tests/corpus/ is micrograd in each shape, each written on its own in the styles people
write after the lecture (not copied from solutions/). Its correct versions must get full marks (the
grader checks its verdicts against PyTorch), and a mistake planted by hand must cost exactly the test
ids decided here, whatever the shape.
"""
import json
import pathlib
import shutil

import pytest

from grader.pipeline import shapes
from grader.pipeline.check import grade
from grader.config import Settings
from grader.pipeline.sandbox import Limits
from grader.spec import TEST_IDS

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


@pytest.fixture(scope="module")
def settings():
    return Settings(limits=Limits(wall=20.0, cpu=20.0))


def lost(report):
    return {t.id for t in report.tests if t.score < t.max_score}


def why(report):
    return {t.id: t.summary for t in report.tests if t.score < t.max_score}


@pytest.mark.parametrize("path, origin", [
    ("single", {"micrograd.py"}),
    ("single/micrograd.py", {"micrograd.py"}),
    ("micrograd_lecture.ipynb", {"micrograd_lecture.ipynb"}),
    ("package", {"micrograd/engine.py", "micrograd/nn.py", "micrograd/train.py"}),
    ("package/micrograd", {"micrograd/engine.py", "micrograd/nn.py", "micrograd/train.py"}),
])
def test_correct_shapes_get_full_marks(path, origin, settings):
    report = grade(CORPUS / path, settings=settings)
    assert lost(report) == set(), why(report)
    assert {t.source for t in report.tests} == origin


def test_package_without_init_grades_what_it_has_and_says_what_is_missing(settings):
    report = grade(CORPUS / "package_no_init", settings=settings)
    assert lost(report) == {t for t in TEST_IDS if t.startswith("train.")}, why(report)  # no train.py
    summary = {t.id: t.summary for t in report.tests}["train.adamw"]
    assert "no AdamW found" in summary and "micrograd/engine.py" in summary and "micrograd/nn.py" in summary


def copy(name, tmp_path):
    dest = tmp_path / name
    if (CORPUS / name).is_dir():
        shutil.copytree(CORPUS / name, dest)
    else:
        shutil.copyfile(CORPUS / name, dest)
    return dest


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}: the corpus changed"
    path.write_text(text.replace(old, new, 1))


def test_single_file_mistakes_cost_their_own_ids(tmp_path, settings):
    # by hand: d tanh/dx = 1 - t**2; written as 1 - t it is wrong wherever t is not 0 or 1. The
    # file's Neuron runs on the reference Value, so the broken tanh costs engine.tanh alone.
    folder = copy("single", tmp_path)
    edit(folder / "micrograd.py", "(1 - t**2)", "(1 - t)")
    report = grade(folder, settings=settings)
    assert lost(report) == {"engine.tanh"}, why(report)


def test_single_file_neuron_runs_on_the_reference_value(tmp_path, settings):
    # by hand: a Value whose __mul__ forward is wrong costs engine.mul, and nothing in nn or train,
    # because the file's Neuron computes with the reference's Value
    folder = copy("single", tmp_path)
    edit(folder / "micrograd.py", "Value(self.data * other.data", "Value(self.data * other.data + 1")
    report = grade(folder, settings=settings)
    assert lost(report) == {"engine.mul"}, why(report)


def test_notebook_locations_are_cells(tmp_path, settings):
    nb_path = copy("micrograd_lecture.ipynb", tmp_path)
    nb = json.loads(nb_path.read_text())
    engine_cell = nb["cells"][2]["source"]
    k = next(i for i, line in enumerate(engine_cell) if "def exp(self)" in line)
    engine_cell.insert(k + 1, "        raise ValueError('exp is broken')\n")
    nb_path.write_text(json.dumps(nb))
    report = grade(nb_path, settings=settings)
    assert lost(report) == {"engine.exp"}, why(report)
    where = {t.id: t for t in report.tests}["engine.exp"].failure.where
    # the second code cell, the line after `def exp(self):` (1-based: k + 2)
    assert where.startswith(f"micrograd_lecture.ipynb, cell 2, line {k + 2}"), where


def test_notebook_magics_are_skipped_not_fatal():
    nb = {"cells": [{"cell_type": "code", "source": ["!pip install x\n", "%matplotlib inline\n", "a = 1\n"]},
                    {"cell_type": "code", "source": "%%bash\necho hi\n"},
                    {"cell_type": "code", "source": "for i in range(2):\n    %time a += 1\n"}]}
    code, lines, problem = shapes.notebook_source(json.dumps(nb).encode(), "x.ipynb")
    assert not problem
    namespace = {}
    exec(compile(code, "x", "exec"), namespace)
    assert namespace["a"] == 1
    assert lines[2] == (1, 3)


def test_notebook_that_is_not_json_is_a_message():
    for data in (b"{not json", b"[" * 100_000 + b"]" * 100_000, b"[]"):
        code, _, problem = shapes.notebook_source(data, "x.ipynb")
        assert code is None and "x.ipynb" in problem


def test_links_are_not_followed_in_any_shape(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("class Value: pass\n")
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "micrograd.py").symlink_to(secret)
    (folder / "pkg").symlink_to(tmp_path, target_is_directory=True)
    shaped = shapes.discover(folder, TEST_IDS)
    assert shaped.files == {}
    assert "link" in shaped.problems["micrograd.py"]


def test_file_count_and_depth_are_bounded(tmp_path):
    for i in range(shapes.MAX_FILES + 5):
        (tmp_path / f"m{i:03}.py").write_text("x = 1\n")
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    (deep / "engine.py").write_text("class Value: pass\n")
    shaped = shapes.discover(tmp_path, TEST_IDS)
    assert len(shaped.files) <= shapes.MAX_FILES
    assert not any(n.endswith("engine.py") for n in shaped.files)


def test_numpy_and_graphviz_import_inside_the_sandbox(tmp_path, settings):
    folder = copy("single", tmp_path)
    edit(folder / "micrograd.py", "import math\n",
         "import math\nimport numpy as np\nfrom graphviz import Digraph\nassert np.tanh(0.0) == 0.0\n\n\n"
         "def draw_dot(root):\n    return Digraph(format='svg')\n")
    report = grade(folder, settings=settings)
    assert lost(report) == set(), why(report)


def test_another_package_costs_only_the_file_that_imports_it(tmp_path, settings):
    folder = copy("package", tmp_path)
    edit(folder / "micrograd" / "nn.py", "import random\n", "import random\nimport torch\n")
    report = grade(folder, settings=settings)
    assert lost(report) == {"nn.neuron", "nn.layer", "nn.mlp"}, why(report)
    neuron = {t.id: t for t in report.tests}["nn.neuron"]
    assert "`torch` is not available" in neuron.hint and "numpy" in neuron.hint
    assert "micrograd/nn.py, line" in neuron.summary


def test_training_at_import_is_graded_on_its_definitions_and_said_once(tmp_path):
    # the file's import never ends (a training loop at its top level): graded anyway, once noted
    report = grade(CORPUS / "import_training", settings=Settings(limits=Limits(wall=8.0, cpu=20.0)))
    assert lost(report) == set(), why(report)
    notes = [w for t in report.tests for w in t.warnings if "did not finish" in w]
    assert len(notes) == 1 and "micrograd.py" in notes[0] and "__main__" in notes[0]


@pytest.mark.parametrize("source, runs", [
    ("import math\nx = 1\n\n\ndef f():\n    return g(); h()\n", False),
    ("import time; time.sleep(3600)\n", True),
    ("from x import (a,\n    b)\nSTEPS = 100; train(STEPS)\n", True),
    ("import a  # one; two\nclass A: pass; b = 1\n", False),
    ('"""a docstring; with a semicolon"""\nif __name__ == "__main__": main(); go()\n', False),
    ("try:\n    import numpy\nexcept ImportError:\n    numpy = None\n", True),
    ("@dataclass\nclass A:\n    x: int = 0\n", False),
    ("for _ in range(9):\n    pass\n", True),
])
def test_a_top_level_that_runs_code_is_found_lexically(source, runs):
    assert shapes._runs_code(source.encode()) is runs


def test_a_sleep_after_an_import_costs_one_probe_in_the_template_not_a_timeout_per_test_id(tmp_path, monkeypatch):
    from grader.pipeline import sandbox

    if not sandbox.probe().bwrap:
        pytest.skip("the forked core needs bubblewrap")

    def no_fresh_sandbox(*args, **kwargs):
        raise AssertionError("a fresh sandbox was started: the probes run in the submission's template")

    monkeypatch.setattr(sandbox, "_prepare", no_fresh_sandbox)
    folder = copy("single", tmp_path)
    edit(folder / "micrograd.py", "import math\n", "import math\nimport time; time.sleep(3600)\n")
    report = grade(folder, ["engine.add", "engine.tanh", "nn.neuron"], settings=Settings(limits=Limits(wall=4.0, cpu=20.0)))
    assert lost(report) == set(), why(report)
    notes = [w for t in report.tests for w in t.warnings if "did not finish within 2 s" in w]
    assert len(notes) == 1 and "micrograd.py" in notes[0], [t.warnings for t in report.tests]


def test_import_that_never_finishes_even_reduced_is_said_once(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    shutil.copyfile(CORPUS / "single" / "utils.py", folder / "utils.py")
    text = (CORPUS / "single" / "micrograd.py").read_text()
    (folder / "micrograd.py").write_text(text + "\n\ndef forever():\n    while True:\n        pass\n\n\nstuck = forever()\n")
    report = grade(folder, ["engine", "nn.neuron"], settings=Settings(limits=Limits(wall=4.0, cpu=20.0)))
    assert all(t.score == 0 for t in report.tests)
    full = [t for t in report.tests if "even with its top-level loops" in t.summary]
    assert len(full) == 1, [t.summary for t in report.tests]
    assert all("does not finish" in t.summary for t in report.tests if t is not full[0])


def test_syntax_error_is_said_once_with_its_line(tmp_path, settings):
    folder = copy("single", tmp_path)
    text = (folder / "micrograd.py").read_text()
    line = text[:text.index("    def tanh(self):")].count("\n") + 1
    edit(folder / "micrograd.py", "    def tanh(self):", "    def tanh(self)")
    report = grade(folder, settings=settings)
    assert all(t.score == 0 for t in report.tests)
    full = [t for t in report.tests if f"micrograd.py, line {line}" in t.summary]
    assert len(full) == 1, [t.summary for t in report.tests]
    assert "SyntaxError" in full[0].summary
    others = [t.summary for t in report.tests if t is not full[0]]
    assert all(s == f"not graded: the SyntaxError in micrograd.py (see {full[0].id})" for s in others), others


def test_errors_point_at_the_students_file_not_the_reference(tmp_path, settings):
    # a Neuron whose __call__ raises: the location is the student's micrograd.py, never the
    # reference's engine.py that the child also holds
    folder = copy("single", tmp_path)
    edit(folder / "micrograd.py", "    def __call__(self, x):", "    def __call__(self, x):\n        raise KeyError('x')")
    report = grade(folder, ["nn.neuron"], settings=settings)
    where = report.tests[0].failure.where
    assert where.startswith("micrograd.py, line "), where


def test_report_says_where_each_part_came_from(tmp_path, settings):
    from grader.views import reports

    report = grade(CORPUS / "package", ["engine.add", "nn.neuron"], settings=settings)
    text = reports.render(report, "text")
    assert "engine graded from micrograd/engine.py" in text and "nn graded from micrograd/nn.py" in text
    data = json.loads(reports.render(report, "json"))
    assert {t["id"]: t["source"] for t in data["tests"]} == {"engine.add": "micrograd/engine.py",
                                                               "nn.neuron": "micrograd/nn.py"}


@pytest.mark.slow
def test_installed_command_grades_from_anywhere(tmp_path):
    """The kit as a wheel in a fresh virtual environment: `micrograd-check` grades a notebook and a
    folder from another directory, with nothing of the source tree (the build runs on a copy of it)."""
    import os
    import subprocess
    import sys
    import venv

    root = pathlib.Path(__file__).resolve().parent.parent
    tree = tmp_path / "tree"
    shutil.copytree(root, tree, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__",
                                                               "node_modules", "tests"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), "-q"], check=True, cwd=tmp_path)
    shutil.rmtree(tree)
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["--no-deps", *map(str, wheels.glob("*.whl"))], check=True)
    subprocess.run(pip + ["rich", "jinja2", "jsonschema", "graphviz"], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copyfile(CORPUS / "micrograd_lecture.ipynb", elsewhere / "lecture.ipynb")
    shutil.copytree(CORPUS / "package", elsewhere / "mine")
    command = str(env_dir / "bin" / "micrograd-check")
    total = f"{sum(Settings().points.values()):g}"  # every test id of the kit, at its default points
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    for target in ("lecture.ipynb", "mine"):
        html = elsewhere / f"{target}.html"
        done = subprocess.run([command, target, "--html", str(html)], cwd=elsewhere, env=clean,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "All tests pass" in done.stdout and f"{total}/{total}" in done.stdout
        assert "graded from" in done.stdout and html.read_text().count("micrograd") > 0
    # the broken notebook loses its op, through the installed command too
    nb = json.loads((elsewhere / "lecture.ipynb").read_text())
    cell = nb["cells"][2]["source"]
    k = next(i for i, line in enumerate(cell) if "def exp(self)" in line)
    cell.insert(k + 1, "        raise ValueError('exp is broken')\n")
    (elsewhere / "lecture.ipynb").write_text(json.dumps(nb))
    done = subprocess.run([command, "lecture.ipynb", "engine.exp", "--format", "json"], cwd=elsewhere, env=clean,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["tests"][0]["failure"]["where"].startswith("lecture.ipynb, cell 2")


def _report_without_timings(path):
    """The JSON report of grading `path` in a fresh interpreter, timings left out."""
    import subprocess
    import sys

    code = ("import json, sys\nfrom grader.pipeline.check import grade\nfrom grader.config import Settings\n"
            "from grader.pipeline.sandbox import Limits\nfrom grader.views import reports\n"
            "r = grade(sys.argv[1], ['engine'], settings=Settings(limits=Limits(wall=20.0, cpu=20.0)))\n"
            "print(reports.render(r, 'json'))\n")
    root = pathlib.Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=root, capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "elapsed"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(report)


def test_same_report_every_run_for_an_order_sensitive_submission():
    # a breadth-first backward over `_prev` sets (right on some graphs, wrong on others, decided by
    # hand: a value reached by paths of different lengths passes its gradient on too early), and an
    # import that prints where a large buffer was allocated: the same only without address randomisation
    reports = [_report_without_timings(CORPUS / "order_sensitive") for _ in range(3)]
    assert reports[0] == reports[1] == reports[2]
    tests = {t["id"]: t for t in reports[0]["tests"]}
    assert "scratch buffer at 0x" in tests["engine.add"]["output"]
    assert {i for i, t in tests.items() if t["score"] < t["max_score"]} == {"engine.backward"}
    assert any("_prev is a set" in w for w in tests["engine.backward"]["warnings"])


def test_one_op_passing_is_not_a_working_micrograd(settings):
    from grader.views import reports

    one = grade(CORPUS / "single", ["engine.add"], settings=settings)
    assert one.full_marks
    assert "backpropagates" not in reports.render(one, "text")
    assert "backpropagates" not in reports.render(one, "html")
    assert "the 1 graded here; the others were not run" in reports.render(one, "text")
    assert "backpropagates" in reports.render(grade(CORPUS / "single", settings=settings), "text")


def test_notebook_syntax_error_names_its_cell(tmp_path, settings):
    nb_path = copy("micrograd_lecture.ipynb", tmp_path)
    nb = json.loads(nb_path.read_text())
    cell = nb["cells"][4]["source"]  # the fourth code cell: the nn classes
    k = next(i for i, line in enumerate(cell) if line.startswith("class Layer"))
    cell[k] = cell[k].replace(":", "", 1)
    nb_path.write_text(json.dumps(nb))
    report = grade(nb_path, ["engine.add", "nn.neuron"], settings=settings)
    summaries = [t.summary for t in report.tests]
    assert summaries[0].startswith(f"micrograd_lecture.ipynb, cell 4, line {k + 1}: SyntaxError"), summaries
    assert "_ipynb.py" not in " ".join(summaries)
    assert summaries[1] == "not graded: the SyntaxError in micrograd_lecture.ipynb (see engine.add)"
