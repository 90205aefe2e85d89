"""What nn.neuron, nn.layer and nn.mlp share: weights drawn for a network, the reference and
PyTorch run of a network with given weights, parameter names and the structural mistakes."""
from micrograd_ref.engine import Value



def weights(r, sizes):
    return [([round(r.uniform(-1, 1), 6) for _ in range(nin)], round(r.uniform(-0.5, 0.5), 6))
            for nin, nout in zip(sizes, sizes[1:]) for _ in range(nout)]


def set_neuron(neuron, w, b):
    for p, x in zip(neuron.w, w):
        p.data = x
    neuron.b.data = b


def weighted(outs, coeffs):
    total = Value(0.0)
    for o, c in zip(outs, coeffs):
        total = total + o * c
    return total


def network(neurons, weights_, outs_fn, coeffs):
    for n, (w, b) in zip(neurons, weights_):
        set_neuron(n, w, b)
    outs = outs_fn()
    weighted(outs, coeffs).backward()
    return [o.data for o in outs], [float(p.grad) for n in neurons for p in n.parameters()]


def torch_linear(weights_, x, nonlin):
    import torch

    w = torch.tensor([w for w, _ in weights_], requires_grad=True)
    b = torch.tensor([b for _, b in weights_], requires_grad=True)
    y = w @ x + b
    return (torch.tanh(y) if nonlin else y), w, b


def torch_grads(w, b):
    out = []
    for row, bias in zip(w.grad.tolist(), b.grad.tolist()):
        out += row + [bias]
    return out


def param_names(sizes, per_layer):
    """The names of a network's parameters, in parameters() order."""
    names = []
    for layer, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        for j in range(nout):
            who = f"layer {layer} neuron {j}" if per_layer else f"neuron {j}"
            names += [f"{who} w[{i}]" for i in range(nin)] + [f"{who} b"]
    return names


def grad_label(names):
    """A label function naming gradients by parameter."""
    def label(key, index, case):
        if key == "grads" and index:
            names_ = names(case)
            if index[0] < len(names_):
                return f"{names_[index[0]]}.grad"
        return None
    return label


def inputs(case):
    import json

    def compact(value):
        text = json.dumps(value)
        return text if len(text) <= 160 else text[:157] + "..."

    rows = [(key, compact(value)) for key, value in case.items()]
    if "coeffs" in case:
        rows.append(("upstream gradients", "backward of sum(c * out): out[j] receives the gradient c[j]"))
    return rows


MISTAKES = {
    "order": ("parameters() is missing values or in the wrong order",
              "List each neuron's weights in order, then its bias; layer by layer, neuron by neuron."),
    "zero_grad": ("zero_grad() does not reset every gradient", "Set .grad = 0 on every parameter."),
    "params_once": ("parameters() works only once",
                    "Called a second time, parameters() must return the same list again: build a fresh list on "
                    "every call, and never replace the method by its result (self.parameters = [...]) or add to "
                    "a list the object keeps."),
    "zero_grad_once": ("zero_grad() works only once",
                       "zero_grad() runs before every training step: it must reset every parameter's gradient "
                       "each time it is called, not only the first."),
}


ONCE = {"order": "parameters() works only once", "zero_grad": "zero_grad() works only once"}  # the child's words



def structural(case, got, want):
    for key, once, name in (("order", "params_once", "order"), ("zero_grad", "zero_grad_once", "zero_grad")):
        if isinstance(got.get(key), str) and got[key]:
            return once if got[key].startswith(ONCE[key]) else name
    return None
