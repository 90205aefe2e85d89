def run_neuron(mods, case, ref):
    Neuron = mods["nn"].Neuron
    n = Neuron(case["nin"]) if case["nonlin"] else Neuron(case["nin"], nonlin=False)
    set_neuron(n, case["w"], case["b"])
    out = n(case["x"])
    forward = out.data
    out.backward()
    return {
        "out": number(forward),
        "grads": numbers([p.grad for p in n.w] + [n.b.grad]),
        "order": param_order(n.parameters(), _list(n.w) + [n.b]),
    }
