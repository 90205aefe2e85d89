"""draw_dot: records for values, nodes for ops, colours for chosen nodes; rendered by the real dot."""
import shutil

import pytest

from micrograd_ref.draw import draw_dot, trace
from micrograd_ref.engine import Value


def example():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = (c + a).tanh()
    d.backward()
    return a, b, c, d


def test_trace_nodes_and_edges():
    a, b, c, d = example()
    nodes, edges = trace(d)
    assert set(nodes) == {a, b, c, d, d._prev[0]}
    assert (a, c) in edges and (b, c) in edges and (c, d._prev[0]) in edges


def test_records_ops_and_colours():
    a, b, c, d = example()
    dot = draw_dot(d, labels={a: "a", b: "b"}, colors={b: "tomato"}, notes={b: "expected 0.5"})
    src = dot.source
    assert "rankdir=LR" in src
    assert src.count("shape=record") == 5
    assert "label=tanh" in src and 'label="*"' in src and 'label="+"' in src
    assert "{ b | data -3.0000 | grad" in src and "expected 0.5" in src
    assert src.count("fillcolor=tomato") == 1


def test_constant_operand_is_shown_in_the_op():
    x = Value(1.5)
    y = x * 2.0 + 1.0
    src = draw_dot(y).source
    assert 'label="* 2"' in src and 'label="+ 1"' in src


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' not installed")
def test_renders_svg_with_dot():
    *_, d = example()
    svg = draw_dot(d).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "tanh" in svg


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' not installed")
def test_record_text_may_hold_the_characters_records_use():
    # a note can quote anything (e.g. a value a student's code returned): { } | < > are text here
    *_, d = example()
    note = "yours: {} <x> | y"
    svg = draw_dot(d, notes={d: note}).pipe(format="svg").decode()
    assert "yours: {} &lt;x&gt; | y" in svg
