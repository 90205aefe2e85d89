"""A scalar autograd engine: `Value` and the chain rule, in the spirit of micrograd.

Each op does three things: compute the output, state its local derivatives (d out / d input,
one per input, in the order of `_prev`), and return the new node. `backward()` walks the graph
in reverse topological order and applies the chain rule with those local derivatives.

Why local derivatives instead of a `_backward` closure per node: a closure that mentions `out`
and is stored on `out` is a reference cycle, so every node of every graph can only be freed by
Python's cycle collector. A training step builds tens of thousands of nodes, and a closure
engine ends up spending most of each step in that collector. Here a node only refers to its
inputs, so a graph is freed by reference counting the moment the loss goes out of scope.
A number operand (`x * 2.0`) needs no node of its own either: it is a constant, nobody asks for
its gradient. The arithmetic is the same as the closure version's, operation for operation, and
the nodes are visited in the same order, so both engines produce the same floats.
"""
import math


class Value:
    """A scalar, the node of the graph that produced it, and the gradient of the output."""

    __slots__ = ("data", "grad", "_prev", "_op", "_local_grads")

    def __init__(self, data, _children=(), _op="", _local_grads=()):
        self.data = data
        self.grad = 0
        self._prev = _children  # a tuple of the inputs, in order
        self._op = _op  # the op that produced this node, for drawing and debugging
        self._local_grads = _local_grads  # d self / d child, one per child of _prev

    # A plain number operand is a constant: nothing asks for its gradient, so it gets no node.
    def __add__(self, other):
        if isinstance(other, Value):
            return Value(self.data + other.data, (self, other), "+", (1, 1))
        return Value(self.data + other, (self,), "+", (1,))

    def __mul__(self, other):
        if isinstance(other, Value):
            return Value(self.data * other.data, (self, other), "*", (other.data, self.data))
        return Value(self.data * other, (self,), "*", (other,))

    def __pow__(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented  # only constant int/float exponents
        return Value(self.data**other, (self,), f"**{other}", (other * self.data ** (other - 1),))

    def relu(self):
        out = 0 if self.data < 0 else self.data
        return Value(out, (self,), "ReLU", (out > 0,))  # slope 0 at 0, like PyTorch

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1 - t**2,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def log(self):
        return Value(math.log(self.data), (self,), "log", (1 / self.data,))

    def _backward(self):
        """Chain rule at this node: pass `self.grad` on to the inputs, scaled by the local derivatives."""
        for child, local_grad in zip(self._prev, self._local_grads):
            child.grad += local_grad * self.grad

    def backward(self):
        """Backpropagate from this node: every node it depends on gets d self / d node added to .grad.

        Gradients accumulate into leaves, like PyTorch's `backward()`; intermediate nodes start
        from zero each call. No recursion, so graphs of any depth work.
        """
        topo = topological_order(self)
        for v in topo:
            if v._prev:
                v.grad = 0  # intermediate gradients start afresh; leaves accumulate
        self.grad += 1
        for v in reversed(topo):
            v._backward()

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


def topological_order(root):
    """Every node `root` depends on, inputs before outputs (the order a recursive DFS gives). Nodes are
    told apart by identity, so it also walks a student's Value that defines == or no hash (the demo)."""
    topo, visited = [], {id(root)}
    stack = [(root, iter(root._prev))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if id(child) not in visited:
                visited.add(id(child))
                stack.append((child, iter(child._prev)))
                break
        else:
            stack.pop()
            topo.append(node)
    return topo
