# engine.backward: the student's backward() on a graph whose nodes and local derivatives the
# grader chose (each node's _backward is the grader's), so only the traversal is graded.

def run_backward(mods, case, ref):
    Value = mods["engine"].Value
    nodes, calls = [], []
    specs = case["nodes"] if "nodes" in case else chain(case["chain"], case["local"])
    for k, spec in enumerate(specs):
        children = tuple(nodes[i] for i in spec["children"])
        v = Value(spec["data"], children, spec.get("op", "f"))

        def _backward(v=v, k=k, children=children, local=spec["local"]):
            calls.append(k)
            for child, d in _zip(children, local):
                child.grad += d * v.grad

        v._backward = _backward
        nodes.append(v)
    nodes[-1].backward()
    return {"grads": numbers([v.grad for v in nodes]), "calls": calls[:100_000]}


def chain(depth, local):
    """A straight chain x0 -> x1 -> ... -> x_depth, each with local derivative `local`."""
    yield {"data": 1.0, "children": [], "local": []}
    for k in _range(depth):
        yield {"data": 1.0, "children": [k], "local": [local]}
