"""Neuron, Layer and MLP against an equivalent PyTorch model holding the same weights."""
import math

import pytest

from micrograd_ref.data import RNG
from micrograd_ref.nn import MLP, Layer, Neuron


def torch_mlp(torch, model):
    from grader.pipeline.torch_expect import to_torch

    return to_torch(model)


def test_weights_are_drawn_from_the_rng_in_order():
    model = MLP(2, [8, 3], rng=RNG(9))
    rng = RNG(9)
    want = []
    for nin, nout in [(2, 8), (8, 3)]:
        for _ in range(nout):
            want += [rng.uniform(-1, 1) * nin**-0.5 for _ in range(nin)] + [0.0]
    assert [p.data for p in model.parameters()] == want


def test_parameter_count_and_order():
    model = MLP(3, [4, 4, 2])
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 2
    first = model.layers[0].neurons[0]
    assert model.parameters()[:4] == first.w + [first.b]
    layer = Layer(2, 3)
    assert layer.parameters() == [p for n in layer.neurons for p in n.w + [n.b]]


def test_last_layer_is_linear_others_tanh():
    model = MLP(2, [8, 8, 3])
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    assert Neuron(2, nonlin=False)([1.0, 2.0])._op == "+"
    assert Neuron(2)([1.0, 2.0])._op == "tanh"


@pytest.mark.parametrize("nouts", [[3], [8, 3], [4, 5, 2]])
def test_mlp_forward_and_backward_match_torch(torch, nouts):
    model = MLP(2, nouts, rng=RNG(11))
    # give the biases non-zero values so they are tested too
    for i, p in enumerate(model.parameters()):
        p.data += 0.01 * i
    tmodel = torch_mlp(torch, model)
    x = [0.7, -1.3]
    out = model(x)
    tout = tmodel(torch.tensor(x))
    coeffs = [1.0, -2.0, 0.5, 3.0, -1.5][: len(out)]
    loss = sum((c * o for c, o in zip(coeffs, out)), out[0] * 0)
    (tout * torch.tensor(coeffs)).sum().backward()
    loss.backward()
    for o, t in zip(out, tout.tolist()):
        assert math.isclose(o.data, t, rel_tol=1e-12, abs_tol=1e-14)
    tparams = [p for lin in tmodel if isinstance(lin, torch.nn.Linear) for p in (lin.weight, lin.bias)]
    tgrads = []
    for lin in (m for m in tmodel if isinstance(m, torch.nn.Linear)):
        for row, b in zip(lin.weight.grad.tolist(), lin.bias.grad.tolist()):
            tgrads += row + [b]
    assert len(tparams) == 2 * len(model.layers)
    for p, g in zip(model.parameters(), tgrads):
        assert math.isclose(p.grad, g, rel_tol=1e-10, abs_tol=1e-12)


def test_zero_grad():
    model = MLP(2, [3, 2])
    sum(model([1.0, 2.0]), model([0.0, 0.0])[0] * 0).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
