# micrograd, following along with the lecture (everything in one file)
import math

from utils import RNG

import random


class Value:
    """ stores a single scalar value and its gradient """

    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0
        # internal variables used for autograd graph construction
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op  # the op that produced this node, for graphviz / debugging / etc

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward

        return out

    def __radd__(self, other): # other + self
        return self + other

    def __sub__(self, other): # self - other
        return self + other * -1

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')

        def _backward():
            self.grad += other.data * out.grad
            other.grad += out.grad * self.data
        out._backward = _backward

        return out

    __rmul__ = __mul__  # other * self, multiplication commutes

    def __neg__(self): # -self
        return -1 * self

    def __rsub__(self, other): # other - self
        return other + -1 * self

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**other, (self,), f'**{other}')

        def _backward():
            self.grad += (other * self.data**(other-1)) * out.grad
        out._backward = _backward

        return out

    def __truediv__(self, other): # self / other
        return self * other**-1

    def __rtruediv__(self, other): # other / self
        return self**-1 * other

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward

        return out

    def tanh(self):
        x = self.data
        t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1) if x < 20 else 1.0
        out = Value(t, (self, ), 'tanh')

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward

        return out

    def exp(self):
        x = self.data
        out = Value(math.exp(x), (self, ), 'exp')

        def _backward():
            self.grad += out.data * out.grad  # d/dx e^x = e^x
        out._backward = _backward

        return out

    def log(self):
        out = Value(math.log(self.data), (self,), 'log')

        def _backward():
            self.grad += (1 / self.data) * out.grad
        out._backward = _backward

        return out

    def backward(self):

        # topological order all of the children in the graph
        topo, visited = [], {self}
        def build_topo(v):
            for child in v._prev:
                if child not in visited:
                    visited.add(child)
                    build_topo(child)
            topo.append(v)
        build_topo(self)
        # go one variable at a time and apply the chain rule to get its gradient
        self.grad = 1
        for v in topo[::-1]:
            v._backward()


def numerical_grad(f, x, h=1e-6):
    # rise over run, the way the lecture checks a derivative by hand
    return (f(x + h) - f(x)) / h


# -----------------------------------------------------------------------------
# nn

class Module:

    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters(): p.grad = 0


class Neuron(Module):

    def __init__(self, nin, nonlin=True, rng=random):
        # EurekaLabs-style init: uniform in [-1, 1], scaled down by sqrt(fan-in)
        self.w = [Value(rng.uniform(-1, 1) * nin**-0.5) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def parameters(self):
        return self.w + [self.b]

    def __call__(self, x):
        act = self.b
        for wi, xi in zip(self.w, x): act = act + wi*xi
        return act.tanh() if self.nonlin else act


class Layer(Module):

    def __init__(self, nin, nout, nonlin=True, rng=random):
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __call__(self, x):
        return [n(x) for n in self.neurons]


class MLP(Module):

    def __init__(self, nin, nouts, rng=random):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i+1], nonlin=i != len(nouts)-1, rng=rng) for i in range(len(nouts))]

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __call__(self, x):
        for layer in self.layers: x = layer(x)
        return x


# -----------------------------------------------------------------------------
# loss and optimiser

def cross_entropy(logits, target):
    # shift by the max logit so exp never overflows, then -log softmax = logsumexp - z_target
    top = max(z.data for z in logits)
    shifted = [z - top for z in logits]
    lse = sum(z.exp() for z in shifted).log()
    return lse - shifted[target]


def loss_fn(model, split):
    total = sum((cross_entropy(model(x), y) for x, y in split), Value(0.0))
    return total * (1.0 / len(split))


class AdamW:

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.t = 0
        self.m = [0.0 for _ in self.parameters]
        self.v = [0.0 for _ in self.parameters]

    def step(self):
        b1, b2 = self.betas
        self.t += 1
        for i, p in enumerate(self.parameters):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            mhat = self.m[i] / (1 - b1 ** self.t)
            vhat = self.v[i] / (1 - b2 ** self.t)
            p.data -= self.lr * (mhat / (math.sqrt(vhat) + self.eps) + self.weight_decay * p.data)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0


def train(model, optimizer, train_split, num_steps):
    history = []
    for k in range(num_steps):
        loss = loss_fn(model, train_split)
        history.append(loss.data)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return history


def squared_error(ypred, ys):
    return sum([(yout - ygt)**2 for ygt, yout in zip(ys, ypred)], Value(0.0))


class SGD:
    # vanilla gradient descent, as at the end of the lecture

    def __init__(self, parameters, lr=0.01):
        self.parameters, self.lr = list(parameters), lr

    def zero_grad(self):
        for p in self.parameters: p.grad = 0.0

    def step(self):
        for p in self.parameters: p.data += -self.lr * p.grad
