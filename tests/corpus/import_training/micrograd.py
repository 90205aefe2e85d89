"""
EurekaLabs-style micrograd: autograd on scalars, an MLP, AdamW, and a training run.
Run it and it trains (forever, until you stop it).
"""
import math

from utils import RNG

import random


def _as_value(x):
    return x if isinstance(x, Value) else Value(x)


class Value:

    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0
        self._prev = _children
        self._op = _op
        self._backward = lambda: None

    # ---- the ops, each with the local derivative it pushes back ----

    def __add__(self, other):
        o = _as_value(other)
        out = Value(self.data + o.data, (self, o), '+')
        def _backward():
            g = out.grad
            self.grad += g
            o.grad += g
        out._backward = _backward
        return out

    def __mul__(self, other):
        o = _as_value(other)
        out = Value(self.data * o.data, (self, o), '*')
        def _backward():
            g = out.grad
            a, b = self.data, o.data
            self.grad += b * g
            o.grad += a * g
        out._backward = _backward
        return out

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise TypeError("exponent must be a plain number")
        out = Value(self.data ** k, (self,), f'**{k}')
        def _backward():
            self.grad += k * (self.data ** (k - 1)) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data}) does not fit in a float") from None
        out = Value(e, (self,), 'exp')
        def _backward():
            self.grad += out.grad * out.data
        out._backward = _backward
        return out

    def log(self):
        # natural log, defined for positive data only
        out = Value(math.log(self.data), (self,), 'log')
        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        y = math.tanh(self.data)
        out = Value(y, (self,), 'tanh')
        def _backward():
            self.grad += out.grad * (1.0 - y * y)
        out._backward = _backward
        return out

    def relu(self):
        positive = self.data > 0
        out = Value(self.data if positive else 0.0, (self,), 'ReLU')
        def _backward():
            # the kink at 0 gets gradient 0, as in PyTorch
            if not positive:
                return
            self.grad += out.grad
        out._backward = _backward
        return out

    # ---- backprop: iterative post-order walk, no recursion limit ----

    def backward(self):
        order, done = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in done:
                continue
            done.add(node)
            stack.append((node, True))
            for parent in node._prev:
                if parent not in done:
                    stack.append((parent, False))
        self.grad = 1.0
        for node in order[::-1]:
            node._backward()

    # ---- everything else is built out of the ops above ----
    def __radd__(self, other): return self + other
    def __rmul__(self, other): return self * other
    def __neg__(self): return -1 * self
    def __sub__(self, other): return self + (-1) * _as_value(other)
    def __rsub__(self, other): return _as_value(other) + (-1) * self
    def __truediv__(self, other): return self * _as_value(other) ** -1
    def __rtruediv__(self, other): return _as_value(other) * self ** -1

    def __repr__(self):
        return 'Value(%s, grad=%s)' % (self.data, self.grad)


# ---------------------------------------------------------------------------------

class Module:
    def zero_grad(self):
        ps = self.parameters()
        for param in ps:
            param.grad = 0

    def parameters(self):
        return []

    def num_params(self):
        return len(self.parameters())


class Neuron(Module):
    def __init__(self, nin, nonlin=True, rng=random):
        scale = 1 / math.sqrt(nin)
        self.w = []
        for _ in range(nin):
            self.w.append(Value(rng.uniform(-1, 1) * scale))
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        s = self.b
        for weight, inp in zip(self.w, x):
            s = s + weight * inp
        if self.nonlin:
            s = s.tanh()
        return s

    def parameters(self):
        return list(self.w) + [self.b]


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = []
        while len(self.neurons) < nout:
            self.neurons.append(Neuron(nin, **kwargs))

    def __call__(self, x):
        outs = []
        for neuron in self.neurons:
            outs.append(neuron(x))
        return outs

    def parameters(self):
        ps = []
        for neuron in self.neurons:
            ps.extend(neuron.parameters())
        return ps


class MLP(Module):
    def __init__(self, nin, nouts, rng=random):
        self.layers = []
        fan_in = nin
        for j, fan_out in enumerate(nouts):
            last = j == len(nouts) - 1
            self.layers.append(Layer(fan_in, fan_out, nonlin=not last, rng=rng))
            fan_in = fan_out

    def __call__(self, x):
        h = x
        for lay in self.layers:
            h = lay(h)
        return h

    def parameters(self):
        ps = []
        for lay in self.layers:
            ps += lay.parameters()
        return ps


# ---------------------------------------------------------------------------------

def cross_entropy(logits, target):
    # log-sum-exp trick: exp of (z - max) is at most 1
    biggest = max(z.data for z in logits)
    exps = [(z - biggest).exp() for z in logits]
    norm = exps[0]
    for e in exps[1:]:
        norm = norm + e
    return -((logits[target] - biggest) - norm.log())


def loss_fn(model, split):
    n = 0
    acc = Value(0.0)
    for inputs, label in split:
        n += 1
        acc = acc + cross_entropy(model(inputs), label)
    return acc * (1.0 / n)


class AdamW:
    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1 = betas[0]
        self.beta2 = betas[1]
        self.eps = eps
        self.weight_decay = weight_decay
        self.state = {}  # id(param) -> (first moment, second moment)
        self.n = 0

    def step(self):
        self.n += 1
        c1 = 1 - self.beta1 ** self.n
        c2 = 1 - self.beta2 ** self.n
        for p in self.parameters:
            m, v = self.state.get(id(p), (0.0, 0.0))
            m = self.beta1 * m + (1 - self.beta1) * p.grad
            v = self.beta2 * v + (1 - self.beta2) * p.grad ** 2
            self.state[id(p)] = (m, v)
            update = (m / c1) / ((v / c2) ** 0.5 + self.eps)
            p.data = p.data - self.lr * (update + self.weight_decay * p.data)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0


def train(model, optimizer, train_split, num_steps):
    out = []
    step = 0
    while step < num_steps:
        L = loss_fn(model, train_split)
        L.backward()
        out.append(L.data)
        optimizer.step()
        optimizer.zero_grad()
        step += 1
    return out


# train at import time, as the EurekaLabs file does (no __main__ guard)
rng = RNG(42)
points = [([rng.uniform(-1, 1), rng.uniform(-1, 1)], int(rng.random() * 3)) for _ in range(100)]
model = MLP(2, [16, 3], rng=rng)
optimizer = AdamW(model.parameters(), lr=0.01)
step = 0
while True:  # far longer than any import limit
    losses = train(model, optimizer, points, 1)
    step += 1
    print("step", step, "loss", losses[-1])


def numerical_grad(f, x, h=1e-6):
    lo, hi = f(x - h), f(x + h)
    return (hi - lo) / (2 * h)


def squared_error(ypred, ys):
    err = Value(0.0)
    for i in range(len(ys)):
        diff = ypred[i] - ys[i]
        err = err + diff * diff
    return err


class SGD:
    def __init__(self, parameters, lr=0.01):
        self.parameters, self.lr = list(parameters), lr

    def step(self):
        for q in self.parameters:
            q.data = q.data - self.lr * q.grad

    def zero_grad(self):
        for q in self.parameters:
            q.grad = 0
