import random

from micrograd.engine import Value


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
