"""engine.sigmoid: `Value.sigmoid()`, graded op by op like the kit's tanh: the student's `_backward`
is driven directly with a chosen upstream gradient and a pre-set `.grad` (to check `+=`).

An instructor's exercise, outside the kit: grader.toml's [course] section names this folder. It
uses the kit's helpers for an op's cases, inputs table and common mistakes, and adds its own
reference (micrograd_ref has no sigmoid), PyTorch's values and the mistakes particular to sigmoid.
"""
import math
import pathlib

from grader.pipeline import protocol
from grader.pipeline.compare import close
from grader.exercises import Exercise, engine_ops
from micrograd_ref.engine import Value

RUNNER = (pathlib.Path(__file__).resolve().parent / "child" / "engine_sigmoid.py",)
EDGES = [{"a": 0.0}, {"a": 1.5}, {"a": -2.0, "g": -1.0}, {"a": 40.0}, {"a": -40.0, "ga": 0.0}]


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def draw(r, hidden):
    return engine_ops.unary_cases(r, 10 if hidden else 8, lambda r: r.uniform(-6, 6), [] if hidden else EDGES)


def reference(case):
    s = sigmoid(case["a"])
    return {"out": s, "grads": [case["ga"] + s * (1 - s) * case["g"]]}


def torch_values(case):
    import torch

    from grader.pipeline.torch_expect import scalar

    a = scalar(case["a"])
    out = torch.sigmoid(a)
    out.backward(torch.tensor(float(case["g"])))
    return {"out": out.item(), "grads": [case["ga"] + a.grad.item()]}


def describe(case):
    return (f"out = a.sigmoid() with a = {case['a']}; pre-set a.grad = {case['ga']}; out.grad = {case['g']}; "
            "out._backward()")


MISTAKES = {
    **engine_ops.MISTAKES,
    "sigmoid_input": ("used the input where the output belongs",
                      "d/dx sigmoid(x) = s * (1 - s) with s = sigmoid(x), the output, not x."),
    "sigmoid_no_factor": ("sigmoid's derivative is missing a factor",
                          "d/dx sigmoid(x) = s * (1 - s): both factors, s and 1 - s."),
}


def diagnose(case, got, want):
    """The mistake whose result on this case is what came back, or None."""
    if not close(got.get("out"), want["out"]):
        return "forward"
    x, s, g, ga = case["a"], want["out"], case["g"], case["ga"]
    local = s * (1 - s)
    variants = [("overwrite", g * local), ("no_upstream", ga + local), ("overwrite_no_upstream", local),
                ("sign", ga - g * local), ("sigmoid_input", ga + g * x * (1 - x)),
                ("sigmoid_no_factor", ga + g * s), ("sigmoid_no_factor", ga + g * (1 - s))]
    grads = got.get("grads")
    if not (isinstance(grads, list) and len(grads) == 1) or close(grads[0], want["grads"][0]):
        return None
    return next((name for name, v in variants if close(grads[0], v) and not close(v, want["grads"][0])), None)


def graph(failure):
    """out = a.sigmoid(), with the wrong nodes marked (None for a hidden case, whose inputs are not shown)."""
    from grader.views.report_graphs import WRONG_DATA, WRONG_GRAD, CaseGraph, listed, mark, number

    case = failure.inputs
    if "a" not in case:
        return None
    a = Value(case["a"])
    out = Value(sigmoid(case["a"]), (a,), "sigmoid")
    want, got = failure.expected or {}, failure.got or {}
    out.grad = case["g"]
    for g in listed(want, "grads"):
        a.grad = number(g)
    colors, notes = {}, {}
    mark(out, got.get("out"), want.get("out"), "data", colors, notes, WRONG_DATA)
    for g, w in zip(listed(got, "grads"), listed(want, "grads")):
        mark(a, g, w, "grad", colors, notes, WRONG_GRAD)
    return CaseGraph(out, {a: "a", out: "out"}, colors, notes)


EXERCISE = Exercise(
    id="engine.sigmoid", points=3, draw=draw, reference=reference, torch=torch_values,
    values=protocol.record(out=protocol.number, grads=protocol.numbers), runner=RUNNER, entry="run_sigmoid",
    describe=describe, mistakes=MISTAKES, diagnose=diagnose, inputs=engine_ops.inputs, graph=graph)
