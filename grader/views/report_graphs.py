"""The computation graph of a failing case, for the HTML report.

Each exercise that draws says how (grader/exercises/: its `graph`); the graph is rebuilt
from the case's recorded inputs with the reference `Value`, and every node
shows the reference's data and grad as the report recorded them; where the student's number
differs it is written next to it and the node is coloured. Nothing is graded again here.
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


def mark(node, got, want, what, colors, notes, fill):
    """Colour `node` and note the student's number where it differs from the expected one."""
    if got is None or want is None or not differs(got, want):
        return
    colors.setdefault(node, fill)
    note = f"yours: {what} {show(got)}"
    notes[node] = f"{notes[node]}; {note}" if node in notes else note


def case_graph(test_id, failure, registry=None):
    """The CaseGraph of a failing case its exercise draws (grader/exercises/), or None when there is
    nothing to draw."""
    from grader.exercises import kit

    registry = registry or kit()
    if not failure or not failure.inputs or test_id not in registry or registry[test_id].graph is None:
        return None
    return registry[test_id].graph(failure)


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

