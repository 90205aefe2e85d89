"""PyTorch's values for the same cases (float64): the independent check of the reference.

Importing this module imports torch (about 1.4 s), so `check` on public cases reads them from
grader/data/public_torch.json instead, written by `python -m grader expectations`; the test-suite
recomputes that file live and requires it to be current.
"""
import sys

import torch
import torch.nn.functional as F

from grader import cases
from grader.spec import dispatch

torch.set_default_dtype(torch.float64)



def _t(x, grad=True):
    return torch.tensor(float(x), requires_grad=grad)


def op(case, name):
    a = _t(case["a"])
    if name in ("add", "mul") and not case.get("same"):
        b = _t(case["b"])
    else:
        b = a
    out = {
        "add": lambda: a + b, "mul": lambda: a * b, "pow": lambda: a ** case["p"],
        "relu": lambda: torch.relu(a), "tanh": lambda: torch.tanh(a), "exp": lambda: torch.exp(a),
        "log": lambda: torch.log(a),
    }[name]()
    out.backward(torch.tensor(float(case["g"])))
    grads = [case["ga"] + a.grad.item()]
    if name in ("add", "mul") and not case.get("same"):
        grads.append(case["gb"] + b.grad.item())
    return {"out": out.item(), "grads": grads}


def backward(case):
    """Each node is sum(local_i * child_i): a graph whose local derivatives are the case's."""
    from grader.expect import graph_nodes

    nodes = []
    for spec in graph_nodes(case):
        if not spec["children"]:
            nodes.append(_t(spec["data"]))
        else:
            v = sum(d * nodes[i] for i, d in zip(spec["children"], spec["local"]))
            v.retain_grad()
            nodes.append(v)
    nodes[-1].backward()
    return {"grads": [0.0 if v.grad is None else v.grad.item() for v in nodes]}


def _linear(weights, x, nonlin):
    w = torch.tensor([w for w, _ in weights], requires_grad=True)
    b = torch.tensor([b for _, b in weights], requires_grad=True)
    y = w @ x + b
    return (torch.tanh(y) if nonlin else y), w, b


def _grads(w, b):
    out = []
    for row, bias in zip(w.grad.tolist(), b.grad.tolist()):
        out += row + [bias]
    return out


def neuron(case):
    y, w, b = _linear([(case["w"], case["b"])], torch.tensor(case["x"]), case["nonlin"])
    y.sum().backward()
    return {"out": y.item(), "grads": _grads(w, b), "order": ""}


def layer(case):
    y, w, b = _linear(case["weights"], torch.tensor(case["x"]), case["nonlin"])
    (y * torch.tensor(case["coeffs"])).sum().backward()
    return {"out": y.tolist(), "grads": _grads(w, b), "order": ""}


def mlp(case):
    sizes = [case["nin"]] + case["nouts"]
    x, params, start = torch.tensor(case["x"]), [], 0
    for i, nout in enumerate(case["nouts"]):
        x, w, b = _linear(case["weights"][start:start + nout], x, nonlin=i != len(case["nouts"]) - 1)
        params.append((w, b))
        start += nout
    assert start == sum(sizes[1:])
    (x * torch.tensor(case["coeffs"])).sum().backward()
    return {"out": x.tolist(), "grads": [g for w, b in params for g in _grads(w, b)], "order": "", "zero_grad": ""}


def cross_entropy(case):
    logits = torch.tensor(case["logits"], requires_grad=True)
    loss = F.cross_entropy(logits.unsqueeze(0), torch.tensor([case["target"]]))
    loss.backward()
    return {"out": loss.item(), "grads": logits.grad.tolist()}


def adamw(case):
    p = torch.tensor(case["values"], requires_grad=True)
    kw = case["kwargs"]
    opt = torch.optim.AdamW([p], lr=kw["lr"], betas=tuple(kw["betas"]), eps=kw["eps"], weight_decay=kw["weight_decay"])
    steps = []
    for grads in case["grads"]:
        p.grad = torch.tensor(grads)
        opt.step()
        steps.append(p.tolist())
    return {"steps": steps, "zero_grad": ""}


def to_torch(mlp):
    """A torch.nn.Sequential holding a micrograd MLP's weights: Linear layers, Tanh between them."""
    layers = []
    for lay in mlp.layers:
        lin = torch.nn.Linear(len(lay.neurons[0].w), len(lay.neurons))
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[w.data for w in n.w] for n in lay.neurons]))
            lin.bias.copy_(torch.tensor([n.b.data for n in lay.neurons]))
        layers += [lin, torch.nn.Tanh()] if lay.neurons[0].nonlin else [lin]
    return torch.nn.Sequential(*layers)


def train(net, split, steps, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
    """Train `net` with AdamW on the mean cross-entropy over `split`; the loss before each update."""
    opt = torch.optim.AdamW(net.parameters(), lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
    xs = torch.tensor([x for x, _ in split])
    ys = torch.tensor([y for _, y in split])
    out = []
    for _ in range(steps):
        loss = F.cross_entropy(net(xs), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


def loop(case):
    from micrograd_ref.data import RNG
    from micrograd_ref.nn import MLP

    net = to_torch(MLP(2, case["nouts"], rng=RNG(case["seed"])))
    losses = train(net, case["split"], case["steps"], **case["kwargs"])
    params = []
    for lin in (m for m in net if isinstance(m, torch.nn.Linear)):
        for row, b in zip(lin.weight.tolist(), lin.bias.tolist()):
            params += row + [b]
    return {"losses": losses, "params": params}


def expected(test_id, case):
    """PyTorch's values for one case."""
    return dispatch(sys.modules[__name__], test_id, case)


def build_store(test_ids=None, hidden_seed=None):
    """PyTorch's values for every public case (and the hidden ones of `hidden_seed`, after them),
    keyed by test id, with the cases' fingerprint."""
    from grader.spec import TEST_IDS

    store = {}
    for test_id in test_ids or TEST_IDS:
        chosen = cases.build(test_id)
        if hidden_seed is not None:
            chosen += cases.build(test_id, seed=hidden_seed, hidden=True)
        store[test_id] = {"digest": cases.fingerprint(chosen), "values": [expected(test_id, c) for c in chosen]}
    return store
