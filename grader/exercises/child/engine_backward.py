# engine.backward: the student's backward() on a graph whose nodes and local derivatives the
# grader chose (each node's _backward is the grader's), so only the traversal is graded. Each
# graph is built and backpropagated twice, the second time anew on the same leaves (as a training
# step does with its parameters): a backward() that works only once (a mutable default argument,
# an order kept on the class or the module) fails there.

def build_graph(Value, specs, calls, leaves=None):
    nodes = []
    for k, spec in enumerate(specs):
        if leaves is not None and not spec["children"]:
            nodes.append(leaves[k])
            continue
        children = tuple(nodes[i] for i in spec["children"])
        v = Value(spec["data"], children, spec.get("op", "f"))

        def _backward(v=v, k=k, children=children, local=spec["local"]):
            calls.append(k)
            for child, d in _zip(children, local):
                child.grad += d * v.grad

        v._backward = _backward
        nodes.append(v)
    return nodes


def run_backward(mods, case, ref):
    Value = mods["engine"].Value
    if not _callable(_getattr(Value, "backward", None)):
        return {"structure": "Value has no method backward", "mistake": "missing_backward"}
    specs = _list(case["nodes"] if "nodes" in case else chain(case["chain"], case["local"]))
    calls = []
    nodes = build_graph(Value, specs, calls)
    nodes[-1].backward()
    first = numbers([v.grad for v in nodes])
    if "chain" not in case:  # the deep chain is about depth: once is enough
        leaves = {k: v for k, v in enumerate(nodes) if not specs[k]["children"]}
        for v in leaves.values():
            v.grad = 0.0  # what zero_grad() does to a network's parameters between steps
        del calls[:]
        nodes = build_graph(Value, specs, calls, leaves)
        nodes[-1].backward()
    return {"grads": numbers([v.grad for v in nodes]), "calls": calls[:100_000], "first": first}


def chain(depth, local):
    """A straight chain x0 -> x1 -> ... -> x_depth, each with local derivative `local`."""
    yield {"data": 1.0, "children": [], "local": []}
    for k in _range(depth):
        yield {"data": 1.0, "children": [k], "local": [local]}
