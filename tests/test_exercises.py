"""The exercise registry: each test id is one module, and the pipeline is generic over it.

An exercise declared here and nowhere else (its cases, child runner, reference, value shape and
mistakes) is graded, diagnosed and reported like a built-in one; the child-side sources import
nothing and define their entry points; modules talk through data, not through each other's words.
"""
import ast
import dataclasses
import importlib.util
import json
import pathlib

import pytest

from grader import cli
from grader.builders import nbgrader_course
from grader.classroom import analytics
from grader.pipeline import check, protocol
from grader.views import reports
from grader.config import Settings
from grader.exercises import Exercise, Registry, kit
from grader.pipeline.sandbox import Limits

ROOT = pathlib.Path(__file__).resolve().parent.parent
SETTINGS = Settings(limits=Limits(wall=60.0, cpu=60.0))


@pytest.mark.parametrize("exercise", list(kit()), ids=lambda e: e.id)
def test_each_runner_defines_its_entry_and_imports_nothing(exercise):
    tree = ast.parse(exercise.runner_source())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert exercise.entry in defined
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]  # the child's own helpers only
    assert "micrograd_ref" not in exercise.runner_source()  # never the reference of what it grades


def test_a_runner_compiled_by_the_grader_is_taken_only_by_the_same_interpreter():
    """The child runs the grader's compilation of a runner when its import magic number is its own,
    and compiles the source itself otherwise (a `python` setting of another version)."""
    import base64
    import marshal

    from grader.pipeline import child, sandbox

    source = "def _kit_runner_probe():\n    return 'source'\n"
    other = compile("def _kit_runner_probe():\n    return 'bytecode'\n", child.RUNNER_FILE, "exec")
    try:
        child.load_runner(source, sandbox.compiled_runner(source))
        assert child._kit_runner_probe() == "source"  # the grader's compilation of that same source
        assert child._kit_runner_probe.__code__.co_filename == child.RUNNER_FILE
        header = (1).to_bytes(4, "little") + importlib.util.source_hash(source.encode())  # a .pyc's flags, hash
        same = base64.b64encode(importlib.util.MAGIC_NUMBER + header + marshal.dumps(other)).decode()
        child.load_runner(source, same)
        assert child._kit_runner_probe() == "bytecode"  # the code given is what runs
        stale = base64.b64encode(b"\x00\x00\r\n" + header + marshal.dumps(other)).decode()
        child.load_runner(source, stale)
        assert child._kit_runner_probe() == "source"  # another version's magic: compiled from source
    finally:
        vars(child).pop("_kit_runner_probe", None)


def test_built_in_exercises_keep_their_ids_order_and_points():
    assert kit().test_ids == (
        "engine.add", "engine.mul", "engine.pow", "engine.relu", "engine.tanh", "engine.exp", "engine.log",
        "engine.backward", "engine.numerical_grad", "nn.neuron", "nn.layer", "nn.mlp", "train.cross_entropy",
        "train.adamw", "train.loop", "train.squared_error", "train.sgd")
    assert sum(kit().default_points.values()) == 57


def test_an_id_defined_twice_is_refused():
    with pytest.raises(ValueError, match="defined twice"):
        Registry([kit()["engine.add"], kit()["engine.add"]])


# ---------------------------------------------------------------------------------------------
# an exercise that exists only in a registry built here: -a, the given __neg__

NEG_RUNNER = '''
def run_neg(mods, case, ref):
    a = mods["engine"].Value(case["a"])
    out = -a
    out.grad = case["g"]
    out.backward()
    return {"out": number(out.data), "grads": numbers([a.grad])}
'''


def neg_exercise(tmp_path):
    runner = tmp_path / "neg_child.py"
    runner.write_text(NEG_RUNNER)

    def diagnose(case, got, want):
        return "neg_sign" if got["grads"] == [-want["grads"][0]] else None

    return Exercise(
        id="engine.neg", points=4,
        draw=lambda r, hidden: [{"a": round(r.uniform(-3, 3), 6), "g": 1.0} for _ in range(3 if hidden else 2)],
        reference=lambda case: {"out": -case["a"], "grads": [-1.0]}, torch=None,
        values=protocol.record(out=protocol.number, grads=protocol.numbers), runner=(runner,), entry="run_neg",
        describe=lambda case: f"out = -a with a = {case['a']}, then out.backward()",
        mistakes={"neg_sign": ("the sign is flipped", "d(-a)/da is -1.")}, diagnose=diagnose)


def submission(folder, neg_backward="self.grad += -1 * out.grad"):
    """The answer key, its __neg__ spelled with its own _backward (so the new exercise can get it wrong)."""
    folder.mkdir()
    for name in ("engine.py", "nn.py", "train.py"):
        (folder / name).write_text((ROOT / "solutions" / name).read_text())
    engine = (folder / "engine.py").read_text()
    start = engine.index("    def __neg__(self):")
    end = engine.index("\n\n", start)
    neg = ("    def __neg__(self):\n        out = Value(-self.data, (self,), 'neg')\n\n"
           f"        def _backward():\n            {neg_backward}\n        out._backward = _backward\n        return out")
    (folder / "engine.py").write_text(engine[:start] + neg + engine[end:])
    return folder


def test_an_exercise_declared_once_is_graded_hidden_cases_and_all(tmp_path):
    registry = Registry([*kit(), neg_exercise(tmp_path)])
    settings = dataclasses.replace(SETTINGS, hidden_seed=11)
    report = check.grade(submission(tmp_path / "ok"), ["engine.neg", "engine.add"], settings, registry=registry)
    neg = {t.id: t for t in report.tests}["engine.neg"]
    assert (neg.status, neg.score, neg.total, neg.hidden_cases) == ("passed", 4.0, 5, 3)


def test_its_mistake_is_named_and_its_cases_described(tmp_path):
    registry = Registry([*kit(), neg_exercise(tmp_path)])
    report = check.grade(submission(tmp_path / "bad", "self.grad += out.grad"), ["engine.neg"], SETTINGS,
                         registry=registry)
    neg = report.tests[0]
    assert neg.score == 0 and neg.mistake == "neg_sign" and neg.title == "the sign is flipped"
    assert neg.failure.description.startswith("out = -a with a = ")
    html = reports.render(report, "html")
    assert "the sign is flipped" in html


def test_its_values_are_held_to_its_own_shape(tmp_path):
    registry = Registry([*kit(), neg_exercise(tmp_path)])
    # a runner that sends a field the exercise does not declare: tampering, for this test id only
    report = check.grade(submission(tmp_path / "odd", "self.grad += -1 * out.grad\n            print('x')"),
                         ["engine.neg"], SETTINGS, registry=registry)
    assert report.tests[0].status == "passed"  # printing is fine
    ex = registry["engine.neg"]
    with pytest.raises(protocol.Invalid):
        protocol.parse(json.dumps({"event": "result", "case": 0, "values": {"out": 1.0, "extra": 2.0}}).encode(),
                       ex.values)


# ---------------------------------------------------------------------------------------------
# data, not wording, between modules

def test_analytics_groups_runs_that_ended_early_by_how_they_ended_not_by_the_summary():
    def test(summary):
        return {"id": "engine.tanh", "score": 0.0, "max_score": 1.0, "status": "error", "title": "",
                "summary": summary, "ended": "did not finish within 5 s", "elapsed": 0.1}

    results = [{"student": s, "report": {"tests": [test(text)], "score": 0.0, "max_score": 1.0, "elapsed": 1.0}}
               for s, text in (("a", "did not finish within 5 s on case 3"), ("b", "any other wording"))]
    tanh, = analytics.summarize(results, test_ids=("engine.tanh",))["ops"]
    assert tanh.mistakes == [("did not finish within 5 s", 2, ["a", "b"])]


def test_a_run_that_ends_early_says_so_in_its_data(tmp_path):
    folder = submission(tmp_path / "exits")
    engine = (folder / "engine.py").read_text()
    (folder / "engine.py").write_text(engine.replace("    def tanh(self):", "    def tanh(self):\n        import os; os._exit(3)", 1))
    report = check.grade(folder, ["engine.tanh", "engine.add"], SETTINGS)
    add, tanh = report.tests  # in the kit's order
    assert tanh.ended.startswith("ended the process") and not add.ended


def test_the_cli_offers_only_commands_whose_module_is_there(monkeypatch):
    monkeypatch.setitem(cli.COMMANDS, "ghost", ("grader.no_such_module", "a command of a kit without it"))
    assert "ghost" not in cli.available() and "check" in cli.available()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["ghost"])
    assert exit_.value.code == 2


def test_the_course_keeps_its_hidden_seed_as_data(tmp_path):
    (tmp_path / nbgrader_course.SEED_FILE).write_text(json.dumps({"hidden_seed": 4242}))
    # the generated config is not read back: what it says does not matter
    (tmp_path / "nbgrader_config.py").write_text("c.MicrogradScores.hidden_seed = 1\n")
    assert nbgrader_course.hidden_seed(tmp_path, Settings()) == 4242
    assert nbgrader_course.hidden_seed(tmp_path, Settings(hidden_seed=5)) == 5
