"""micrograd in one file: Value, a small MLP, cross-entropy, AdamW and a training loop."""
import math

from utils import RNG

import random

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
            # BEGIN SOLUTION engine.add: pass out.grad on to both inputs of +
            # HINT: an input can be used more than once (a + a, or in several places):
            # HINT: each use adds its share to .grad, none replaces another.
            self.grad += out.grad
            other.grad += out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def __mul__(self, other):
        """out = self * other.

        Local derivatives: d(out)/d(self) = other and d(out)/d(other) = self (their `.data`).
        """
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # BEGIN SOLUTION engine.mul: add each input's share of out.grad for *
            # HINT: the derivative with respect to one factor is the other factor.
            # HINT: check a * a by hand: d(a*a)/da = 2a, which both lines together must give.
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
            # END SOLUTION

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
            # BEGIN SOLUTION engine.pow: write the power rule's local derivative for **
            # HINT: the exponent is a plain number: it gets no gradient, only self does.
            # HINT: the power rule lowers the exponent by one; try it on x**2 and x**-1 by hand.
            self.grad += (other * self.data ** (other - 1)) * out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def relu(self):
        """out = max(0, self).

        Local derivative: 1 where the input is positive, 0 where it is negative. At exactly 0
        we take 0, like PyTorch.
        """
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            # BEGIN SOLUTION engine.relu: let the gradient through only where relu was active
            # HINT: the slope is 1 or 0; which one depends on whether the output is above 0.
            self.grad += (out.data > 0) * out.grad
            # END SOLUTION

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
            # BEGIN SOLUTION engine.tanh: write the local derivative of tanh
            # HINT: the derivative is written in terms of the output t, not the input x.
            self.grad += (1 - t**2) * out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def exp(self):
        """out = e ** self.

        Local derivative: d exp(x)/dx = exp(x), which is the output itself.
        """
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            # BEGIN SOLUTION engine.exp: write the local derivative of exp
            # HINT: exp is its own derivative, and its value is already stored in the output.
            self.grad += out.data * out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def log(self):
        """out = ln(self), the natural logarithm (self must be positive).

        Local derivative: d ln(x)/dx = 1 / x.
        """
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            # BEGIN SOLUTION engine.log: write the local derivative of log
            # HINT: this derivative depends on the input x, not on the output ln(x).
            self.grad += (1 / self.data) * out.grad
            # END SOLUTION

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

        Like PyTorch, gradients accumulate into the leaves (values with no inputs) when
        `backward()` runs twice, while the values in between start again from 0 each time.
        A recursive walk is the natural way to write step 1, but Python stops at about 1000
        nested calls, so a long chain of ops would crash it: a loop with your own stack works
        for any depth.
        """
        # BEGIN SOLUTION engine.backward: order the graph, seed the gradient, apply the chain rule
        # HINT: a depth-first walk appends a value only after all of its inputs; a set remembers
        # HINT: what was visited. Without recursion, a stack holds the values still to finish.
        topo, visited = [], set()
        stack = [(self, False)]
        while stack:
            v, inputs_done = stack.pop()
            if inputs_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in reversed(v._prev))
        for v in topo:
            if v._prev:
                v.grad = 0
        self.grad += 1
        for v in reversed(topo):
            v._backward()
        # END SOLUTION

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


class Module:
    """Something with parameters: a neuron, a layer, a whole network."""

    def zero_grad(self):
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        """The list of parameters, in a fixed order."""
        return []


class Neuron(Module):
    """tanh(w . x + b) for `nin` inputs, or just w . x + b when `nonlin` is False.

    Weights start random, uniform(-1, 1) * nin**-0.5: scaling by 1/sqrt(nin) keeps the sum
    w . x of about the same size however many inputs there are, so tanh does not start
    saturated. The bias starts at 0. `rng` is where the random numbers come from: anything with
    `uniform(a, b)`, Python's `random` module unless you pass your own seeded generator.
    """

    def __init__(self, nin, nonlin=True, rng=random):
        # BEGIN SOLUTION nn.neuron: create the weights self.w (a list of Values) and the bias self.b
        # HINT: one weight per input, each a Value of its own so that it gets its own gradient.
        self.w = [Value(rng.uniform(-1, 1) * nin**-0.5) for _ in range(nin)]
        self.b = Value(0)
        # END SOLUTION
        self.nonlin = nonlin

    def __call__(self, x):
        """The neuron's output for the inputs `x` (numbers or Values), a single Value.

        Start from the bias and add w_i * x_i for each input in order, then apply tanh when
        `self.nonlin` is set.
        """
        # BEGIN SOLUTION nn.neuron: compute the neuron's output for the inputs x
        # HINT: zip pairs each weight with its input; Python's sum() takes a start value.
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh() if self.nonlin else act
        # END SOLUTION

    def parameters(self):
        """All the neuron's parameters in one list: its weights in order, then its bias."""
        # BEGIN SOLUTION nn.neuron: list the neuron's parameters
        return self.w + [self.b]
        # END SOLUTION

    def __repr__(self):
        return f"{'TanH' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons, each reading the same `nin` inputs. Calling it returns the list of their outputs.

    Keyword arguments (`nonlin`, `rng`) are passed on to every neuron.
    """

    def __init__(self, nin, nout, **kwargs):
        # BEGIN SOLUTION nn.layer: create the layer's neurons
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        # END SOLUTION

    def __call__(self, x):
        """The outputs of the neurons for the inputs `x`, as a list (one Value per neuron)."""
        # BEGIN SOLUTION nn.layer: compute the outputs of all the neurons
        return [n(x) for n in self.neurons]
        # END SOLUTION

    def parameters(self):
        """The parameters of the first neuron, then the second's, and so on."""
        # BEGIN SOLUTION nn.layer: list the parameters of every neuron, in order
        # HINT: one flat list, not a list of lists.
        return [p for n in self.neurons for p in n.parameters()]
        # END SOLUTION

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one layer per size in `nouts`.

    MLP(2, [8, 3]) has a layer of 8 tanh neurons reading 2 inputs, then a layer of 3 linear
    neurons (no tanh) reading those 8. Every layer but the last uses tanh. `rng` is passed on to
    every neuron, layer by layer, so a seeded generator always gives the same network.
    """

    def __init__(self, nin, nouts, rng=random):
        # BEGIN SOLUTION nn.mlp: create the layers, tanh in all but the last
        # HINT: layer i reads as many inputs as layer i - 1 has neurons (the first reads nin).
        sizes = [nin] + list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng)
            for i in range(len(nouts))
        ]
        # END SOLUTION

    def __call__(self, x):
        """The outputs of the last layer: each layer's outputs are the next layer's inputs."""
        # BEGIN SOLUTION nn.mlp: feed x through the layers in turn
        for layer in self.layers:
            x = layer(x)
        return x
        # END SOLUTION

    def parameters(self):
        """The parameters of the first layer, then the second's, and so on."""
        # BEGIN SOLUTION nn.mlp: list the parameters of every layer, in order
        return [p for layer in self.layers for p in layer.parameters()]
        # END SOLUTION

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def cross_entropy(logits, target):
    """-log softmax(logits)[target] for one example, a Value (like `torch.nn.functional.cross_entropy`).

    `logits` is a list of Values, `target` the index of the right class. Simplify first:
    -log(exp(z_t) / sum_i exp(z_i)) = log(sum_i exp(z_i)) - z_t.
    Computed as written, exp(1000) overflows. Subtracting the largest logit m from every logit
    first changes nothing in the result (the factor exp(-m) cancels) nor in the gradients, and
    keeps every exp() at most 1. Use the ops of `Value` only, so that backward() can follow.
    """
    # BEGIN SOLUTION train.cross_entropy: compute -log softmax(logits)[target] without overflow
    # HINT: the shift m is a plain number (the largest .data): a constant, not part of the graph.
    # HINT: try logits [1000, 0, -1000]: no exp() may see a large positive number.
    max_val = max(v.data for v in logits)
    logits = [v - max_val for v in logits]
    denom = sum(v.exp() for v in logits)
    return denom.log() - logits[target]
    # END SOLUTION


def loss_fn(model, split):
    """The mean cross-entropy of `model` over `split`, a list of (x, class) pairs, summed in order."""
    total_loss = Value(0.0)
    for x, y in split:
        total_loss = total_loss + cross_entropy(model(x), y)
    return total_loss * (1.0 / len(split))


class AdamW:
    """Adam with decoupled weight decay, the update rule of `torch.optim.AdamW`.

    For each parameter p with gradient g, at step t (counting from 1):
        m = beta1 * m + (1 - beta1) * g          running mean of the gradient
        v = beta2 * v + (1 - beta2) * g**2       running mean of its square
        m_hat = m / (1 - beta1**t)               m and v start at 0, so early on they are too
        v_hat = v / (1 - beta2**t)               small: dividing undoes that bias
        p = p - lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * p)
    Each parameter has its own m and v, starting at 0.
    """

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        # BEGIN SOLUTION train.adamw: set up the optimiser's state: the step count and m, v per parameter
        self.t = 0
        self.m = [0.0] * len(self.parameters)
        self.v = [0.0] * len(self.parameters)
        # END SOLUTION

    def step(self):
        """One update of every parameter from its current gradient (see the class docstring)."""
        # BEGIN SOLUTION train.adamw: update every parameter with the AdamW rule
        # HINT: count the step before using t: the first step has t = 1, or the bias correction divides by 0.
        # HINT: weight decay uses the parameter's value from before this update.
        self.t += 1
        for i, p in enumerate(self.parameters):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2
            m_hat = self.m[i] / (1 - self.beta1**self.t)
            v_hat = self.v[i] / (1 - self.beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)
        # END SOLUTION

    def zero_grad(self):
        """Set every parameter's gradient to 0."""
        for p in self.parameters:
            p.grad = 0


def train(model, optimizer, train_split, num_steps):
    """Train `model` for `num_steps` steps on `train_split`; return the loss of each step, as floats.

    Each step: the mean loss over the whole split (`loss_fn`), backward() to get every
    parameter's gradient, `optimizer.step()` to update the parameters, and
    `optimizer.zero_grad()` so that the next step's gradients do not add onto this one's.
    Record each step's loss before the update changes the model (a float: `.data`).
    """
    # BEGIN SOLUTION train.loop: run the training steps and collect the losses
    # HINT: gradients accumulate (+=) across backward() calls until something sets them back to 0.
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(model, train_split)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.data)
    return losses
    # END SOLUTION


def numerical_grad(f, x, h=1e-6):
    # the slope of f around x, from both sides
    return (f(x + h) - f(x - h)) / (2 * h)


def squared_error(ypred, ys):
    loss = Value(0.0)
    for yout, ygt in zip(ypred, ys):
        loss = loss + (yout - ygt) ** 2
    return loss


class SGD:
    def __init__(self, parameters, lr=0.01):
        self.parameters = list(parameters)
        self.lr = lr

    def step(self):
        for p in self.parameters:
            p.data += -self.lr * p.grad

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0.0
