def run_layer(mods, case, ref):
    nn = mods["nn"]
    nn.Neuron = ref["nn"].Neuron  # the Layer is graded on reference neurons
    kwargs = {} if case["nonlin"] else {"nonlin": False}
    layer = nn.Layer(case["nin"], case["nout"], **kwargs)
    neurons = find_list_of(layer, ref["nn"].Neuron)
    if neurons is None or _len(neurons) != case["nout"]:
        return {"structure": f"Layer({case['nin']}, {case['nout']}) should hold a list of {case['nout']} Neurons"}
    if any(n.nonlin != case["nonlin"] for n in neurons):
        return {"structure": "Layer must pass its keyword arguments (like nonlin=False) on to every Neuron"}
    for n, (w, b) in _zip(neurons, case["weights"]):
        set_neuron(n, w, b)
    outs = layer(case["x"])
    if not _isinstance(outs, (list, tuple)) or _len(outs) != case["nout"]:
        return {"structure": f"calling a Layer should return a list of {case['nout']} outputs, got {safe_repr(outs)}"}
    forward = [o.data for o in outs]
    weighted_sum(ref, outs, case["coeffs"]).backward()
    expected_params = [p for n in neurons for p in _list(n.w) + [n.b]]
    return {
        "out": numbers(forward),
        "grads": numbers([p.grad for p in expected_params]),
        "order": params_twice(layer, expected_params),
    }
