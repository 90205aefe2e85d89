"""The interactive demo: its pieces, the page through streamlit's AppTest, and the page in a real browser."""
import contextlib
import json
import math
import pathlib
import sys

import pytest

from demo import engines, frames, graph, live, points, session, training
from micrograd_ref.data import RNG
from micrograd_ref.nn import MLP
from tests import student_engines

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = str(ROOT / "demo" / "app.py")
SERVER = str(ROOT / "demo" / "server.py")  # what `make demo` runs: the app, and the live part's channel
ARTIFACTS = ROOT / "build" / "test-artifacts"

# The published log of the reference run (README): the default settings must reproduce it.
PUBLISHED = [1.0122152826497564, 0.8466614840586785]


def write_engine(tmp_path, source, name="engine.py"):
    """A student's engine file with `source`, in its own folder under tmp_path."""
    folder = tmp_path / name.replace(".py", "")
    folder.mkdir()
    path = folder / "engine.py"
    path.write_text(source)
    return path


def line_of(source, text):
    """The 1-based number of the first line of `source` containing `text`."""
    return next(i for i, line in enumerate(source.splitlines(), start=1) if text in line)


# --- the student engines the tests use are what they claim to be ---------------------------------


needs_answer_key = pytest.mark.skipif(student_engines.CLOSURE is None, reason="no answer key (solutions/) here")


@needs_answer_key
def test_student_engine_variants_differ_from_the_correct_one():
    variants = (student_engines.STUB, student_engines.RAISES, student_engines.SYNTAX_ERROR, student_engines.WRONG_TANH)
    assert all(v != student_engines.CLOSURE for v in variants)


# --- points --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, y, c, problem",
    [
        (0.0, 0.0, 0, None),
        (-2.5, 2.5, 2, None),
        (3.0, 0.0, 0, "x = 3 is outside the plot"),
        (0.0, -2.6, 1, "y = -2.6 is outside the plot"),
        (float("nan"), 0.0, 0, "x is missing"),
        (0.0, float("inf"), 0, "not a number"),
        (None, 0.0, 0, "x is missing"),
        (0.0, 0.0, 3, "class 3 is not one of 0, 1, 2"),
    ],
)
def test_check_point(x, y, c, problem):
    got = points.check_point(x, y, c)
    assert got == problem if problem is None else problem in got


def test_apply_edits_edit_delete_add():
    pts = [[0.0, 0.0, 0], [1.0, 1.0, 1], [2.0, 2.0, 2]]
    changes = {
        "edited_rows": {0: {"x": 0.5}, 2: {"class": 1}},
        "deleted_rows": [1],
        "added_rows": [{"x": -1.0, "y": -1.5, "class": 2}],
    }
    new, problem, pending = points.apply_edits(pts, changes)
    assert (problem, pending) == (None, False)
    assert new == [[0.5, 0.0, 0], [2.0, 2.0, 1], [-1.0, -1.5, 2]]
    assert pts == [[0.0, 0.0, 0], [1.0, 1.0, 1], [2.0, 2.0, 2]]  # the input is left alone


def test_apply_edits_refuses_a_bad_row_and_waits_for_a_new_one():
    pts = [[0.0, 0.0, 0], [1.0, 1.0, 1]]
    new, problem, pending = points.apply_edits(pts, {"edited_rows": {1: {"y": 9.0}}})
    assert new is None and not pending
    assert problem.startswith("Row 2: y = 9 is outside the plot")
    new, problem, pending = points.apply_edits(pts, {"added_rows": [{"x": 1.0}]})
    assert (new, problem, pending) == (None, None, True)


def test_apply_event_add_move_delete_select():
    pts = [[0.0, 0.0, 0], [1.0, 1.0, 1], [2.0, 2.0, 2]]
    new, example, problem = points.apply_event(pts, 0, {"type": "add", "x": -1.25, "y": 0.5, "class": 2})
    assert (new[-1], example, problem) == ([-1.25, 0.5, 2], 0, None) and len(new) == 4
    new, example, _ = points.apply_event(pts, 0, {"type": "move", "index": 1, "x": 0.5, "y": 9.0})
    assert new[1] == [0.5, 2.5, 1] and example == 1  # dragged past the edge: on the edge; the moved point is shown
    new, example, _ = points.apply_event(pts, 2, {"type": "delete", "index": 0})
    assert new == pts[1:] and example == 1  # the example shown is the same point, one row up
    new, example, _ = points.apply_event(pts, 2, {"type": "delete", "index": 2})
    assert new == pts[:2] and example == 1
    assert points.apply_event(pts, 0, {"type": "select", "index": 2}) == (pts, 2, None)
    assert pts == [[0.0, 0.0, 0], [1.0, 1.0, 1], [2.0, 2.0, 2]]  # the input is left alone


@pytest.mark.parametrize(
    "event",
    [
        {"type": "select", "index": 7},
        {"type": "delete", "index": -1},
        {"type": "move", "index": "0", "x": 0.0, "y": 0.0},
        {"type": "select", "index": True},
        {"type": "select"},
        {"type": "teleport", "index": 0},
        {},
    ],
    ids=["gone", "negative", "text-index", "bool-index", "no-index", "unknown", "empty"],
)
def test_apply_event_on_a_point_that_is_not_there_changes_nothing(event):
    pts = [[0.0, 0.0, 0]]
    assert points.apply_event(pts, 0, event) == (pts, 0, None)


@pytest.mark.parametrize(
    "event, problem",
    [
        ({"type": "add", "x": 3.0, "y": 0.0, "class": 0}, "x = 3 is outside the plot"),
        ({"type": "add", "x": 0.0, "y": 0.0, "class": 5}, "class 5 is not one of"),
        ({"type": "add", "x": None, "y": 0.0, "class": 0}, "x is missing"),
        ({"type": "move", "index": 0, "x": "left", "y": 0.0}, "not a pair of numbers"),
        ({"type": "move", "index": 0, "x": float("nan"), "y": 0.0}, "not a pair of numbers"),
    ],
)
def test_apply_event_refuses_a_bad_point_with_a_message(event, problem):
    pts = [[0.0, 0.0, 0]]
    new, example, got = points.apply_event(pts, 0, event)
    assert new is pts and example == 0 and problem in got


# --- engines -------------------------------------------------------------------------------------


@needs_answer_key
def test_load_engine_by_path_leaves_sys_modules_alone(tmp_path):
    path = write_engine(tmp_path, student_engines.CLOSURE)
    before = set(sys.modules)
    first, second = engines.load_engine(path), engines.load_engine(path)
    assert set(sys.modules) == before
    assert first.Value is not second.Value  # each load is its own module
    assert first.path == path.resolve() and "my code" in first.name
    v = first.Value(2.0) * 3.0
    v.backward()
    assert v.data == 6.0 and v._prev[0].grad == 3.0


@needs_answer_key
def test_load_engine_failures_say_what_and_where(tmp_path):
    with pytest.raises(engines.EngineError, match="No engine file"):
        engines.load_engine(tmp_path / "missing.py")
    path = write_engine(tmp_path, student_engines.SYNTAX_ERROR)
    with pytest.raises(engines.EngineError) as info:
        engines.load_engine(path)
    failure = info.value.failure
    assert "does not parse" in failure.title
    assert failure.where.endswith(f"line {line_of(student_engines.SYNTAX_ERROR, 'def tanh(self)')}")
    path = write_engine(tmp_path, "x = 1\n", name="novalue.py")
    with pytest.raises(engines.EngineError, match="no class Value"):
        engines.load_engine(path)


@needs_answer_key
def test_a_stub_is_reported_with_its_exercise_and_line(tmp_path):
    path = write_engine(tmp_path, student_engines.STUB)
    engine = engines.load_engine(path)
    run = training.new_run(training.Settings(hidden=2), engine)
    with pytest.raises(NotImplementedError) as info:
        training.train(run, [[0.1, 0.2, 0]], 1)
    assert all(p.grad == 0 for p in run.model.parameters())  # nothing left behind
    failure = engines.describe_failure(info.value, path)
    assert failure.title == "Your engine is not finished yet"
    assert "engine.tanh" in failure.detail
    assert failure.where.endswith(f"line {line_of(student_engines.STUB, 'raise NotImplementedError')}, in _backward")
    assert "NotImplementedError" in failure.code
    assert "Traceback" not in failure.text()


@needs_answer_key
def test_an_error_in_student_code_names_the_line(tmp_path):
    path = write_engine(tmp_path, student_engines.RAISES)
    run = training.new_run(training.Settings(hidden=2), engines.load_engine(path))
    with pytest.raises(NameError) as info:
        training.train(run, [[0.1, 0.2, 0]], 1)
    failure = engines.describe_failure(info.value, path)
    assert failure.title == "Your code raised NameError" and "outt" in failure.detail
    assert f"line {line_of(student_engines.RAISES, 'outt.data')}" in failure.where


def test_an_error_outside_student_code_is_not_blamed_on_it(tmp_path):
    try:
        math.exp(1000)
    except OverflowError as exc:
        failure = engines.describe_failure(exc, tmp_path / "engine.py")
    assert failure.title == "The training step raised OverflowError"
    assert "test_demo.py" in failure.where


# --- training ------------------------------------------------------------------------------------


def test_default_settings_reproduce_the_published_run():
    run = training.new_run(training.Settings())
    pts, _ = training.draw(training.Settings(), run.engine)
    assert len(pts) == 80
    assert training.train(run, pts, 2) == PUBLISHED


@needs_answer_key
def test_a_student_closure_engine_trains_like_the_reference(tmp_path):
    # An engine written independently of the reference: the same losses, step for step.
    engine = engines.load_engine(write_engine(tmp_path, student_engines.CLOSURE))
    settings = training.Settings(dataset="moons", n=60, hidden=4, optimizer="SGD", lr=0.3)
    theirs, ours = training.new_run(settings, engine), training.new_run(settings)
    pts, _ = training.draw(settings, ours.engine)
    assert all(type(p) is engine.Value for p in theirs.model.parameters())
    for a, b in zip(training.train(theirs, pts, 5), training.train(ours, pts, 5)):
        assert math.isclose(a, b, rel_tol=1e-12)
    assert ours.losses[-1] < ours.losses[0]


def test_train_stops_at_a_non_finite_loss():
    run = training.new_run(training.Settings(hidden=2))
    run.model.parameters()[-1].data = float("nan")  # where a diverging run can end up
    losses = training.train(run, [[0.0, 0.5, 0], [1.0, 0.5, 1]], 5)
    assert len(losses) == 1 and math.isnan(losses[0])


def test_retune_keeps_the_optimiser_state():
    run = training.new_run(training.Settings(hidden=2))
    pts, _ = training.draw(run.settings, run.engine)
    training.train(run, pts, 2)
    training.retune(run, 0.01, 0.0)
    assert (run.optimizer.lr, run.optimizer.weight_decay, run.optimizer.t) == (0.01, 0.0, 2)
    assert run.settings.lr == 0.01


def test_the_boundary_is_the_model_s_prediction_at_each_cell():
    run = training.new_run(training.Settings(hidden=3))
    training.train(run, training.draw(run.settings, run.engine)[0], 3)
    n = 7
    xs, ys = frames.cell_centres(n)
    lo, hi = points.PLOT_RANGE
    assert (xs[0], ys[0]) == pytest.approx((lo + (hi - lo) / n / 2, hi - (hi - lo) / n / 2))  # top left first
    classes, levels = frames.decode_grid(frames.boundary(run.model, n))
    assert len(classes) == n * n
    for i in range(n * n):  # the model's own forward pass, on its own Values
        logits = [v.data for v in run.model([float(xs[i]), float(ys[i])])]
        p = 1 / sum(math.exp(z - max(logits)) for z in logits)
        assert classes[i] == logits.index(max(logits))
        assert levels[i] == round((p - 1 / 3) / (2 / 3) * (frames.LEVELS - 1))


def test_the_boundary_of_weights_that_are_not_numbers_is_blank():
    run = training.new_run(training.Settings(hidden=2))
    run.model.parameters()[0].data = float("nan")
    classes, levels = frames.decode_grid(frames.boundary(run.model, 4))
    assert list(classes) == [0] * 16 and list(levels) == [0] * 16


def test_loss_curve_starts_at_step_1_and_skips_non_finite_losses():
    assert frames.loss_curve([0.9]) == [[1, 0.9]]  # one step is already a curve
    assert frames.loss_curve([1.0, 0.5, float("nan")]) == [[1, 1.0], [2, 0.5]]
    thinned = frames.loss_curve([1.0] * 5000)
    assert len(thinned) <= frames.MAX_CURVE_POINTS + 1 and thinned[0][0] == 1 and thinned[-1][0] == 5000


# --- the computation graph: numbers, layout, values, my code -------------------------------------


@pytest.mark.parametrize(
    "v, text",
    [
        (0, "0"), (1.5, "1.5"), (-0.333333, "-0.333"), (0.0123456, "0.0123"), (1234.5, "1.23e3"), (999.9, "1.00e3"),
        (0.00123456, "1.23e-3"), (-2.5e-10, "-2.50e-10"), (12345.0, "1.23e4"), (100.0, "100"),
        (float("nan"), "nan"), (float("-inf"), "-inf"),
    ],
)
def test_fmt_shows_3_significant_digits(v, text):
    assert graph.fmt(v) == text
    if math.isfinite(v) and v != 0:
        assert float(text) == pytest.approx(v, rel=5e-3)


def example_of(hidden=3, point=(0.4, -0.7, 2), engine=None):
    run = training.new_run(training.Settings(hidden=hidden), engine)
    return run, graph.forward(run.model, list(point), run.engine.Value)


def test_layout_places_every_node_once_in_groups_by_neuron():
    run, ex = example_of(hidden=3)
    lay = graph.layout(run.model, ex)
    assert len(lay.nodes) == len(ex.nodes) == training.graph_size(3) + 2  # graph_size feeds the inputs as numbers
    boxes = {(n["x"], n["y"]) for n in lay.nodes}
    assert len(boxes) == len(lay.nodes)  # no two nodes in one place
    for a in lay.nodes:  # and no two boxes overlap
        for b in lay.nodes:
            if a is not b:
                assert abs(a["x"] - b["x"]) >= graph.NODE_W or abs(a["y"] - b["y"]) >= graph.NODE_H
    groups = {g["id"]: g for g in lay.groups}
    assert set(groups) == {"input", "loss"} | {f"L1.{i}" for i in range(3)} | {f"L2.{i}" for i in range(3)}
    for n in lay.nodes:  # inside its group's box
        g = groups[n["group"]]
        assert g["x"] <= n["x"] and n["x"] + graph.NODE_W <= g["x"] + g["w"]
        assert g["y"] <= n["y"] and n["y"] + graph.NODE_H <= g["y"] + g["h"]
    by_label = {n["label"]: n for n in lay.nodes}
    assert by_label["w1.2.1"]["group"] == "L1.2" and by_label["b2.0"]["group"] == "L2.0"
    assert by_label["x0"]["group"] == "input" and by_label["loss (class 2)"]["group"] == "loss"
    assert [n["op"] for n in lay.nodes if n["group"] == "L1.1"].count("tanh") == 1
    # every input of a node is drawn to its left, or above it for a running sum: the graph reads
    # from the inputs to the loss
    for n in lay.nodes:
        for c in n["children"]:
            m = lay.nodes[c]
            assert m["x"] < n["x"] or (m["x"] == n["x"] and m["y"] < n["y"] and m["op"] == n["op"] == "+")
    sums = [n for n in lay.nodes if n["group"] == "L2.0" and n["op"] == "+"]
    assert len(sums) == 3 and len({n["x"] for n in sums}) == 1  # one column for the neuron's running sum


def test_the_path_to_the_loss_follows_consumers_to_the_loss():
    run, ex = example_of(hidden=2)
    lay = graph.layout(run.model, ex)
    start = next(i for i, n in enumerate(lay.nodes) if n["label"] == "w1.0.0")
    path = graph.path_to_loss(lay, start)
    assert lay.nodes[path[-1]]["role"] == "loss"
    assert all(a in lay.nodes[b]["children"] for a, b in zip(path, path[1:]))


def test_one_layout_per_architecture():
    run, ex = example_of(hidden=3, point=(0.1, 0.2, 0))
    other = graph.forward(run.model, [-1.0, 2.0, 0], run.engine.Value)
    assert graph.layout(run.model, ex).key == graph.layout(run.model, other).key
    run4, ex4 = example_of(hidden=4)
    assert graph.layout(run4.model, ex4).key != graph.layout(run.model, ex).key


def test_graph_values_against_torch(torch):
    run = training.new_run(training.Settings(hidden=3))
    point = [0.4, -0.7, 2]
    ex = graph.forward(run.model, point, run.engine.Value)
    ex.loss.backward()
    lay, shown = graph.layout(run.model, ex), graph.values(ex)
    at = {n["label"]: i for i, n in enumerate(lay.nodes)}
    # d loss / d input and d loss / d weight, from PyTorch on the same weights
    x = torch.tensor(point[:2], requires_grad=True, dtype=torch.float64)
    h, ws = x, []
    for layer in run.model.layers:
        w = torch.tensor([[p.data for p in n.w] for n in layer.neurons], requires_grad=True, dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        ws.append(w)
        h = w @ h + b
        h = torch.tanh(h) if layer.neurons[0].nonlin else h
    loss = torch.nn.functional.cross_entropy(h.unsqueeze(0), torch.tensor([point[2]]))
    loss.backward()
    for i in range(2):
        assert ex.inputs[i].grad == pytest.approx(x.grad[i].item(), rel=1e-9)
        assert float(shown["grad"][at[f"x{i}"]]) == pytest.approx(x.grad[i].item(), rel=5e-3)
        assert shown["g"][at[f"x{i}"]] == pytest.approx(x.grad[i].item(), rel=5e-3)
    assert float(shown["grad"][at["w2.1.0"]]) == pytest.approx(ws[1].grad[1, 0].item(), rel=5e-3)
    assert run.model.layers[1].neurons[1].w[0].grad == pytest.approx(ws[1].grad[1, 0].item(), rel=1e-9)
    assert float(shown["data"][at["loss (class 2)"]]) == pytest.approx(loss.item(), rel=5e-3)
    assert shown["g"][at["loss (class 2)"]] == 1.0


def test_the_reference_s_gradients_match_themselves():
    run, ex = example_of(hidden=2, point=(0.4, -0.7, 1))
    ex.loss.backward()
    assert graph.compare(run.model, ex, [0.4, -0.7, 1]) == {"differ": 0, "compared": len(ex.nodes), "wrong": [], "ops": {}}


@needs_answer_key
def test_compare_finds_a_student_s_wrong_op_and_counts_the_wrong_gradients(tmp_path):
    right = engines.load_engine(write_engine(tmp_path, student_engines.CLOSURE))
    wrong = engines.load_engine(write_engine(tmp_path, student_engines.WRONG_TANH, "wrong.py"))
    point = [0.4, -0.7, 1]
    run, ex = example_of(hidden=2, point=point, engine=right)
    ex.loss.backward()
    assert graph.compare(run.model, ex, point)["differ"] == 0
    run, ex = example_of(hidden=2, point=point, engine=wrong)
    ex.loss.backward()
    got = graph.compare(run.model, ex, point)
    # tanh is only in the hidden layer: its 2 nodes are wrong, and so is every gradient before them
    assert got["ops"] == {"tanh": 2}
    assert [ex.nodes[i]._op for i in got["wrong"]] == ["tanh", "tanh"]
    # the closure engine's graph has nodes of its own (constants in Values): parameters and inputs are compared
    assert got["compared"] == len(run.model.parameters()) + 2
    assert got["differ"] == 2 + 2 * 3  # the inputs and the hidden layer's parameters
    text = session.banner(got)["text"]
    assert text.startswith(f"{got['differ']} of {got['compared']} gradients differ") and "tanh (2 nodes)" in text


@needs_answer_key
def test_compare_blames_backward_when_every_op_is_right(tmp_path):
    source = student_engines.variant("self.grad += 1", "self.grad += 2")  # a wrong seed
    run, ex = example_of(hidden=2, engine=engines.load_engine(write_engine(tmp_path, source)))
    ex.loss.backward()
    got = graph.compare(run.model, ex, [0.4, -0.7, 2])
    assert got["ops"] == {} and got["differ"] > 0
    assert "look at backward()" in session.banner(got)["text"]


@needs_answer_key
def test_mlp_runs_on_any_value_class(tmp_path):
    engine = engines.load_engine(write_engine(tmp_path, student_engines.CLOSURE))
    theirs, ours = MLP(2, [3, 2], rng=RNG(5), value_type=engine.Value), MLP(2, [3, 2], rng=RNG(5))
    assert [p.data for p in theirs.parameters()] == [p.data for p in ours.parameters()]
    assert all(type(p) is engine.Value for p in theirs.parameters())


# --- one tab's demo: events, Play in its thread, the frame ----------------------------------------


def wait_for(condition, what, timeout=60.0):
    """Wait until `condition()` holds (this is a wait, not a timed assertion: a slow machine only waits longer)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def demo():
    d = session.Demo(training.Settings())
    yield d
    d.pause()


def events(*evs, start=1):
    return [dict(e, seq=start + i) for i, e in enumerate(evs)]


def test_step_play_pause_reset(demo):
    settings = training.Settings()
    assert demo.frame()["step"] == 0
    demo.handle(events({"type": "step"}), settings)
    frame = demo.frame()
    assert (frame["step"], frame["loss"], frame["engine"]) == (1, graph.fmt(PUBLISHED[0]), "reference")
    assert frame["losses"] == [[1, PUBLISHED[0]]]  # the curve from the first step
    demo.handle(events({"type": "play"}, start=2), settings)
    assert demo.playing and demo.frame()["playing"]
    wait_for(lambda: demo.run.steps >= 4, "Play to train on")
    demo.handle(events({"type": "pause"}, start=3), settings)
    assert not demo.playing and not demo.training  # the step in flight is done when Pause returns
    paused = demo.run.steps
    import time

    time.sleep(0.3)
    assert demo.run.steps == paused and demo.frame()["step"] == paused
    assert demo.run.losses[:2] == PUBLISHED
    demo.handle(events({"type": "reset"}, start=4), settings)
    assert demo.frame()["step"] == 0 and len(demo.points) == 80


def test_each_event_is_applied_once_in_order(demo):
    settings = training.Settings()
    add = {"type": "add", "x": 1.0, "y": -1.0, "class": 2}
    demo.handle(events(add, {"type": "step"}), settings)
    demo.handle(events(add, {"type": "step"}), settings)  # the page resends what it has not seen acknowledged
    assert len(demo.points) == 81 and demo.run.steps == 1 and demo.frame()["ack"] == 2
    demo.handle([dict(add, seq=4), dict(add, seq=3, x=0.5)], settings)
    assert [p[0] for p in demo.points[-2:]] == [0.5, 1.0]
    demo.handle([{"type": "step"}, {"type": "step", "seq": "9"}, {"type": "step", "seq": 2}], settings)  # no or stale seq
    assert demo.run.steps == 1


def test_edits_while_playing_apply_to_the_next_step(demo):
    settings = training.Settings()
    demo.handle(events({"type": "play"}), settings)
    wait_for(lambda: demo.run.steps >= 1, "a first step")
    demo.handle(events({"type": "delete", "index": 0}, {"type": "add", "x": 2.0, "y": 2.0, "class": 1}, start=2), settings)
    pts = [list(p) for p in demo.points]
    steps = demo.run.steps
    wait_for(lambda: demo.run.steps >= steps + 2, "more steps")
    demo.pause()
    assert demo.points == pts and len(pts) == 80 and pts[-1] == [2.0, 2.0, 1]
    # the run went on from where it was, on the new points: the same as training there by hand
    check = session.Demo(settings)
    training.train(check.run, check.points, steps)
    training.train(check.run, pts, demo.run.steps - steps)
    assert check.run.losses[steps:] == demo.run.losses[steps:]


def test_clicking_a_point_shows_its_graph_and_never_errors(demo):
    settings = training.Settings()
    x, y, c = demo.points[5]
    demo.handle(events({"type": "select", "index": 5}, {"type": "select", "index": 500}), settings)
    frame = demo.frame()
    assert frame["example"] == 5 and frame["messages"] == []
    labels = [n["label"] for n in frame["layout"]["nodes"]]
    x0 = labels.index("x0")
    assert frame["values"]["data"][x0] == graph.fmt(x)
    assert f"loss (class {c})" in labels


def test_the_frame_is_plain_json_and_sends_the_layout_once(demo):
    first = demo.frame()
    assert first["layout"] is not None
    again = demo.frame(have_layout=first["layout_key"])
    assert again["layout"] is None and again["layout_key"] == first["layout_key"]
    text = json.dumps(again, allow_nan=False)
    assert len(text) < 40_000  # what the page receives ten times a second
    classes, _ = frames.predict(frames.layers_of(again["net"]), *frames.cell_centres())  # the page's boundary
    assert len(classes) == frames.GRID ** 2
    assert frames.layers_of(again["net"])[0][0][0].tolist() == [w.data for w in demo.run.model.layers[0].neurons[0].w]


def test_a_failure_while_playing_stops_play_with_a_message(demo):
    demo.handle(events({"type": "play"}), training.Settings())
    demo.run.model.parameters()[-1].data = float("nan")  # where a diverging run can end up
    wait_for(lambda: not demo.training, "Play to stop")
    assert not demo.playing and "The loss became nan" in demo.frame()["messages"][0]["text"]


def test_play_stops_when_no_page_asks_for_frames(demo, monkeypatch):
    monkeypatch.setattr(session, "ORPHANED_SECONDS", 0.0)
    demo.play()
    wait_for(lambda: not demo.training, "Play to stop")
    assert not demo.playing


def test_pause_does_not_wait_forever_for_a_stuck_step(demo, monkeypatch):
    import time

    real_train = training.train

    def slow_train(run, pts, steps):  # a student's backward that takes its time
        time.sleep(1.0)
        return real_train(run, pts, steps)

    monkeypatch.setattr(training, "train", slow_train)
    monkeypatch.setattr(session, "STUCK_SECONDS", 0.05)
    demo.play()
    demo.pause()
    assert not demo.playing and "may loop forever" in demo.problem[1]
    demo.play()  # refused while the step is still running
    assert not demo.playing
    monkeypatch.setattr(session, "STUCK_SECONDS", 10.0)
    demo.pause()
    assert not demo.training and demo.run.steps == 1


# --- the live part's channel (demo/live.py): events in, the newest frame out ---------------------


def ask(demo, body):
    """(status, parsed JSON) of the channel's answer to `body` (an object, or raw bytes)."""
    status, text = live.answer(demo.token, body if isinstance(body, bytes) else json.dumps(body).encode())
    return status, json.loads(text)


def test_the_channel_applies_the_page_s_events_and_answers_the_newest_frame(demo):
    status, first = ask(demo, {})
    assert status == 200 and first["step"] == 0 and first["layout"] is not None
    status, frame = ask(demo, {"events": events({"type": "step"}), "have": first["layout_key"]})
    assert status == 200 and (frame["step"], frame["ack"]) == (1, 1) and frame["layout"] is None
    assert frame["serial"] > first["serial"]  # the page draws no frame older than one it has drawn
    _, again = ask(demo, {"events": events({"type": "step"}), "have": first["layout_key"]})  # resent: once only
    assert again["step"] == 1 and demo.run.steps == 1
    _, frame = ask(demo, {"events": events({"type": "play"}, start=2)})
    assert frame["playing"] and demo.training
    _, frame = ask(demo, {"events": events({"type": "pause"}, start=3)})
    assert not frame["playing"] and not demo.training and frame["step"] == demo.run.steps  # no step after it


def test_the_channel_knows_only_registered_demos_and_refuses_bad_requests(demo):
    status, text = live.answer("not-a-token", b"{}")
    answer = json.loads(text)
    assert status == 404 and "reload the page" in answer["error"]
    other = session.Demo(training.Settings(hidden=2))
    assert other.token != demo.token and live.lookup(other.token) is other and live.lookup(demo.token) is demo
    for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
        status, answer = ask(demo, body)
        assert status == 400 and "JSON object" in answer["error"]
    status, answer = ask(demo, b" " * (live.MAX_BODY + 1))
    assert status == 413
    status, frame = ask(demo, {"events": "play", "have": 3})  # wrong types: nothing applied, a frame all the same
    assert status == 200 and not demo.playing and frame["layout"] is not None
    assert demo.run.steps == 0


def test_a_demo_that_is_gone_leaves_the_channel():
    import gc

    token = session.Demo(training.Settings(hidden=2)).token
    gc.collect()
    assert live.lookup(token) is None and live.answer(token, b"{}")[0] == 404


def test_the_channel_sends_weights_that_are_not_finite_as_null(demo):
    demo.run.model.layers[0].neurons[0].w[0].data = float("inf")
    demo.run.model.layers[0].neurons[0].w[1].data = float("nan")
    status, text = live.answer(demo.token, b"{}")
    frame = json.loads(text)  # what a browser reads: JSON has no NaN nor Infinity
    assert status == 200 and "NaN" not in text and "Infinity" not in text
    assert frame["net"][0]["w"][0][:2] == [None, None]
    classes, p = frames.predict(frames.layers_of(frame["net"]), *frames.cell_centres(4))
    assert list(classes) == [0] * 16 and list(p) == [0.0] * 16  # a blank map, as the page draws it


def test_graph_notes_instead_of_a_graph():
    wide = session.Demo(training.Settings(hidden=20))
    assert "too many to read" in wide.frame()["graph_note"] and wide.frame()["layout"] is None
    wide.set_points([])
    frame = wide.frame()
    assert frame["graph_note"] == "No points, so no example to draw." and frame["example"] is None
    assert "no points to train on" in frame["messages"][0]["text"]


@needs_answer_key
def test_my_code_with_a_wrong_op_gets_a_banner_and_marked_nodes(tmp_path):
    engine = engines.load_engine(write_engine(tmp_path, student_engines.WRONG_TANH))
    settings = training.Settings()
    demo = session.Demo(settings, engine)
    frame = demo.frame()
    assert frame["banner"]["level"] == "error" and "local derivative of tanh (8 nodes) is wrong" in frame["banner"]["text"]
    assert {frame["layout"]["nodes"][i]["op"] for i in frame["wrong"]} == {"tanh"} and len(frame["wrong"]) == 8
    demo.step(3)  # training goes on, with the student's gradients
    assert demo.run.steps == 3 and demo.problem is None
    right = session.Demo(settings, engines.load_engine(write_engine(tmp_path, student_engines.CLOSURE, "right.py")))
    assert right.frame()["banner"]["level"] == "ok" and right.frame()["wrong"] == []


@needs_answer_key
def test_my_code_whose_values_lack_an_op_gets_a_note_not_a_crash(tmp_path):
    source = student_engines.variant("self._op = _op", "pass")
    demo = session.Demo(training.Settings(hidden=2), engines.load_engine(write_engine(tmp_path, source)))
    frame = demo.frame()
    assert "AttributeError" in frame["graph_note"] and "_op" in frame["graph_note"]
    assert frame["layout"] is None and frame["net"] is not None
    demo.step(1)  # training needs no _op
    assert demo.run.steps == 1


@needs_answer_key
def test_my_code_stub_shows_the_forward_pass_and_says_what_to_write(tmp_path):
    path = write_engine(tmp_path, student_engines.STUB)
    demo = session.Demo(training.Settings(hidden=2), engines.load_engine(path))
    frame = demo.frame()
    assert "engine.tanh: write the local derivative of tanh" in frame["graph_note"]
    assert frame["values"]["data"][-1] != "0" and frame["layout"] is not None  # the forward pass is drawn
    demo.handle(events({"type": "step"}), training.Settings(hidden=2))
    text = demo.frame()["messages"][0]["text"]
    assert "Your engine is not finished yet" in text and f"line {line_of(student_engines.STUB, 'raise NotImplementedError')}" in text
    assert "Traceback" not in text and demo.run.steps == 0
    demo.handle(events({"type": "play"}, start=2), training.Settings(hidden=2))
    wait_for(lambda: not demo.training, "Play to stop at the failure")
    assert not demo.playing


# --- the page, through streamlit's AppTest -------------------------------------------------------


@pytest.fixture
def app():
    """The demo page after its first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    yield at
    at.session_state.demo.pause()


def frame(at):
    """The frame the page's component was last given."""
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)["frame"]


def act(at, *evs):
    """What the component sends when clicked (AppTest cannot click inside it), then a rerun."""
    demo = at.session_state.demo
    demo.handle([dict(e, seq=demo.last_seq + 1 + i) for i, e in enumerate(evs)], at.session_state.demo.run.settings)
    at.run()


def texts(elements):
    """The text of every alert of a kind (at.error, at.warning, at.info), joined."""
    return "\n".join(e.value for e in elements)


def messages(at):
    return "\n".join(m["text"] for m in frame(at)["messages"])


def test_the_page_draws_the_demo_s_frame(app):
    at = app
    first = frame(at)
    assert first["step"] == 0 and len(first["points"]) == 80 and first["layout"] is not None
    act(at, {"type": "step"})
    assert frame(at)["step"] == 1 and frame(at)["loss"] == graph.fmt(PUBLISHED[0])
    act(at, {"type": "add", "x": 0.5, "y": 0.5, "class": 1})
    assert "Data: 81 points" in [s.value for s in at.subheader]  # the table follows the map
    assert not at.exception


def test_every_setting_takes_effect(app):
    at = app
    for name in ("moons", "circles", "spirals", "yinyang"):
        at.selectbox(key="dataset").select(name).run()
        want, _ = training.draw(training.Settings(dataset=name), training.reference_engine())
        assert at.session_state.demo.points == want
    at.number_input(key="n").set_value(50).run()
    assert len(at.session_state.demo.points) == 40
    at.number_input(key="hidden").set_value(3).run()
    assert len(at.session_state.demo.run.model.layers[0].neurons) == 3
    first = [p.data for p in at.session_state.demo.run.model.parameters()]
    at.number_input(key="seed").set_value(7).run()
    assert [p.data for p in at.session_state.demo.run.model.parameters()] != first
    at.radio(key="optimizer").set_value("SGD").run()
    assert type(at.session_state.demo.run.optimizer).__name__ == "SGD"
    at.number_input(key="lr").set_value(0.5).run()
    at.number_input(key="weight_decay").set_value(0.01).run()
    run = at.session_state.demo.run
    assert (run.optimizer.lr, run.optimizer.weight_decay) == (0.5, 0.01)
    act(at, {"type": "step"})
    assert frame(at)["step"] == 1
    at.number_input(key="hidden").set_value(20).run()
    assert "too many to read" in frame(at)["graph_note"]
    assert not at.exception and not at.error


def test_points_added_by_coordinates_and_cleared(app):
    at = app
    at.radio(key="new_class").set_value(2)
    at.number_input(key="new_x").set_value(1.25)
    at.number_input(key="new_y").set_value(-0.5)
    at.button(key="add_point").click().run()
    assert at.session_state.demo.points[-1] == [1.25, -0.5, 2] and len(at.session_state.demo.points) == 81
    assert "Data: 81 points" in [s.value for s in at.subheader]
    assert frame(at)["points"][-1] == [1.25, -0.5, 2]
    at.button(key="clear_points").click().run()
    assert at.session_state.demo.points == [] and frame(at)["points"] == []
    assert not at.exception


def test_bad_input_gets_a_message_not_a_traceback(app):
    at = app
    at.number_input(key="new_x").set_value(3.5)
    at.button(key="add_point").click().run()
    assert "x = 3.5 is outside the plot" in texts(at.error) and len(at.session_state.demo.points) == 80

    at.number_input(key="lr").set_value(0.0).run()
    act(at, {"type": "step"})
    assert "learning rate is 0" in messages(at) and frame(at)["step"] == 0
    act(at, {"type": "play"})
    assert not frame(at)["playing"]

    at.radio(key="optimizer").set_value("SGD").run()
    at.number_input(key="lr").set_value(1e6).run()
    assert "very large" in messages(at)
    at.session_state.demo.run.model.parameters()[-1].data = float("nan")  # where such a rate can end up
    act(at, {"type": "step"})
    assert "The loss became nan" in messages(at)
    act(at, {"type": "step"})
    assert "Press Reset" in messages(at) and frame(at)["step"] == 1
    act(at, {"type": "reset"})
    for _ in range(3):
        act(at, {"type": "step"})
    assert "training has diverged" in messages(at)  # the loss is about 1e5 at the second step
    at.number_input(key="lr").set_value(0.1).run()
    act(at, {"type": "reset"}, {"type": "step"})
    assert frame(at)["step"] == 1 and "diverged" not in messages(at)

    at.button(key="clear_points").click().run()
    act(at, {"type": "step"})
    assert "no points to train on" in messages(at)
    assert frame(at)["graph_note"] == "No points, so no example to draw."
    assert not at.exception


@needs_answer_key
def test_run_on_my_code_trains_with_a_correct_engine(app, tmp_path):
    at = app
    at.text_input(key="engine_path").input(str(write_engine(tmp_path, student_engines.CLOSURE))).run()
    assert frame(at)["engine"] == "reference"  # typing the path alone switches nothing
    at.radio(key="engine_choice").set_value("my code").run()
    assert frame(at)["engine"].startswith("my code")
    act(at, {"type": "step"}, {"type": "step"})
    for a, b in zip(at.session_state.demo.run.losses, PUBLISHED):
        assert math.isclose(a, b, rel_tol=1e-12)
    assert frame(at)["banner"]["level"] == "ok"
    assert not at.error and not at.exception
    at.radio(key="engine_choice").set_value("reference").run()
    assert (frame(at)["step"], frame(at)["engine"], frame(at)["banner"]) == (0, "reference", None)


@needs_answer_key
def test_run_on_my_code_that_does_not_load_keeps_the_reference(app, tmp_path):
    at = app
    source = student_engines.SYNTAX_ERROR
    at.text_input(key="engine_path").input(str(write_engine(tmp_path, source))).run()
    at.radio(key="engine_choice").set_value("my code").run()
    assert "does not parse" in texts(at.error) and f"line {line_of(source, 'def tanh(self)')}" in texts(at.error)
    assert at.radio(key="engine_choice").value == "reference" and frame(at)["engine"] == "reference"
    at.text_input(key="engine_path").input(str(tmp_path / "nowhere.py")).run()
    at.radio(key="engine_choice").set_value("my code").run()
    assert "No engine file" in texts(at.error)
    assert not at.exception


# --- the page in a real browser ------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The flags of `make demo` that matter here (the Makefile's demo target).
STREAMLIT_FLAGS = ["--client.toolbarMode", "minimal", "--browser.gatherUsageStats", "false"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
LIVE = "iframe[src*='micrograd_demo']"
browser_test = pytest.mark.skipif(not pathlib.Path(CHROMIUM).exists(), reason="Chromium not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run demo/server.py` (as `make demo`) on a free local port; its URL. Always stopped afterwards."""
    with streamlit_serving(SERVER, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@contextlib.contextmanager
def streamlit_serving(script, tmp_path):
    """`streamlit run script` on a free local port while in the block; its URL."""
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", *STREAMLIT_FLAGS],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{(tmp_path / 'streamlit.log').read_text()}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def page(server):
    """A fresh tab on the demo (its own session), with the live part loaded; (page, live frame)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1250})
            tab.goto(server)
            tab.wait_for_selector(IDLE, timeout=60_000)
            tab.wait_for_selector(LIVE, timeout=60_000)
            live = tab.frame_locator(LIVE)
            live.locator("[data-testid='demo-step']").wait_for(timeout=60_000)
            from playwright.sync_api import expect

            expect(live.locator("[data-testid='demo-points']")).to_have_text("80", timeout=60_000)
            expect(live.locator(".node").first).to_be_attached(timeout=60_000)
            yield tab, live
        finally:
            browser.close()


def live_frame(tab):
    """The live part's frame, to run JavaScript in."""
    return next(f for f in tab.frames if "micrograd_demo" in f.url)


def node_text(live, label, part):
    """The text of a graph node's `part` ("d" for data, "g" for grad), without its prefix."""
    return live.locator(f".node[data-node='{label}'] text.{part}").text_content().split(" ", 1)[1]


PLAY_WINDOWS, PLAY_WINDOW_SECONDS = 3, 3.0  # Play is measured over a few windows: the machine may be busy


def pace(log):
    """(steps/s, page updates/s, longest gap in ms) over the page's log of frames drawn while playing.

    An update is a frame drawn with a step the page had not shown yet: a frame of the same step changes nothing.
    """
    seconds = (log[-1]["t"] - log[0]["t"]) / 1000
    updates = [b for a, b in zip(log, log[1:]) if b["step"] != a["step"]]
    gaps = [b["t"] - a["t"] for a, b in zip(log, log[1:])]
    return (log[-1]["step"] - log[0]["step"]) / seconds, len(updates) / seconds, max(gaps)


def training_alone(seconds):
    """Steps/s of the same training (100 points) in this process, no page, no server: what the machine gives now."""
    import time

    run = training.new_run(training.Settings(n=125))
    pts = training.draw(run.settings, run.engine)[0]
    training.train(run, pts, 1)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        training.train(run, pts, 1)
    return (run.steps - 1) / (time.perf_counter() - start)


def write_rates(windows, pause_ms, steps_after, alone):
    """The measurements, with the machine's load (timings on a busy machine say little), to the test artifacts."""
    import os
    import statistics

    steps, updates, gaps = zip(*windows)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    (ARTIFACTS / "demo-play-rate.txt").write_text(
        f"Play of MLP(2, [8, 3]) on 100 points (yin-yang, AdamW), {len(windows)} windows of "
        f"{PLAY_WINDOW_SECONDS:g} s in Chromium; load average {load} on {os.cpu_count()} CPUs\n"
        f"{statistics.median(steps):.1f} steps/s while playing (goal 30, ratio {statistics.median(steps) / 30:.2f}); "
        f"windows: {', '.join(f'{x:.1f}' for x in steps)}; the same training alone, just before: {alone:.1f} steps/s "
        f"(Play gets {statistics.median(steps) / alone:.0%} of it)\n"
        f"{statistics.median(updates):.1f} page updates/s (goal 10, ratio {statistics.median(updates) / 10:.2f}); "
        f"windows: {', '.join(f'{x:.1f}' for x in updates)}; longest gap between frames {max(gaps):.0f} ms\n"
        f"{pause_ms:.0f} ms from pressing Pause to the first frame that says paused drawn (goal 200, "
        f"ratio {pause_ms / 200:.2f}), {steps_after} steps after the press\n"
    )


@pytest.mark.slow
@browser_test
def test_in_a_browser_step_play_pause(page):
    import time

    from playwright.sync_api import expect

    tab, live = page
    step = live.locator("[data-testid='demo-step']")
    expect(step).to_have_text("0")
    assert tab.locator("text=Deploy").count() == 0  # streamlit's chrome is off
    live.get_by_role("button", name="Step").click()
    expect(step).to_have_text("1", timeout=30_000)
    expect(live.locator("#loss")).to_have_text(graph.fmt(PUBLISHED[0]))
    grad_before = node_text(live, "w1.0.0", "g")

    # The map's boundary, computed in the page from the frame's weights: those of the run after its
    # first step (trained here again), and the cells numpy computes from them (demo/frames.py).
    js = live_frame(tab)
    drawn = js.evaluate("window.demoBoundary()")
    run = training.new_run(training.Settings())
    training.train(run, training.draw(run.settings, run.engine)[0], 1)
    assert frames.layers_of(drawn["net"])[0][0].tolist() == [[w.data for w in n.w] for n in run.model.layers[0].neurons]
    classes, levels = frames.decode_grid(frames.encode_grid(*frames.predict(frames.layers_of(drawn["net"]), *frames.cell_centres(drawn["n"]))))
    assert drawn["n"] == frames.GRID and len(drawn["classes"]) == frames.GRID ** 2
    assert sum(a != b for a, b in zip(drawn["classes"], classes)) <= 10  # ties aside (sums in another order)
    assert max(abs(a - b) for a, b in zip(drawn["levels"], levels)) <= 1
    assert len(set(drawn["classes"])) > 1  # not a blank map

    # Play on 100 points (125 drawn): the counter runs; the page's own log of frames gives its pace,
    # over a few windows. The new points come with a rerun of the app: it mounts nothing anew.
    js.evaluate("window.stillMounted = true")  # a remount of the live part would start it afresh, without this
    drawn_field = tab.get_by_role("spinbutton", name="points drawn (80 % are shown and trained on)")
    drawn_field.fill("125")
    drawn_field.press("Enter")
    expect(live.locator("[data-testid='demo-points']")).to_have_text("100", timeout=30_000)
    expect(step).to_have_text("0", timeout=30_000)
    alone = training_alone(seconds=PLAY_WINDOW_SECONDS)  # what this machine gives now, for comparison
    live.get_by_role("button", name="Play").click()
    expect(live.get_by_role("button", name="Pause")).to_be_visible(timeout=30_000)
    wait_for(lambda: int(step.inner_text()) > 5, "Play to train", timeout=60)
    windows = []
    for _ in range(PLAY_WINDOWS):
        js.evaluate("window.demoLog.length = 0")
        time.sleep(PLAY_WINDOW_SECONDS)
        log = js.evaluate("window.demoLog.slice()")
        assert len(log) >= 2 and log[-1]["step"] > log[0]["step"]
        windows.append(pace(log))
    grads = {node_text(live, "w1.0.0", "g") for _ in range(3) if time.sleep(0.3) is None}
    # the graph updates live: a node's grad changes between frames
    assert len(grads | {grad_before}) > 1

    # Pause: timed from the press (the page notes it) to the end of drawing the first frame that says paused.
    at_click = int(step.inner_text())
    live.get_by_role("button", name="Pause").click()
    expect(live.get_by_role("button", name="Play")).to_be_visible(timeout=30_000)
    time.sleep(2)
    paused = step.inner_text()
    time.sleep(1.5)
    assert step.inner_text() == paused  # stopped
    pressed = [e for e in js.evaluate("window.demoPresses") if e["type"] == "pause"][-1]["t"]
    after = [e for e in js.evaluate("window.demoLog.slice()") if e["t"] > pressed]
    assert js.evaluate("window.stillMounted") is True  # the same page all along: nothing was mounted anew
    moving = [e for e in after if e["step"] > at_click]
    stopped = next(e for e in after if not e["playing"])
    pause_ms = stopped["t"] + stopped["ms"] - pressed
    assert all(e["step"] == stopped["step"] for e in after[after.index(stopped):])  # no step after the pause
    assert len({e["step"] for e in moving}) <= 5  # it stops within a few frames of the press
    write_rates(windows, pause_ms, int(paused) - at_click, alone)
    assert live.locator("#banner .error").count() == 0
    live.locator(".node[data-node='w1.3.1']").hover(force=True)  # paused: inspect a node (the README's picture)
    expect(live.locator("[data-testid='demo-tip']")).to_be_visible(timeout=10_000)
    tab.screenshot(path=ARTIFACTS / "demo.png", full_page=True)


@pytest.mark.slow
@browser_test
def test_in_a_browser_add_click_drag_delete_points(page):
    from playwright.sync_api import expect

    tab, live = page
    count = live.locator("[data-testid='demo-points']")
    canvas = live.locator("[data-testid='demo-map']")
    box = canvas.bounding_box()
    lo, hi = points.PLOT_RANGE

    def at(x, y):  # page coordinates of the plot's (x, y)
        return box["x"] + (x - lo) / (hi - lo) * box["width"], box["y"] + (hi - y) / (hi - lo) * box["height"]

    # A click on an empty spot adds a point of the chosen class there (key 2 chooses class 2).
    # The page notes when the button went down and when the count changed: the point's delay.
    js = live_frame(tab)
    js.evaluate("""() => {
        window.clickTimes = {};
        document.getElementById('map').addEventListener('mousedown', () => { window.clickTimes.down = performance.now(); }, true);
        const count = document.getElementById('npts');
        new MutationObserver(() => { if (count.textContent === '81') window.clickTimes.shown ??= performance.now(); })
            .observe(document.getElementById('npts'), {childList: true, characterData: true, subtree: true});
    }""")
    js.evaluate("window.stillMounted = true")  # gone if the live part were mounted anew (a flicker)
    canvas.click(position={"x": 5, "y": 5})  # the corner is empty: a point of class 0
    expect(count).to_have_text("81", timeout=30_000)
    times = js.evaluate("window.clickTimes")
    (ARTIFACTS / "demo-click-delay.txt").write_text(
        f"{times['shown'] - times['down']:.1f} ms from the button going down on the map to the new point drawn "
        f"(goal 100, ratio {(times['shown'] - times['down']) / 100:.2f})\n"
    )
    tab.keyboard.press("2")
    expect(live.locator(".cls.on")).to_have_text("2")
    tab.mouse.click(*at(2.0, -2.0))
    expect(count).to_have_text("82", timeout=30_000)
    expect(tab.get_by_text("Data: 82 points")).to_be_visible(timeout=30_000)  # the table follows the map
    assert js.evaluate("window.stillMounted") is True  # through the app's rerun for the table

    # A click on a point (the new one) shows its graph, and nothing errors.
    tab.mouse.click(*at(2.0, -2.0))
    expect(live.locator(".node[data-node='loss (class 2)']")).to_be_attached(timeout=30_000)
    shown = lambda label: float(node_text(live, label, "d"))  # noqa: E731
    wait_for(lambda: abs(shown("x0") - 2.0) < 0.02 and abs(shown("x1") + 2.0) < 0.02, "the new point's graph", timeout=30)
    assert count.inner_text() == "82" and live.locator("#banner div").count() == 0
    assert tab.locator("[data-testid='stException']").count() == 0

    # Drag it elsewhere: it moves (its graph shows where it went).
    tab.mouse.move(*at(2.0, -2.0))
    tab.mouse.down()
    tab.mouse.move(*at(1.0, -1.5), steps=5)
    tab.mouse.move(*at(0.5, -1.0), steps=5)
    tab.mouse.up()
    wait_for(lambda: abs(shown("x0") - 0.5) < 0.02 and abs(shown("x1") + 1.0) < 0.02, "the moved point's graph", timeout=30)
    assert count.inner_text() == "82"

    # Shift-click deletes it (and a shift-click beside every point adds nothing).
    tab.keyboard.down("Shift")
    tab.mouse.click(*at(-2.4, -2.4))  # an empty corner
    tab.mouse.click(*at(0.5, -1.0))
    tab.keyboard.up("Shift")
    expect(count).to_have_text("81", timeout=30_000)
    expect(tab.get_by_text("Data: 81 points")).to_be_visible(timeout=30_000)
    assert tab.locator("[data-testid='stException']").count() == 0
    tab.screenshot(path=ARTIFACTS / "demo-points.png", full_page=True)


@pytest.mark.slow
@browser_test
def test_in_a_browser_hover_a_node_for_its_details(page):
    from playwright.sync_api import expect

    tab, live = page
    live.get_by_role("button", name="Step").click()
    expect(live.locator("[data-testid='demo-step']")).to_have_text("1", timeout=30_000)
    node = live.locator(".node[data-node='w1.0.0']")
    node.hover(force=True)
    tip = live.locator("[data-testid='demo-tip']")
    expect(tip).to_be_visible(timeout=10_000)
    text = tip.text_content()
    assert text.startswith("w1.0.0") and "parameter" in text and "layer 1, neuron 0" in text
    assert f"grad {node_text(live, 'w1.0.0', 'g')}" in text
    assert "path to the loss: w1.0.0 → *" in text and text.rstrip().endswith("loss (class 0)")
    assert live.locator(".edge.hot").count() >= 5  # the path is drawn
    node.click(force=True)  # pinned beside the map
    expect(live.locator("[data-testid='demo-details']")).to_contain_text("path to the loss: w1.0.0")
    tab.screenshot(path=ARTIFACTS / "demo-hover.png", full_page=True)


@pytest.mark.slow
@browser_test
@needs_answer_key
def test_in_a_browser_my_code_with_a_wrong_derivative(page, tmp_path):
    from playwright.sync_api import expect

    tab, live = page
    path = write_engine(tmp_path, student_engines.WRONG_TANH)
    field = tab.get_by_role("textbox", name="your engine file")
    field.fill(str(path))
    field.press("Enter")
    tab.wait_for_selector(IDLE, timeout=30_000)
    tab.get_by_text("my code", exact=True).click()
    expect(live.locator("#engine")).to_contain_text("my code", timeout=30_000)
    banner = live.locator("#banner .error")
    expect(banner).to_contain_text("gradients differ from the reference", timeout=30_000)
    expect(banner).to_contain_text("local derivative of tanh (8 nodes) is wrong")
    expect(live.locator(".node.wrong")).to_have_count(8)
    assert {live.locator(".node.wrong").nth(i).get_attribute("data-node") for i in range(8)} == {"tanh"}
    live.get_by_role("button", name="Step").click()  # it still trains, on the student's gradients
    expect(live.locator("[data-testid='demo-step']")).to_have_text("1", timeout=30_000)
    tab.screenshot(path=ARTIFACTS / "demo-my-code.png", full_page=True)


@pytest.mark.slow
@browser_test
def test_in_a_browser_the_app_alone_says_how_to_start_the_demo(tmp_path):
    """`streamlit run demo/app.py` serves the page without its channel: a click says to use `make demo`."""
    from playwright.sync_api import expect, sync_playwright

    with streamlit_serving(APP, tmp_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1250})
            tab.goto(url)
            tab.wait_for_selector(LIVE, timeout=60_000)
            live = tab.frame_locator(LIVE)
            expect(live.locator(".node").first).to_be_attached(timeout=60_000)  # the app's own frame is drawn
            live.get_by_role("button", name="Step").click()
            expect(live.locator("#banner .error")).to_contain_text("start the demo with `make demo`", timeout=30_000)
            expect(live.get_by_role("button", name="Play")).to_be_visible()
            assert live.locator("[data-testid='demo-step']").inner_text() == "0"
        finally:
            browser.close()
