class FixedRNG:
    """A generator that records what is drawn from it: uniform(a, b) returns known numbers."""

    def __init__(self):
        self.drawn = []

    def uniform(self, a, b):
        u = a + (b - a) * ((_len(self.drawn) + 1) * 0.6180339887 % 1.0)
        self.drawn.append((a, b, u))
        return u


def init_check(Neuron, nin):
    """(message, kind) about Neuron(nin, rng=...)'s weights: drawn from the rng it is given, as
    uniform(-1, 1) * nin**-0.5. ('', '') when they are."""
    rng = FixedRNG()
    try:
        n = Neuron(nin, rng=rng)
    except TypeError as exc:
        return (f"Neuron({nin}, rng=...) raised TypeError: {safe_str(exc)}; the weights are drawn from the rng "
                "it is given", "init_no_rng")
    weights = [w.data for w in _list(n.w)]
    if not rng.drawn:
        return (f"Neuron({nin}, rng=...) drew nothing from the rng it was given: its weights come from "
                "somewhere else (random.uniform instead of rng.uniform?)", "init_not_rng")
    us = [u for a, b, u in rng.drawn if (a, b) == (-1, 1)]
    want = [u * nin**-0.5 for u in us[:nin]]
    if _len(weights) == nin and _len(want) == nin and all(
            _type(w) in (int, _float) and abs(w - x) <= 1e-9 * (1 + abs(x)) for w, x in _zip(weights, want)):
        return "", ""
    if _len(weights) == nin and _len(us) >= nin and nin > 1 and all(
            _type(w) in (int, _float) and abs(w - u) <= 1e-9 for w, u in _zip(weights, us)):
        return f"Neuron({nin})'s weights are uniform(-1, 1), not scaled by nin**-0.5", "init_scale"
    return (f"Neuron({nin}, rng=...)'s weights are not rng.uniform(-1, 1) * nin**-0.5, one draw per weight "
            "in order", "init_scale")


def run_neuron(mods, case, ref):
    Neuron = mods["nn"].Neuron
    init, init_kind = init_check(Neuron, case["nin"]) if case.get("init") else ("", "")
    n = Neuron(case["nin"]) if case["nonlin"] else Neuron(case["nin"], nonlin=False)
    set_neuron(n, case["w"], case["b"])
    out = n(case["x"])
    forward = out.data
    op = _getattr(out, "_op", "")
    out.backward()
    return {
        "out": number(forward),
        "grads": numbers([p.grad for p in n.w] + [n.b.grad]),
        "order": params_twice(n, _list(n.w) + [n.b]),
        "init": init, "init_kind": init_kind, "last_op": op[:32] if _type(op) is str else "",
    }
