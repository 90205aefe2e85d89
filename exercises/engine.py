# Exercises: engine.py, the "engine" part of the micrograd kit.
#
# Wherever a line says `raise NotImplementedError("engine.<piece>: ...")`, the code is yours to write:
# replace that line with your answer (the `# HINT:` comments above it point the way). Everything
# else is given; read it, the docstrings explain the math of each piece.
#
# Check your work: `make check exercise=engine` grades this file piece by piece and explains what
# it finds (`make check` grades every part).
#
# Generated from the answer key by `make stubs`: instructors edit solutions/engine.py instead.
"""A scalar autograd engine: `Value` and backpropagation, the heart of micrograd.

A `Value` holds one number (`.data`) and remembers how it was made: the values it came from
(`._prev`, in order) and the op (`._op`). Every op returns a new `Value`, so a computation builds
a graph. `.grad` will hold d(output)/d(this value) once `backward()` has run; it starts at 0.

Backpropagation is the chain rule, one node at a time. Each op gives its output a small function,
`out._backward`, that knows the op's local derivatives: called after `out.grad` is known, it adds
d(out)/d(input) * out.grad to the `.grad` of each input. `backward()` then calls these functions
in the right order, from the output back to the inputs.

What you write: the body of every `_backward` (engine.add, engine.mul, engine.pow, engine.relu,
engine.tanh, engine.exp, engine.log) and of `backward()` (engine.backward). The forward
computations and the ops built from others (-, /, ...) are given. And, before any of it, the
lecture's first exercise: `numerical_grad` (engine.numerical_grad), the derivative of a plain
function estimated from its values alone, which is how every gradient here can be checked.
"""
import math


class Value:
    """A scalar, the node of the graph that produced it, and the gradient of the output."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None  # a leaf has no inputs to pass its gradient to
        self._prev = tuple(_children)  # the inputs, in order
        self._op = _op  # the op that produced this value, for drawing and debugging

    def __add__(self, other):
        """out = self + other.

        Local derivatives: d(out)/d(self) = 1 and d(out)/d(other) = 1. By the chain rule each
        input's gradient grows by 1 * out.grad.
        """
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # HINT: an input can be used more than once (a + a, or in several places):
            # HINT: each use adds its share to .grad, none replaces another.
            raise NotImplementedError("engine.add: pass out.grad on to both inputs of +")

        out._backward = _backward
        return out

    def __mul__(self, other):
        """out = self * other.

        Local derivatives: d(out)/d(self) = other and d(out)/d(other) = self (their `.data`).
        """
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # HINT: the derivative with respect to one factor is the other factor.
            # HINT: check a * a by hand: d(a*a)/da = 2a, which both lines together must give.
            raise NotImplementedError("engine.mul: add each input's share of out.grad for *")

        out._backward = _backward
        return out

    def __pow__(self, other):
        """out = self ** other, for a number exponent `other` (int or float, not a Value).

        Local derivative: d(out)/d(self) = other * self ** (other - 1), the power rule.
        """
        if not isinstance(other, (int, float)):
            return NotImplemented  # only constant int/float exponents
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward():
            # HINT: the exponent is a plain number: it gets no gradient, only self does.
            # HINT: the power rule lowers the exponent by one; try it on x**2 and x**-1 by hand.
            raise NotImplementedError("engine.pow: write the power rule's local derivative for **")

        out._backward = _backward
        return out

    def relu(self):
        """out = max(0, self).

        Local derivative: 1 where the input is positive, 0 where it is negative. At exactly 0
        we take 0, like PyTorch.
        """
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            # HINT: the slope is 1 or 0; which one depends on whether the output is above 0.
            raise NotImplementedError("engine.relu: let the gradient through only where relu was active")

        out._backward = _backward
        return out

    def tanh(self):
        """out = tanh(self).

        Local derivative: d tanh(x)/dx = 1 - tanh(x)**2. The output is already tanh(x): use it
        instead of computing tanh again.
        """
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            # HINT: the derivative is written in terms of the output t, not the input x.
            raise NotImplementedError("engine.tanh: write the local derivative of tanh")

        out._backward = _backward
        return out

    def exp(self):
        """out = e ** self.

        Local derivative: d exp(x)/dx = exp(x), which is the output itself.
        """
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            # HINT: exp is its own derivative, and its value is already stored in the output.
            raise NotImplementedError("engine.exp: write the local derivative of exp")

        out._backward = _backward
        return out

    def log(self):
        """out = ln(self), the natural logarithm (self must be positive).

        Local derivative: d ln(x)/dx = 1 / x.
        """
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            # HINT: this derivative depends on the input x, not on the output ln(x).
            raise NotImplementedError("engine.log: write the local derivative of log")

        out._backward = _backward
        return out

    def backward(self):
        """Backpropagate from this value: every value it depends on gets d(self)/d(value) added to .grad.

        Three steps:
        1. Order the graph topologically: every value after all the values it was made from.
           A depth-first walk does it: visit a value's inputs first, then append the value.
           Visit each value once, even when it is used several times.
        2. Seed: d(self)/d(self) = 1.
        3. Walk the order backwards, from self to the inputs, calling each value's `_backward()`:
           by the time a value passes its gradient on, everything that uses it has already
           added its share.

        Each training step builds a fresh graph and calls `backward()` on it once, after
        `zero_grad()`; this must work every time, not only the first (nothing of one call may
        linger for the next). What a second `backward()` on the same graph does is up to you and
        not graded: this answer key lets the leaves accumulate, like PyTorch, and starts the
        values in between again from 0.
        A recursive walk is the natural way to write step 1, but Python stops at about 1000
        nested calls, so a long chain of ops would crash it: a loop with your own stack works
        for any depth.
        """
        # HINT: a depth-first walk appends a value only after all of its inputs; a set remembers
        # HINT: what was visited. Without recursion, a stack holds the values still to finish.
        raise NotImplementedError("engine.backward: order the graph, seed the gradient, apply the chain rule")

    def __neg__(self):  # -self
        return self * -1.0

    def __radd__(self, other):  # other + self
        return self + other

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


def numerical_grad(f, x, h=1e-6):
    """The derivative of the plain function `f` (a float in, a float out) at `x`, estimated from
    values of f alone: the slope of f over a small step h around x (a float).

    A slope taken from x to x + h leans toward one side of x; one taken between x - h and x + h
    (the central difference) looks at both sides, and is far more accurate for the same h.
    """
    # HINT: a slope is a rise over a run: divide the change in f by the distance between the two points.
    # HINT: try f(x) = 3*x**2 - 4*x + 5 at x = 3.0 by hand: its derivative there is 6*3 - 4 = 14.
    raise NotImplementedError("engine.numerical_grad: estimate df/dx at x by finite differences")
