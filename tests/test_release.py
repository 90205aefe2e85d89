"""The student release: no answer code in it (literally, and nothing in it scores when handed in),
its expectations agree with live PyTorch, and `make check` in it gives the answer key full marks
(without PyTorch) and a buggy submission its diagnosis."""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from grader.builders import release, stubs
from grader.pipeline import cases, check, compare, expect, sandbox
from grader.views import reports
from grader.config import Settings
from grader.results import Report
from grader.spec import DEFAULT_POINTS, TEST_IDS
from tests.classroom import MUTANTS, SOLUTIONS, copy_solutions, mutate

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAME = re.compile(r"[A-Za-z_]\w*")


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "student"
    release.build_student_kit(out)
    return out


def block_lines():
    """Every code line inside an answer-key block, read with the key's own parser."""
    lines = {}
    for path in sorted(SOLUTIONS.glob("*.py")):
        key = stubs.parse_key(path)
        for block in key.blocks:
            for line in key.lines[block.begin:block.end - 1]:
                if line.strip() and not line.strip().startswith("#"):
                    lines[line.strip()] = f"{path.name}: {block.id}"
    return lines


def release_lines(kit, under=""):
    for path in sorted((kit / under).rglob("*")):
        if path.is_file():
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                yield path.relative_to(kit), n, line.strip()


def test_release_layout(kit):
    assert {p.name for p in kit.iterdir()} >= {"exercises", "grader", "micrograd_ref", "README.md", "Makefile",
                                               "requirements.txt"}
    assert not (kit / "solutions").exists()
    assert not (kit / "grader" / "pipeline" / "torch_expect.py").exists() and not (kit / "grader" / "builders" / "stubs.py").exists()
    assert "torch" not in (kit / "requirements.txt").read_text()
    assert sorted(p.name for p in (kit / "exercises").glob("*.py")) == ["engine.py", "nn.py", "train.py"]


def test_no_line_of_any_answer_block_is_in_the_release(kit):
    answers = block_lines()
    assert len(answers) > 40
    # the stand-in reference and the exercises: every line with a name in it counts
    strict = [(f, n, answers[line]) for under in ("exercises", "micrograd_ref")
              for f, n, line in release_lines(kit, under) if line in answers and NAME.search(line)]
    assert strict == []
    # everywhere: lines of three names or more ("return x", "loss.backward()" are the grader's own code too)
    loose = [(f, n, answers[line]) for f, n, line in release_lines(kit)
             if line in answers and len(NAME.findall(line)) >= 3]
    assert loose == []


def test_the_leak_check_finds_answer_code(tmp_path):
    (tmp_path / "notes.py").write_text("# my notes\n" + (SOLUTIONS / "engine.py").read_text().splitlines()[0]
                                       + "\n        self.grad += (1 - t**2) * out.grad\n")
    hits = release.leaks(tmp_path)
    assert [(f, n) for f, n, *_ in hits] == [("notes.py", 3)]


def adapted_standins(kit, dest):
    """The release's stand-in reference handed in as a submission, its imports pointed at the
    student's engine so that every piece actually runs in the grader."""
    dest.mkdir()
    ref = kit / "micrograd_ref"
    shutil.copyfile(ref / "engine.py", dest / "engine.py")
    nn = (ref / "nn.py").read_text()
    nn = nn.replace("from micrograd_ref.data import RNG", "from random import Random as RNG")
    nn = nn.replace("from micrograd_ref.engine import _TANH, Value", "import math\nfrom engine import Value\n_TANH = math.tanh")
    (dest / "nn.py").write_text(nn)
    losses = (ref / "losses.py").read_text().replace(
        "from micrograd_ref.engine import _EXP, _LOG, Value", "import math\nfrom engine import Value\n_EXP, _LOG = math.exp, math.log")
    (dest / "train.py").write_text(losses + "\n" + (ref / "optim.py").read_text())
    assert "micrograd_ref" not in "".join(p.read_text() for p in dest.iterdir())
    return dest


def test_nothing_in_the_release_scores_when_handed_in(kit, tmp_path):
    report = check.grade(adapted_standins(kit, tmp_path / "standins"))
    assert {t.id: t.score for t in report.tests} == {t: 0.0 for t in TEST_IDS}
    # and they did run (an import error would be status "error"): each piece fails on its own terms
    assert all(t.status == "failed" for t in report.tests)


def test_stored_reference_values_agree_with_live_pytorch(kit, torch):
    from grader.pipeline import torch_expect

    stored = json.loads((kit / "grader" / "data" / "reference_values.json").read_text())
    count = 0
    for test_id in TEST_IDS:
        for case in cases.case_list(test_id):
            value = stored[expect.store_key(test_id, case)]
            assert compare.agree(value, torch_expect.expected(test_id, case)), (test_id, case)
            count += 1
    assert count == len(stored)


def test_standin_engine_gradients_agree_with_pytorch(kit, torch):
    code = f"import sys; sys.path.insert(0, {str(kit)!r})\nfrom micrograd_ref.engine import Value\n"
    namespace = {}
    exec(code, namespace)
    Value = namespace["Value"]
    for a, b in [(0.3, -1.7), (2.5, 0.4), (-0.9, 1.1)]:
        x, y = Value(a), Value(b)
        z = ((x * y).tanh() + (x ** 2).exp() * y - (y.relu() + 1.0).log() / x) ** 3
        z.backward()
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        tz = (torch.tanh(tx * ty) + torch.exp(tx ** 2) * ty - torch.log(torch.relu(ty) + 1.0) / tx) ** 3
        tz.backward()
        assert z.data == pytest.approx(tz.item(), rel=1e-12)
        assert (x.grad, y.grad) == pytest.approx((tx.grad.item(), ty.grad.item()), rel=1e-10)
    del sys.modules["micrograd_ref.engine"], sys.modules["micrograd_ref"]
    sys.path.remove(str(kit))  # the stand-in must not shadow the reference for the tests after this one


def run_make_check(kit, submission, tmp_path, *args):
    """`make check` in a copy of the release with `submission` as its exercises."""
    copy = tmp_path / "kit"
    shutil.copytree(kit, copy)
    for path in submission.iterdir():
        shutil.copyfile(path, copy / "exercises" / path.name)
    # the environment `make setup` would make: the kit's own, entry by entry, with the release's own
    # stamp (the kit's set-up stamps its groups under other names)
    venv = copy / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").resolve().iterdir():
        if not entry.name.startswith(".installed"):
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(["make", "-C", str(copy), "check", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow
def test_answer_key_gets_full_marks_with_make_check_in_the_release(kit, tmp_path):
    proc = run_make_check(kit, copy_solutions(tmp_path / "key"), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    full = sum(DEFAULT_POINTS.values())
    assert f"{full}/{full}" in proc.stdout and "All tests pass" in proc.stdout


@pytest.mark.slow
def test_a_buggy_loop_is_diagnosed_in_the_release(kit, tmp_path):
    file, old, new, lose = MUTANTS["loop_no_zero_grad"]
    proc = run_make_check(kit, mutate(tmp_path / "bug", file, old, new), tmp_path, "exercise=train")
    assert proc.returncode == 0, proc.stderr  # a short score is feedback, not a failure of make
    assert "forgot zero_grad" in proc.stdout
    assert re.search(r"train\.loop\s+│\s+0/6", proc.stdout) and re.search(r"train\.adamw\s+│\s+6/6", proc.stdout)


@pytest.mark.slow
def test_the_release_grades_with_its_requirements_only(kit, tmp_path):
    installed = {re.split(r"[<>=!~;\[ ]", line)[0] for line in (kit / "requirements.txt").read_text().split()}
    assert "torch" not in installed
    blocked = sorted({"torch", "jinja2", "graphviz", "matplotlib", "numpy", "rich", "jsonschema"} - installed)
    key = copy_solutions(tmp_path / "key")
    # only what requirements.txt installs: importing anything else of the kit's dependencies fails
    code = (f"import sys\nfor m in {blocked!r}: sys.modules[m] = None\n"
            "from grader.pipeline import check\n"
            f"r = check.grade({str(key)!r})\n"
            "print(r.score, r.max_score, r.torch_check)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=kit, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    full = float(sum(DEFAULT_POINTS.values()))
    assert proc.stdout.split() == [str(full), str(full), "precomputed"]


def kit_command(kit, *args):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=kit, capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=300)


def test_the_student_kit_offers_only_what_it_can_do(kit, tmp_path):
    shown = kit_command(kit, "check", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "html" not in shown.stdout.lower() and "--hidden-seed" not in shown.stdout
    assert "html" not in (kit / "README.md").read_text().lower()
    # neither the HTML report (no reference engine to draw with) nor hidden cases (no reference to
    # check them against): a usage error, as documented
    for args in (["--html", str(tmp_path / "r.html")], ["--format", "html"], ["engine.add", "--hidden-seed", "3"]):
        proc = kit_command(kit, "check", *args)
        assert proc.returncode == 2 and "usage:" in proc.stderr, (args, proc.stdout, proc.stderr)
        assert "All tests pass" not in proc.stdout
    settings = tmp_path / "grader.toml"
    settings.write_text("[grading]\nhidden_seed = 3\n")
    proc = kit_command(kit, "check", "engine.add", "--config", str(settings))
    assert proc.returncode == 2 and "hidden cases" in proc.stderr and proc.stdout == ""


def test_a_case_the_kit_cannot_check_is_never_a_pass(monkeypatch, capsys):
    cases_ = check.build_cases("engine.add")
    want = [expect.expected("engine.add", c) for c, _ in cases_]
    outcome = sandbox.RunOutcome("engine.add", results=dict(enumerate(want)))  # the student's code: right
    # PyTorch disagrees with the reference on the last three cases: the kit's fault, not counted
    torch = [dict(w, out=w["out"] + 1.0) if i >= len(want) - 3 else w for i, w in enumerate(want)]
    result = check.score_test("engine.add", cases_, outcome, want, torch, Settings(), 2)
    assert (result.passed, result.total) == (len(cases_) - 3, len(cases_) - 3)
    assert len(result.internal_errors) == 3 and result.status == "error"
    assert "internal error" in result.summary
    report = Report(submission="s", tests=[result], score=result.score, max_score=result.max_score)
    assert not report.full_marks
    assert "All tests pass" not in reports.render(report, "text")
    monkeypatch.setattr(check, "grade", lambda *a, **k: report)
    parser = argparse.ArgumentParser()
    check.add_arguments(parser)
    assert check.run(parser.parse_args(["engine.add"])) == 2
    assert "All tests pass" not in capsys.readouterr().out


NOTEBOOK_RUN = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for source in json.load(open("cells.json")):
    shell.run_cell(source, store_history=True)
print("grader from", sys.modules["grader"].__file__)
"""


def test_notebook_test_cells_grade_with_the_student_kit(kit, tmp_path):
    """The nbgrader course's test cells, with MICROGRAD_KIT set to the student kit (the kit with the
    answer key out of reach), grade the answer cells run in an IPython shell."""
    from grader.builders import nbgrader_course
    from grader.spec import DEFAULT_POINTS

    nb, layout = nbgrader_course.notebook(SOLUTIONS, DEFAULT_POINTS)
    folder = tmp_path / "micrograd"
    folder.mkdir()
    (folder / f"{nbgrader_course.CHECK_MODULE}.py").write_text(nbgrader_course.CHECK_TEMPLATE.format(
        kit=str(tmp_path / "no-kit-here"), layout=nbgrader_course._pretty(layout)))
    wanted = {"engine_tanh", "nn_neuron"}
    cells = [c.source for c in nb.cells if c.cell_type == "code"
             and (not c.metadata["nbgrader"].get("grade") or c.metadata["nbgrader"]["grade_id"] in wanted)]
    (folder / "cells.json").write_text(json.dumps(cells))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", NOTEBOOK_RUN], cwd=folder, capture_output=True, text=True,
                          env=dict(env, MICROGRAD_KIT=str(kit), NO_COLOR="1"), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"grader from {kit / 'grader' / '__init__.py'}" in proc.stdout
    for test_id in ("engine.tanh", "nn.neuron"):
        points = DEFAULT_POINTS[test_id]
        assert f"{test_id}: {points:g}/{points:g} points" in proc.stdout, proc.stdout
