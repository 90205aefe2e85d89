"""Drawing a computation graph with graphviz: a record per value, a small node per op."""
import re

import graphviz

from micrograd_ref.engine import topological_order


def trace(root):
    """The nodes `root` depends on (inputs first) and the (child, parent) edges between them."""
    nodes = topological_order(root)
    edges = [(child, v) for v in nodes for child in dict.fromkeys(v._prev)]
    return nodes, edges


def _fmt(x):
    if isinstance(x, float):
        return f"{x:.4f}"
    return str(x)


def _record_field(text):
    # in a record label, { } | < > separate or name fields: any other use must be escaped
    return re.sub(r"([{}|<>])", r"\\\1", graphviz.escape(text))


def _op_label(n):
    # A number operand has no node of its own (see engine.py): show it in the op instead.
    if n._op == "*" and len(n._prev) == 1:
        return f"* {n._local_grads[0]:g}"
    if n._op == "+" and len(n._prev) == 1:
        return f"+ {n.data - n._prev[0].data:.4g}"
    return n._op


def draw_dot(root, labels=None, colors=None, notes=None, rankdir="LR", fmt="svg"):
    """A `graphviz.Digraph` of the graph behind `root`, left to right.

    Each value is a record `label | data | grad`; each op is a small node feeding its output.
    `labels`, `colors` and `notes` map nodes to a name, a fill colour (e.g. to mark the nodes
    whose gradient is wrong) and an extra line of text (e.g. the expected gradient).
    The graph is built only; rendering it needs the graphviz `dot` program.
    """
    labels, colors, notes = labels or {}, colors or {}, notes or {}
    dot = graphviz.Digraph(format=fmt, graph_attr={"rankdir": rankdir})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        fields = [labels.get(n, ""), f"data {_fmt(n.data)}", f"grad {_fmt(n.grad)}"]
        if n in notes:
            fields.append(notes[n])
        record = " | ".join(_record_field(f) for f in fields)
        attrs = {"style": "filled", "fillcolor": colors[n]} if n in colors else {}
        dot.node(uid, label="{ " + record + " }", shape="record", **attrs)
        if n._op:
            dot.node(uid + n._op, label=_op_label(n), shape="ellipse")
            dot.edge(uid + n._op, uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot
