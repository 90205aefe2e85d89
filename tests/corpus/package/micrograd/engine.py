import math


class Value:
    """A number that remembers how it was computed, so it can be differentiated."""

    def __init__(self, data, _children=(), _op=''):
        self.data, self.grad = data, 0
        self._prev, self._op = tuple(_children), _op
        self._backward = lambda: None  # leaves have nothing to pass on

    @staticmethod
    def _lift(x):
        return x if isinstance(x, Value) else Value(x)

    # derived operations come first; they only use the primitives further down

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return self ** -1 * other

    __radd__ = lambda self, other: self + other
    __rmul__ = lambda self, other: self * other

    # primitives

    def __add__(self, other):
        lhs, rhs = self, Value._lift(other)
        res = Value(lhs.data + rhs.data, (lhs, rhs), '+')
        res._backward = lambda: Value._accumulate((lhs, res.grad), (rhs, res.grad))
        return res

    def __mul__(self, other):
        lhs, rhs = self, Value._lift(other)
        res = Value(lhs.data * rhs.data, (lhs, rhs), '*')
        res._backward = lambda: Value._accumulate((lhs, rhs.data * res.grad), (rhs, lhs.data * res.grad))
        return res

    @staticmethod
    def _accumulate(*pairs):
        # each (node, amount): the node's share of the output gradient, added, never assigned
        for node, amount in pairs:
            node.grad += amount

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "powers of Values are not supported"
        res = Value(self.data ** n, (self,), '**%s' % n)

        def _backward():
            local = n * self.data ** (n - 1)
            self.grad += local * res.grad

        res._backward = _backward
        return res

    def log(self):
        res = Value(math.log(self.data), (self,), 'log')

        def _backward():
            self.grad += res.grad * self.data ** -1

        res._backward = _backward
        return res

    def exp(self):
        e = math.exp(self.data)
        res = Value(e, (self,), 'exp')

        def _backward():
            self.grad += e * res.grad

        res._backward = _backward
        return res

    def relu(self):
        res = Value(max(0.0, self.data), (self,), 'ReLU')

        def _backward():
            self.grad += res.grad * (1.0 if self.data > 0 else 0.0)

        res._backward = _backward
        return res

    def tanh(self):
        # tanh(x) = 1 - 2 / (e^(2x) + 1), written so that large |x| does not overflow
        z = 2 * self.data
        th = 1 - 2 / (math.exp(z) + 1) if z < 700 else 1.0
        res = Value(th, (self,), 'tanh')

        def _backward():
            self.grad += res.grad * (1 - th) * (1 + th)

        res._backward = _backward
        return res

    def backward(self):
        # depth-first post-order without recursion: each frame keeps an iterator over its inputs
        topo, seen = [], {self}
        frames = [(self, iter(self._prev))]
        while frames:
            node, children = frames[-1]
            nxt = next(children, None)
            if nxt is None:
                frames.pop()
                topo.append(node)
            elif nxt not in seen:
                seen.add(nxt)
                frames.append((nxt, iter(nxt._prev)))
        self.grad = 1
        while topo:
            topo.pop()._backward()

    def __repr__(self):
        return "Value(data=%r, grad=%r)" % (self.data, self.grad)


def numerical_grad(f, x, h=1e-6):
    """central difference"""
    return (f(x + h) - f(x - h)) / (h + h)
