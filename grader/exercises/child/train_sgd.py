def run_sgd(mods, case, ref):
    params = [ref["student_engine"].Value(x) for x in case["values"]]
    SGD = mods["train"].SGD
    opt = SGD(params) if "lr" not in case else SGD(params, lr=case["lr"])  # no lr: the default, 0.01
    trajectory = []
    for grads in case["grads"]:
        for p, g in _zip(params, grads):
            p.grad = g
        opt.step()
        trajectory.append(numbers([p.data for p in params]))
    opt.zero_grad()
    zeroed = all(p.grad == 0 for p in params)
    return {"steps": trajectory, "zero_grad": "" if zeroed else "zero_grad() left some gradients non-zero"}
