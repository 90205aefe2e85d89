"""Cross-entropy as one op of the forward-mode engine, and the mean loss over a data split."""
from micrograd_ref.engine import _EXP, _LOG, Value


def cross_entropy(logits, target):
    """-log softmax(logits)[target], shifted by the largest logit (a constant) so exp stays in range."""
    shift = max(v.data for v in logits)

    def f(*z):
        shifted = [zi - shift for zi in z]
        total = _EXP(shifted[0])
        for s in shifted[1:]:
            total = total + _EXP(s)
        return _LOG(total) - shifted[target]

    return Value.apply(f, list(logits), "cross_entropy")


def loss_fn(model, split):
    """The mean cross-entropy of `model` over `split`, summed in order."""
    total = Value(0.0)
    for x, y in split:
        total = total + cross_entropy(model(x), y)
    return total * (1.0 / len(split))
