# Exercises: train.py, the "train" part of the micrograd kit.
#
# Wherever a line says `raise NotImplementedError("train.<piece>: ...")`, the code is yours to write:
# replace that line with your answer (the `# HINT:` comments above it point the way). Everything
# else is given; read it, the docstrings explain the math of each piece.
#
# Check your work: `make check exercise=train` grades this file piece by piece and explains what
# it finds (`make check` grades every part).
#
# Generated from the answer key by `make stubs`: instructors edit solutions/train.py instead.
"""Training a classifier: the cross-entropy loss, the AdamW optimiser and the training loop.

The network outputs one number per class, the logits z. Softmax turns them into probabilities,
p_i = exp(z_i) / sum_j exp(z_j), and the loss of one example of class t is -log p_t: 0 when the
network is sure of the right class, large when it is sure of a wrong one. AdamW then moves every
parameter a step against its gradient, and the loop repeats: loss, backward, step.

What you write: `cross_entropy` (train.cross_entropy), `AdamW` (train.adamw) and `train`
(train.loop). `loss_fn` is given.

The lecture's path comes first, on a regression of four points: the squared-error loss
`squared_error` (train.squared_error) and plain gradient descent, `SGD` (train.sgd).
`python train.py --lecture` then trains the lecture's MLP(3, [4, 4, 1]) with them (and your
`train` loop) and prints the loss at every step.
"""
from engine import Value


def cross_entropy(logits, target):
    """-log softmax(logits)[target] for one example, a Value (like `torch.nn.functional.cross_entropy`).

    `logits` is a list of Values, `target` the index of the right class. Simplify first:
    -log(exp(z_t) / sum_i exp(z_i)) = log(sum_i exp(z_i)) - z_t.
    Computed as written, exp(1000) overflows. Subtracting the largest logit m from every logit
    first changes nothing in the result (the factor exp(-m) cancels) nor in the gradients, and
    keeps every exp() at most 1. Use the ops of `Value` only, so that backward() can follow.
    """
    # HINT: the shift m is a plain number (the largest .data): a constant, not part of the graph.
    # HINT: try logits [1000, 0, -1000]: no exp() may see a large positive number.
    raise NotImplementedError("train.cross_entropy: compute -log softmax(logits)[target] without overflow")


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
        raise NotImplementedError("train.adamw: set up the optimiser's state: the step count and m, v per parameter")

    def step(self):
        """One update of every parameter from its current gradient (see the class docstring)."""
        # HINT: count the step before using t: the first step has t = 1, or the bias correction divides by 0.
        # HINT: weight decay uses the parameter's value from before this update.
        raise NotImplementedError("train.adamw: update every parameter with the AdamW rule")

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
    # HINT: gradients accumulate (+=) across backward() calls until something sets them back to 0.
    raise NotImplementedError("train.loop: run the training steps and collect the losses")


def squared_error(ypred, ys):
    """The lecture's loss: the sum over pairs of (yp - y)**2, a `Value`; `ypred` are the network's
    outputs (Values), `ys` the targets (numbers)."""
    # HINT: the loss must stay a Value built from the predictions, or no gradient reaches the network.
    # HINT: a sum, not a mean: two points each off by 1 give a loss of 2.
    raise NotImplementedError("train.squared_error: sum the squared differences between predictions and targets")


class SGD:
    """Plain gradient descent: each step moves every parameter against its gradient by lr times it."""

    def __init__(self, parameters, lr=0.01):
        self.parameters = list(parameters)
        self.lr = lr

    def step(self):
        """One update of every parameter from its current gradient."""
        # HINT: the gradient points uphill, toward a larger loss.
        raise NotImplementedError("train.sgd: move every parameter a small step downhill")

    def zero_grad(self):
        """Set every parameter's gradient to 0."""
        raise NotImplementedError("train.sgd: clear every gradient before the next backward()")


# the lecture's data set: four points in 3-D and their targets
LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]


def lecture_loss(model, split):
    """The lecture's loss of `model` over `split`: squared_error of its one output per point."""
    return squared_error([model(x)[0] for x, _ in split], [y for _, y in split])


def lecture(steps=20, lr=0.05, seed=1337):
    """Train the lecture's MLP(3, [4, 4, 1]) on its four points with your squared_error, SGD and
    train loop, and print the loss of every step, as the video does."""
    global loss_fn
    import random

    from nn import MLP  # here, not at the top: train.py is graded without an nn.py of yours

    model = MLP(3, [4, 4, 1], rng=random.Random(seed))
    given, loss_fn = loss_fn, lecture_loss  # train() takes its loss from loss_fn: the lecture's, for this run
    try:
        losses = train(model, SGD(model.parameters(), lr=lr), list(zip(LECTURE_XS, LECTURE_YS)), steps)
    finally:
        loss_fn = given
    for step, loss in enumerate(losses, 1):
        print(f"step {step:3d}  loss {loss:.6f}")


if __name__ == "__main__":
    import sys

    if "--lecture" not in sys.argv[1:]:
        sys.exit("usage: python train.py --lecture   (trains the lecture's MLP on its four points)")
    lecture()
