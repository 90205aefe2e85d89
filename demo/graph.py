"""The computation graph of one example: its layout (once per architecture), its values (every frame).

The graph is that of one example's loss through the model: the two inputs, every neuron's
products, sums and tanh, the logits and the cross-entropy. Its nodes are numbered in
topological order (inputs before outputs); the layout places them once, grouped by what they
belong to (the inputs, each neuron of each layer, the loss), and every frame after that sends
only the numbers, in the same order.

In "my code" mode the same example also runs on the reference engine with the same weights:
`compare` says how many gradients differ, and which op nodes have a local derivative that is
wrong (each op's `_backward` is called alone, on a known upstream gradient, as the grader does).
"""
import dataclasses
import math
import zlib

from micrograd_ref.data import RNG
from micrograd_ref.engine import Value as RefValue
from micrograd_ref.engine import topological_order
from micrograd_ref.losses import cross_entropy
from micrograd_ref.nn import MLP

NODE_W, NODE_H = 96, 40  # px, one node's box
COL_GAP, ROW_GAP = 30, 8  # px between columns and rows of nodes
GROUP_PAD, GROUP_GAP, BLOCK_GAP = 8, 16, 50  # px: inside a group's box, between groups, between layers
ROLES = ("input", "parameter", "op", "output", "loss", "constant")


def fmt(v):
    """`v` with 3 significant digits, in scientific notation when small or large: 0.123, -1.5, 2.35e-5."""
    v = float(v)
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return str(v)
    if 1e-2 <= abs(v) < 1e3:
        text = f"{v:.3g}"
        if "e" not in text:  # 999.9 rounds up to 1e+03
            return text
    mantissa, exponent = f"{v:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@dataclasses.dataclass
class Example:
    """One example through a model: the graph's nodes in topological order, and who is who."""

    nodes: list  # the Values, inputs first, loss last
    inputs: list
    outputs: list  # per layer, the neurons' outputs
    loss: object
    target: int


def forward(model, point, value_type):
    """The example `point` = [x, y, class] through `model` (made of `value_type`), not yet backpropagated."""
    x, y, c = point
    inputs = [value_type(float(x)), value_type(float(y))]
    h, outputs = inputs, []
    for layer in model.layers:
        h = layer(h)
        outputs.append(h)
    loss = cross_entropy(h, int(c))
    return Example(topological_order(loss), inputs, outputs, loss, int(c))


@dataclasses.dataclass
class Layout:
    """Where every node goes: per node a dict (label, op, role, group, x, y, children, parent), and the groups' boxes."""

    key: str
    nodes: list
    groups: list
    width: float
    height: float

    def to_json(self):
        return {"key": self.key, "nodes": self.nodes, "groups": self.groups, "width": self.width, "height": self.height,
                "node_w": NODE_W, "node_h": NODE_H}


def signature(example):
    """The graph's shape: each node's op and children by index. Equal signatures, one layout."""
    index = {id(v): i for i, v in enumerate(example.nodes)}
    return tuple((v._op, tuple(index[id(c)] for c in v._prev)) for v in example.nodes)


def layout(model, example):
    """Place the nodes of `example`: columns of groups (inputs, each layer's neurons, the loss), left to right."""
    nodes = example.nodes
    index = {id(v): i for i, v in enumerate(nodes)}
    children = [[index[id(c)] for c in v._prev] for v in nodes]
    parents = [[] for _ in nodes]
    for i, kids in enumerate(children):
        for k in kids:
            if i not in parents[k]:
                parents[k].append(i)
    labels, roles = _names(model, example, index, children)
    group = _groups(model, example, index, children, parents)
    depth, row = _grid(nodes, group, children)

    blocks = [["input"]] + [[f"L{li}.{ni}" for ni in range(len(layer.neurons))] for li, layer in enumerate(model.layers, start=1)]
    blocks.append(["loss"])
    titles = {"input": "inputs", "loss": "cross-entropy loss"}
    for li, layer in enumerate(model.layers, start=1):
        kind = "tanh" if layer.neurons[0].nonlin else "linear"
        for ni in range(len(layer.neurons)):
            titles[f"L{li}.{ni}"] = f"layer {li}, neuron {ni} ({kind})"
    size = {}
    for g in set(group):
        cols = max(depth[i] for i in range(len(nodes)) if group[i] == g) + 1
        rows = max(row[i] for i in range(len(nodes)) if group[i] == g) + 1
        size[g] = (cols * (NODE_W + COL_GAP) - COL_GAP + 2 * GROUP_PAD, rows * (NODE_H + ROW_GAP) - ROW_GAP + 2 * GROUP_PAD + 14)
    heights = [sum(size[g][1] for g in b if g in size) + GROUP_GAP * (len(b) - 1) for b in blocks]
    total_h = max(heights)
    groups, origin, x0 = [], {}, 0.0
    for b, h in zip(blocks, heights):  # each block a column of its groups, centred
        y0 = (total_h - h) / 2
        for g in (g for g in b if g in size):
            w, gh = size[g]
            origin[g] = (x0, y0)
            groups.append({"id": g, "title": titles.get(g, g), "x": x0, "y": y0, "w": w, "h": gh})
            y0 += gh + GROUP_GAP
        x0 += max((size[g][0] for g in b if g in size), default=0) + BLOCK_GAP
    placed = []
    for i, v in enumerate(nodes):
        gx, gy = origin[group[i]]
        placed.append({
            "label": labels[i],
            "op": v._op,
            "role": roles[i],
            "group": group[i],
            "x": gx + GROUP_PAD + depth[i] * (NODE_W + COL_GAP),
            "y": gy + GROUP_PAD + 14 + row[i] * (NODE_H + ROW_GAP),
            "children": children[i],
            "parent": parents[i][0] if parents[i] else None,
        })
    key = f"{zlib.crc32(repr(signature(example)).encode()):08x}"
    return Layout(key, placed, groups, x0 - BLOCK_GAP, total_h)


def _groups(model, example, index, children, parents):
    # What each node belongs to: "input", "L<layer>.<neuron>" (between the neuron's parameters and
    # its output) or "loss" (after the logits).
    group = [None] * len(example.nodes)
    for v in example.inputs:
        group[index[id(v)]] = "input"
    for li, (layer, outs) in enumerate(zip(model.layers, example.outputs), start=1):
        for ni, (neuron, out) in enumerate(zip(layer.neurons, outs)):
            params = [index[id(p)] for p in neuron.parameters()]
            for i in _descendants(params, parents) & _ancestors(index[id(out)], children):
                group[i] = f"L{li}.{ni}"
    logits = [index[id(v)] for v in example.outputs[-1]]
    for i in _descendants(logits, parents) - set(logits):
        if group[i] is None:
            group[i] = "loss"
    for i in reversed(range(len(group))):  # a constant a closure engine wrapped in a Value: with the node using it
        if group[i] is None:
            group[i] = next((group[p] for p in parents[i] if group[p] is not None), "loss")
    return group


def _grid(nodes, group, children):
    # Column (depth) and row of each node within its group: columns by the longest path from the
    # group's own leaves, rows in topological order. A chain of sums (act + w*x, again and again)
    # stays in one column, each sum level with the term it adds.
    depth, row, used = [0] * len(nodes), [0] * len(nodes), {}
    for i in range(len(nodes)):
        same = [k for k in children[i] if group[k] == group[i]]
        depth[i] = max((depth[k] + (0 if _chained(nodes, k, i, children) else 1) for k in same), default=0)
        want = row[same[-1]] if same and depth[i] > 0 else 0
        row[i] = max(want, used.get((group[i], depth[i]), 0))
        used[(group[i], depth[i])] = row[i] + 1
    return depth, row


def _chained(nodes, k, i, children):
    # Whether node k is the running sum that node i adds a term to: both sums, k the first input of i.
    return nodes[k]._op == nodes[i]._op == "+" and len(children[i]) == 2 and children[i][0] == k and children[k] != []


def path_to_loss(layout, i):
    """The nodes from node `i` to the loss, following each node's first consumer."""
    path = [i]
    while layout.nodes[path[-1]]["parent"] is not None:
        path.append(layout.nodes[path[-1]]["parent"])
    return path


def _ancestors(i, children):
    seen, todo = {i}, [i]
    while todo:
        for k in children[todo.pop()]:
            if k not in seen:
                seen.add(k)
                todo.append(k)
    return seen


def _descendants(starts, parents):
    seen, todo = set(starts), list(starts)
    while todo:
        for p in parents[todo.pop()]:
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def _names(model, example, index, children):
    # Names for the values a student knows by name; a role for every value.
    n = len(example.nodes)
    labels, roles = [None] * n, [None] * n
    for i, v in enumerate(example.inputs):
        labels[index[id(v)]], roles[index[id(v)]] = f"x{i}", "input"
    for li, layer in enumerate(model.layers, start=1):
        for ni, neuron in enumerate(layer.neurons):
            for wi, w in enumerate(neuron.w):
                labels[index[id(w)]], roles[index[id(w)]] = f"w{li}.{ni}.{wi}", "parameter"
            labels[index[id(neuron.b)]], roles[index[id(neuron.b)]] = f"b{li}.{ni}", "parameter"
    for k, v in enumerate(example.outputs[-1]):
        labels[index[id(v)]], roles[index[id(v)]] = f"logit {k}", "output"
    last = index[id(example.loss)]
    labels[last], roles[last] = f"loss (class {example.target})", "loss"
    for i, v in enumerate(example.nodes):
        if roles[i] is None:
            roles[i] = "op" if children[i] else "constant"
        if labels[i] is None:
            labels[i] = v._op or "const"
    return labels, roles


# --- values, every frame ------------------------------------------------------------------------


def values(example):
    """Every node's data and grad: display texts (3 significant digits) and grads as numbers (None if not finite).

    The numbers are rounded to 3 significant digits too: they only choose a colour.
    """
    data = [float(v.data) for v in example.nodes]
    grad = [float(v.grad) for v in example.nodes]
    return {
        "data": [fmt(d) for d in data],
        "grad": [fmt(g) for g in grad],
        "g": [float(f"{g:.3g}") if math.isfinite(g) else None for g in grad],  # for colours: 3 digits do
    }


# --- my code: the student's gradients against the reference's -----------------------------------


UPSTREAM, PRESET = 0.7, 0.25  # the grad an op's _backward is handed, and what its inputs already hold


def reference_example(model, point):
    """`point` on the reference engine with `model`'s weights, backpropagated."""
    sizes = [len(model.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in model.layers]
    ref = MLP(sizes[0], sizes[1:], rng=RNG(0), value_type=RefValue)
    for p, q in zip(ref.parameters(), model.parameters()):
        p.data = float(q.data)
    example = forward(ref, point, RefValue)
    example.loss.backward()
    return ref, example


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def compare(model, example, point):
    """How the student's backpropagated `example` differs from the reference's.

    Returns a dict: `differ` (how many gradients differ), `compared` (how many were compared:
    every node when the graphs have the same shape, else the parameters and inputs), `wrong`
    (indices of the op nodes whose local derivative is wrong) and `ops` (their ops, by count).
    """
    ref_model, ref = reference_example(model, point)
    if signature(ref) == signature(example):
        pairs = list(zip(example.nodes, ref.nodes))
    else:
        pairs = list(zip(model.parameters(), ref_model.parameters())) + list(zip(example.inputs, ref.inputs))
    differ = sum(not _close(float(mine.grad), want.grad) for mine, want in pairs)
    wrong, ops = [], {}
    for i, node in enumerate(example.nodes):
        if node._prev and not local_derivative_ok(node):
            wrong.append(i)
            ops[node._op] = ops.get(node._op, 0) + 1
    return {"differ": differ, "compared": len(pairs), "wrong": wrong, "ops": ops}


def local_derivative_ok(node):
    """Whether `node`'s `_backward`, called alone, adds to its inputs' grads what the reference's does.

    Unknown ops count as right (nothing to compare with). The node's and its inputs' grads are
    put back afterwards.
    """
    expected = _reference_local(node)
    if expected is None:
        return True
    kids = list({id(k): k for k in node._prev}.values())
    saved = (node.grad, [k.grad for k in kids])
    try:
        node.grad = UPSTREAM
        for k in kids:
            k.grad = PRESET
        node._backward()
        got = [float(k.grad) for k in kids]
    except Exception:  # a student's _backward that raises is a wrong one
        return False
    finally:
        node.grad = saved[0]
        for k, g in zip(kids, saved[1]):
            k.grad = g
    return all(_close(a, b) for a, b in zip(got, expected))


def _reference_local(node):
    # The grads the reference's _backward leaves on the node's distinct inputs, in the same situation.
    kids = list({id(k): k for k in node._prev}.values())
    ref = {id(k): RefValue(float(k.data)) for k in kids}
    args = [ref[id(k)] for k in node._prev]
    op = node._op
    try:
        if op == "+":
            out = args[0] + args[1] if len(args) == 2 else args[0] + (float(node.data) - args[0].data)
        elif op == "*":
            if len(args) == 2:
                out = args[0] * args[1]
            elif args[0].data != 0:
                out = args[0] * (float(node.data) / args[0].data)
            else:
                return None
        elif op.startswith("**"):
            k = float(op[2:])
            out = args[0] ** (int(k) if k.is_integer() else k)
        elif op.lower() in ("tanh", "exp", "log", "relu") and len(args) == 1:
            out = getattr(args[0], op.lower())()
        else:
            return None
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    out.grad = UPSTREAM
    for r in ref.values():
        r.grad = PRESET
    out._backward()
    return [ref[id(k)].grad for k in kids]
