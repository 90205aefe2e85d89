"""cross_entropy, SGD and AdamW against torch.nn.functional and torch.optim."""
import math

import pytest

from micrograd_ref.engine import Value
from micrograd_ref.losses import cross_entropy, loss_fn
from micrograd_ref.optim import SGD, AdamW


@pytest.mark.parametrize(
    "logits, target",
    [
        ([0.5, -1.0, 2.0], 0),
        ([0.5, -1.0, 2.0], 2),
        ([1000.0, 0.0, -1000.0], 0),
        ([1000.0, 0.0, -1000.0], 1),
        ([-1000.0, -1001.0, -999.0], 1),
        ([3.0], 0),
        ([0.0, 0.0, 0.0, 0.0], 3),
    ],
)
def test_cross_entropy_matches_torch(torch, logits, target):
    vs = [Value(x) for x in logits]
    loss = cross_entropy(vs, target)
    loss.backward()
    t = torch.tensor(logits, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(t.unsqueeze(0), torch.tensor([target]))
    tloss.backward()
    assert math.isfinite(loss.data)
    assert math.isclose(loss.data, tloss.item(), rel_tol=1e-12, abs_tol=1e-12)
    for v, g in zip(vs, t.grad.tolist()):
        assert math.isclose(v.grad, g, rel_tol=1e-10, abs_tol=1e-12)


def test_loss_fn_is_the_mean():
    class Const:
        def __call__(self, x):
            return [Value(x[0]), Value(0.0)]

    split = [([1.0], 0), ([2.0], 1), ([0.0], 0)]
    want = sum(cross_entropy([Value(x[0]), Value(0.0)], y).data for x, y in split) / 3
    assert math.isclose(loss_fn(Const(), split).data, want, rel_tol=1e-15)


def run_optimizer(make, values, grads_per_step=None, value_type=Value):
    """Parameters `values` stepped by the optimizer `make(params)` through the given gradients."""
    params = [value_type(v) for v in values]
    opt = make(params)
    for grads in grads_per_step or GRADS:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
    opt.zero_grad()
    assert all(p.grad == 0 for p in params)
    return [p.data for p in params]


GRADS = [[0.3, -1.2, 0.0, 5.0], [0.1, 0.4, -0.2, -3.0], [-0.5, 0.0, 0.7, 1.0], [0.2, 2.0, 0.1, 0.0], [1e-6, -1e-6, 0.0, 2.0]]
VALUES = [0.5, -0.25, 1.5, -2.0]


@pytest.mark.parametrize("wd", [0.0, 1e-4, 0.1])
@pytest.mark.parametrize("betas", [(0.9, 0.95), (0.8, 0.999)])
def test_adamw_matches_torch(torch, wd, betas):
    got = run_optimizer(lambda ps: AdamW(ps, lr=0.1, betas=betas, eps=1e-8, weight_decay=wd), VALUES, GRADS)
    t = torch.tensor(VALUES, requires_grad=True)
    opt = torch.optim.AdamW([t], lr=0.1, betas=betas, eps=1e-8, weight_decay=wd)
    for grads in GRADS:
        t.grad = torch.tensor(grads)
        opt.step()
    for a, b in zip(got, t.tolist()):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14)


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_sgd_matches_torch(torch, wd):
    got = run_optimizer(lambda ps: SGD(ps, lr=0.05, weight_decay=wd), VALUES, GRADS)
    t = torch.tensor(VALUES, requires_grad=True)
    opt = torch.optim.SGD([t], lr=0.05, weight_decay=wd)
    for grads in GRADS:
        t.grad = torch.tensor(grads)
        opt.step()
    for a, b in zip(got, t.tolist()):
        assert math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-15)
