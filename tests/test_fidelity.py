"""Fidelity: the grader's verdicts on micrograd people write, for each kind of mistake in
tests/corpus/fidelity/ (written for these tests, in the lecture's style and students').

Every verdict asserted here is decided without the grader: the corpus code is run here, in the test's
own process (it is the kit's own trusted code), and its gradients are checked by finite differences
of its own forward pass, or its optimiser and neurons against PyTorch. The grader must agree: an op
passes exactly when its gradients are right, and a wrong one is named for what it is.
"""
import dataclasses
import importlib.util
import itertools
import math
import pathlib
import shutil
import sys

import pytest

from grader.pipeline.check import grade
from grader.config import Settings
from grader.pipeline.sandbox import Limits

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus" / "fidelity"
OPS = ("add", "mul", "pow", "relu", "tanh", "exp", "log")
POINTS = (-2.3, -0.7, 0.4, 1.3, 2.9)
_count = itertools.count()


@pytest.fixture(scope="module")
def settings():
    return Settings(limits=Limits(wall=20.0, cpu=20.0))


def load(path):
    """A corpus file as a module of its own (its folder first on sys.path, for `from engine import`)."""
    name = f"fidelity_corpus_{next(_count)}"
    sys.path.insert(0, str(path.parent))
    try:
        for stale in ("engine", "nn", "train"):
            sys.modules.pop(stale, None)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))
        for stale in ("engine", "nn", "train"):
            sys.modules.pop(stale, None)


def apply(Value, op, x, y=0.8):
    a = Value(x)
    if op == "add":
        return a, a + Value(y)
    if op == "mul":
        return a, a * Value(y)
    if op == "pow":
        return a, a ** 3
    if op == "log":
        a = Value(abs(x))
        return a, a.log()
    return a, getattr(a, op)()


def gradients_right(engine, op):
    """Does the code's own backward() give d out / d a as finite differences of its own forward do?"""
    Value = engine.Value
    try:
        for x in POINTS:
            a, out = apply(Value, op, x)
            out.backward()
            h = 1e-6
            slope = (apply(Value, op, x + h)[1].data - apply(Value, op, x - h)[1].data) / (2 * h)
            if op == "log":
                slope = (apply(Value, op, abs(x) + h)[1].data - apply(Value, op, abs(x) - h)[1].data) / (2 * h)
            if not math.isclose(a.grad, slope, rel_tol=1e-4, abs_tol=1e-6):
                return False
    except (AttributeError, TypeError):
        return False  # no such op, or it returned None
    return True


def engine_verdicts(folder):
    engine = load(CORPUS / folder / "engine.py")
    return {f"engine.{op}": gradients_right(engine, op) for op in OPS}


def graded(report):
    return {t.id: t for t in report.tests}


@pytest.mark.parametrize("folder", ["lecture_composite", "composite_bad_exp", "noop", "returns_none"])
def test_an_op_passes_exactly_when_its_gradients_are_right(folder, settings):
    verdicts = engine_verdicts(folder)
    tests = graded(grade(CORPUS / folder, [f"engine.{op}" for op in OPS], settings))
    assert {t: r.score == r.max_score for t, r in tests.items()} == verdicts, \
        {t: r.summary for t, r in tests.items()}


def test_a_tanh_built_from_exp_is_graded_through_the_students_graph(settings):
    engine = load(CORPUS / "lecture_composite" / "engine.py")
    out = engine.Value(0.5).tanh()
    assert not any(isinstance(p, engine.Value) and p.data == 0.5 for p in out._prev)  # its input is not in _prev
    assert gradients_right(engine, "tanh")
    tanh = graded(grade(CORPUS / "lecture_composite", ["engine.tanh", "engine.exp"], settings))
    assert tanh["engine.tanh"].score == tanh["engine.tanh"].max_score
    assert any("graded through your graph" in w for w in tanh["engine.tanh"].warnings)
    assert not any("graded through your graph" in w for w in tanh["engine.exp"].warnings)  # exp is its own op
    # the same graph with a wrong exp: tanh, made of it, is wrong too, and said to be graded that way
    bad = graded(grade(CORPUS / "composite_bad_exp", ["engine.tanh"], settings))["engine.tanh"]
    assert not gradients_right(load(CORPUS / "composite_bad_exp" / "engine.py"), "tanh")
    assert bad.score < bad.max_score and any("graded through your graph" in w for w in bad.warnings)


def test_a_backward_that_changes_nothing_scores_nothing(settings):
    verdicts = engine_verdicts("noop")
    assert not verdicts["engine.relu"] and not verdicts["engine.tanh"]
    tests = graded(grade(CORPUS / "noop", ["engine.relu", "engine.tanh"], settings))
    for t in ("engine.relu", "engine.tanh"):  # no _backward attached, and one that changes a local copy
        assert tests[t].score == 0 and tests[t].passed == 0, tests[t].summary
        assert tests[t].title == "your _backward changes nothing"


def test_a_no_op_fails_every_case_of_every_op(tmp_path, settings):
    # every op's _backward replaced by one that does nothing: no case of any op may pass, not even those
    # whose answer is the pre-set gradient (a saturated tanh, a negative relu, exp far below 0)
    source = (CORPUS / "noop" / "engine.py").read_text()
    lines = [line for line in source.splitlines() if line.strip() != "out._backward = _backward"]
    (tmp_path / "engine.py").write_text("\n".join(lines) + "\n")
    engine = load(tmp_path / "engine.py")
    assert not any(gradients_right(engine, op) for op in OPS)
    tests = graded(grade(tmp_path, [f"engine.{op}" for op in OPS], settings))
    assert {t: r.passed for t, r in tests.items()} == {f"engine.{op}": 0 for op in OPS}
    assert all(r.total > 0 and r.title == "your _backward changes nothing" for r in tests.values())


def test_an_op_returning_none_and_a_missing_op_are_named(settings):
    engine = load(CORPUS / "returns_none" / "engine.py")
    assert engine.Value(1.0).exp() is None and not hasattr(engine.Value, "log")
    tests = graded(grade(CORPUS / "returns_none", ["engine.exp", "engine.log"], settings))
    assert tests["engine.exp"].score == 0 and tests["engine.exp"].title == "the op returns None"
    assert tests["engine.log"].score == 0 and tests["engine.log"].title == "Value has no method log"
    assert "AttributeError" not in tests["engine.log"].failure.problem
    assert not hasattr(engine, "numerical_grad")
    missing = graded(grade(CORPUS / "returns_none", ["engine.numerical_grad"], settings))["engine.numerical_grad"]
    assert missing.score == 0 and missing.title == "numerical_grad is not written yet"
    assert "AttributeError" not in missing.failure.problem


def test_a_backward_that_works_only_once_fails(settings):
    engine = load(CORPUS / "once" / "engine.py")
    Value = engine.Value
    leaves = [Value(0.5), Value(-1.5)]

    def step():
        for leaf in leaves:
            leaf.grad = 0.0
        (leaves[0] * leaves[1] + leaves[0]).tanh().backward()
        return [leaf.grad for leaf in leaves]

    first, second = step(), step()  # the same computation on a fresh graph: the same gradients are right
    t = math.tanh(0.5 * -1.5 + 0.5)
    assert math.isclose(first[0], (1 - t * t) * (-1.5 + 1)) and not math.isclose(second[0], first[0])
    result = graded(grade(CORPUS / "once", ["engine.backward"], settings))["engine.backward"]
    assert result.score < result.max_score and result.title == "backward() works only once"


def test_parameters_that_work_only_once_fail(settings):
    nn = load(CORPUS / "once" / "nn.py")
    layer, mlp = nn.Layer(2, 3), nn.MLP(2, [3, 1])
    assert len(layer.parameters()) == 9 and len(layer.parameters()) == 18  # a second call: everything twice
    mlp.parameters()
    with pytest.raises(TypeError):
        mlp.parameters()  # replaced by a list
    tests = graded(grade(CORPUS / "once", ["nn.neuron", "nn.layer", "nn.mlp"], settings))
    assert tests["nn.neuron"].score == tests["nn.neuron"].max_score
    for t in ("nn.layer", "nn.mlp"):
        assert tests[t].score == 0 and tests[t].title == "parameters() works only once", tests[t].summary


def test_adamw_ignoring_eps_is_named(settings):
    torch = pytest.importorskip("torch")
    train = load(CORPUS / "once" / "train.py")

    def trajectory(eps, theirs):
        start, grads = [0.5, -1.2], [[0.3, -0.1], [0.2, 0.4], [-0.5, 0.05]]
        if theirs:
            params = [type("P", (), {"data": x, "grad": 0.0})() for x in start]
            opt = train.AdamW(params, lr=0.1, eps=eps)
        else:
            p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            opt = torch.optim.AdamW([p], lr=0.1, betas=(0.9, 0.95), eps=eps, weight_decay=0.0)
        out = []
        for g in grads:
            if theirs:
                for q, x in zip(params, g):
                    q.grad = x
            else:
                p.grad = torch.tensor(g, dtype=torch.float64)
            opt.step()
            out.append([q.data for q in params] if theirs else p.tolist())
        return out

    ok = lambda a, b: all(math.isclose(x, y, rel_tol=1e-9) for ra, rb in zip(a, b) for x, y in zip(ra, rb))  # noqa: E731
    assert ok(trajectory(1e-8, True), trajectory(1e-8, False))  # right with the default eps
    assert not ok(trajectory(1e-1, True), trajectory(1e-1, False))  # but the eps given is not used
    result = graded(grade(CORPUS / "once", ["train.adamw"], settings))["train.adamw"]
    assert result.score < result.max_score and result.title == "AdamW ignores its eps argument"


def _neuron_out(nn, nonlin):
    n = nn.Neuron(2) if nonlin else nn.Neuron(2, nonlin=False)
    for p, w in zip(n.w, (0.7, -0.4)):
        p.data = w
    n.b.data = -0.9
    return n([0.5, 1.5]).data, 0.7 * 0.5 - 0.4 * 1.5 - 0.9


def test_a_relu_neuron_is_named_as_such(settings):
    sys.modules["engine"] = importlib.import_module("micrograd_ref.engine")  # the kit's Value, as nn.py imports it
    try:
        nn = _load_nn("karpathy_nn")
    finally:
        sys.modules.pop("engine", None)
    out, act = _neuron_out(nn, True)
    assert act < 0 and out == 0.0 and not math.isclose(out, math.tanh(act))  # relu, where tanh is asked
    result = graded(grade(CORPUS / "karpathy_nn", ["nn.neuron"], settings))["nn.neuron"]
    assert result.score < result.max_score and result.title == "the neuron uses ReLU where tanh is asked for"


class Recording:
    """A generator that says what was drawn from it."""

    def __init__(self):
        self.drawn = []

    def uniform(self, a, b):
        self.drawn.append(0.25 * (b - a) + a)
        return self.drawn[-1]


@pytest.mark.parametrize("folder, title", [("rng_ignored", "the weights are not drawn from the given rng"),
                                           ("unscaled", "the weights are not drawn at the given scale")])
def test_weights_not_drawn_from_the_given_rng_or_scale_are_named(folder, title, settings):
    sys.modules["engine"] = importlib.import_module("micrograd_ref.engine")
    try:
        nn = _load_nn(folder)
    finally:
        sys.modules.pop("engine", None)
    rng = Recording()
    n = nn.Neuron(4, rng=rng)
    right = [u * 4**-0.5 for u in rng.drawn]
    assert [w.data for w in n.w] != right  # decided here: not uniform(-1, 1) * nin**-0.5 from rng
    tests = graded(grade(CORPUS / folder, ["nn.neuron", "nn.layer", "nn.mlp"], settings))
    assert tests["nn.neuron"].title == title
    assert tests["nn.neuron"].passed == tests["nn.neuron"].total - 1  # the one case that checks how weights start
    assert tests["nn.layer"].score == tests["nn.layer"].max_score and tests["nn.mlp"].score == tests["nn.mlp"].max_score


def _load_nn(folder):
    spec = importlib.util.spec_from_file_location(f"fidelity_nn_{next(_count)}", CORPUS / folder / "nn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_error_points_at_the_students_line_not_the_reference(settings):
    # nn is graded on the kit's engine (its own engine.py, in the child): the error is raised inside
    # the kit's Value.__add__, but the line to show is the student's, in nn.py; their engine.py is there too
    lines = (CORPUS / "location" / "nn.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "act + [0.0]" in text)
    result = graded(grade(CORPUS / "location", ["nn.neuron"], settings))["nn.neuron"]
    assert result.failure.where == f"nn.py, line {line}, in __call__"
    assert "micrograd_ref" not in str(dataclasses.asdict(result)) and "engine.py" not in result.failure.where


def test_a_missing_helper_module_is_named(tmp_path, settings):
    engine = (CORPUS / "lecture_composite" / "engine.py").read_text()
    (tmp_path / "engine.py").write_text("from helpers import clip\n" + engine)
    result = graded(grade(tmp_path, ["engine.add"], settings))["engine.add"]
    assert "helpers" in result.summary and "no helpers.py" in result.hint


def test_a_missing_file_says_what_was_looked_for_and_where(tmp_path, settings):
    (tmp_path / "engine.py").write_text((CORPUS / "lecture_composite" / "engine.py").read_text())
    result = graded(grade(tmp_path, ["nn.neuron"], settings))["nn.neuron"]
    assert "nn.py not found" in result.summary and "Neuron" in result.summary and "engine.py" in result.summary


@pytest.mark.slow
def test_batch_grades_every_shape_check_takes(tmp_path, settings):
    import csv

    from grader.classroom import batch
    from grader.spec import TEST_IDS

    shapes = CORPUS.parent
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copytree(shapes / "single", klass / "ada")  # one file and its utils.py
    (klass / "bo").mkdir()
    shutil.copyfile(shapes / "micrograd_lecture.ipynb", klass / "bo" / "micrograd_lecture.ipynb")
    shutil.copytree(shapes / "package", klass / "cy")  # micrograd/engine.py, nn.py, train.py
    settings = dataclasses.replace(settings, confinement="available")
    batch.grade_class(klass, tmp_path / "grades.csv", settings, workers=1)
    rows = list(csv.reader((tmp_path / "grades.csv").read_text().splitlines()))
    assert rows[0] == ["student", *TEST_IDS, "total"]
    for row in rows[1:]:
        student = row[0]
        checked = grade(klass / student, settings=settings)
        assert row[1:] == [f"{round(t.score, 4):g}" for t in checked.tests] + [f"{round(checked.score, 4):g}"], student
        assert checked.full_marks, student  # each shape's answers are right (tests/test_shapes.py)


def test_an_op_returning_a_number_is_named(tmp_path, settings):
    source = (CORPUS / "lecture_composite" / "engine.py").read_text()
    old = "        out = Value(math.exp(x), (self, ), 'exp')\n"
    assert old in source
    (tmp_path / "engine.py").write_text(source.replace(old, "        return math.exp(x)\n" + old))
    engine = load(tmp_path / "engine.py")
    assert isinstance(engine.Value(1.0).exp(), float) and not gradients_right(engine, "exp")
    result = graded(grade(tmp_path, ["engine.exp"], settings))["engine.exp"]
    assert result.score == 0 and result.title == "the op does not return a Value"


def test_an_optimisers_zero_grad_that_works_only_once_fails(settings):
    train = load(CORPUS / "once" / "train.py")
    params = [type("P", (), {"data": x, "grad": 0.5})() for x in (1.0, 2.0)]
    opt = train.SGD(params)
    opt.zero_grad()
    assert all(p.grad == 0 for p in params)
    for p in params:
        p.grad = 0.5
    opt.zero_grad()
    assert any(p.grad != 0 for p in params)  # the second call resets nothing
    result = graded(grade(CORPUS / "once", ["train.sgd"], settings))["train.sgd"]
    assert result.score == 0 and result.title == "zero_grad() works only once"


# a submission missing a whole class or function a test id needs: a verdict naming it and its file,
# for every test id (the kit's and a course's), never a raw AttributeError

NN_WITHOUT_NEURON = '''from engine import Value


class Layer:
    def __init__(self, nin, nout, **kwargs):
        self.neurons = []


class MLP:
    def __init__(self, nin, nouts):
        self.layers = []
'''
TRAIN_WITH_ONE_FUNCTION = '''def cross_entropy(logits, target):
    return logits[target]
'''
ENGINE_LOWERCASE = '''class value:
    def __init__(self, data, _children=(), _op=''):
        self.data, self.grad = data, 0.0
'''


def _names(path):
    """The top-level classes and functions a file defines, by running it here (the test's own code)."""
    module = load(path)
    return sorted(k for k, v in vars(module).items() if isinstance(v, (type, type(load)))
                  and not k.startswith("_") and getattr(v, "__module__", None) == module.__name__)


@pytest.mark.parametrize("test_id, file, kind, name", [
    ("nn.neuron", "nn.py", "class", "Neuron"),
    ("train.loop", "train.py", "function", "train"),
    ("train.adamw", "train.py", "class", "AdamW"),
    ("train.sgd", "train.py", "class", "SGD"),
    ("train.squared_error", "train.py", "function", "squared_error"),
])
def test_a_missing_class_or_function_is_named_with_its_file(tmp_path, settings, test_id, file, kind, name):
    (tmp_path / "engine.py").write_text((CORPUS / "lecture_composite" / "engine.py").read_text())
    (tmp_path / "nn.py").write_text(NN_WITHOUT_NEURON)
    (tmp_path / "train.py").write_text(TRAIN_WITH_ONE_FUNCTION)
    defined = _names(tmp_path / file)
    assert name not in defined and defined  # decided here: the file lacks the name, and defines these
    result = graded(grade(tmp_path, [test_id], settings))[test_id]
    assert result.score == 0 and result.passed == 0
    assert result.title == f"{file} has no {kind} {name}", result.summary
    assert result.failure.problem == f"{file} has no {kind} {name}; it defines {', '.join(defined)}"
    assert "AttributeError" not in result.summary + result.failure.problem


def test_a_missing_value_is_named_for_the_kits_test_ids_and_a_courses(tmp_path):
    from grader import config

    (tmp_path / "engine.py").write_text(ENGINE_LOWERCASE)
    assert _names(tmp_path / "engine.py") == ["value"]
    settings = dataclasses.replace(config.load(pathlib.Path(__file__).resolve().parent.parent / "docs"
                                               / "example-course" / "grader.toml"),
                                   limits=Limits(wall=20.0, cpu=20.0))
    tests = graded(grade(tmp_path, ["engine.add", "engine.backward", "engine.sigmoid"], settings))
    for test_id in ("engine.add", "engine.backward", "engine.sigmoid"):  # the last, the course's own
        t = tests[test_id]
        assert t.score == 0 and t.title == "engine.py has no class Value", (test_id, t.summary)
        assert t.failure.problem == "engine.py has no class Value; it defines value (names are case-sensitive)"


def test_a_composite_op_calling_a_method_value_lacks_is_named(tmp_path, settings):
    # the lecture's tanh, made of exp, with exp itself not written (here: named otherwise)
    source = (CORPUS / "lecture_composite" / "engine.py").read_text()
    assert source.count("    def exp(self):") == 1
    (tmp_path / "engine.py").write_text(source.replace("    def exp(self):", "    def expo(self):"))
    lines = (tmp_path / "engine.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if ").exp()" in text)
    engine = load(tmp_path / "engine.py")
    assert not hasattr(engine.Value, "exp") and not gradients_right(engine, "tanh")
    with pytest.raises(AttributeError):
        engine.Value(0.5).tanh()
    tests = graded(grade(tmp_path, ["engine.tanh", "engine.exp", "engine.add"], settings))
    tanh = tests["engine.tanh"]
    said = "your tanh calls Value.exp, which your Value does not have"
    assert tanh.score == 0 and tanh.title == said, tanh.summary
    assert tanh.failure.problem == said and tanh.failure.where == f"engine.py, line {line}, in tanh"
    assert tests["engine.exp"].title == "Value has no method exp"
    assert tests["engine.add"].score == tests["engine.add"].max_score  # add does not use exp


def test_nn_code_calling_a_method_the_kits_value_lacks_is_named(tmp_path, settings):
    # a Neuron with a sigmoid of the student's own engine: nn is graded on the kit's Value, which has none
    from micrograd_ref.engine import Value

    assert not hasattr(Value, "sigmoid")
    root = pathlib.Path(__file__).resolve().parent.parent / "solutions"
    for name in ("engine.py", "nn.py", "train.py"):
        shutil.copyfile(root / name, tmp_path / name)
    nn = tmp_path / "nn.py"
    text = nn.read_text()
    assert text.count("return act.tanh() if self.nonlin else act") == 1
    nn.write_text(text.replace("return act.tanh() if self.nonlin else act", "return act.sigmoid() if self.nonlin else act"))
    line = next(i for i, t in enumerate(nn.read_text().splitlines(), 1) if "act.sigmoid()" in t)
    neuron = graded(grade(tmp_path, ["nn.neuron"], settings))["nn.neuron"]
    said = "your __call__ calls Value.sigmoid, which the kit's Value does not have"
    assert neuron.score < neuron.max_score and neuron.title.startswith(said), neuron.title
    assert "tanh" in neuron.title and "exp" in neuron.title  # what it has instead
    assert "1 / (1 + (-x).exp())" in neuron.hint
    assert neuron.failure.problem.startswith(said) and neuron.failure.where == f"nn.py, line {line}, in __call__"
