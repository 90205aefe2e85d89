# engine ops: each case builds its inputs, runs the op forward, sets out.grad and calls the
# student's out._backward() directly, so the score depends on that op's code alone. An op built
# from other ops (tanh from exp, + and /) has an output whose _prev does not hold its input: it is
# graded through the student's own graph instead, with the grader's traversal seeded at out.

OPS = {"add": "__add__", "mul": "__mul__", "pow": "__pow__"}
# a case where every correct _backward changes a gradient: a no-op must fail every case, not only
# those whose answer happens to be the pre-set .grad (a saturated tanh, a negative relu)
PROBES = {"add": {"a": 2.0, "b": -3.0}, "mul": {"a": 2.0, "b": -3.0}, "pow": {"a": 3.0, "p": 2},
          "relu": {"a": 2.0}, "tanh": {"a": 0.5}, "exp": {"a": 1.0}, "log": {"a": 2.0}}
MAX_GRAPH = 100_000  # nodes of an op's own graph the traversal visits


def traverse(out):
    """Every node reachable from `out` through _prev, inputs before the nodes made from them,
    told apart by identity (a student's Value may define __eq__ or __hash__). The nodes are found
    first, then placed by counting how many nodes each one was used by (Kahn's order, from `out`)."""
    nodes, kids, frontier = {}, {}, [out]
    while frontier and _len(nodes) < MAX_GRAPH:
        v = frontier.pop()
        if id(v) in nodes:
            continue
        nodes[id(v)] = v
        made_from = _list(_getattr(v, "_prev", ()) or ())
        kids[id(v)] = [id(c) for c in made_from]
        frontier.extend(made_from)
    uses = dict.fromkeys(nodes, 0)
    for key in kids:
        for c in kids[key]:
            if c in uses:
                uses[c] += 1
    placed, free = [], [id(out)]
    while free:
        key = free.pop()
        placed.append(nodes[key])
        for c in kids[key]:
            if c in uses:
                uses[c] -= 1
                if uses[c] == 0:
                    free.append(c)
    placed.reverse()
    return placed


def op_run(mods, case, name):
    """(values, inputs, presets) of one case, or ({structure, mistake}, None, None)."""
    Value = mods["engine"].Value
    method = OPS.get(name, name)
    if not _callable(_getattr(Value, method, None)):
        return {"structure": f"Value has no method {method}", "mistake": "missing_op"}, None, None
    a = Value(case["a"])
    a.grad = case["ga"]
    inputs, presets = [a], [case["ga"]]
    if name in ("add", "mul"):
        if case.get("same"):
            b = a
        else:
            b = Value(case["b"])
            b.grad = case["gb"]
            inputs.append(b)
            presets.append(case["gb"])
        out = a + b if name == "add" else a * b
        expr = f"a {'+' if name == 'add' else '*'} {'a' if case.get('same') else 'b'}"
    elif name == "pow":
        out = a ** case["p"]
        expr = f"a ** {case['p']}"
    else:
        out = _getattr(a, name)()
        expr = f"a.{name}()"
    if out is None:
        return {"structure": f"{expr} returned None: an op hands back the Value it made (return out)",
                "mistake": "returns_none"}, None, None
    if not _isinstance(out, Value):
        return {"structure": f"{expr} returned {_type(out).__name__}, not a Value: an op hands back the Value it "
                             "made (return out)", "mistake": "not_a_value"}, None, None
    forward = out.data
    out.grad = case["g"]
    prev = _list(_getattr(out, "_prev", ()) or ())
    # a node between out and the inputs, made from others (a constant leaf, like a Value exponent, is not)
    through = any(not any(p is x for x in inputs) and _getattr(p, "_prev", None) for p in prev)
    if through:
        for v in reversed(traverse(out)):
            step = _getattr(v, "_backward", None)
            if _callable(step):
                step()
    else:
        step = _getattr(out, "_backward", None)  # none at all: nothing changes, graded as such
        if _callable(step):
            step()
    values = {"out": number(forward), "grads": numbers([x.grad for x in inputs]), "alive": "",
              "through": "graph" if through else ""}
    return values, inputs, presets


def unchanged(inputs, presets):
    try:
        return all(_type(x.grad) in (int, _float) and x.grad == p for x, p in _zip(inputs, presets))
    except BaseException:
        return False


def run_op(mods, case, ref, name):
    values, inputs, presets = op_run(mods, case, name)
    if inputs is not None and unchanged(inputs, presets):
        probe = dict(PROBES[name], g=1.5, ga=0.5, gb=-0.25)
        _, probe_inputs, probe_presets = op_run(mods, probe, name)
        if probe_inputs is not None and unchanged(probe_inputs, probe_presets):
            values["alive"] = ("your _backward changes nothing: after it ran, every input's .grad was what it "
                               "was before, here and on a case where the op's derivative is not 0")
    return values


def run_binary(mods, case, ref, name):
    return run_op(mods, case, ref, name)


def run_unary(mods, case, ref, name):
    return run_op(mods, case, ref, name)
