"""Expected values of every case, from the reference micrograd (live, cheap).

Each function returns the same shape as the child's runner for that test id, so comparing is a
walk over two dicts. PyTorch's opinion of the same cases comes from grader/torch_expect.py.
"""
import functools
import json
import pathlib
import sys

from grader.cases import fingerprint
from grader.spec import dispatch
from micrograd_ref import losses, nn, optim
from micrograd_ref.data import RNG
from micrograd_ref.engine import Value


def op(case, name):
    a = Value(case["a"])
    a.grad = case["ga"]
    if name in ("add", "mul"):
        b = a if case.get("same") else Value(case["b"])
        if not case.get("same"):
            b.grad = case["gb"]
        out = a + b if name == "add" else a * b
    elif name == "pow":
        out = a ** case["p"]
    else:
        out = getattr(a, name)()
    out.grad = case["g"]
    out._backward()
    grads = [a.grad] if name not in ("add", "mul") or case.get("same") else [a.grad, b.grad]
    return {"out": float(out.data), "grads": [float(g) for g in grads]}


def graph_nodes(case):
    if "nodes" in case:
        return case["nodes"]
    nodes = [{"data": 1.0, "children": [], "local": []}]
    nodes += [{"data": 1.0, "children": [k], "local": [case["local"]]} for k in range(case["chain"])]
    return nodes


def backward(case):
    nodes = []
    for spec in graph_nodes(case):
        children = tuple(nodes[i] for i in spec["children"])
        nodes.append(Value(spec["data"], children, "f", tuple(spec["local"])))
    nodes[-1].backward()
    return {"grads": [float(v.grad) for v in nodes]}


def _set(neuron, w, b):
    for p, x in zip(neuron.w, w):
        p.data = x
    neuron.b.data = b


def _weighted(outs, coeffs):
    total = Value(0.0)
    for o, c in zip(outs, coeffs):
        total = total + o * c
    return total


def neuron(case):
    n = nn.Neuron(case["nin"], nonlin=case["nonlin"])
    _set(n, case["w"], case["b"])
    out = n(case["x"])
    out.backward()
    return {"out": out.data, "grads": [float(p.grad) for p in n.parameters()], "order": ""}


def _network(neurons, weights, outs_fn, coeffs):
    for n, (w, b) in zip(neurons, weights):
        _set(n, w, b)
    outs = outs_fn()
    _weighted(outs, coeffs).backward()
    return [o.data for o in outs], [float(p.grad) for n in neurons for p in n.parameters()]


def layer(case):
    lay = nn.Layer(case["nin"], case["nout"], nonlin=case["nonlin"])
    out, grads = _network(lay.neurons, case["weights"], lambda: lay(case["x"]), case["coeffs"])
    return {"out": out, "grads": grads, "order": ""}


def mlp(case):
    m = nn.MLP(case["nin"], case["nouts"])
    neurons = [n for lay in m.layers for n in lay.neurons]
    out, grads = _network(neurons, case["weights"], lambda: m(case["x"]), case["coeffs"])
    return {"out": out, "grads": grads, "order": "", "zero_grad": ""}


def cross_entropy(case):
    logits = [Value(x) for x in case["logits"]]
    loss = losses.cross_entropy(logits, case["target"])
    loss.backward()
    return {"out": loss.data, "grads": [float(v.grad) for v in logits]}


def adamw(case, variant=optim.AdamW):
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


def loop(case, zero_grad=True, step=True, backward=True):
    """The reference loop; the flags switch off one ingredient, for diagnosing a student's loop."""
    model = nn.MLP(2, case["nouts"], rng=RNG(case["seed"]))
    kwargs = dict(case["kwargs"], betas=tuple(case["kwargs"]["betas"]))
    opt = optim.AdamW(model.parameters(), **kwargs)
    out = []
    for _ in range(case["steps"]):
        loss = losses.loss_fn(model, case["split"])
        if backward:
            loss.backward()
        if step:
            opt.step()
        if zero_grad:
            opt.zero_grad()
        out.append(loss.data)
    return {"losses": out, "params": [p.data for p in model.parameters()]}


STORE = pathlib.Path(__file__).resolve().parent / "data" / "reference_values.json"


@functools.cache
def _stored():
    """Values stored by a build that ships no reference engine (the student release), else {}."""
    return json.loads(STORE.read_text()) if STORE.exists() else {}


def store_key(test_id, case):
    """How a case's values are found in a store: the test id and a fingerprint of the case."""
    return f"{test_id}/{fingerprint(case)}"


def expected(test_id, case):
    """The reference's values for one case: stored ones when this build has them, else computed live
    (once per process: a class graded in one process shares its cases)."""
    stored = _stored().get(store_key(test_id, case))
    return stored if stored is not None else _live(test_id, json.dumps(case, sort_keys=True))


@functools.lru_cache(maxsize=4096)
def _live(test_id, case_json):
    return dispatch(sys.modules[__name__], test_id, json.loads(case_json))
