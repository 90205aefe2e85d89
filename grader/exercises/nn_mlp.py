"""nn.mlp: `MLP(nin, nouts)`, graded on reference layers: its structure (last layer linear), outputs,
gradients of backward(sum(c * out)), the order of parameters() and zero_grad()."""
from grader.pipeline import protocol
from grader.exercises import Exercise, child_source, nn_common
from micrograd_ref import nn

STRUCTURE = protocol.record(structure=protocol.text())


def draw(r, hidden):
    shapes = [(2, [4, 3]), (4, [2, 2, 2])] if hidden else [(2, [3, 2]), (3, [4, 4, 1]), (1, [2])]
    cases = []
    for nin, nouts in shapes:
        cases.append({
            "nin": nin, "nouts": nouts, "weights": nn_common.weights(r, [nin] + nouts),
            "x": [round(r.uniform(-2, 2), 6) for _ in range(nin)],
            "coeffs": [round(r.uniform(-2, 2), 6) for _ in range(nouts[-1])],
        })
    return cases


def reference(case):
    m = nn.MLP(case["nin"], case["nouts"])
    neurons = [n for lay in m.layers for n in lay.neurons]
    out, grads = nn_common.network(neurons, case["weights"], lambda: m(case["x"]), case["coeffs"])
    return {"out": out, "grads": grads, "order": "", "zero_grad": ""}


def torch_values(case):
    import torch

    sizes = [case["nin"]] + case["nouts"]
    x, params, start = torch.tensor(case["x"]), [], 0
    for i, nout in enumerate(case["nouts"]):
        x, w, b = nn_common.torch_linear(case["weights"][start:start + nout], x, nonlin=i != len(case["nouts"]) - 1)
        params.append((w, b))
        start += nout
    assert start == sum(sizes[1:])
    (x * torch.tensor(case["coeffs"])).sum().backward()
    return {"out": x.tolist(), "grads": [g for w, b in params for g in nn_common.torch_grads(w, b)],
            "order": "", "zero_grad": ""}


def describe(case):
    return f"MLP({case['nin']}, {case['nouts']}) on x = {case['x']}, backward of sum(c * out) with c = {case['coeffs']}, then zero_grad()"


EXERCISE = Exercise(
    id="nn.mlp", points=4, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(out=protocol.numbers, grads=protocol.numbers, order=protocol.text(),
                                           zero_grad=protocol.text()), STRUCTURE),
    runner=(child_source("nn_common.py"), child_source("nn_mlp.py")), entry="run_mlp",
    pieces={"engine": (), "data": (), "nn": ("MLP",)},
    describe=describe, mistakes=nn_common.MISTAKES, diagnose=nn_common.structural, inputs=nn_common.inputs,
    label=nn_common.grad_label(lambda case: nn_common.param_names([case["nin"]] + list(case["nouts"]), per_layer=True)))
