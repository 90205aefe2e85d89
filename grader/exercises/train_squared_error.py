"""train.squared_error: `squared_error(ypred, ys) -> Value`, the lecture's loss, on the reference
engine: the loss and the gradients of the predictions."""
from grader.pipeline import protocol
from grader.pipeline.compare import close
from grader.exercises import Exercise, child_source
from micrograd_ref import losses
from micrograd_ref.engine import Value

EDGES = [
    {"ypred": [0.8, -0.9, -0.7, 0.95], "ys": [1.0, -1.0, -1.0, 1.0]},  # the lecture's targets
    {"ypred": [0.5], "ys": [2.0]},
    {"ypred": [1.0, -1.0], "ys": [1.0, -1.0]},  # a perfect fit: loss 0, gradients 0
    {"ypred": [-2.5, 3.0, 0.0], "ys": [1.0, 1.0, 1.0]},
]


def draw(r, hidden):
    cases = [] if hidden else [dict(e) for e in EDGES]
    for _ in range(8 if hidden else 6):
        n = r.randint(1, 5)
        cases.append({"ypred": [round(r.uniform(-2, 2), 6) for _ in range(n)],
                      "ys": [r.choice([-1.0, 1.0]) if r.random() < 0.5 else round(r.uniform(-2, 2), 6)
                             for _ in range(n)]})
    return cases


def reference(case):
    ypred = [Value(x) for x in case["ypred"]]
    loss = losses.squared_error(ypred, case["ys"])
    loss.backward()
    return {"out": float(loss.data), "grads": [float(v.grad) for v in ypred]}


def torch_values(case):
    import torch

    yp = torch.tensor(case["ypred"], requires_grad=True)
    loss = ((yp - torch.tensor(case["ys"])) ** 2).sum()
    loss.backward()
    return {"out": loss.item(), "grads": yp.grad.tolist()}


def describe(case):
    return f"squared_error(ypred={case['ypred']}, ys={case['ys']}), then backward()"


def label(key, index, case):
    if key == "grads" and index:
        return f"ypred[{index[0]}].grad"
    return "loss" if key == "out" else None


MISTAKES = {
    "se_mean": ("the loss is averaged, not summed",
                "The lecture's loss adds up every pair's squared error; dividing by the number of pairs "
                "is another loss (the mean squared error)."),
    "se_no_square": ("the differences are not squared",
                     "Each pair contributes (yp - y)**2: without the square, errors of opposite sign cancel."),
    "se_cut_graph": ("no gradient reaches the predictions",
                     "Build the loss from the Values in ypred; using .data makes plain floats, which cut the graph."),
}


def diagnose(case, got, want):
    out, grads, n = got.get("out"), got.get("grads"), len(case["ys"])
    diffs = [p - y for p, y in zip(case["ypred"], case["ys"])]
    if n > 1 and close(out, want["out"] / n) and not close(want["out"], want["out"] / n):
        return "se_mean"
    if close(out, sum(diffs)) and not close(want["out"], sum(diffs)):
        return "se_no_square"
    if (isinstance(grads, list) and grads and all(close(g, 0.0) for g in grads) and close(out, want["out"])
            and any(not close(g, 0.0) for g in want["grads"])):
        return "se_cut_graph"
    return None


EXERCISE = Exercise(
    id="train.squared_error", points=2, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(out=protocol.number, grads=protocol.numbers),
                           protocol.record(structure=protocol.text())),
    runner=(child_source("train_squared_error.py"),), entry="run_squared_error", describe=describe,
    mistakes=MISTAKES, diagnose=diagnose, label=label, pieces={"engine": ()})
