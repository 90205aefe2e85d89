"""train.sgd: `SGD(parameters, lr=0.01)` with `step()` and `zero_grad()`: the parameters after each
of five steps with given gradients (the default lr included), and zero_grad()."""
from grader.pipeline import protocol
from grader.pipeline.compare import first_difference
from grader.exercises import Exercise, child_source, nn_common
from micrograd_ref import optim
from micrograd_ref.engine import Value

DEFAULT_LR = 0.01  # the contract's default: one case leaves lr out


def draw(r, hidden):
    rates = [0.05, 0.3, 1e-3] if hidden else [None, 0.1, 0.5, 0.02]
    cases = []
    for lr in rates:
        case = {"values": [round(r.uniform(-2, 2), 6) for _ in range(4)],
                "grads": [[0.0 if r.random() < 0.15 else round(r.uniform(-3, 3), 6) for _ in range(4)]
                          for _ in range(5)]}
        if lr is not None:
            case["lr"] = lr
        cases.append(case)
    return cases


def _trajectory(case, update):
    """The parameters after each step of `update(p, g, lr)`, a float rule."""
    params, lr, steps = list(case["values"]), case.get("lr", DEFAULT_LR), []
    for grads in case["grads"]:
        params = [update(p, g, lr) for p, g in zip(params, grads)]
        steps.append(params)
    return {"steps": steps, "zero_grad": ""}


def reference(case):
    params = [Value(x) for x in case["values"]]
    opt = optim.SGD(params, lr=case.get("lr", DEFAULT_LR))
    steps = []
    for grads in case["grads"]:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        steps.append([p.data for p in params])
    return {"steps": steps, "zero_grad": ""}


def torch_values(case):
    import torch

    p = torch.tensor(case["values"], requires_grad=True)
    opt = torch.optim.SGD([p], lr=case.get("lr", DEFAULT_LR))
    steps = []
    for grads in case["grads"]:
        p.grad = torch.tensor(grads)
        opt.step()
        steps.append(p.tolist())
    return {"steps": steps, "zero_grad": ""}


def describe(case):
    lr = f"lr={case['lr']}" if "lr" in case else "the default lr"
    return f"SGD(4 parameters, {lr}) for {len(case['grads'])} steps with given gradients, then zero_grad()"


MISTAKES = {
    "zero_grad": nn_common.MISTAKES["zero_grad"], "zero_grad_once": nn_common.MISTAKES["zero_grad_once"],
    "sgd_ascent": ("the parameters move uphill",
                   "The gradient points toward a larger loss: step against it, not along it."),
    "sgd_no_lr": ("the step is not scaled by lr", "Each parameter moves by lr times its gradient."),
    "sgd_default_lr": ("the default learning rate is not 0.01", "SGD(parameters) must take lr=0.01."),
}


def diagnose(case, got, want):
    variants = [("sgd_ascent", lambda p, g, lr: p + lr * g), ("sgd_no_lr", lambda p, g, lr: p - g)]
    if "lr" not in case:
        variants += [("sgd_default_lr", lambda p, g, lr, other=other: p - other * g) for other in (0.1, 0.001, 1.0)]
    for name, update in variants:
        if not first_difference(got.get("steps"), _trajectory(case, update)["steps"]):
            return name
    return nn_common.structural(case, got, want)


EXERCISE = Exercise(
    id="train.sgd", points=3, draw=draw, reference=reference, torch=torch_values,
    values=protocol.record(steps=protocol.list_of(protocol.numbers, 10_000), zero_grad=protocol.text()),
    runner=(child_source("optim_common.py"), child_source("train_sgd.py")), entry="run_sgd", describe=describe,
    mistakes=MISTAKES, diagnose=diagnose, pieces={"engine": ()})
