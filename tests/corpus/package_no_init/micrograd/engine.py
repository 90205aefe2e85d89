import math


class Value:
    """Scalar autograd node.

    data  -- the number
    grad  -- d(final output)/d(this), filled in by backward()
    """

    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None

    def __repr__(self):
        return f"Value({self.data:.4f}, grad={self.grad:.4f})"

    def relu(self):
        out = Value(self.data * (self.data > 0), (self,), 'ReLU')
        def _backward():
            mask = 1 if out.data > 0 else 0
            self.grad += mask * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), 'exp')
        def _backward():
            self.grad = self.grad + out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        x = self.data
        out = Value(math.log(x), (self,), 'log')
        def _backward():
            self.grad = self.grad + out.grad / x
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), 'tanh')
        def _backward():
            slope = 1 - out.data ** 2
            self.grad = self.grad + slope * out.grad
        out._backward = _backward
        return out

    def __pow__(self, p):
        assert type(p) in (int, float)
        out = Value(self.data ** p, (self,), f'^{p}')
        def _backward():
            self.grad = self.grad + p * self.data ** (p - 1) * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        if not isinstance(other, Value):
            other = Value(other)
        out = Value(self.data * other.data, (self, other), '*')
        def _backward():
            self.grad = self.grad + out.grad * other.data
            other.grad = other.grad + out.grad * self.data
        out._backward = _backward
        return out

    def __add__(self, other):
        if not isinstance(other, Value):
            other = Value(other)
        out = Value(self.data + other.data, (self, other), '+')
        def _backward():
            self.grad = self.grad + out.grad
            other.grad = other.grad + out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self.__mul__(other)

    def __radd__(self, other):
        return self.__add__(other)

    def __neg__(self):
        return self.__mul__(-1)

    def __sub__(self, other):
        return self.__add__(-other)

    def __rsub__(self, other):
        return self.__neg__().__add__(other)

    def __truediv__(self, other):
        return self.__mul__(other ** -1)

    def __rtruediv__(self, other):
        return self.__pow__(-1).__mul__(other)

    def backward(self):
        # Kahn's algorithm: count how many consumers each node has, then release a node
        # once every consumer has pushed its gradient into it
        users = {}
        pending, seen = [self], {self}
        while pending:
            node = pending.pop()
            for child in node._prev:
                users[child] = users.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    pending.append(child)
        self.grad = 1
        ready = [self]
        while ready:
            node = ready.pop()
            node._backward()
            for child in node._prev:
                users[child] -= 1
                if users[child] == 0:
                    ready.append(child)


def numerical_grad(f, x, h=1e-6):
    # symmetric difference quotient
    forward = f(x + h)
    back = f(x - h)
    return (forward - back) / h / 2
