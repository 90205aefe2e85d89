# nn: the student's module runs on the reference engine, and the pieces it builds on are the
# reference's own (a Layer made of reference Neurons), so one bug costs one line of the report.

def find_list_of(obj, cls):
    """The first attribute of `obj` that is a non-empty list of `cls` instances, else None."""
    for value in vars(obj).values():
        if _isinstance(value, (list, tuple)) and value and all(_isinstance(x, cls) for x in value):
            return _list(value)
    return None


def set_neuron(neuron, w, b):
    for p, x in _zip(neuron.w, w):
        p.data = x
    neuron.b.data = b


def param_order(params, expected):
    """Where the student's parameters() differs from the expected list of objects, in words."""
    params = _list(params)
    if _len(params) != _len(expected):
        return f"parameters() returned {_len(params)} values, expected {_len(expected)}"
    for i, (p, q) in enumerate(_zip(params, expected)):
        if p is not q:
            return f"parameters()[{i}] is not the expected parameter (order: each neuron's w in order, then its b)"
    return ""


ONCE = "parameters() works only once"  # the start of the order check's message when the second call differs


def params_twice(obj, expected):
    """param_order of `obj.parameters()`, called twice: a parameters() that works only once (one that
    replaced itself with its list, or extends a list it keeps) fails here."""
    found = param_order(obj.parameters(), expected)
    if found:
        return found
    try:
        again = obj.parameters()
    except Exception as exc:
        return f"{ONCE}: the second call raised {_type(exc).__name__}: {safe_str(exc)}"
    found = param_order(again, expected)
    return f"{ONCE}: called again, {found}" if found else ""


def zero_grad_twice(model, params, again):
    """'' when model.zero_grad() zeroes every one of `params` (which hold gradients), and does so again
    after `again()` gave them new ones, else what went wrong: a zero_grad() that works once fails."""
    for second in (False, True):
        if second:
            again()
        try:
            model.zero_grad()
        except Exception as exc:
            return f"zero_grad() works only once: called again, it raised {_type(exc).__name__}: {safe_str(exc)}" \
                if second else f"zero_grad() raised {_type(exc).__name__}: {safe_str(exc)}"
        if not all(p.grad == 0 for p in params):
            return "zero_grad() works only once: called again, it left some gradients non-zero" if second \
                else "zero_grad() left some gradients non-zero"
    return ""


def weighted_sum(ref, outs, coeffs):
    total = ref["engine"].Value(0.0)
    for o, c in _zip(outs, coeffs):
        total = total + o * c
    return total
