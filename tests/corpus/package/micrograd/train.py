from micrograd.engine import Value


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
