"""nn.layer: `Layer(nin, nout, **kwargs)`, graded on reference neurons: its outputs, the gradients
of backward(sum(c * out)), and the order of parameters()."""
from grader.pipeline import protocol
from grader.exercises import Exercise, child_source, nn_common
from micrograd_ref import nn

STRUCTURE = protocol.record(structure=protocol.text())


def draw(r, hidden):
    shapes = [(2, 2), (5, 3), (3, 3)] if hidden else [(2, 3), (3, 1), (1, 4), (4, 2)]
    cases = []
    for k, (nin, nout) in enumerate(shapes):
        cases.append({
            "nin": nin, "nout": nout, "nonlin": k % 3 != 1, "weights": nn_common.weights(r, [nin, nout]),
            "x": [round(r.uniform(-2, 2), 6) for _ in range(nin)],
            "coeffs": [round(r.uniform(-2, 2), 6) for _ in range(nout)],
        })
    return cases


def reference(case):
    lay = nn.Layer(case["nin"], case["nout"], nonlin=case["nonlin"])
    out, grads = nn_common.network(lay.neurons, case["weights"], lambda: lay(case["x"]), case["coeffs"])
    return {"out": out, "grads": grads, "order": ""}


def torch_values(case):
    import torch

    y, w, b = nn_common.torch_linear(case["weights"], torch.tensor(case["x"]), case["nonlin"])
    (y * torch.tensor(case["coeffs"])).sum().backward()
    return {"out": y.tolist(), "grads": nn_common.torch_grads(w, b), "order": ""}


def describe(case):
    return f"Layer({case['nin']}, {case['nout']}, nonlin={case['nonlin']}) on x = {case['x']}, backward of sum(c * out) with c = {case['coeffs']}"


EXERCISE = Exercise(
    id="nn.layer", points=3, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(out=protocol.numbers, grads=protocol.numbers, order=protocol.text()),
                           STRUCTURE),
    runner=(child_source("nn_common.py"), child_source("nn_layer.py")), entry="run_layer",
    pieces={"engine": (), "data": (), "nn": ("Layer", "MLP")},
    describe=describe, mistakes=nn_common.MISTAKES, diagnose=nn_common.structural, inputs=nn_common.inputs,
    label=nn_common.grad_label(lambda case: nn_common.param_names([case["nin"], case["nout"]], per_layer=False)))
