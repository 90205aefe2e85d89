"""Optimisers over a list of `Value` parameters, with PyTorch's update rules."""


class SGD:
    """p -= lr * (grad + weight_decay * p)."""

    def __init__(self, parameters, lr=0.1, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.weight_decay = weight_decay

    def step(self):
        """One update of every parameter from its current gradient."""
        for p in self.parameters:
            p.data -= self.lr * (p.grad + self.weight_decay * p.data)

    def zero_grad(self):
        """Set every parameter's gradient to 0."""
        for p in self.parameters:
            p.grad = 0


class AdamW:
    """Adam with decoupled weight decay, as `torch.optim.AdamW`.

    m and v are running means of the gradient and its square; m_hat and v_hat undo their
    bias towards 0 in the first steps; then
    p -= lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * p).
    """

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0  # steps taken
        self.m = [0.0] * len(self.parameters)  # first moments
        self.v = [0.0] * len(self.parameters)  # second moments

    def step(self):
        """One update of every parameter from its current gradient."""
        self.t += 1
        bias1 = 1 - self.beta1**self.t
        bias2 = 1 - self.beta2**self.t
        for i, p in enumerate(self.parameters):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2
            m_hat = self.m[i] / bias1
            v_hat = self.v[i] / bias2
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)

    def zero_grad(self):
        """Set every parameter's gradient to 0."""
        for p in self.parameters:
            p.grad = 0
