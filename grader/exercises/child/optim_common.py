# shared by the optimiser runners (train.sgd, train.adamw): set each step's gradients, step, record
# the parameters; then zero_grad() called twice


def trajectory(opt, params, steps):
    """The parameters' data after each opt.step(), the gradients of `steps` set before each."""
    out = []
    for grads in steps:
        for p, g in _zip(params, grads):
            p.grad = g
        opt.step()
        out.append(numbers([p.data for p in params]))
    return out


def zero_twice(opt, params):
    """'' when opt.zero_grad() zeroes every gradient, and again once they were set anew, else what went wrong."""
    for again in (False, True):
        if again:
            for p in params:
                p.grad = 1.0
        opt.zero_grad()
        if not all(p.grad == 0 for p in params):
            return ("zero_grad() works only once: called again, it left some gradients non-zero" if again
                    else "zero_grad() left some gradients non-zero")
    return ""
