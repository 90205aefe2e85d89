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
    the bias starts at 0.
    """

    def __init__(self, nin, nonlin=True, rng=None):
        rng = RNG(42) if rng is None else rng
        self.w = [Value(rng.uniform(-1, 1) * nin**-0.5) for _ in range(nin)]
        self.b = Value(0)
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
    """Layers of sizes `nouts` after `nin` inputs; tanh between layers, the last layer linear."""

    def __init__(self, nin, nouts, rng=None):
        rng = RNG(42) if rng is None else rng
        sizes = [nin] + list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=rng, nonlin=i != len(nouts) - 1)
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
