"""A multi-layer perceptron on top of `Value`, like a tiny `torch.nn`."""
from micrograd_ref.data import RNG
from micrograd_ref.engine import Value


class Module:
    """Something with parameters."""

    def zero_grad(self):
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        """The list of parameters, in a fixed order."""
        return []


class Neuron(Module):
    """tanh(w . x + b), or just w . x + b when `nonlin` is False.

    Weights are drawn uniform(-1, 1) * nin**-0.5 from `rng` (a fresh RNG(42) when not given);
    the bias starts at 0. The parameters are made with `value_type`: any class with the
    engine contract's `Value` interface (the demo passes a student's, to train on their engine).
    """

    def __init__(self, nin, nonlin=True, rng=None, value_type=Value):
        rng = RNG(42) if rng is None else rng
        self.w = [value_type(rng.uniform(-1, 1) * nin**-0.5) for _ in range(nin)]
        self.b = value_type(0)
        self.nonlin = nonlin

    def __call__(self, x):
        # from the bias, add w_i * x_i in order: the published run's order of operations
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act.tanh() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{'TanH' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns the list of their outputs."""

    def __init__(self, nin, nout, rng=None, **kwargs):
        rng = RNG(42) if rng is None else rng
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes `nouts` after `nin` inputs; tanh between layers, the last layer linear.

    `value_type` is passed on to every Neuron (the class its parameters are made of).
    """

    def __init__(self, nin, nouts, rng=None, value_type=Value):
        rng = RNG(42) if rng is None else rng
        sizes = [nin] + list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=rng, nonlin=i != len(nouts) - 1, value_type=value_type)
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
