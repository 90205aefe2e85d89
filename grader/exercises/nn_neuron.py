"""nn.neuron: `Neuron(nin, nonlin=True)` on the reference engine: its output, the gradients of its
parameters after backward(), and the order of parameters()."""
import math

from grader.pipeline import protocol
from grader.pipeline.compare import close
from grader.exercises import Exercise, child_source, nn_common
from micrograd_ref import nn


def draw(r, hidden):
    cases = []
    for k in range(10 if hidden else 8):
        nin = [1, 2, 3, 5][k % 4]
        cases.append({
            "nin": nin, "nonlin": k % 3 != 2,
            "w": [round(r.uniform(-1, 1), 6) for _ in range(nin)], "b": round(r.uniform(-0.5, 0.5), 6),
            "x": [round(r.uniform(-2, 2), 6) for _ in range(nin)],
        })
    cases[1]["init"] = True  # Neuron(nin, rng=...) draws its weights from rng: checked once, on 2 inputs
    return cases


def reference(case):
    n = nn.Neuron(case["nin"], nonlin=case["nonlin"])
    nn_common.set_neuron(n, case["w"], case["b"])
    out = n(case["x"])
    out.backward()
    return {"out": out.data, "grads": [float(p.grad) for p in n.parameters()], "order": "", "init": ""}


def torch_values(case):
    import torch

    y, w, b = nn_common.torch_linear([(case["w"], case["b"])], torch.tensor(case["x"]), case["nonlin"])
    y.sum().backward()
    return {"out": y.item(), "grads": nn_common.torch_grads(w, b), "order": "", "init": ""}


def describe(case):
    return f"Neuron({case['nin']}, nonlin={case['nonlin']}) with w = {case['w']}, b = {case['b']} on x = {case['x']}, then backward()"


MISTAKES = {
    **nn_common.MISTAKES,
    "neuron_relu": ("the neuron uses ReLU where tanh is asked for",
                    "This kit's Neuron is the lecture's: tanh(w . x + b) when nonlin is set (micrograd's own nn.py "
                    "uses relu there). Use .tanh()."),
    "init_no_rng": ("Neuron does not take the rng it is given",
                    "Neuron(nin, nonlin=True, rng=random): draw each weight from rng.uniform(-1, 1), so that a "
                    "seeded generator always gives the same network."),
    "init_not_rng": ("the weights are not drawn from the given rng",
                     "Draw each weight with rng.uniform(-1, 1) from the rng passed to Neuron, not from Python's "
                     "random module directly: a seeded rng must give the same network every time."),
    "init_scale": ("the weights are not drawn at the given scale",
                   "Each weight starts at rng.uniform(-1, 1) * nin**-0.5, one draw per weight, in order: the "
                   "scale keeps w . x about the same size whatever nin is."),
    "neuron_no_tanh": ("the neuron forgot its nonlinearity", "With nonlin=True the output is tanh(w . x + b)."),
    "neuron_tanh_always": ("tanh was applied although nonlin=False",
                           "With nonlin=False a neuron is linear: just w . x + b."),
    "neuron_no_bias": ("the bias is missing from the activation", "The activation is w . x + b: start the sum from b."),
}


def diagnose(case, got, want):
    if got.get("init_kind") in MISTAKES:
        return got["init_kind"]
    found = nn_common.structural(case, got, want)
    if found:
        return found
    if case["nonlin"] and str(got.get("last_op", "")).lower() == "relu":
        return "neuron_relu"
    act = case["b"] + sum(w * x for w, x in zip(case["w"], case["x"]))
    out = got.get("out")
    if case["nonlin"] and close(out, act) and not close(act, math.tanh(act)):
        return "neuron_no_tanh"
    if not case["nonlin"] and close(out, math.tanh(act)) and not close(act, math.tanh(act)):
        return "neuron_tanh_always"
    no_bias = act - case["b"]
    if case["b"] and close(out, math.tanh(no_bias) if case["nonlin"] else no_bias):
        return "neuron_no_bias"
    return None


EXERCISE = Exercise(
    id="nn.neuron", points=4, draw=draw, reference=reference, torch=torch_values,
    values=protocol.record(out=protocol.number, grads=protocol.numbers, order=protocol.text(), init=protocol.text(),
                           init_kind=protocol.text(32), last_op=protocol.text(32)),
    runner=(child_source("nn_common.py"), child_source("nn_neuron.py")), entry="run_neuron",
    pieces={"engine": (), "data": ()},
    describe=describe, mistakes=MISTAKES, diagnose=diagnose, inputs=nn_common.inputs,
    label=nn_common.grad_label(lambda case: [f"w[{i}]" for i in range(case["nin"])] + ["b"]))
