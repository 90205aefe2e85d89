"""AdamW for the training loop's grading, keeping each parameter's moments on the parameter itself
(the forward-mode Value has room for them), as torch.optim keeps per-parameter state."""


class AdamW:
    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.count = 0

    def step(self):
        self.count += 1
        c1, c2 = 1 - self.beta1**self.count, 1 - self.beta2**self.count
        for p in self.parameters:
            p._m = self.beta1 * p._m + (1 - self.beta1) * p.grad
            p._v = self.beta2 * p._v + (1 - self.beta2) * p.grad**2
            p.data -= self.lr * ((p._m / c1) / ((p._v / c2) ** 0.5 + self.eps) + self.weight_decay * p.data)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0
