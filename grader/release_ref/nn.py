"""Neuron, Layer and MLP for grading nn and train on: each neuron is one op of the forward-mode
engine (Value.apply), and each container builds its own parts (never a caller's replacement)."""
from micrograd_ref.data import RNG
from micrograd_ref.engine import _TANH, Value


def _activation(nonlin, n):
    """The neuron's forward function of (w_1..w_n, b, x_1..x_n): from b, add each w_i * x_i in order."""
    def f(*args):
        act = args[n]
        for i in range(n):
            act = act + args[i] * args[n + 1 + i]
        return _TANH(act) if nonlin else act
    return f


class Neuron:
    def __init__(self, nin, nonlin=True, rng=None):
        rng = RNG(42) if rng is None else rng
        scale = nin**-0.5
        self.w = [Value(rng.uniform(-1, 1) * scale) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        return Value.apply(_activation(self.nonlin, len(self.w)), [*self.w, self.b, *x], "neuron")

    def parameters(self):
        return [*self.w, self.b]


class Layer:
    def __init__(self, nin, nout, rng=None, **kwargs):
        rng = RNG(42) if rng is None else rng
        self.neurons = [_NEURON(nin, rng=rng, **kwargs) for _ in range(nout)]
        self._params = [p for neuron in self.neurons for p in neuron.parameters()]

    def __call__(self, x):
        return [Value.apply(_activation(n.nonlin, len(n.w)), [*n.w, n.b, *x], "neuron") for n in self.neurons]

    def parameters(self):
        return list(self._params)


def _network(shapes):
    """The forward function of a whole MLP, of (every parameter in order, then the inputs), one output each."""
    def outputs(args):
        start = sum(nout * (nin + 1) for nin, nout, _ in shapes)
        h = list(args[start:])
        at = 0
        for nin, nout, nonlin in shapes:
            nxt = []
            for _ in range(nout):
                nxt.append(_activation(nonlin, nin)(*args[at:at + nin + 1], *h))
                at += nin + 1
            h = nxt
        return h
    return outputs


class MLP:
    """An MLP whose forward pass is one op per output of the engine, over all the parameters."""

    def __init__(self, nin, nouts, rng=None):
        rng = RNG(42) if rng is None else rng
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [_LAYER(sizes[i], sizes[i + 1], rng=rng, nonlin=i != last) for i in range(len(nouts))]
        self._shapes = [(sizes[i], sizes[i + 1], i != last) for i in range(len(nouts))]
        self._params = [p for layer in self.layers for p in layer._params]

    def __call__(self, x):
        f = _network(self._shapes)
        operands = [*self._params, *x]
        return [Value.apply(lambda *args, j=j: f(args)[j], operands, "mlp") for j in range(self._shapes[-1][1])]

    def parameters(self):
        return list(self._params)


# bound once: a Layer is made of these Neurons, an MLP of these Layers, whatever a caller rebinds
_NEURON, _LAYER = Neuron, Layer
