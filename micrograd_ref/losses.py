"""Losses: cross-entropy of logits against a class index, its mean over a data split, and the
lecture's squared error.

None names a `Value` class: they work on the values of any engine with micrograd's
interface (the demo runs them on a student's engine).
"""


def cross_entropy(logits, target):
    """-log softmax(logits)[target], like `torch.nn.functional.cross_entropy` for one example.

    -log(exp(z_t) / sum_i exp(z_i)) = log(sum_i exp(z_i)) - z_t. The max logit is subtracted
    first, which changes neither the loss nor its gradients, so that exp() cannot overflow and
    the sum cannot underflow to 0 (logits like [1000, 0, -1000]).
    """
    max_val = max(v.data for v in logits)
    logits = [v - max_val for v in logits]
    denom = sum(v.exp() for v in logits)
    return denom.log() - logits[target]


def loss_fn(model, split):
    """Mean cross-entropy of `model` over `split`, a list of (x, class) pairs, summed in order."""
    # The sum starts from the number 0.0, not Value(0.0), so that it takes the engine of the
    # model's outputs; 0.0 + x == x, so the floats are those of the published run.
    total_loss = 0.0
    for x, y in split:
        total_loss = total_loss + cross_entropy(model(x), y)
    return total_loss * (1.0 / len(split))


def squared_error(ypred, ys):
    """The lecture's loss: the sum of (yp - y)**2 over the pairs (predictions Values, targets numbers)."""
    total = 0.0  # as in loss_fn: the sum takes the engine of the predictions
    for yp, y in zip(ypred, ys):
        total = total + (yp - y) ** 2
    return total
