import random

from micrograd.engine import Value


class Module:
    """base class: anything that owns parameters"""

    def parameters(self):
        raise NotImplementedError

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    # a single unit: tanh(w.x + b), or linear when nonlin=False

    def __init__(self, nin, nonlin=True, rng=random):
        self.nonlin = nonlin
        self.b = Value(0)
        self.w = [Value(nin ** -0.5 * rng.uniform(-1, 1)) for i in range(nin)]

    def parameters(self):
        return [*self.w, self.b]

    def __call__(self, x):
        z = self.b
        for i, xi in enumerate(x):
            z = z + self.w[i] * xi
        return z.tanh() if self.nonlin else z

    def __repr__(self):
        kind = "TanhNeuron" if self.nonlin else "LinearNeuron"
        return "%s(%d)" % (kind, len(self.w))


class Layer(Module):

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for j in range(nout)]

    def parameters(self):
        return sum((n.parameters() for n in self.neurons), [])

    def __call__(self, x):
        return list(map(lambda n: n(x), self.neurons))


class MLP(Module):

    def __init__(self, nin, nouts, rng=random):
        dims = [nin, *nouts]
        count = len(nouts)
        self.layers = [Layer(a, b, nonlin=(k < count - 1), rng=rng)
                       for k, (a, b) in enumerate(zip(dims[:-1], dims[1:]))]

    def parameters(self):
        return sum((layer.parameters() for layer in self.layers), [])

    def __call__(self, x):
        out = x
        for layer in self.layers:
            out = layer(out)
        return out
