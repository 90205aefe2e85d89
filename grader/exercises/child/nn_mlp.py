def run_mlp(mods, case, ref):
    nn = mods["nn"]
    nn.Neuron, nn.Layer = ref["nn"].Neuron, ref["nn"].Layer  # graded on reference layers
    mlp = nn.MLP(case["nin"], _list(case["nouts"]))
    layers = find_list_of(mlp, ref["nn"].Layer)
    sizes = [case["nin"]] + _list(case["nouts"])
    if layers is None or _len(layers) != _len(case["nouts"]):
        return {"structure": f"MLP({case['nin']}, {case['nouts']}) should hold a list of {_len(case['nouts'])} Layers"}
    for i, layer in enumerate(layers):
        if _len(layer.neurons) != sizes[i + 1] or _len(layer.neurons[0].w) != sizes[i]:
            return {"structure": f"layer {i} should map {sizes[i]} inputs to {sizes[i + 1]} outputs"}
        want_nonlin = i != _len(layers) - 1
        if any(n.nonlin != want_nonlin for n in layer.neurons):
            which = "the last layer must be linear (nonlin=False)" if not want_nonlin else f"layer {i} must use tanh"
            return {"structure": which}
    neurons = [n for layer in layers for n in layer.neurons]
    for n, (w, b) in _zip(neurons, case["weights"]):
        set_neuron(n, w, b)
    outs = mlp(case["x"])
    forward = [o.data for o in outs]
    weighted_sum(ref, outs, case["coeffs"]).backward()
    expected_params = [p for n in neurons for p in _list(n.w) + [n.b]]
    grads = [p.grad for p in expected_params]

    def step():  # a fresh forward and backward pass: gradients to zero again
        weighted_sum(ref, mlp(case["x"]), case["coeffs"]).backward()

    order = params_twice(mlp, expected_params)  # before zero_grad(), which calls parameters() itself
    return {
        "out": numbers(forward),
        "grads": numbers(grads),
        "order": order,
        "zero_grad": zero_grad_twice(mlp, expected_params, step),
    }
