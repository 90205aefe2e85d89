# Exercises: nn.py, the "nn" part of the micrograd kit.
#
# Wherever a line says `raise NotImplementedError("nn.<piece>: ...")`, the code is yours to write:
# replace that line with your answer (the `# HINT:` comments above it point the way). Everything
# else is given; read it, the docstrings explain the math of each piece.
#
# Check your work: `make check exercise=nn` grades this file piece by piece and explains what
# it finds (`make check` grades every part).
#
# Generated from the answer key by `make stubs`: instructors edit solutions/nn.py instead.
"""A multi-layer perceptron built from `Value`s, like a tiny `torch.nn`.

A neuron computes tanh(w . x + b): a weighted sum of its inputs plus a bias, through a
non-linearity. A layer is a list of neurons that all read the same inputs. An MLP is a chain of
layers, each feeding the next; its last layer has no tanh, so it can output any number (the
logits of a classifier).

What you write: `Neuron` (nn.neuron), `Layer` (nn.layer) and `MLP` (nn.mlp): how each creates
its parameters, computes its output, and lists its parameters.
"""
import random

from engine import Value


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
        # HINT: one weight per input, each a Value of its own so that it gets its own gradient.
        raise NotImplementedError("nn.neuron: create the weights self.w (a list of Values) and the bias self.b")
        self.nonlin = nonlin

    def __call__(self, x):
        """The neuron's output for the inputs `x` (numbers or Values), a single Value.

        Start from the bias and add w_i * x_i for each input in order, then apply tanh when
        `self.nonlin` is set.
        """
        # HINT: zip pairs each weight with its input; Python's sum() takes a start value.
        raise NotImplementedError("nn.neuron: compute the neuron's output for the inputs x")

    def parameters(self):
        """All the neuron's parameters in one list: its weights in order, then its bias."""
        raise NotImplementedError("nn.neuron: list the neuron's parameters")

    def __repr__(self):
        return f"{'TanH' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons, each reading the same `nin` inputs. Calling it returns the list of their outputs.

    Keyword arguments (`nonlin`, `rng`) are passed on to every neuron.
    """

    def __init__(self, nin, nout, **kwargs):
        raise NotImplementedError("nn.layer: create the layer's neurons")

    def __call__(self, x):
        """The outputs of the neurons for the inputs `x`, as a list (one Value per neuron)."""
        raise NotImplementedError("nn.layer: compute the outputs of all the neurons")

    def parameters(self):
        """The parameters of the first neuron, then the second's, and so on."""
        # HINT: one flat list, not a list of lists.
        raise NotImplementedError("nn.layer: list the parameters of every neuron, in order")

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one layer per size in `nouts`.

    MLP(2, [8, 3]) has a layer of 8 tanh neurons reading 2 inputs, then a layer of 3 linear
    neurons (no tanh) reading those 8. Every layer but the last uses tanh. `rng` is passed on to
    every neuron, layer by layer, so a seeded generator always gives the same network.
    """

    def __init__(self, nin, nouts, rng=random):
        # HINT: layer i reads as many inputs as layer i - 1 has neurons (the first reads nin).
        raise NotImplementedError("nn.mlp: create the layers, tanh in all but the last")

    def __call__(self, x):
        """The outputs of the last layer: each layer's outputs are the next layer's inputs."""
        raise NotImplementedError("nn.mlp: feed x through the layers in turn")

    def parameters(self):
        """The parameters of the first layer, then the second's, and so on."""
        raise NotImplementedError("nn.mlp: list the parameters of every layer, in order")

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
