"""The computation graph of a failing case, for the HTML report.

Each exercise that draws says how (grader/exercises/: its `graph`, a CaseGraph built with the
reference `Value` from the case's inputs); the pipeline records it in the result as plain data
(`CaseGraph.to_dict`, in TestResult.detail["graph"]), and the view draws that record
(`recorded_graph`): every node shows the reference's data and grad; where the student's number
differs it is written next to it and the node is coloured. Nothing is run or graded again here.
Drawing needs graphviz's `dot`; without it the same graph is given as a text listing.
"""
import math

from grader.pipeline import compare
from micrograd_ref.draw import draw_dot, trace

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

    def to_dict(self):
        """The graph as plain data: its nodes inputs first, each with its name, op, data, grad,
        children (indices), local derivatives (one per child: the drawing shows a number operand
        through them), fill and note; `root` the index of the output."""
        from grader.results import sanitize

        nodes, _ = trace(self.root)
        at = {n: i for i, n in enumerate(nodes)}
        return {"root": at[self.root], "nodes": [
            {"label": self.labels.get(n, ""), "op": n._op, "data": sanitize(n.data), "grad": sanitize(n.grad),
             "children": [at[c] for c in n._prev], "local": [sanitize(x) for x in getattr(n, "_local_grads", ())],
             "color": self.colors.get(n, ""), "note": self.notes.get(n, "")}
            for n in nodes]}

    @classmethod
    def from_dict(cls, data):
        """A CaseGraph back from its plain data, over nodes that only hold what is drawn."""
        nodes = []
        for spec in data["nodes"]:
            nodes.append(Node(number(spec["data"]), number(spec["grad"]), spec["op"],
                              tuple(nodes[i] for i in spec["children"]),
                              tuple(number(x) for x in spec.get("local") or ())))
        pick = lambda key: {n: s[key] for n, s in zip(nodes, data["nodes"]) if s[key]}  # noqa: E731
        return cls(nodes[data["root"]], {n: s["label"] for n, s in zip(nodes, data["nodes"])},
                   pick("color"), pick("note"))

    @property
    def wrong(self):
        """Names of the nodes whose gradient differs, in graph order."""
        nodes, _ = trace(self.root)
        return [self.labels[n] for n in nodes if self.colors.get(n) == WRONG_GRAD]


class Node:
    """A node of a recorded graph: what draw_dot and trace read of a Value, and nothing that computes."""

    __slots__ = ("data", "grad", "_op", "_prev", "_local_grads")

    def __init__(self, data, grad, op, prev, local=()):
        self.data, self.grad, self._op, self._prev, self._local_grads = data, grad, op, prev, local


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


def mark(node, got, want, what, colors, notes, fill):
    """Colour `node` and note the student's number where it differs from the expected one."""
    if got is None or want is None or not differs(got, want):
        return
    colors.setdefault(node, fill)
    note = f"yours: {what} {show(got)}"
    notes[node] = f"{notes[node]}; {note}" if node in notes else note


def recorded_graph(test, failure):
    """The CaseGraph the pipeline recorded for `failure` of `test` (a TestResult), or None when it
    recorded none for that case or the graph was too big to draw ({"nodes": None})."""
    data = (test.detail or {}).get("graph")
    if not isinstance(data, dict) or data.get("case") != failure.case or not data.get("nodes"):
        return None
    return CaseGraph.from_dict(data)


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

