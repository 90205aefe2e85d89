"""train.loop: `train(model, optimizer, train_split, num_steps) -> list[float]`, graded with the
reference model, loss and optimiser: the losses before each update and the trained parameters."""
from grader.pipeline import protocol
from grader.pipeline.compare import first_difference
from grader.exercises import Exercise, child_source
from micrograd_ref import losses as ref_losses
from micrograd_ref import nn, optim
from micrograd_ref.data import RNG, gen_data_yinyang


def loop_cases(seeds, steps=6):
    cases = []
    for seed in seeds:
        train, _, _ = gen_data_yinyang(RNG(seed), n=15)
        cases.append({"seed": seed, "nouts": [4, 3], "split": train, "steps": steps,
                      "kwargs": {"lr": 0.1, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 1e-3}})
    return cases


def draw(r, hidden):
    return loop_cases([r.randrange(1, 10_000) for _ in range(2)] if hidden else [42, 7])


def reference(case, zero_grad=True, step=True, backward=True):
    """The reference loop; the flags switch off one ingredient, for diagnosing a student's loop."""
    model = nn.MLP(2, case["nouts"], rng=RNG(case["seed"]))
    kwargs = dict(case["kwargs"], betas=tuple(case["kwargs"]["betas"]))
    opt = optim.AdamW(model.parameters(), **kwargs)
    out = []
    for _ in range(case["steps"]):
        loss = ref_losses.loss_fn(model, case["split"])
        if backward:
            loss.backward()
        if step:
            opt.step()
        if zero_grad:
            opt.zero_grad()
        out.append(loss.data)
    return {"losses": out, "params": [p.data for p in model.parameters()]}


def torch_values(case):
    import torch

    from grader.pipeline.torch_expect import to_torch, train

    net = to_torch(nn.MLP(2, case["nouts"], rng=RNG(case["seed"])))
    losses = train(net, case["split"], case["steps"], **case["kwargs"])
    params = []
    for lin in (m for m in net if isinstance(m, torch.nn.Linear)):
        for row, b in zip(lin.weight.tolist(), lin.bias.tolist()):
            params += row + [b]
    return {"losses": losses, "params": params}


def describe(case):
    return f"train(MLP(2, {case['nouts']}), AdamW, {len(case['split'])} points, {case['steps']} steps)"


def inputs(case):
    import json

    return [("model", f"MLP(2, {case['nouts']}), weights drawn from RNG({case['seed']})"),
            ("data", f"{len(case['split'])} yin-yang points"), ("steps", str(case["steps"])),
            ("AdamW", json.dumps(case["kwargs"]))]


MISTAKES = {
    "loop_no_zero_grad": ("forgot zero_grad", "Gradients accumulate: clear them after each update, "
                          "or the next step adds to stale ones."),
    "loop_no_step": ("the optimiser never updates the parameters", "Each step ends with optimizer.step()."),
    "loop_no_backward": ("no gradients: backward() was never called", "Call loss.backward() before the update."),
}


def diagnose(case, got, want):
    for name, flags in (("loop_no_zero_grad", {"zero_grad": False}), ("loop_no_step", {"step": False}),
                        ("loop_no_backward", {"backward": False})):
        variant = reference(case, **flags)
        if not first_difference(got.get("losses"), variant["losses"]):
            return name
    return None


def detail(record, private):
    """The first public case's curves, for views that draw them (the HTML report); the student's own
    only when nothing of theirs is withheld. "number" is the case's number as the report counts cases:
    the pictured case need not be one that failed (a hidden one may be all that failed)."""
    first = {} if private else record.got or {}
    reference_ = record.reference
    return {"case": record.inputs, "number": record.index + 1,
            "student": first.get("losses"), "student_params": first.get("params"),
            "reference": None if isinstance(reference_, Exception) else reference_["losses"],
            "torch": record.torch["losses"] if record.torch else None}


BOUNDARY = (-2.2, 2.2, 50)  # the decision boundary's square (low, high) and grid points per side


def trained_model(case, params):
    """The reference MLP of a case with `params` (in parameters() order), or None if they do not fit."""
    import math

    model = nn.MLP(2, case["nouts"], rng=RNG(case["seed"]))
    model_params = model.parameters()
    values = params if isinstance(params, list) else []
    if len(values) != len(model_params) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return None
    for p, v in zip(model_params, values):
        p.data = v
    return model


def boundary_grid(case, params):
    """The class the MLP with `params` predicts at each point of the BOUNDARY grid, rows from low y
    up, or None when the parameters do not fit the model."""
    model = trained_model(case, params)
    if model is None:
        return None
    lo, hi, n = BOUNDARY
    ticks = [lo + (hi - lo) * (k + 0.5) / n for k in range(n)]

    def predict(x, y):
        logits = [v.data for v in model([x, y])]
        return max(range(len(logits)), key=logits.__getitem__)

    return [[predict(x, y) for x in ticks] for y in ticks]


def pictures(record, private, failed):
    """The decision boundaries of the first public case, for the HTML report: the student's trained
    model (not when anything of theirs is withheld) and, when the case failed, the reference's."""
    got = {} if private else record.got or {}
    panels = []
    if got.get("params") is not None:
        panels.append({"title": f"your model after {record.inputs['steps']} steps",
                       "classes": boundary_grid(record.inputs, got["params"])})
    if failed and isinstance(record.reference, dict):
        panels.append({"title": "the reference's model", "classes": boundary_grid(record.inputs,
                                                                                 record.reference["params"])})
    if not panels:
        return None
    return {"boundary": {"low": BOUNDARY[0], "high": BOUNDARY[1], "panels": panels}}


EXERCISE = Exercise(
    id="train.loop", points=6, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(losses=protocol.numbers, params=protocol.numbers),
                           protocol.record(structure=protocol.text())),
    runner=(child_source("train_loop.py"),), entry="run_loop", describe=describe,
    mistakes=MISTAKES, diagnose=diagnose, inputs=inputs, detail=detail, pictures=pictures,
    withheld=("params",),
    pieces={"engine": (), "data": (), "nn": (), "losses": (), "optim": ()})
