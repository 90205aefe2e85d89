def run_squared_error(mods, case, ref):
    ypred = [ref["student_engine"].Value(x) for x in case["ypred"]]
    loss = mods["train"].squared_error(ypred, _list(case["ys"]))
    if not _isinstance(loss, ref["engine"].Value):
        return {"structure": f"squared_error should return a Value, got {safe_repr(loss)}"}
    forward = loss.data
    loss.backward()
    return {"out": number(forward), "grads": numbers([v.grad for v in ypred])}
