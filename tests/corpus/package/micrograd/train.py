from micrograd.engine import Value


def cross_entropy(logits, target):
    """negative log-likelihood of the target class under softmax(logits)"""
    c = max(l.data for l in logits)  # a constant shift, so exp() stays <= 1
    counts = [(l - c).exp() for l in logits]
    total = sum(counts)
    # log-probability in log space: a probability itself can round to 0
    return (total.log() + c) - logits[target]


def loss_fn(model, split):
    per_example = [cross_entropy(model(x), y) for x, y in split]
    return sum(per_example, Value(0.0)) * (1.0 / len(per_example))


class AdamW:

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.steps = 0
        self.moments = [[0.0, 0.0] for _ in self.parameters]

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0

    def step(self):
        beta1, beta2 = self.betas
        self.steps += 1
        t = self.steps
        for p, mom in zip(self.parameters, self.moments):
            grad = p.grad
            mom[0] = beta1 * mom[0] + (1 - beta1) * grad
            mom[1] = beta2 * mom[1] + (1 - beta2) * grad ** 2
            m_hat, v_hat = mom[0] / (1 - beta1 ** t), mom[1] / (1 - beta2 ** t)
            decay = self.weight_decay * p.data
            p.data -= self.lr * (m_hat / (v_hat ** 0.5 + self.eps) + decay)


def train(model, optimizer, train_split, num_steps):
    def one_step():
        loss = loss_fn(model, train_split)
        value = loss.data
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return value
    return [one_step() for _ in range(num_steps)]


def squared_error(ypred, ys):
    # sum of squared residuals
    return sum(((p - t) ** 2 for p, t in zip(ypred, ys)), Value(0.0))


class SGD:

    def __init__(self, parameters, lr=0.01):
        self.parameters = [p for p in parameters]
        self.lr = lr

    def zero_grad(self):
        for w in self.parameters:
            w.grad = 0

    def step(self):
        lr = self.lr
        for w in self.parameters:
            w.data -= lr * w.grad
