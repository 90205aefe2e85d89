"""The cases of every test id: plain data (inputs only), the same for a given seed.

Public cases come from a fixed seed plus hand-picked edges, and are what students see.
Hidden cases (instructor side) add more from a seed the student never sees.
"""
import hashlib
import json
import random

from micrograd_ref.data import RNG, gen_data_yinyang

PUBLIC_SEED = 20260101


def fingerprint(data):
    """A short fingerprint of plain data (a case, a list of cases), to find or validate stored values."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _grad(r, zero_share=0.25):
    """A pre-set .grad: usually non-zero, so that `=` instead of `+=` shows."""
    return 0.0 if r.random() < zero_share else round(r.uniform(-2, 2), 6)


def _upstream(r):
    return round(r.choice([-1, 1]) * r.uniform(0.25, 3), 6)


def binary_cases(r, n, edges):
    cases = [dict(e, g=e.get("g", 1.5), ga=e.get("ga", 0.5), gb=e.get("gb", -0.25)) for e in edges]
    for k in range(n):
        same = k % 4 == 3  # reused operand: a + a, a * a
        case = {"a": round(r.uniform(-3, 3), 6), "g": _upstream(r), "ga": _grad(r)}
        if same:
            case["same"] = True
        else:
            case.update(b=round(r.uniform(-3, 3), 6), gb=_grad(r))
        cases.append(case)
    return cases


def unary_cases(r, n, domain, edges, exponents=None):
    cases = []
    for e in edges:
        cases.append(dict({"g": 1.5, "ga": 0.5}, **e))
    for _ in range(n):
        case = {"a": round(domain(r), 6), "g": _upstream(r), "ga": _grad(r)}
        if exponents:
            case["p"] = r.choice(exponents)
            if not float(case["p"]).is_integer() or case["p"] < 0:
                case["a"] = round(r.uniform(0.2, 3), 6)  # real-valued powers need a positive base
        cases.append(case)
    return cases


def graph_cases(r, n_random, deep=0):
    """Graphs for backward(): nodes in creation order, each with children (indices) and local derivatives."""
    leaf = lambda x: {"data": x, "children": [], "local": []}  # noqa: E731
    cases = [
        {"name": "a single node (the seed)", "nodes": [leaf(2.0)]},
        {"name": "a chain", "nodes": [leaf(1.0), {"data": 2.0, "children": [0], "local": [3.0]},
                                      {"data": 3.0, "children": [1], "local": [-0.5]}]},
        {"name": "a diamond", "nodes": [leaf(1.0), {"data": 2.0, "children": [0], "local": [2.0]},
                                        {"data": 3.0, "children": [0], "local": [-1.5]},
                                        {"data": 4.0, "children": [1, 2], "local": [0.5, 4.0]}]},
        {"name": "a reused non-leaf node", "nodes": [leaf(0.5), {"data": 1.0, "children": [0], "local": [2.0]},
                                                     {"data": 1.0, "children": [1, 1], "local": [3.0, -1.0]},
                                                     {"data": 1.0, "children": [2, 1], "local": [0.5, 1.5]}]},
    ]
    for k in range(n_random):
        size = r.randint(6, 14)
        nodes = [leaf(round(r.uniform(-2, 2), 4)) for _ in range(r.randint(2, 3))]
        while len(nodes) < size:
            children = [r.randrange(len(nodes)) for _ in range(r.randint(1, 3))]
            nodes.append({"data": round(r.uniform(-2, 2), 4), "children": children,
                          "local": [round(r.uniform(-2, 2), 4) for _ in children]})
        # the root uses the last few nodes, so most of the graph is reachable
        last = list(range(max(0, len(nodes) - 3), len(nodes)))
        nodes.append({"data": 1.0, "children": last, "local": [round(r.uniform(-2, 2), 4) for _ in last]})
        cases.append({"name": f"a random graph of {len(nodes)} nodes", "nodes": nodes})
    if deep:
        cases.append({"name": f"a chain {deep} nodes deep", "chain": deep, "local": 1.0, "deep": True})
    return cases


def neuron_cases(r, n):
    cases = []
    for k in range(n):
        nin = [1, 2, 3, 5][k % 4]
        cases.append({
            "nin": nin, "nonlin": k % 3 != 2,
            "w": [round(r.uniform(-1, 1), 6) for _ in range(nin)], "b": round(r.uniform(-0.5, 0.5), 6),
            "x": [round(r.uniform(-2, 2), 6) for _ in range(nin)],
        })
    return cases


def _weights(r, sizes):
    return [([round(r.uniform(-1, 1), 6) for _ in range(nin)], round(r.uniform(-0.5, 0.5), 6))
            for nin, nout in zip(sizes, sizes[1:]) for _ in range(nout)]


def layer_cases(r, shapes):
    cases = []
    for k, (nin, nout) in enumerate(shapes):
        cases.append({
            "nin": nin, "nout": nout, "nonlin": k % 3 != 1, "weights": _weights(r, [nin, nout]),
            "x": [round(r.uniform(-2, 2), 6) for _ in range(nin)],
            "coeffs": [round(r.uniform(-2, 2), 6) for _ in range(nout)],
        })
    return cases


def mlp_cases(r, shapes):
    cases = []
    for nin, nouts in shapes:
        cases.append({
            "nin": nin, "nouts": nouts, "weights": _weights(r, [nin] + nouts),
            "x": [round(r.uniform(-2, 2), 6) for _ in range(nin)],
            "coeffs": [round(r.uniform(-2, 2), 6) for _ in range(nouts[-1])],
        })
    return cases


def cross_entropy_cases(r, n, edges):
    cases = [dict(e) for e in edges]
    for _ in range(n):
        k = r.randint(2, 5)
        cases.append({"logits": [round(r.uniform(-3, 3), 6) for _ in range(k)], "target": r.randrange(k)})
    return cases


def adamw_cases(r, settings):
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


def loop_cases(seeds, steps=6):
    cases = []
    for seed in seeds:
        train, _, _ = gen_data_yinyang(RNG(seed), n=15)
        cases.append({"seed": seed, "nouts": [4, 3], "split": train, "steps": steps,
                      "kwargs": {"lr": 0.1, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 1e-3}})
    return cases


ADAMW_DEFAULTS = {"lr": 0.1, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.0}


def build(test_id, seed=PUBLIC_SEED, hidden=False):
    """The list of cases for `test_id`: the public ones, or (hidden=True) a fresh draw from `seed`."""
    r = random.Random(f"{test_id}/{seed}")
    n = 10 if hidden else 8
    uni = lambda lo, hi: (lambda r: r.uniform(lo, hi))  # noqa: E731
    edges = lambda public: [] if hidden else public  # noqa: E731  (hand-picked edges are public)
    if test_id == "engine.add":
        return binary_cases(r, n, edges([{"a": 2.0, "b": -3.0}, {"a": 1.5, "same": True}]))
    if test_id == "engine.mul":
        return binary_cases(r, n, edges([{"a": 2.0, "b": -3.0}, {"a": -1.5, "same": True}, {"a": 0.0, "b": 4.0}]))
    if test_id == "engine.pow":
        return unary_cases(r, n, uni(-3, 3), edges([
            {"a": 3.0, "p": 2}, {"a": -2.0, "p": 3}, {"a": 4.0, "p": 0.5}, {"a": 2.0, "p": -1},
            {"a": 1.5, "p": -2.5}, {"a": -1.5, "p": 2}, {"a": 0.3, "p": 1.5}]), exponents=[2, 3, -1, -2, 0.5, 1.5, -0.5, 4])
    if test_id == "engine.relu":
        return unary_cases(r, n, uni(-3, 3), edges([
            {"a": 2.0}, {"a": -2.0}, {"a": 0.0, "g": 1.0}, {"a": -0.5, "ga": 0.0}, {"a": 1e-9}]))
    if test_id == "engine.tanh":
        return unary_cases(r, n, uni(-3, 3), edges([
            {"a": 0.5}, {"a": -1.2}, {"a": 25.0}, {"a": -30.0, "g": -2.0}, {"a": 0.0}, {"a": 6.0, "ga": 0.0}]))
    if test_id == "engine.exp":
        return unary_cases(r, n, uni(-5, 5), edges([
            {"a": 1.0}, {"a": -2.0}, {"a": 0.0}, {"a": 20.0, "g": 0.5}]))
    if test_id == "engine.log":
        return unary_cases(r, n, uni(0.05, 6), edges([
            {"a": 2.0}, {"a": 1.0}, {"a": 1e-6}, {"a": 1000.0, "ga": 0.0}]))
    if test_id == "engine.backward":
        return graph_cases(r, 4 if hidden else 3, deep=0 if hidden else 10_000)
    if test_id == "nn.neuron":
        return neuron_cases(r, n)
    if test_id == "nn.layer":
        return layer_cases(r, [(2, 3), (3, 1), (1, 4), (4, 2)] if not hidden else [(2, 2), (5, 3), (3, 3)])
    if test_id == "nn.mlp":
        return mlp_cases(r, [(2, [3, 2]), (3, [4, 4, 1]), (1, [2])] if not hidden else [(2, [4, 3]), (4, [2, 2, 2])])
    if test_id == "train.cross_entropy":
        return cross_entropy_cases(r, n, edges([
            {"logits": [2.0, 1.0, 0.1], "target": 0}, {"logits": [1000.0, 0.0, -1000.0], "target": 0},
            {"logits": [1000.0, 0.0, -1000.0], "target": 1}, {"logits": [-1000.0, -1001.0, -999.0], "target": 2},
            {"logits": [0.5], "target": 0}]))
    if test_id == "train.adamw":
        return adamw_cases(r, [
            ADAMW_DEFAULTS, dict(ADAMW_DEFAULTS, weight_decay=0.01), dict(ADAMW_DEFAULTS, lr=0.02, betas=[0.8, 0.999]),
            dict(ADAMW_DEFAULTS, weight_decay=0.1, eps=1e-3),
        ] + ([dict(ADAMW_DEFAULTS, lr=0.05, weight_decay=1e-4)] if hidden else []))
    if test_id == "train.loop":
        return loop_cases([r.randrange(1, 10_000) for _ in range(2)] if hidden else [42, 7])
    raise ValueError(f"unknown test id {test_id!r}")
