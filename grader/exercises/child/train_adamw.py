def run_adamw(mods, case, ref):
    params = [ref["student_engine"].Value(x) for x in case["values"]]
    opt = mods["train"].AdamW(params, **case["kwargs"])
    return {"steps": trajectory(opt, params, case["grads"]), "zero_grad": zero_twice(opt, params)}

