"""The reference engine against PyTorch float64, the published micrograd examples, and deep graphs."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_ref.engine import Value, topological_order

finite = st.floats(min_value=-5, max_value=5, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=5)
upstream = st.floats(min_value=-3, max_value=3, allow_nan=False)


def close(a, b, rel=1e-12, abs_=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def torch_grads(torch, fn, *xs, g=1.0):
    """Value and input gradients of fn at xs under upstream gradient g, computed by PyTorch."""
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward(torch.tensor(g))
    return out.item(), [t.grad.item() if t.grad is not None else 0.0 for t in ts]


def micrograd_grads(fn, *xs, g=1.0):
    vs = [Value(x) for x in xs]
    out = fn(*vs)
    out.backward()
    # backward() seeds 1; scale by g to compare with an upstream gradient g
    return out.data, [v.grad * g for v in vs]


BINARY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "div": lambda a, b: a / b,
    "radd": lambda a, b: 2.5 + a + b,
    "rsub": lambda a, b: 2.5 - a * b,
    "rmul": lambda a, b: 2.5 * a * b,
    "rtruediv": lambda a, b: 2.5 / (a * a + b * b + 1),
    "neg": lambda a, b: -a * b,
}


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=60, deadline=None)
@given(a=finite, b=finite.filter(lambda b: abs(b) > 1e-2))
def test_binary_ops_match_torch(torch, name, a, b):
    fn = BINARY[name]
    want, want_grads = torch_grads(torch, fn, a, b)
    got, got_grads = micrograd_grads(fn, a, b)
    assert close(got, want, rel=1e-12)
    for gv, tv in zip(got_grads, want_grads):
        assert close(gv, tv, rel=1e-10, abs_=1e-10)


UNARY = {
    "relu": (lambda x: x.relu(), finite),
    "tanh": (lambda x: x.tanh(), st.floats(min_value=-30, max_value=30)),
    "exp": (lambda x: x.exp(), finite),
    "log": (lambda x: x.log(), positive),
    "pow2": (lambda x: x**2, finite),
    "pow3": (lambda x: x**3, finite),
    "pow_neg1": (lambda x: x**-1, positive),
    "pow_neg2.5": (lambda x: x**-2.5, positive),
    "pow_half": (lambda x: x**0.5, positive),
    "pow_0.3": (lambda x: x**0.3, positive),
}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), g=upstream)
def test_unary_ops_match_torch(torch, name, data, g):
    fn, domain = UNARY[name]
    x = data.draw(domain)
    t_fn = {"relu": torch.relu, "tanh": torch.tanh, "exp": torch.exp, "log": torch.log}.get(name)
    want, (want_grad,) = torch_grads(torch, t_fn or fn, x, g=g)
    got, (got_grad,) = micrograd_grads(fn, x, g=g)
    assert close(got, want, rel=1e-12)
    assert close(got_grad, want_grad, rel=1e-10, abs_=1e-12)


@pytest.mark.parametrize(
    "name, fn, x",
    [
        ("relu at 0", lambda v: v.relu(), 0.0),
        ("relu negative", lambda v: v.relu(), -2.0),
        ("tanh saturated +", lambda v: v.tanh(), 25.0),
        ("tanh saturated -", lambda v: v.tanh(), -40.0),
        ("log near 0", lambda v: v.log(), 1e-9),
        ("negative base, int power", lambda v: v**3, -1.7),
        ("negative exponent", lambda v: v**-3, -0.6),
        ("fractional exponent", lambda v: v**1.5, 0.2),
        ("exp large", lambda v: v.exp(), 700.0),
    ],
)
def test_edges_match_torch(torch, name, fn, x):
    t_fn = {"relu": torch.relu, "tanh": torch.tanh, "log": torch.log, "exp": torch.exp}
    key = name.split()[0]
    want, (want_grad,) = torch_grads(torch, t_fn.get(key, fn), x)
    got, (got_grad,) = micrograd_grads(fn, x)
    assert close(got, want, rel=1e-12, abs_=0)
    assert close(got_grad, want_grad, rel=1e-12, abs_=0)


def test_relu_at_zero_has_zero_gradient():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0


def test_published_example_one():
    from test_solutions import published_graph

    a, b, g = published_graph(Value)
    g.backward()
    assert close(g.data, 24.70408163265306)
    assert close(a.grad, 138.83381924198252)
    assert close(b.grad, 645.5772594752186)


def test_published_example_two():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20
    assert x.grad == 46


def test_reused_nodes():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4 and b.grad == 2


def test_prev_is_ordered_tuple():
    a, b = Value(1.0), Value(2.0)
    out = a * b
    assert out._prev == (a, b)
    assert (b * a)._prev == (b, a)
    assert (a**2)._prev == (a,)


def test_backward_accumulates_into_leaves_like_torch(torch):
    a, b = Value(1.5), Value(-0.5)
    out = (a * b + a).tanh()
    out.backward()
    out.backward()
    ta, tb = torch.tensor(1.5, requires_grad=True), torch.tensor(-0.5, requires_grad=True)
    tout = (ta * tb + ta).tanh()
    tout.backward(retain_graph=True)
    tout.backward()
    assert close(a.grad, ta.grad.item()) and close(b.grad, tb.grad.item())


def test_topological_order_is_recursive_dfs_order():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    assert topological_order(e) == [a, b, c, d, e]


def test_non_number_exponent_is_refused():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(3.0)


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_deep_chain_backpropagates(depth):
    x = Value(1.0)
    y = x
    for _ in range(depth):
        y = y + 1.0
    y = y * 0.5
    y.backward()
    assert x.grad == 0.5
    assert y.data == (1.0 + depth) * 0.5


def test_deep_graph_visits_each_node_once():
    # operation counts, not seconds: each node is visited exactly once
    x = Value(0.0)
    y = x
    for _ in range(50_000):
        y = y.tanh() + x
    order = topological_order(y)
    assert len(order) == len(set(order)) == 100_001
