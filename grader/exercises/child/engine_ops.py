# engine ops: each case builds its inputs, runs the op forward, sets out.grad and calls the
# student's out._backward() directly, so the score depends on that op's code alone.

def run_binary(mods, case, ref, name):
    Value = mods["engine"].Value
    a = Value(case["a"])
    a.grad = case["ga"]
    if case.get("same"):
        b = a
    else:
        b = Value(case["b"])
        b.grad = case["gb"]
    out = a + b if name == "add" else a * b
    forward = out.data
    out.grad = case["g"]
    out._backward()
    grads = [a.grad] if case.get("same") else [a.grad, b.grad]
    return {"out": number(forward), "grads": numbers(grads)}


def run_unary(mods, case, ref, name):
    a = mods["engine"].Value(case["a"])
    a.grad = case["ga"]
    out = a ** case["p"] if name == "pow" else _getattr(a, name)()
    forward = out.data
    out.grad = case["g"]
    out._backward()
    return {"out": number(forward), "grads": numbers([a.grad])}
