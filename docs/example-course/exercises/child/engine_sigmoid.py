# engine.sigmoid, child side: the case's input is built, sigmoid() runs forward, out.grad is set and
# the student's out._backward() is called directly, so the score depends on sigmoid's code alone.
# It runs in the child's namespace, which gives `number`, `numbers` and `_getattr`.

def run_sigmoid(mods, case, ref):
    a = mods["engine"].Value(case["a"])
    a.grad = case["ga"]
    out = _getattr(a, "sigmoid")()
    forward = out.data
    out.grad = case["g"]
    out._backward()
    return {"out": number(forward), "grads": numbers([a.grad])}
