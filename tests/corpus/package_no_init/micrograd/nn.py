import random

from micrograd.engine import Value


class Module:
    def parameters(self):
        return []

    def zero_grad(self):
        for v in self.parameters():
            v.grad = 0


class Neuron(Module):
    def __init__(self, nin, nonlin=True, rng=random):
        limit = nin ** -0.5
        self.w = [Value(limit * rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        pre = self.b + sum(w * xi for w, xi in zip(self.w, x))
        if not self.nonlin:
            return pre
        return pre.tanh()

    def parameters(self):
        params = list(self.w)
        params.append(self.b)
        return params


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = []
        for _ in range(nout):
            self.neurons.append(Neuron(nin, **kwargs))

    def __call__(self, x):
        return [self.neurons[k](x) for k in range(len(self.neurons))]

    def parameters(self):
        params = []
        for neuron in self.neurons:
            params += neuron.parameters()
        return params


class MLP(Module):
    def __init__(self, nin, nouts, rng=random):
        self.layers = []
        prev = nin
        for size in nouts[:-1]:
            self.layers.append(Layer(prev, size, rng=rng))
            prev = size
        self.layers.append(Layer(prev, nouts[-1], nonlin=False, rng=rng))

    def parameters(self):
        everything = []
        for l in self.layers:
            everything.extend(l.parameters())
        return everything

    def __call__(self, x):
        y = list(x)
        for l in self.layers:
            y = l(y)
        return y
