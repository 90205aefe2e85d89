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


def weighted_sum(ref, outs, coeffs):
    total = ref["engine"].Value(0.0)
    for o, c in _zip(outs, coeffs):
        total = total + o * c
    return total
