def run_adamw(mods, case, ref):
    params = [ref["student_engine"].Value(x) for x in case["values"]]
    opt = mods["train"].AdamW(params, **case["kwargs"])
    trajectory = []
    for grads in case["grads"]:
        for p, g in _zip(params, grads):
            p.grad = g
        opt.step()
        trajectory.append(numbers([p.data for p in params]))
    return {"steps": trajectory, "zero_grad": zero_twice(opt, params)}


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
