"""engine.numerical_grad: `numerical_grad(f, x, h=1e-6) -> float`, the derivative of a plain function
estimated by finite differences (the lecture's first exercise), graded against the analytic
derivative of each case's function and PyTorch's autograd, with a tolerance that admits the error
of a finite difference (forward or central) and nothing coarser."""
import math

from grader.pipeline import protocol
from grader.pipeline.compare import close
from grader.exercises import Exercise, child_source

# name: (the function as the student reads it, its derivative, the x range cases draw from);
# the child's runner holds the same functions (grader/exercises/child/engine_numerical_grad.py)
FUNCTIONS = {
    "lecture": ("3*x**2 - 4*x + 5", lambda x: 6 * x - 4, (-4, 4)),
    "cubic": ("x**3 - 2*x + 1", lambda x: 3 * x**2 - 2, (-2, 2)),
    "sin": ("math.sin(x)", math.cos, (-3, 3)),
    "exp": ("math.exp(x)", math.exp, (-2, 2)),
    "tanh": ("math.tanh(x)", lambda x: 1 - math.tanh(x) ** 2, (-2, 2)),
    "log": ("math.log(x)", lambda x: 1 / x, (0.5, 4)),
    "inverse": ("1 / x", lambda x: -1 / x**2, (0.5, 3)),
}
EDGES = [{"f": "lecture", "x": 3.0}, {"f": "lecture", "x": 2 / 3}, {"f": "cubic", "x": 0.0},
         {"f": "exp", "x": 0.0}, {"f": "sin", "x": 1.0, "h": 1e-5}]


def draw(r, hidden):
    cases = [] if hidden else [dict(e) for e in EDGES]
    names = sorted(FUNCTIONS)
    for _ in range(8 if hidden else 6):
        name = r.choice(names)
        lo, hi = FUNCTIONS[name][2]
        cases.append({"f": name, "x": round(r.uniform(lo, hi), 6)})
    return cases


def reference(case):
    return {"grad": float(FUNCTIONS[case["f"]][1](case["x"]))}


def torch_values(case):
    import torch

    from grader.pipeline.torch_expect import scalar

    x = scalar(case["x"])
    y = {"lecture": lambda: 3 * x**2 - 4 * x + 5, "cubic": lambda: x**3 - 2 * x + 1, "sin": lambda: torch.sin(x),
         "exp": lambda: torch.exp(x), "tanh": lambda: torch.tanh(x), "log": lambda: torch.log(x),
         "inverse": lambda: 1 / x}[case["f"]]()
    y.backward()
    return {"grad": x.grad.item()}


def describe(case):
    h = f", h={case['h']}" if "h" in case else ""
    return f"numerical_grad(f, x={case['x']}{h}) with f(x) = {FUNCTIONS[case['f']][0]}"


def inputs(case):
    rows = [("f(x)", FUNCTIONS[case["f"]][0]), ("x", repr(case["x"]))]
    rows.append(("h", repr(case["h"]) if "h" in case else "the default, 1e-6"))
    return rows


def label(key, index, case):
    return "numerical_grad(f, x)" if key == "grad" else None


MISTAKES = {
    "ng_no_divide": ("the difference of f was not divided by the step",
                     "A slope is a rise over a run: the change in f, divided by how far apart the two x are."),
    "ng_half_step": ("twice the derivative: the central difference spans 2h",
                     "f(x + h) - f(x - h) is the rise over a run of 2h, not h."),
    "ng_double_step": ("half the derivative: the run is counted twice",
                       "(f(x + h) - f(x)) spans a run of h: divide by h, not 2h."),
    "ng_sign": ("the sign of the slope is flipped", "Take f at the larger x minus f at the smaller one."),
    "ng_missing": ("numerical_grad is not written yet",
                   "numerical_grad(f, x, h=1e-6) is a plain function at the top level of the engine's file, "
                   "beside class Value: the lecture's first exercise."),
}


def diagnose(case, got, want):
    if got.get("mistake"):
        return got["mistake"]
    g, w = got.get("grad"), want["grad"]
    if not isinstance(g, float) or not math.isfinite(g) or abs(w) < 1e-3:
        return None
    for name, ratio in (("ng_half_step", 2.0), ("ng_double_step", 0.5), ("ng_sign", -1.0)):
        if close(g, ratio * w, rel=1e-3, abs_=1e-6):
            return name
    if abs(g) < 1e-3 * abs(w):
        return "ng_no_divide"
    return None


EXERCISE = Exercise(
    id="engine.numerical_grad", points=2, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(grad=protocol.number),
                           protocol.record(structure=protocol.text(), mistake=protocol.text(64))), runner=(child_source("engine_numerical_grad.py"),),
    entry="run_numerical_grad", describe=describe, mistakes=MISTAKES, diagnose=diagnose, inputs=inputs,
    label=label,
    # a central difference with h = 1e-6 is off by about 1e-10, a forward one by h * f''(x) / 2, about
    # 1e-6 here: both pass; a missing division or a factor of 2 is off by far more
    tolerance=(1e-4, 1e-5))
