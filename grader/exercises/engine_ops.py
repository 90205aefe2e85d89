"""engine.add, engine.mul, engine.pow, engine.relu, engine.tanh, engine.exp, engine.log: one op's
`_backward`, driven directly with a chosen upstream gradient and a pre-set `.grad` (to check `+=`).

The seven ops share everything but a few declarations at the bottom: their edges, their local
derivative and the mistakes particular to each.
"""
import math

from grader.pipeline import protocol
from grader.pipeline.compare import close
from grader.exercises import Exercise, child_source
from micrograd_ref.engine import Value

# ---------------------------------------------------------------------------------------------
# cases: a, (b, or the same value twice), the upstream gradient g and pre-set grads ga, gb


def _grad(r, zero_share=0.25):
    """A pre-set .grad: usually non-zero, so that `=` instead of `+=` shows."""
    return 0.0 if r.random() < zero_share else round(r.uniform(-2, 2), 6)


def _upstream(r):
    return round(r.choice([-1, 1]) * r.uniform(0.25, 3), 6)


def binary_cases(r, n, edges):
    cases = [dict(e, g=e.get("g", 1.5), ga=e.get("ga", 0.5), gb=e.get("gb", -0.25)) for e in edges]
    for k in range(n):
        same = k % 4 == 3  # reused operand: a + a, a * a
        case = {"a": round(r.uniform(-3, 3), 6), "g": _upstream(r), "ga": _grad(r)}
        if same:
            case["same"] = True
        else:
            case.update(b=round(r.uniform(-3, 3), 6), gb=_grad(r))
        cases.append(case)
    return cases


def unary_cases(r, n, domain, edges, exponents=None):
    cases = []
    for e in edges:
        cases.append(dict({"g": 1.5, "ga": 0.5}, **e))
    for _ in range(n):
        case = {"a": round(domain(r), 6), "g": _upstream(r), "ga": _grad(r)}
        if exponents:
            case["p"] = r.choice(exponents)
            if not float(case["p"]).is_integer() or case["p"] < 0:
                case["a"] = round(r.uniform(0.2, 3), 6)  # real-valued powers need a positive base
        cases.append(case)
    return cases


def _binary(edges):
    return lambda r, hidden: binary_cases(r, 10 if hidden else 8, [] if hidden else edges)


def _unary(lo, hi, edges, exponents=None):
    return lambda r, hidden: unary_cases(r, 10 if hidden else 8, lambda r: r.uniform(lo, hi),
                                         [] if hidden else edges, exponents)


# ---------------------------------------------------------------------------------------------
# expectations

def reference(name, case):
    a = Value(case["a"])
    a.grad = case["ga"]
    if name in ("add", "mul"):
        b = a if case.get("same") else Value(case["b"])
        if not case.get("same"):
            b.grad = case["gb"]
        out = a + b if name == "add" else a * b
    elif name == "pow":
        out = a ** case["p"]
    else:
        out = getattr(a, name)()
    out.grad = case["g"]
    out._backward()
    grads = [a.grad] if name not in ("add", "mul") or case.get("same") else [a.grad, b.grad]
    return {"out": float(out.data), "grads": [float(g) for g in grads], "alive": ""}


def torch_values(name, case):
    import torch

    from grader.pipeline.torch_expect import scalar

    a = scalar(case["a"])
    b = scalar(case["b"]) if name in ("add", "mul") and not case.get("same") else a
    out = {
        "add": lambda: a + b, "mul": lambda: a * b, "pow": lambda: a ** case["p"],
        "relu": lambda: torch.relu(a), "tanh": lambda: torch.tanh(a), "exp": lambda: torch.exp(a),
        "log": lambda: torch.log(a),
    }[name]()
    out.backward(torch.tensor(float(case["g"])))
    grads = [case["ga"] + a.grad.item()]
    if name in ("add", "mul") and not case.get("same"):
        grads.append(case["gb"] + b.grad.item())
    return {"out": out.item(), "grads": grads, "alive": ""}


# ---------------------------------------------------------------------------------------------
# describing a case

def describe(name, case):
    if name in ("add", "mul"):
        sym = "+" if name == "add" else "*"
        expr = f"a {sym} a" if case.get("same") else f"a {sym} b"
        pre = f"a.grad = {case['ga']}" + ("" if case.get("same") else f", b.grad = {case['gb']}")
        args = f"a = {case['a']}" + ("" if case.get("same") else f", b = {case['b']}")
    else:
        expr = f"a ** {case['p']}" if name == "pow" else f"a.{name}()"
        pre, args = f"a.grad = {case['ga']}", f"a = {case['a']}"
    return f"out = {expr} with {args}; pre-set {pre}; out.grad = {case['g']}; out._backward()"


def inputs(case):
    """(name, value) rows saying what a case ran on, the upstream gradient included."""
    from grader.views.report_graphs import show

    rows = [("a", show(case["a"]))]
    if "b" in case:
        rows.append(("b", show(case["b"])))
    if "p" in case:
        rows.append(("exponent", show(case["p"])))
    if case.get("same"):
        rows.append(("operands", "the same value a on both sides"))
    rows.append(("a.grad before _backward()", show(case["ga"])))
    if "gb" in case:
        rows.append(("b.grad before _backward()", show(case["gb"])))
    rows.append(("out.grad (upstream gradient)", show(case["g"])))
    return rows


def label(key, index, case):
    if key == "grads" and index:
        return f"{'ab'[index[0]]}.grad"
    return None


def graph(name, failure):
    """The graph of the case (`out = a op b`) with the wrong nodes marked, or None when hidden."""
    from grader.views.report_graphs import WRONG_DATA, WRONG_GRAD, CaseGraph, listed, mark, number

    case = failure.inputs
    if "a" not in case:
        return None
    a = Value(case["a"])
    operands = [a]
    if name in ("add", "mul"):
        b = a if case.get("same") else Value(case["b"])
        out = a + b if name == "add" else a * b
        if b is not a:
            operands.append(b)
    elif name == "pow":
        out = a ** case["p"]
    else:
        out = getattr(a, name)()
    labels = {a: "a", out: "out"}
    if len(operands) == 2:
        labels[operands[1]] = "b"
    want = failure.expected or {}
    got = failure.got or {}
    out.grad = case["g"]
    if "out" in want:
        out.data = number(want["out"])
    for v, g in zip(operands, listed(want, "grads")):
        v.grad = number(g)
    colors, notes = {}, {}
    mark(out, got.get("out"), want.get("out"), "data", colors, notes, WRONG_DATA)
    for v, g, w in zip(operands, listed(got, "grads"), listed(want, "grads")):
        mark(v, g, w, "grad", colors, notes, WRONG_GRAD)
    return CaseGraph(out, labels, colors, notes)


# ---------------------------------------------------------------------------------------------
# mistakes: the grader computes each common wrong answer of a case and says which one matches

MISTAKES = {
    "overwrite": ("overwrote .grad instead of accumulating",
                  "A value can feed several nodes, and each adds its share to .grad. "
                  "Add to the gradient that is already there rather than replacing it."),
    "no_upstream": ("forgot to multiply by out.grad",
                    "Chain rule: what reaches an input is the local derivative times the gradient that "
                    "arrived at the output, out.grad."),
    "overwrite_no_upstream": ("overwrote .grad and forgot out.grad",
                              "Two things: accumulate into .grad, and scale the local derivative by out.grad."),
    "sign": ("the sign of the gradient is flipped", "Check the sign of the local derivative you wrote."),
    "noop": ("your _backward changes nothing",
             "out._backward() must add each input's share of out.grad to that input's .grad. As it is, every "
             "gradient stays what it was: is _backward written, attached to out (out._backward = _backward), "
             "and does it change self.grad rather than a copy?"),
    "returns_none": ("the op returns None",
                     "An op builds the Value out, attaches its _backward and must end with `return out`: "
                     "without it, a.op() is None and nothing can be computed from it."),
    "not_a_value": ("the op does not return a Value",
                    "An op returns the Value out it made, so that the graph goes on from it and its _backward can "
                    "run: a plain number has neither."),
    "forward": ("the forward computation changed",
                "out.data is given in the exercise file; only the body of _backward is yours. Compare it "
                "with a fresh copy of the exercise."),
}
OWN_MISTAKES = {
    "add": {"add_one_side": ("only one operand got a gradient",
                             "d(a + b)/da and d(a + b)/db are both 1: both inputs receive out.grad.")},
    "mul": {"mul_own_value": ("each operand was scaled by its own value",
                              "d(a * b)/da is b, not a: each side's gradient is scaled by the *other* operand's data.")},
    "pow": {"pow_wrong_exponent": ("wrong exponent in the power rule",
                                   "d/dx x**n = n * x**(n - 1): check both the factor and the exponent."),
            "pow_no_factor": ("the power rule is missing its factor n",
                              "d/dx x**n = n * x**(n - 1): the exponent comes down as a factor.")},
    "relu": {"relu_always": ("gradient flows through a negative relu",
                             "relu is flat (slope 0) where its input is negative: no gradient passes there."),
             "relu_by_value": ("relu's slope was taken as its output value",
                               "relu's slope is 1 where it is active and 0 elsewhere, not out.data itself.")},
    "tanh": {"tanh_input": ("used the input where the output belongs",
                            "d/dx tanh(x) = 1 - tanh(x)**2: it is written with the output t = tanh(x), not with x."),
             "tanh_no_square": ("tanh's derivative is missing a square", "d/dx tanh(x) = 1 - tanh(x)**2.")},
    "exp": {"exp_input": ("used the input where the output belongs",
                          "e**x is its own derivative: the local derivative is the output of exp, not x.")},
    "log": {"log_output": ("used the output where the input belongs",
                           "d/dx log(x) = 1/x, with x the input of log, not its output."),
            "log_wrong": ("log's derivative is not 1/x", "d/dx log(x) = 1/x.")},
}


def _local(op, x, y, p=None):
    return {"add": None, "mul": None, "pow": lambda: p * x ** (p - 1), "relu": lambda: 1.0 if y > 0 else 0.0,
            "tanh": lambda: 1 - y**2, "exp": lambda: y, "log": lambda: 1 / x}[op]()


def _safe(f):
    try:
        v = f()
        return v if isinstance(v, float) and math.isfinite(v) else (float(v) if isinstance(v, int) else None)
    except (ArithmeticError, ValueError):
        return None


def _wrong_locals(op, case, x, y):
    """(mistake, local derivatives) pairs of the op's own mistakes."""
    b = x if case.get("same") else case.get("b")
    if op == "mul":
        return [("mul_own_value", [x, b] if not case.get("same") else [x, x])]
    if op == "pow":
        p = case["p"]
        wrong = [("pow_wrong_exponent", [_safe(v)])
                 for v in (lambda: p * x**p, lambda: (p - 1) * x ** (p - 2), lambda: p * x ** (p + 1))]
        return wrong + [("pow_no_factor", [_safe(lambda: x ** (p - 1))])]
    if op == "relu":
        return [("relu_always", [1.0]), ("relu_by_value", [y])]
    if op == "tanh":
        return [("tanh_input", [1 - x**2]), ("tanh_no_square", [1 - y])]
    if op == "exp":
        return [("exp_input", [x])]
    if op == "log":
        return [("log_output", [_safe(lambda: 1 / y)]), ("log_wrong", [x])]
    return []


def _op_variants(op, case, want):
    """(mistake, grads) pairs: each common mistake's result on this case."""
    g, same = case["g"], case.get("same", False)
    x = case["a"]
    y = want["out"]
    if op in ("add", "mul"):
        b = x if same else case["b"]
        locals_ = [1.0, 1.0] if op == "add" else [b, x]
        presets = [case["ga"]] if same else [case["ga"], case["gb"]]
    else:
        locals_ = [_local(op, x, y, case.get("p"))]
        presets = [case["ga"]]

    def accumulate(ls, style="correct"):
        if same:
            total = {"correct": case["ga"] + g * (ls[0] + ls[1]), "overwrite": g * ls[1],
                     "no_upstream": case["ga"] + ls[0] + ls[1], "overwrite_no_upstream": ls[1],
                     "sign": case["ga"] - g * (ls[0] + ls[1])}[style]
            return [total]
        return [{"correct": p + g * l, "overwrite": g * l, "no_upstream": p + l, "overwrite_no_upstream": l,
                 "sign": p - g * l}[style] for p, l in zip(presets, ls)]

    out = [(style, accumulate(locals_, style)) for style in ("overwrite", "no_upstream", "overwrite_no_upstream", "sign")]
    if op == "add" and not same:
        out.append(("add_one_side", [presets[0] + g, presets[1]]))
    out += [(name, accumulate(ls)) for name, ls in _wrong_locals(op, case, x, y) if None not in ls]
    return out


def _explains(got, want, candidate):
    """Does `candidate` account for every gradient `got` has wrong? (A mistake may touch one input only.)"""
    if not (isinstance(got, list) and len(got) == len(want) == len(candidate)):
        return False
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not close(g, w)]
    return bool(wrong) and all(candidate[i] is not None and close(got[i], candidate[i])
                               and not close(want[i], candidate[i]) for i in wrong)


def diagnose(op, case, got, want):
    if got.get("mistake"):  # the child recognised it (an op missing, or returning None)
        return got["mistake"]
    if got.get("alive"):
        return "noop"
    if not close(got.get("out"), want["out"]):
        return "forward"
    for name, grads in _op_variants(op, case, want):
        if _explains(got.get("grads"), want["grads"], grads):
            return name
    return None


# ---------------------------------------------------------------------------------------------
# the seven exercises

VALUES = protocol.one_of(
    protocol.record(out=protocol.number, grads=protocol.numbers, alive=protocol.text(), through=protocol.text(16)),
    protocol.record(structure=protocol.text(), mistake=protocol.text(64)))


def note(op, records):
    """What the report says when the op was graded through the student's graph (built from other ops)."""
    if any(isinstance(r.got, dict) and r.got.get("through") == "graph" for r in records):
        return (f"{op} is built from other ops (its output's _prev does not hold its input): it was graded "
                "through your graph, with the grader's own traversal from the output, so its gradients also "
                "depend on the ops it is made of")
    return None
RUNNER = (child_source("engine_ops.py"),)
METHOD = {"add": "__add__", "mul": "__mul__", "pow": "__pow__"}


def _op(name, points, draw):
    return Exercise(
        id=f"engine.{name}", points=points, draw=draw,
        reference=lambda case: reference(name, case), torch=lambda case: torch_values(name, case),
        values=VALUES, runner=RUNNER, entry="run_binary" if name in ("add", "mul") else "run_unary",
        entry_args={"name": name}, describe=lambda case: describe(name, case),
        mistakes={**MISTAKES, **OWN_MISTAKES[name], "missing_op": (f"Value has no method {METHOD.get(name, name)}",
                                                                   f"Write {METHOD.get(name, name)} in class Value: "
                                                                   "the op, its output and its _backward.")},
        diagnose=lambda case, got, want: diagnose(name, case, got, want), note=lambda records: note(name, records),
        inputs=inputs, label=label, graph=lambda failure: graph(name, failure))


EXERCISES = [
    _op("add", 2, _binary([{"a": 2.0, "b": -3.0}, {"a": 1.5, "same": True}])),
    _op("mul", 2, _binary([{"a": 2.0, "b": -3.0}, {"a": -1.5, "same": True}, {"a": 0.0, "b": 4.0}])),
    _op("pow", 3, _unary(-3, 3, [
        {"a": 3.0, "p": 2}, {"a": -2.0, "p": 3}, {"a": 4.0, "p": 0.5}, {"a": 2.0, "p": -1},
        {"a": 1.5, "p": -2.5}, {"a": -1.5, "p": 2}, {"a": 0.3, "p": 1.5}], exponents=[2, 3, -1, -2, 0.5, 1.5, -0.5, 4])),
    _op("relu", 2, _unary(-3, 3, [{"a": 2.0}, {"a": -2.0}, {"a": 0.0, "g": 1.0}, {"a": -0.5, "ga": 0.0}, {"a": 1e-9}])),
    _op("tanh", 3, _unary(-3, 3, [
        {"a": 0.5}, {"a": -1.2}, {"a": 25.0}, {"a": -30.0, "g": -2.0}, {"a": 0.0}, {"a": 6.0, "ga": 0.0}])),
    _op("exp", 2, _unary(-5, 5, [{"a": 1.0}, {"a": -2.0}, {"a": 0.0}, {"a": 20.0, "g": 0.5}])),
    _op("log", 2, _unary(0.05, 6, [{"a": 2.0}, {"a": 1.0}, {"a": 1e-6}, {"a": 1000.0, "ga": 0.0}])),
]
