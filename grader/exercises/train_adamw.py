"""train.adamw: `AdamW(parameters, lr, betas, eps, weight_decay)`: the parameters after each of six
steps with given gradients, and zero_grad()."""
import math

from grader.pipeline import protocol
from grader.pipeline.compare import first_difference
from grader.exercises import Exercise, child_source, nn_common
from micrograd_ref import optim
from micrograd_ref.engine import Value

DEFAULTS = {"lr": 0.1, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.0}


def draw(r, hidden):
    settings = [DEFAULTS, dict(DEFAULTS, weight_decay=0.01), dict(DEFAULTS, lr=0.02, betas=[0.8, 0.999]),
                dict(DEFAULTS, weight_decay=0.1, eps=1e-3)]
    if hidden:
        settings.append(dict(DEFAULTS, lr=0.05, weight_decay=1e-4))
    cases = []
    for kwargs in settings:
        n = 4
        cases.append({
            "values": [round(r.uniform(-2, 2), 6) for _ in range(n)],
            "grads": [[0.0 if r.random() < 0.15 else round(r.uniform(-3, 3), 6) for _ in range(n)]
                      for _ in range(6)],
            "kwargs": kwargs,
        })
    return cases


def reference(case, variant=optim.AdamW):
    params = [Value(x) for x in case["values"]]
    kwargs = dict(case["kwargs"], betas=tuple(case["kwargs"]["betas"]))
    opt = variant(params, **kwargs)
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
    kw = case["kwargs"]
    opt = torch.optim.AdamW([p], lr=kw["lr"], betas=tuple(kw["betas"]), eps=kw["eps"], weight_decay=kw["weight_decay"])
    steps = []
    for grads in case["grads"]:
        p.grad = torch.tensor(grads)
        opt.step()
        steps.append(p.tolist())
    return {"steps": steps, "zero_grad": ""}


def describe(case):
    return f"AdamW(4 parameters, {case['kwargs']}) for {len(case['grads'])} steps with given gradients"


MISTAKES = {
    "zero_grad": nn_common.MISTAKES["zero_grad"], "zero_grad_once": nn_common.MISTAKES["zero_grad_once"],
    "adam_no_bias_correction": ("AdamW without bias correction",
                                "m and v start at 0, so early averages are too small: divide them by "
                                "(1 - beta**t) before the update."),
    "adam_coupled_decay": ("weight decay added to the gradient (Adam + L2, not AdamW)",
                           "AdamW decouples the decay: subtract lr * weight_decay * p from p directly, "
                           "not through the moments."),
    "adam_eps_inside": ("eps inside the square root", "The denominator is sqrt(v_hat) + eps."),
    "adam_eps_ignored": ("AdamW ignores its eps argument",
                         "The eps given to AdamW(..., eps=...) belongs in the denominator, sqrt(v_hat) + eps: keep "
                         "the argument (self.eps = eps) rather than a fixed 1e-8."),
    "adam_decay_no_lr": ("weight decay not scaled by lr", "The decay step is lr * weight_decay * p."),
    "adam_t_not_counted": ("the step count t is not advanced",
                           "Bias correction uses t = 1, 2, 3, ...: count each step before correcting."),
}


class _AdamVariant:
    """AdamW with one ingredient changed, to recognise a student's mistake by its trajectory."""

    def __init__(self, params, lr, betas, eps, weight_decay, mistake):
        self.params, self.lr, (self.b1, self.b2), self.eps, self.wd = params, lr, betas, eps, weight_decay
        if mistake == "adam_eps_ignored":
            self.eps = DEFAULTS["eps"]
        self.mistake, self.t = mistake, 0
        self.m = [0.0] * len(params)
        self.v = [0.0] * len(params)

    def step(self):
        if self.mistake != "adam_t_not_counted":
            self.t += 1
        t = max(self.t, 1)
        for i, p in enumerate(self.params):
            g = p.grad + (self.wd * p.data if self.mistake == "adam_coupled_decay" else 0.0)
            self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
            self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * g**2
            m_hat, v_hat = self.m[i] / (1 - self.b1**t), self.v[i] / (1 - self.b2**t)
            if self.mistake == "adam_no_bias_correction":
                m_hat, v_hat = self.m[i], self.v[i]
            denom = math.sqrt(v_hat + self.eps) if self.mistake == "adam_eps_inside" else math.sqrt(v_hat) + self.eps
            decay = 0.0 if self.mistake == "adam_coupled_decay" else self.wd * p.data
            if self.mistake == "adam_decay_no_lr":
                p.data -= self.lr * m_hat / denom + decay
            else:
                p.data -= self.lr * (m_hat / denom + decay)


def diagnose(case, got, want):
    for mistake in ("adam_no_bias_correction", "adam_coupled_decay", "adam_eps_inside", "adam_eps_ignored", "adam_decay_no_lr",
                    "adam_t_not_counted"):
        variant = reference(case, lambda ps, mistake=mistake, **kw: _AdamVariant(ps, mistake=mistake, **kw))
        if not first_difference(got, variant) and first_difference(want, variant):
            return mistake
    return nn_common.structural(case, got, want)


EXERCISE = Exercise(
    id="train.adamw", points=6, draw=draw, reference=reference, torch=torch_values,
    values=protocol.record(steps=protocol.list_of(protocol.numbers, 10_000), zero_grad=protocol.text()),
    runner=(child_source("optim_common.py"), child_source("train_adamw.py")), entry="run_adamw", describe=describe,
    mistakes=MISTAKES, diagnose=diagnose, pieces={"engine": ()})
