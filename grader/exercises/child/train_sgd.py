def run_sgd(mods, case, ref):
    params = [ref["student_engine"].Value(x) for x in case["values"]]
    SGD = mods["train"].SGD
    opt = SGD(params) if "lr" not in case else SGD(params, lr=case["lr"])  # no lr: the default, 0.01
    return {"steps": trajectory(opt, params, case["grads"]), "zero_grad": zero_twice(opt, params)}

