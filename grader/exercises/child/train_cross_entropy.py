def run_cross_entropy(mods, case, ref):
    Value = ref["engine"].Value
    logits = [ref["student_engine"].Value(x) for x in case["logits"]]
    loss = mods["train"].cross_entropy(logits, case["target"])
    if not _isinstance(loss, Value):
        return {"structure": f"cross_entropy should return a Value, got {safe_repr(loss)}"}
    forward = loss.data
    loss.backward()
    return {"out": number(forward), "grads": numbers([v.grad for v in logits])}
