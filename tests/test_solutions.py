"""The answer key (solutions/) against micrograd_ref, bit for bit, and PyTorch float64.

The answer key is a closure engine, written as a student would; the reference stores local
derivatives instead. Both do the same arithmetic in the same order, so the numbers must be equal,
not just close; PyTorch is the independent check that both are right.
"""
import importlib
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_ref import engine as ref_engine
from test_losses_optim import GRADS, VALUES, run_optimizer
from micrograd_ref import losses as ref_losses
from micrograd_ref import nn as ref_nn
from micrograd_ref import optim as ref_optim
from micrograd_ref import train as ref_train
from micrograd_ref.data import RNG, gen_data_yinyang

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
KEY_MODULES = ("engine", "nn", "train")

finite = st.floats(min_value=-5, max_value=5, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=5)
upstream = st.floats(min_value=-3, max_value=3, allow_nan=False)
preset = st.floats(min_value=-2, max_value=2, allow_nan=False)


@pytest.fixture(scope="module")
def key():
    """The answer key's modules, imported as the student files are (`from engine import Value`).

    They are taken out of sys.modules again so that nothing else in this process sees them.
    """
    saved = {name: sys.modules.pop(name) for name in KEY_MODULES if name in sys.modules}
    sys.path.insert(0, str(SOLUTIONS))
    try:
        modules = {name: importlib.import_module(name) for name in KEY_MODULES}
    finally:
        sys.path.remove(str(SOLUTIONS))
        for name in KEY_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    assert modules["nn"].Value is modules["engine"].Value and modules["train"].Value is modules["engine"].Value
    return type("Key", (), modules)


def close(a, b, rel=1e-12, abs_=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def drive(Value, op, xs, g, pre):
    """Run one op forward, then its local backward alone with upstream gradient g, on inputs whose
    .grad was pre-set to `pre` (the op must add to it). Returns (out.data, [input grads])."""
    vs = [Value(x) for x in xs]
    for v in vs:
        v.grad = pre
    out = op(*vs)
    out.grad = g
    out._backward()
    return out.data, [v.grad for v in vs]


def torch_drive(torch, t_op, xs, g, pre):
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    out = t_op(*ts)
    out.backward(torch.tensor(g))
    return out.item(), [pre + (t.grad.item() if t.grad is not None else 0.0) for t in ts]


OPS = {
    "add": (lambda a, b: a + b, None, (finite, finite)),
    "mul": (lambda a, b: a * b, None, (finite, finite)),
    "add_same": (lambda a: a + a, None, (finite,)),
    "mul_same": (lambda a: a * a, None, (finite,)),
    "add_number": (lambda a: a + 2.5, None, (finite,)),
    "mul_number": (lambda a: a * -1.5, None, (finite,)),
    "pow2": (lambda a: a**2, None, (finite,)),
    "pow3": (lambda a: a**3, None, (finite,)),
    "pow_neg1": (lambda a: a**-1, None, (positive,)),
    "pow_half": (lambda a: a**0.5, None, (positive,)),
    "pow_neg2.5": (lambda a: a**-2.5, None, (positive,)),
    "relu": (lambda a: a.relu(), "relu", (st.one_of(finite, st.just(0.0)),)),
    "tanh": (lambda a: a.tanh(), "tanh", (st.floats(min_value=-30, max_value=30),)),
    "exp": (lambda a: a.exp(), "exp", (finite,)),
    "log": (lambda a: a.log(), "log", (positive,)),
}


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=40, deadline=None)
@given(data=st.data(), g=upstream, pre=preset)
def test_op_matches_reference_exactly_and_torch(key, torch, name, data, g, pre):
    op, t_name, domains = OPS[name]
    xs = [data.draw(d) for d in domains]
    got = drive(key.engine.Value, op, xs, g, pre)
    assert got == drive(ref_engine.Value, op, xs, g, pre)
    t_op = getattr(torch, t_name) if t_name else op
    want, want_grads = torch_drive(torch, t_op, xs, g, pre)
    assert close(got[0], want)
    for a, b in zip(got[1], want_grads):
        assert close(a, b, rel=1e-10, abs_=1e-10)


def test_forward_graph_shape(key):
    Value = key.engine.Value
    a, b = Value(2.0), Value(-3.0)
    out = a * b
    assert out._prev == (a, b) and out._op == "*" and out.grad == 0
    assert (a**3)._op == "**3" and (a + b)._op == "+" and a.relu()._op == "ReLU"
    with pytest.raises(TypeError):
        a ** b


def published_graph(Value):
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


def test_backward_on_published_example(key):
    a, b, g = published_graph(key.engine.Value)
    g.backward()
    ra, rb, rg = published_graph(ref_engine.Value)
    rg.backward()
    assert (g.data, a.grad, b.grad) == (rg.data, ra.grad, rb.grad)
    # the values published with micrograd
    assert close(g.data, 24.70408163265306) and close(a.grad, 138.83381924198252) and close(b.grad, 645.5772594752186)


def test_backward_accumulates_into_leaves_only(key):
    Value = key.engine.Value
    x = Value(0.5)
    h = x * x
    y = h.tanh() + h
    y.backward()
    once = x.grad
    y.backward()
    assert x.grad == 2 * once  # leaves accumulate, like PyTorch
    assert y.grad == 1  # the seed, not 2: values in between start again from 0


def test_backward_handles_deep_chains(key):
    x = key.engine.Value(1.0)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    (y * 0.5).backward()
    assert x.grad == 0.5


def copy_weights(model, ref_model):
    for p, q in zip(model.parameters(), ref_model.parameters(), strict=True):
        p.data = q.data


def torch_mlp(torch, ref_model):
    from grader.pipeline.torch_expect import to_torch

    return to_torch(ref_model)


def test_mlp_draws_its_weights_like_the_reference(key):
    model = key.nn.MLP(3, [4, 4, 2], rng=RNG(7))
    ref_model = ref_nn.MLP(3, [4, 4, 2], rng=RNG(7))
    assert [p.data for p in model.parameters()] == [p.data for p in ref_model.parameters()]
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 2
    assert all(abs(w.data) <= 3**-0.5 for w in model.layers[0].neurons[0].w)
    assert all(n.b.data == 0 for layer in model.layers for n in layer.neurons)
    assert [n.nonlin for layer in model.layers for n in layer.neurons[:1]] == [True, True, False]


def test_mlp_forward_backward_matches_reference_and_torch(key, torch):
    ref_model = ref_nn.MLP(3, [4, 4, 2], rng=RNG(3))
    model = key.nn.MLP(3, [4, 4, 2])  # default random weights, then the reference's
    copy_weights(model, ref_model)
    x, coeffs = [0.3, -1.2, 2.0], [1.5, -0.7]
    outs, ref_outs = model(x), ref_model(x)
    assert isinstance(outs, list) and len(outs) == 2
    assert [o.data for o in outs] == [o.data for o in ref_outs]
    sum(o * c for o, c in zip(outs, coeffs)).backward()
    sum(o * c for o, c in zip(ref_outs, coeffs)).backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in ref_model.parameters()]

    net = torch_mlp(torch, ref_model)
    t_out = net(torch.tensor(x))
    (t_out * torch.tensor(coeffs)).sum().backward()
    assert all(close(o.data, t) for o, t in zip(outs, t_out.tolist()))
    t_grads = []  # in parameters() order: each neuron's weights, then its bias
    for lin in (m for m in net if isinstance(m, torch.nn.Linear)):
        for row, b in zip(lin.weight.grad.tolist(), lin.bias.grad.tolist()):
            t_grads += row + [b]
    assert all(close(p.grad, t, rel=1e-10) for p, t in zip(model.parameters(), t_grads, strict=True))

    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_layer_and_neuron(key):
    Value = key.engine.Value
    layer = key.nn.Layer(2, 3, nonlin=False)
    assert len(layer.neurons) == 3 and len(layer.parameters()) == 9
    n = key.nn.Neuron(2, nonlin=False)
    n.w, n.b = [Value(2.0), Value(-1.0)], Value(0.5)
    assert n([3.0, 4.0]).data == 0.5 + 6.0 - 4.0
    assert n.parameters() == n.w + [n.b]
    n.nonlin = True
    assert n([3.0, 4.0]).data == math.tanh(2.5)


@pytest.mark.parametrize(
    "logits, target",
    [([0.5, -1.0, 2.0], 0), ([0.5, -1.0, 2.0], 2), ([1000.0, 0.0, -1000.0], 0), ([1000.0, 0.0, -1000.0], 1),
     ([-1000.0, -1001.0, -999.0], 1), ([3.0], 0), ([0.0, 0.0, 0.0, 0.0], 3)],
)
def test_cross_entropy_matches_reference_and_torch(key, torch, logits, target):
    vs = [key.engine.Value(x) for x in logits]
    loss = key.train.cross_entropy(vs, target)
    loss.backward()
    rvs = [ref_engine.Value(x) for x in logits]
    ref_loss = ref_losses.cross_entropy(rvs, target)
    ref_loss.backward()
    assert math.isfinite(loss.data)
    assert (loss.data, [v.grad for v in vs]) == (ref_loss.data, [v.grad for v in rvs])
    t = torch.tensor(logits, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t.unsqueeze(0), torch.tensor([target]))
    t_loss.backward()
    assert close(loss.data, t_loss.item())
    assert all(close(v.grad, g, rel=1e-10) for v, g in zip(vs, t.grad.tolist()))


def run_adamw(Value, AdamW, **kwargs):
    return run_optimizer(lambda ps: AdamW(ps, **kwargs), VALUES, value_type=Value)


@pytest.mark.parametrize("wd", [0.0, 1e-4, 0.1])
@pytest.mark.parametrize("betas", [(0.9, 0.95), (0.8, 0.999)])
def test_adamw_matches_reference_and_torch(key, torch, wd, betas):
    kwargs = dict(lr=0.1, betas=betas, eps=1e-8, weight_decay=wd)
    got = run_adamw(key.engine.Value, key.train.AdamW, **kwargs)
    assert got == run_adamw(ref_engine.Value, ref_optim.AdamW, **kwargs)
    t = torch.tensor(VALUES, requires_grad=True)
    opt = torch.optim.AdamW([t], **kwargs)
    for grads in GRADS:
        t.grad = torch.tensor(grads)
        opt.step()
    assert all(close(a, b, abs_=1e-14) for a, b in zip(got, t.tolist()))


def test_adamw_defaults(key):
    opt = key.train.AdamW([key.engine.Value(1.0)])
    assert (opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay) == (0.1, 0.9, 0.95, 1e-8, 0.0)


def key_run(key, num_steps):
    """The EurekaLabs run on the answer key: make_run's data and weights (one RNG(42), data first)."""
    rng = RNG(42)
    train_split, _, _ = gen_data_yinyang(rng, n=100)
    model = key.nn.MLP(2, [8, 3], rng=rng)
    ref_model, _ = ref_train.make_run()
    assert [p.data for p in model.parameters()] == [p.data for p in ref_model.parameters()]
    optimizer = key.train.AdamW(model.parameters(), lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    return key.train.train(model, optimizer, train_split, num_steps)


def test_training_run_is_bit_identical_to_reference_short(key):
    losses = key_run(key, 15)
    assert all(type(x) is float for x in losses)
    assert losses == ref_train.train(15, log=lambda line: None)


@pytest.mark.slow
def test_training_run_is_bit_identical_to_reference(key):
    losses = key_run(key, 100)
    assert losses == ref_train.train(100, log=lambda line: None)
    assert losses[-1] < 0.5 * losses[0]
