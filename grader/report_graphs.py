"""The computation graph of a failing engine case, for the HTML report.

The graph is rebuilt from the case's recorded inputs with the reference `Value`, and every node
shows the reference's data and grad as the report recorded them; where the student's number
differs it is written next to it and the node is coloured. Nothing is graded again here.
Drawing needs graphviz's `dot`; without it the same graph is given as a text listing.
"""
import math

from grader import compare, expect
from micrograd_ref.draw import draw_dot, trace
from micrograd_ref.engine import Value

WRONG_GRAD = "#f4a6a6"  # a node whose gradient differs from the expected one
WRONG_DATA = "#f8d49a"  # a node whose data differs (the forward pass changed)
MAX_NODES = 60  # larger graphs (the deep-chain case) are described, not drawn

INSTALL_GRAPHVIZ = ("Install graphviz to see the graph drawn: `apt-get install graphviz` (Debian, Ubuntu), "
                    "`brew install graphviz` (macOS), `conda install graphviz`, or the installer from graphviz's "
                    "web site (Windows); then run the check again.")


class CaseGraph:
    """A rebuilt graph: its root, a name per node, and the fills and notes that mark differences."""

    def __init__(self, root, labels, colors, notes):
        self.root, self.labels, self.colors, self.notes = root, labels, colors, notes

    @property
    def wrong(self):
        """Names of the nodes whose gradient differs, in graph order."""
        nodes, _ = trace(self.root)
        return [self.labels[n] for n in nodes if self.colors.get(n) == WRONG_GRAD]


def number(x):
    """A recorded number as a float: the report stores NaN and infinities as strings."""
    if isinstance(x, str) and x in ("nan", "inf", "-inf"):
        return float(x)
    return x


def show(x):
    """A number as a student should read it next to a node: short, but not so short it hides a difference."""
    x = number(x)
    if isinstance(x, float) and math.isfinite(x):
        return f"{x:.6g}"
    text = compare.describe(x)
    return text if len(text) <= 60 else text[:57] + "..."


def differs(got, want):
    """Does the student's number differ from the expected one (by the grader's default tolerance)?"""
    return not compare.close(number(got), number(want))


def listed(record, key):
    """record[key] when it is a list (a student's result may hold anything), else []."""
    value = (record or {}).get(key)
    return value if isinstance(value, list) else []


def _mark(node, got, want, what, colors, notes, fill):
    if got is None or want is None or not differs(got, want):
        return
    colors.setdefault(node, fill)
    note = f"yours: {what} {show(got)}"
    notes[node] = f"{notes[node]}; {note}" if node in notes else note


def op_graph(test_id, failure):
    """The graph of an engine op's case (`out = a op b`), or None when the case's inputs are hidden."""
    case = failure.inputs
    if "a" not in case:
        return None
    name = test_id.split(".")[1]
    a = Value(case["a"])
    operands = [a]
    if name in ("add", "mul"):
        b = a if case.get("same") else Value(case["b"])
        out = a + b if name == "add" else a * b
        if b is not a:
            operands.append(b)
    elif name == "pow":
        out = a ** case["p"]
    else:
        out = getattr(a, name)()
    labels = {a: "a", out: "out"}
    if len(operands) == 2:
        labels[operands[1]] = "b"
    want = failure.expected or {}
    got = failure.got or {}
    out.grad = case["g"]
    if "out" in want:
        out.data = number(want["out"])
    for v, g in zip(operands, listed(want, "grads")):
        v.grad = number(g)
    colors, notes = {}, {}
    _mark(out, got.get("out"), want.get("out"), "data", colors, notes, WRONG_DATA)
    for v, g, w in zip(operands, listed(got, "grads"), listed(want, "grads")):
        _mark(v, g, w, "grad", colors, notes, WRONG_GRAD)
    return CaseGraph(out, labels, colors, notes)


def backward_graph(failure):
    """The graph of an engine.backward case, or None when it is hidden or too big to draw."""
    case = failure.inputs
    size = len(case["nodes"]) if "nodes" in case else case.get("chain", MAX_NODES) + 1
    if size > MAX_NODES:
        return None
    specs = expect.graph_nodes(case)
    nodes = []
    for spec in specs:
        children = tuple(nodes[i] for i in spec["children"])
        # the op node lists the local derivatives, one per child, in order
        op = "local " + ", ".join(f"{x:g}" for x in spec["local"]) if children else ""
        nodes.append(Value(spec["data"], children, op, tuple(spec["local"])))
    want, got = listed(failure.expected, "grads"), listed(failure.got, "grads")
    for v, g in zip(nodes, want):
        v.grad = number(g)
    labels = {v: f"n{i}" for i, v in enumerate(nodes)}
    colors, notes = {}, {}
    for v, g, w in zip(nodes, got, want):
        _mark(v, g, w, "grad", colors, notes, WRONG_GRAD)
    return CaseGraph(nodes[-1], labels, colors, notes)


def case_graph(test_id, failure):
    """The CaseGraph of a failing engine case, or None when there is nothing to draw."""
    if not failure or not failure.inputs:
        return None
    if test_id == "engine.backward":
        return backward_graph(failure)
    return op_graph(test_id, failure)


def as_svg(graph):
    """The graph drawn by graphviz, as an inline <svg> element; None when `dot` could not draw it.

    Raises graphviz.ExecutableNotFound when `dot` is not installed.
    """
    import graphviz

    dot = draw_dot(graph.root, labels=graph.labels, colors=graph.colors, notes=graph.notes)
    try:
        svg = dot.pipe(format="svg", encoding="utf-8", quiet=True)
    except graphviz.CalledProcessError:
        return None  # the page lists the graph as text instead
    return svg[svg.index("<svg"):]


def as_text(graph):
    """The graph as a listing, inputs first: each node's name, how it was made, data, grad and marks."""
    nodes, _ = trace(graph.root)
    rows = []
    for n in nodes:
        made = f"{n._op}({', '.join(graph.labels[c] for c in n._prev)})" if n._op else "input"
        row = f"{graph.labels[n]:<4} = {made:<28} data {show(n.data):<12} grad {show(n.grad):<12}"
        if n in graph.notes:
            row += f" {graph.notes[n]}"
        if graph.colors.get(n) == WRONG_GRAD:
            row += "  <- wrong gradient"
        elif n in graph.colors:
            row += "  <- wrong data"
        rows.append(row.rstrip())
    return "\n".join(rows)

