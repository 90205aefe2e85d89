"""The grader on real submissions: the answer key, the stubs, one-bug and hostile variants of the key.

A one-bug submission is the answer key with one line changed; it must lose its own op and only
that op, and the grader must name the mistake. A hostile submission must lose only the part it
breaks, and grading must still finish.
"""
import pathlib
import re
import shutil
import threading

import pytest

from grader.pipeline.check import grade
from grader.config import Settings
from grader.pipeline.sandbox import Limits
from grader.spec import TEST_IDS, part_of

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def make_submission(folder, edits=(), source=SOLUTIONS):
    """Copy the three student files from `source` into `folder`, applying (file, old, new) edits."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("engine.py", "nn.py", "train.py"):
        shutil.copyfile(source / name, folder / name)
    for name, old, new in edits:
        path = folder / name
        text = path.read_text()
        assert old in text, f"{old!r} is not in {name}: the answer key changed, update this test"
        path.write_text(text.replace(old, new, 1))
    return folder


def lost(report):
    """The test ids that did not get full marks."""
    return {t.id for t in report.tests if t.score < t.max_score}


def by_id(report):
    return {t.id: t for t in report.tests}


@pytest.fixture(scope="module")
def fast_settings():
    return Settings(limits=Limits(wall=5.0, cpu=8.0))


def test_answer_key_scores_full_marks():
    report = grade(SOLUTIONS)
    assert [t.id for t in report.tests] == list(TEST_IDS)
    assert lost(report) == set(), {t.id: t.summary for t in report.tests if t.score < t.max_score}
    assert report.full_marks and report.score == report.max_score
    assert all(t.status == "passed" and not t.internal_errors for t in report.tests)


def test_stubs_score_zero_and_say_what_to_write():
    report = grade(EXERCISES)
    assert report.score == 0
    for t in report.tests:
        assert t.status == "not_attempted", (t.id, t.summary)
        assert t.id in t.summary  # the stub's NotImplementedError names its exercise


ONE_BUG = [
    # (name, file, old, new, the test id that must lose, the diagnosis it must name)
    ("add overwrites", "engine.py", "other.grad += out.grad", "other.grad = out.grad", "engine.add", "overwrite"),
    ("mul without out.grad", "engine.py", "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "self.grad += other.data\n            other.grad += self.data", "engine.mul", "no_upstream"),
    ("mul scales by its own value", "engine.py", "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad", "engine.mul", "mul_own_value"),
    ("pow wrong exponent", "engine.py", "self.data ** (other - 1)", "self.data ** other", "engine.pow", "pow_wrong_exponent"),
    ("relu lets everything through", "engine.py", "(out.data > 0) * out.grad", "out.grad", "engine.relu", "relu_always"),
    ("tanh uses the input", "engine.py", "(1 - t**2) * out.grad", "(1 - self.data**2) * out.grad", "engine.tanh", "tanh_input"),
    ("exp uses the input", "engine.py", "self.grad += out.data * out.grad", "self.grad += self.data * out.grad", "engine.exp", "exp_input"),
    ("log uses the output", "engine.py", "(1 / self.data) * out.grad", "(1 / out.data) * out.grad", "engine.log", "log_output"),
    ("backward without the seed", "engine.py", "        self.grad += 1\n", "", "engine.backward", "no_seed"),
    ("backward in creation order", "engine.py", "for v in reversed(topo):\n            v._backward()",
     "for v in topo:\n            v._backward()", "engine.backward", "no_topo"),
    ("neuron without tanh", "nn.py", "return act.tanh() if self.nonlin else act", "return act", "nn.neuron", "neuron_no_tanh"),
    ("layer parameters reversed", "nn.py", "return [p for n in self.neurons for p in n.parameters()]",
     "return [p for n in reversed(self.neurons) for p in n.parameters()]", "nn.layer", "order"),
    ("mlp with a tanh last layer", "nn.py", "nonlin=i != len(nouts) - 1", "nonlin=True", "nn.mlp", ""),
    ("cross-entropy sign", "train.py", "return denom.log() - logits[target]", "return logits[target] - denom.log()",
     "train.cross_entropy", "ce_sign"),
    ("cross-entropy without the max shift", "train.py", "    logits = [v - max_val for v in logits]\n", "",
     "train.cross_entropy", "ce_overflow"),
    ("adamw without bias correction", "train.py", "m_hat = self.m[i] / (1 - self.beta1**self.t)", "m_hat = self.m[i]",
     "train.adamw", ""),
    ("loop without zero_grad", "train.py", "        optimizer.zero_grad()\n", "", "train.loop", "loop_no_zero_grad"),
    ("numerical grad over h, not 2h", "engine.py", "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x - h)) / h",
     "engine.numerical_grad", "ng_half_step"),
    ("numerical grad without dividing", "engine.py", "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x - h))",
     "engine.numerical_grad", "ng_no_divide"),
    ("numerical grad downhill", "engine.py", "(f(x + h) - f(x - h)) / (2 * h)", "(f(x - h) - f(x + h)) / (2 * h)",
     "engine.numerical_grad", "ng_sign"),
    ("squared error averaged", "train.py", "for yp, y in zip(ypred, ys)), Value(0.0))",
     "for yp, y in zip(ypred, ys)), Value(0.0)) * (1.0 / len(ys))", "train.squared_error", "se_mean"),
    ("squared error without the square", "train.py", "((yp - y) ** 2 for", "((yp - y) for",
     "train.squared_error", "se_no_square"),
    ("squared error on plain floats", "train.py", "((yp - y) ** 2 for", "((yp.data - y) ** 2 for",
     "train.squared_error", "se_cut_graph"),
    ("sgd adds the gradient", "train.py", "param.data -= self.lr * param.grad", "param.data += self.lr * param.grad",
     "train.sgd", "sgd_ascent"),
    ("sgd forgets lr", "train.py", "param.data -= self.lr * param.grad", "param.data -= param.grad", "train.sgd", "sgd_no_lr"),
    ("sgd with another default lr", "train.py", "def __init__(self, parameters, lr=0.01):",
     "def __init__(self, parameters, lr=0.1):", "train.sgd", "sgd_default_lr"),
    ("sgd zero_grad that zeroes nothing", "train.py",
     "clear every gradient before the next backward()\n        for param in self.parameters:\n            param.grad = 0",
     "clear every gradient before the next backward()\n        for param in self.parameters:\n            pass",
     "train.sgd", "zero_grad"),
]


# ways of writing the lecture's exercises that are right, though they differ from the answer key
RIGHT_TOO = [
    ("numerical grad by forward difference", "engine.py", "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x)) / h"),
    ("squared error as (y - yp)**2", "train.py", "((yp - y) ** 2 for", "((y - yp) ** 2 for"),
    ("squared error as a product", "train.py", "((yp - y) ** 2 for", "((yp - y) * (yp - y) for"),
]


@pytest.mark.parametrize("name, file, old, new", RIGHT_TOO, ids=[b[0] for b in RIGHT_TOO])
def test_other_right_answers_score_full_marks(tmp_path, name, file, old, new):
    report = grade(make_submission(tmp_path / "sub", [(file, old, new)]), ["engine.numerical_grad", "train"])
    assert not lost(report), {t.id: t.summary for t in report.tests}


@pytest.mark.parametrize("name, file, old, new, loses, mistake", ONE_BUG, ids=[b[0] for b in ONE_BUG])
def test_one_bug_loses_its_own_op_only(tmp_path, name, file, old, new, loses, mistake):
    report = grade(make_submission(tmp_path / "sub", [(file, old, new)]))
    assert lost(report) == {loses}, {t.id: t.summary for t in report.tests}
    result = by_id(report)[loses]
    assert result.failure is not None and result.failure.problem
    if mistake:
        assert result.mistake == mistake, (result.mistake, result.summary)
        assert result.hint and old.strip() not in result.hint  # a hint, never the answer line


def test_adamw_without_any_bias_correction_is_named(tmp_path):
    edits = [("train.py", "m_hat = self.m[i] / (1 - self.beta1**self.t)", "m_hat = self.m[i]"),
             ("train.py", "v_hat = self.v[i] / (1 - self.beta2**self.t)", "v_hat = self.v[i]")]
    report = grade(make_submission(tmp_path / "sub", edits))
    assert lost(report) == {"train.adamw"}
    assert by_id(report)["train.adamw"].mistake == "adam_no_bias_correction"


RECURSIVE_BACKWARD = '''
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()
'''


def recursive_submission(folder):
    sub = make_submission(folder)
    text = (sub / "engine.py").read_text()
    start = text.index("# BEGIN SOLUTION engine.backward")
    start = text.index("\n", start) + 1
    end = text.index("        # END SOLUTION", start)
    (sub / "engine.py").write_text(text[:start] + RECURSIVE_BACKWARD + text[end:])
    return sub


def test_recursive_backward_gets_a_warning_not_a_deduction(tmp_path):
    report = grade(recursive_submission(tmp_path / "sub"), ["engine.backward"])
    result = report.tests[0]
    assert result.score == result.max_score
    assert result.warnings and "recursion" in result.warnings[0]


def test_recursive_backward_deducted_when_the_instructor_says_so(tmp_path):
    report = grade(recursive_submission(tmp_path / "sub"), ["engine.backward"], Settings(deep_recursion="fail"))
    result = report.tests[0]
    assert 0 < result.score < result.max_score
    assert "RecursionError" in result.failure.problem


def test_parts_and_ids_select_what_is_graded():
    report = grade(SOLUTIONS, ["nn", "engine.tanh"])
    assert [t.id for t in report.tests] == ["engine.tanh", "nn.neuron", "nn.layer", "nn.mlp"]
    with pytest.raises(ValueError, match="unknown part or test id 'engin'"):
        grade(SOLUTIONS, ["engin"])


def test_hidden_cases_add_to_the_public_ones_and_hide_expected_values(tmp_path):
    sub = make_submission(tmp_path / "sub", [("engine.py", "(1 - t**2) * out.grad", "(1 - self.data**2) * out.grad")])
    public = grade(sub, ["engine.tanh"]).tests[0]
    hidden = grade(sub, ["engine.tanh"], Settings(hidden_seed=99)).tests[0]
    assert hidden.total > public.total and hidden.hidden_cases > 0
    hidden_failures = [f for f in hidden.failures if f.description.startswith("hidden case")]
    assert hidden_failures
    for f in hidden_failures:
        assert f.expected is None and f.inputs == {} and f.torch is None
        assert not re.search(r"\d\.\d", f.problem), f.problem  # no number of the hidden case


def test_missing_file_is_named(tmp_path):
    sub = make_submission(tmp_path / "sub")
    (sub / "nn.py").unlink()
    report = grade(sub)
    assert lost(report) == {"nn.neuron", "nn.layer", "nn.mlp"}
    assert "nn.py not found" in by_id(report)["nn.neuron"].summary


# ---------------------------------------------------------------------------------------------
# hostile submissions: each costs only the part it breaks, and grading finishes

def grade_bounded(sub, settings, seconds=90):
    """grade() in a thread that must finish within `seconds` (a liveness check, not a speed goal)."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("report", grade(sub, settings=settings)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert "report" in box, "grading did not finish"
    return box["report"]


HOSTILE = [
    ("syntax error", [("nn.py", "class Module:", "class Module(:")], {"nn.neuron", "nn.layer", "nn.mlp"}, "SyntaxError"),
    ("endless loop", [("engine.py", "self.grad += (1 - t**2) * out.grad", "while True:\n                pass")],
     {"engine.tanh"}, "did not finish"),
    ("memory bomb", [("engine.py", "self.grad += out.data * out.grad",
                      "hog = [0] * 10**9  # 8 GB")],
     {"engine.exp"}, "memory"),
    ("sys.exit", [("engine.py", "self.grad += (out.data > 0) * out.grad", "import sys\n            sys.exit(0)")],
     {"engine.relu"}, "sys.exit"),
    ("os._exit", [("engine.py", "self.grad += (1 / self.data) * out.grad", "import os\n            os._exit(3)")],
     {"engine.log"}, "os._exit"),
    ("monkeypatching math on import", [("engine.py", "import math\n", "import math\nmath.tanh = lambda x: 0.0\n")],
     {t for t in TEST_IDS if part_of(t) == "engine"}, "math.tanh"),
    ("monkeypatching builtins", [("train.py", "from engine import Value\n",
                                  "from engine import Value\nimport builtins\nbuiltins.isinstance = lambda a, b: True\n")],
     {t for t in TEST_IDS if part_of(t) == "train"}, "builtins.isinstance"),
    ("monkeypatching the grader", [("engine.py", "import math\n",
      "import math\nimport sys\nsys.modules['__main__'].number = lambda x: 1.0\n")],
     {t for t in TEST_IDS if part_of(t) == "engine"}, "grader.number"),
    ("forging results on the private pipe", [("engine.py", "self.grad += other.data * out.grad\n",
      "import os\n            for fd in range(3, 30):\n                try:\n"
      "                    os.write(fd, b'{\"event\": \"result\", \"case\": 0, \"values\": {}}\\n')\n"
      "                except OSError:\n                    pass\n            self.grad += other.data * out.grad\n")],
     {"engine.mul"}, "results channel"),
    # output past the limit is cut (and the report says so), never an error: printing costs nothing
    ("printing without end", [("engine.py", "self.grad += out.grad\n", "print('x' * 10**6)\n            self.grad += out.grad\n")],
     set(), ""),
    ("importing torch", [("nn.py", "from engine import Value\n", "from engine import Value\nimport torch\n")],
     {"nn.neuron", "nn.layer", "nn.mlp"}, "torch"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, edits, loses, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_submission_loses_only_its_part(tmp_path, fast_settings, name, edits, loses, message):
    report = grade_bounded(make_submission(tmp_path / "sub", edits), fast_settings)
    assert lost(report) == loses, {t.id: t.summary for t in report.tests}
    for test_id in loses:
        result = by_id(report)[test_id]
        text = " ".join([result.summary, result.failure.problem if result.failure else "", result.hint])
        assert message in text, text
        if name.startswith("monkeypatching") or name.startswith("forging"):
            assert result.score == 0


@pytest.mark.slow
def test_hostile_code_cannot_write_the_report(tmp_path):
    """Student code writing a results file beside itself or at --out changes nothing the parent writes."""
    out = tmp_path / "report.json"
    edits = [("engine.py", "self.grad += out.grad\n",
              f"open({str(out)!r}, 'w').write('{{\"score\": 999}}')\n            self.grad += out.grad\n")]
    sub = make_submission(tmp_path / "sub", edits)
    from grader.views import reports

    report = grade(sub)
    reports.emit(report, "json", out)
    import json

    data = json.loads(out.read_text())
    assert data["score"] == report.score <= report.max_score


CONFINED = [
    ("importing the answer key", f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom solutions.engine import Value as Key\n",
     "ModuleNotFoundError"),
    ("reading the answer key", f"open({str(SOLUTIONS / 'engine.py')!r}).read()\n", "PermissionError"),
    ("writing outside its folder", "open('/tmp/grader-escape.txt', 'w').write('x')\n", "PermissionError"),
    ("opening a network connection", "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)\n",
     "PermissionError"),
]


@pytest.mark.parametrize("name, code, error", CONFINED, ids=[c[0] for c in CONFINED])
def test_student_code_is_confined_to_its_folder(tmp_path, monkeypatch, name, code, error):
    """Landlock: student code reads only its interpreter and its folder, writes only its folder, no TCP.
    (Landlock on its own: bubblewrap, which would hide these paths altogether, is kept off PATH;
    tests/test_hostile_containment.py runs the same attacks in the full sandbox.)"""
    (tmp_path / "no-bwrap").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-bwrap"))
    sub = make_submission(tmp_path / "sub", [("engine.py", "import math\n", "import math\n" + code)])
    report = grade(sub, ["engine.add", "nn.neuron"])
    add, neuron = report.tests
    assert add.score == 0 and error in add.summary, add.summary
    assert neuron.score == neuron.max_score  # nn is graded on the reference engine, untouched
    assert not pathlib.Path("/tmp/grader-escape.txt").exists()


PARAMETER_STATE_ADAMW = '''
        self.t = 0
        for p in self.parameters:
            p.m = 0.0
            p.v = 0.0
'''
PARAMETER_STATE_STEP = '''
        self.t += 1
        for p in self.parameters:
            p.m = self.beta1 * p.m + (1 - self.beta1) * p.grad
            p.v = self.beta2 * p.v + (1 - self.beta2) * p.grad**2
            m_hat = p.m / (1 - self.beta1**self.t)
            v_hat = p.v / (1 - self.beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)
'''


def replace_block(text, block_id, body):
    start = text.index("\n", text.index(f"# BEGIN SOLUTION {block_id}")) + 1
    end = text.index("# END SOLUTION", start)
    end = text.rindex("\n", 0, end) + 1
    return text[:start] + body.lstrip("\n") + text[end:]


def test_adamw_may_keep_its_state_on_the_parameters(tmp_path):
    """The published micrograd stores m and v on each parameter: that must grade like any AdamW."""
    sub = make_submission(tmp_path / "sub")
    text = (sub / "train.py").read_text()
    text = replace_block(text, "train.adamw: set up", PARAMETER_STATE_ADAMW)
    text = replace_block(text, "train.adamw: update", PARAMETER_STATE_STEP)
    (sub / "train.py").write_text(text)
    report = grade(sub, ["train.adamw"])
    assert report.tests[0].score == report.tests[0].max_score, report.tests[0].summary
