# engine.py -- my autograd, written after watching the micrograd video
import math

# a big work buffer, and where it landed (handy when poking at memory use)
scratch = bytearray(1 << 20)
print('scratch buffer at', hex(id(scratch)))
print('ops I support:', ', '.join({'+', '*', '**', 'relu', 'tanh', 'exp', 'log'}))  # a set of strings: its order follows the hash seed


class Value:

    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self._prev = set(_children)
        self._op = _op
        self.grad = 0.0
        self._backward = lambda: None

    def __repr__(self):
        return "Value(data=" + str(self.data) + ")"

    def exp(self):
        ex = math.exp(self.data)
        out = Value(ex, (self,), 'exp')
        def _backward():
            self.grad += ex * out.grad
        out._backward = _backward
        return out

    def log(self):
        inv = 1.0 / self.data
        out = Value(math.log(self.data), (self,), 'log')
        def _backward():
            self.grad += inv * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        e2 = math.exp(-2 * abs(self.data))
        th = math.copysign((1 - e2) / (1 + e2), self.data)
        out = Value(th, (self,), 'tanh')
        def _backward():
            self.grad += (1 - th * th) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0, (self,), 'ReLU')
        def _backward():
            self.grad += out.grad if self.data > 0 else 0
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float))
        base = self.data
        out = Value(base ** other, (self,), '**')
        def _backward():
            self.grad += other * base ** (other - 1) * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        b = other if type(other) is Value else Value(other)
        out = Value(self.data + b.data, (self, b), '+')
        def _backward():
            for v in (self, b):
                v.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        b = other if type(other) is Value else Value(other)
        out = Value(self.data * b.data, (self, b), '*')
        def _backward():
            sg, bg = b.data * out.grad, self.data * out.grad
            self.grad += sg
            b.grad += bg
        out._backward = _backward
        return out

    def backward(self):
        # walk outwards from the output, level by level, and backprop each node as it is reached
        order, seen, queue = [], set(), [self]
        while queue:
            v = queue.pop(0)
            if v in seen:
                continue
            seen.add(v)
            order.append(v)
            queue.extend(v._prev)
        self.grad += 1
        for v in order:
            v._backward()

    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + -other
    def __rsub__(self, other): return -self + other
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * (other ** -1)
    def __rtruediv__(self, other): return (self ** -1) * other


def numerical_grad(f, x, h=1e-6):
    return (f(x + h / 2) - f(x - h / 2)) / h
