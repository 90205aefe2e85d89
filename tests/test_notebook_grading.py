"""The nbgrader course's pieces without nbgrader running: the notebook, the files it assembles, the kernel's view."""
import ast
import pathlib

import pytest

from grader.integrations import notebook_check, notebook_grading
from grader.builders import nbgrader_course as course_lib
from grader import results
from grader.spec import DEFAULT_POINTS, PARTS, TEST_IDS

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built():
    return course_lib.notebook(ROOT / "solutions", DEFAULT_POINTS)


def _answers(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def _code(tree):
    """A module's imports (in any order) and other statements, without docstrings, as ast dumps."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    imports = sorted(ast.dump(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    return imports, [ast.dump(n) for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]


@pytest.mark.parametrize("part", PARTS)
def test_the_notebook_assembles_back_into_the_answer_key(built, part):
    nb, layout = built
    files = notebook_grading.assemble(layout, _answers(nb))
    assembled = ast.parse(files[f"{part}.py"])
    key = ast.parse((ROOT / "solutions" / f"{part}.py").read_text())
    assert _code(assembled) == _code(key)


def test_one_test_cell_per_test_id_after_its_answer_cell(built):
    nb, layout = built
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    tests = [i for i in ids if i in layout["tests"]]
    assert tests == [t.replace(".", "_") for t in TEST_IDS]
    for grade_id, test in layout["tests"].items():
        assert test["points"] == DEFAULT_POINTS[test["id"]]
        answer = ids.index(test["cell"])
        assert answer < ids.index(grade_id)
        assert all(i in layout["tests"] for i in ids[answer + 1 : ids.index(grade_id)])


def test_given_cells_travel_in_the_layout_and_never_hold_answers(built):
    nb, layout = built
    given = [cell for spec in layout["parts"].values() for cell in spec["cells"] if "source" in cell]
    assert {c["grade_id"] for c in given} >= {"given_nn_Module", "given_train_loss_fn"}
    assert not any("SOLUTION" in c["source"] for c in given)


def test_history_latest_definition_wins_and_bad_inputs_are_skipped(built):
    _, layout = built
    history = ["", "class Value:\n    old = 1\n", "print(1)", "class Value(:\n", "import math\nclass Value:\n    new = 2\n",
               "%time x = 1", "def cross_entropy(logits, target):\n    return 0\n"]
    sources, missing = notebook_check.sources_from_history(layout, history)
    assert "new = 2" in sources["answer_engine_Value"]
    assert "return 0" in sources["answer_train_cross_entropy"]
    assert missing == ["numerical_grad", "Neuron", "Layer", "MLP", "AdamW", "train", "squared_error", "SGD"]


def test_feedback_score_is_capped_and_short(built):
    long = "x" * 300
    result = results.TestResult(id="engine.tanh", score=7.5, max_score=3.0, passed=1, total=2, status="failed",
                        summary=long, hidden_cases=4)
    text = notebook_grading.feedback(result, hidden=True)
    assert notebook_grading.capped(result) == 3.0
    assert text.startswith("engine.tanh: 3/3 points (including 4 hidden cases)")
    assert max(len(line) for line in text.splitlines()) <= notebook_grading.WIDTH


def test_a_malformed_answer_key_builds_nothing_and_says_where(tmp_path, capsys):
    import argparse
    import shutil

    solutions = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", solutions)
    engine = solutions / "engine.py"
    lines = engine.read_text().splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip() == "# END SOLUTION")
    engine.write_text("\n".join(lines[:end] + lines[end + 1 :]) + "\n")
    args = argparse.Namespace(out=tmp_path / "course", solutions=solutions, config=None)
    assert course_lib.run(args) == 1
    err = capsys.readouterr().err
    assert "engine.py:" in err and "the course was not built" in err
    assert not (tmp_path / "course").exists()


def test_without_the_kit_a_test_cell_says_so_and_scores_nothing(built, tmp_path):
    import subprocess
    import sys

    _, layout = built
    (tmp_path / "micrograd_check.py").write_text(
        course_lib.CHECK_TEMPLATE.format(kit=str(tmp_path / "no-kit-here"), layout=repr(layout)))
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import micrograd_check; print(micrograd_check.check('engine.add'))"
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd="/", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert "grader was not found" in done.stdout and done.stdout.rstrip().endswith("0.0")
