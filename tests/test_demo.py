"""The interactive demo: its pieces, the page through streamlit's AppTest, and the page in a real browser."""
import json
import math
import pathlib
import re
import sys

import pytest

from demo import charts, engines, points, training
from micrograd_ref.data import RNG
from micrograd_ref.nn import MLP
from tests import student_engines

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = str(ROOT / "demo" / "app.py")
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


# --- charts --------------------------------------------------------------------------------------


def test_clicked_point_reads_the_selected_cell():
    event = {"selection": {charts.CLICK: [{"cx": 0.3, "cy": -1.1}]}}
    assert charts.clicked_point(event) == (0.3, -1.1)
    assert charts.clicked_point({"selection": {charts.CLICK: []}}) is None
    assert charts.clicked_point({}) is None


def test_charts_are_plain_json_and_skip_non_finite_losses():
    run = training.new_run(training.Settings(hidden=2))
    spec = charts.boundary_chart(training.boundary(run.model, resolution=4), [[0.0, 1.0, 2]], [0.0, 1.0, 2])
    assert [p["name"] for p in spec["layer"][0]["params"]] == [charts.CLICK]
    json.dumps(spec, allow_nan=False)
    assert spec["datasets"]["example"] == [{"x": 0.0, "y": 1.0}]
    assert charts.boundary_chart([], [], None)["datasets"]["example"] == []
    rows = charts.loss_chart([1.0, 0.5, float("nan")])["datasets"]["losses"]
    assert [r["loss"] for r in rows] == [1.0, 0.5]
    assert len(charts.loss_chart([1.0] * 5000)["datasets"]["losses"]) <= charts.MAX_CURVE_POINTS + 1


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


def test_boundary_cells_cover_the_plot():
    run = training.new_run(training.Settings(hidden=3))
    cells = training.boundary(run.model, resolution=5)
    assert len(cells) == 25
    lo, hi = points.PLOT_RANGE
    assert min(c["x"] for c in cells) == lo and math.isclose(max(c["x2"] for c in cells), hi)
    for c in cells:
        logits = [v.data for v in run.model([c["cx"], c["cy"]])]
        assert c["class"] == logits.index(max(logits))
        assert math.isclose(c["p"], 1 / sum(math.exp(z - max(logits)) for z in logits))


def record(src, label):
    """The (data, grad) a graph's record named `label` shows."""
    m = re.search(re.escape(label) + r" \| data (\S+) \| grad (\S+) ", src)
    return float(m[1]), float(m[2])


def test_example_graph_against_torch(torch):
    run = training.new_run(training.Settings(hidden=3))
    point = [0.4, -0.7, 2]
    dot, error = training.example_graph(run, point)
    src = dot.source
    assert error is None
    assert all(p.grad == 0 for p in run.model.parameters())  # training is not touched
    # d loss / d input, from PyTorch on the same weights
    x = torch.tensor(point[:2], requires_grad=True)
    h = x
    for layer in run.model.layers:
        w = torch.tensor([[p.data for p in n.w] for n in layer.neurons])
        b = torch.tensor([n.b.data for n in layer.neurons])
        h = w @ h + b
        h = torch.tanh(h) if layer.neurons[0].nonlin else h
    loss = torch.nn.functional.cross_entropy(h.unsqueeze(0), torch.tensor([point[2]]))
    loss.backward()
    for i in range(2):
        data, grad = record(src, f"x{i}")
        assert data == pytest.approx(point[i], abs=1e-4)
        assert grad == pytest.approx(x.grad[i].item(), abs=1e-4)
    assert record(src, "loss (class 2)")[0] == pytest.approx(loss.item(), abs=1e-4)
    colors = training.ROLE_COLORS
    assert src.count(f'fillcolor="{colors["parameter"]}"') == len(run.model.parameters())
    assert src.count(f'fillcolor="{colors["input"]}"') == 2
    assert src.count(f'fillcolor="{colors["output"]}"') == 3 + 1
    assert colors["wrong"] not in src


@needs_answer_key
def test_example_graph_marks_a_student_s_wrong_gradients(tmp_path):
    wrong = student_engines.WRONG_TANH
    right = training.new_run(training.Settings(hidden=2), engines.load_engine(write_engine(tmp_path, student_engines.CLOSURE)))
    bad = training.new_run(training.Settings(hidden=2), engines.load_engine(write_engine(tmp_path, wrong, "wrong.py")))
    point = [0.4, -0.7, 1]
    assert training.ROLE_COLORS["wrong"] not in training.example_graph(right, point)[0].source
    src = training.example_graph(bad, point)[0].source
    # tanh is only in the hidden layer: the first layer's weights and the inputs go wrong
    assert src.count(training.ROLE_COLORS["wrong"]) == 2 * 2 + 2 + 2
    assert "expected" in src


@needs_answer_key
def test_example_graph_of_a_stub_shows_the_forward_pass(tmp_path):
    run = training.new_run(training.Settings(hidden=2), engines.load_engine(write_engine(tmp_path, student_engines.STUB)))
    dot, error = training.example_graph(run, [0.1, 0.2, 0])
    assert isinstance(error, NotImplementedError)
    assert "loss (class 0) | data" in dot.source


def test_graph_size_grows_with_the_width():
    assert training.graph_size(1) < training.graph_size(8) < training.graph_size(16)


@needs_answer_key
def test_mlp_runs_on_any_value_class(tmp_path):
    engine = engines.load_engine(write_engine(tmp_path, student_engines.CLOSURE))
    theirs, ours = MLP(2, [3, 2], rng=RNG(5), value_type=engine.Value), MLP(2, [3, 2], rng=RNG(5))
    assert [p.data for p in theirs.parameters()] == [p.data for p in ours.parameters()]
    assert all(type(p) is engine.Value for p in theirs.parameters())


# --- the page, through streamlit's AppTest -------------------------------------------------------


@pytest.fixture
def app():
    """The demo page after its first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def metrics(at):
    """The page's metrics by label."""
    return {m.label: m.value for m in at.metric}


def texts(elements):
    """The text of every alert of a kind (at.error, at.warning, at.info), joined."""
    return "\n".join(e.value for e in elements)


def test_step_play_pause_reset(app):
    at = app
    assert metrics(at)["step"] == "0"
    at.button(key="step").click().run()
    assert metrics(at) == {"step": "1", "training loss": f"{PUBLISHED[0]:.6f}", "engine": "reference"}
    at.slider(key="steps_per_frame").set_value(3).run()
    at.button(key="play").click().run()
    assert at.button(key="play").label == "Pause"
    assert metrics(at)["step"] == "4"
    at.run()  # any rerun while playing trains on: the timer's reruns do the same
    assert metrics(at)["step"] == "7"
    at.button(key="play").click().run()
    assert at.button(key="play").label == "Play"
    at.run()
    assert metrics(at)["step"] == "7"
    assert at.session_state.run.losses[:2] == PUBLISHED
    at.button(key="reset").click().run()
    assert metrics(at)["step"] == "0" and len(at.session_state.points) == 80
    assert not at.exception and not at.error


@pytest.mark.requires_dot
def test_the_graph_and_the_plot_are_on_the_page(app):
    at = app
    at.button(key="step").click().run()
    graph = [m.value for m in at.markdown if "mg-graph" in m.value]
    assert len(graph) == 1 and "<svg" in graph[0] and "x0" in graph[0] and "loss (class 0)" in graph[0]
    width = float(re.search(r'<svg width="([\d.]+)pt', graph[0])[1])
    at.select_slider(key="zoom").set_value(1.0).run()
    graph = [m.value for m in at.markdown if "mg-graph" in m.value][0]
    assert float(re.search(r'<svg width="([\d.]+)pt', graph)[1]) == pytest.approx(width / 0.6, rel=1e-3)
    chart_protos = [c.proto for c in at.get("vega_lite_chart")]
    assert len(chart_protos) == 2  # the map and the loss curve
    assert [d.name for d in chart_protos[0].datasets] == ["cells", "points", "example"]
    assert json.loads(chart_protos[1].spec)["mark"]["type"] == "line"
    at.number_input(key="example").set_value(5).run()
    x, y, c = at.session_state.points[4]
    assert f"Example ({x:.3f}, {y:.3f}) of class {c}" in "\n".join(m.value for m in at.caption)
    assert not at.exception


def test_every_setting_takes_effect(app):
    at = app
    for name in ("moons", "circles", "spirals", "yinyang"):
        at.selectbox(key="dataset").select(name).run()
        want, _ = training.draw(training.Settings(dataset=name), training.reference_engine())
        assert at.session_state.points == want
    at.number_input(key="n").set_value(50).run()
    assert len(at.session_state.points) == 40
    at.number_input(key="hidden").set_value(3).run()
    assert len(at.session_state.run.model.layers[0].neurons) == 3
    first = [p.data for p in at.session_state.run.model.parameters()]
    at.number_input(key="seed").set_value(7).run()
    assert [p.data for p in at.session_state.run.model.parameters()] != first
    at.radio(key="optimizer").set_value("SGD").run()
    assert type(at.session_state.run.optimizer).__name__ == "SGD"
    at.number_input(key="lr").set_value(0.5).run()
    at.number_input(key="weight_decay").set_value(0.01).run()
    assert (at.session_state.run.optimizer.lr, at.session_state.run.optimizer.weight_decay) == (0.5, 0.01)
    at.button(key="step").click().run()
    assert metrics(at)["step"] == "1"
    at.number_input(key="hidden").set_value(20).run()
    assert "too many to read" in texts(at.info)
    assert not at.exception and not at.error


def test_points_added_by_coordinates_and_cleared(app):
    at = app
    at.radio(key="new_class").set_value(2)
    at.number_input(key="new_x").set_value(1.25)
    at.number_input(key="new_y").set_value(-0.5)
    at.button(key="add_point").click().run()
    assert at.session_state.points[-1] == [1.25, -0.5, 2] and len(at.session_state.points) == 81
    assert "Data: 81 points" in [s.value for s in at.subheader]
    at.button(key="clear_points").click().run()
    assert at.session_state.points == []
    assert not at.exception


def test_bad_input_gets_a_message_not_a_traceback(app):
    at = app
    at.number_input(key="new_x").set_value(3.5)
    at.button(key="add_point").click().run()
    assert "x = 3.5 is outside the plot" in texts(at.error) and len(at.session_state.points) == 80

    at.number_input(key="lr").set_value(0.0).run()
    at.button(key="step").click().run()
    assert "learning rate is 0" in texts(at.error) and metrics(at)["step"] == "0"
    at.button(key="play").click().run()
    assert at.button(key="play").label == "Play"

    at.radio(key="optimizer").set_value("SGD").run()
    at.number_input(key="lr").set_value(1e6).run()
    assert "very large" in texts(at.warning)
    at.session_state.run.model.parameters()[-1].data = float("nan")  # where such a rate can end up
    at.button(key="step").click().run()
    assert "The loss became nan" in texts(at.error)
    at.button(key="step").click().run()
    assert "Press Reset" in texts(at.error) and metrics(at)["step"] == "1"
    at.button(key="reset").click().run()
    for _ in range(3):
        at.button(key="step").click().run()
    assert "training has diverged" in texts(at.warning)  # the loss is about 1e5 at the second step
    at.number_input(key="lr").set_value(0.1).run()
    at.button(key="reset").click().run()
    at.button(key="step").click().run()
    assert metrics(at)["step"] == "1" and not at.error and "diverged" not in texts(at.warning)

    at.button(key="clear_points").click().run()
    at.button(key="step").click().run()
    assert "no points to train on" in texts(at.error)
    assert "No points, so no example to draw." in texts(at.info)
    assert not at.exception


@needs_answer_key
def test_run_on_my_code_trains_with_a_correct_engine(app, tmp_path):
    at = app
    at.text_input(key="engine_path").input(str(write_engine(tmp_path, student_engines.CLOSURE))).run()
    assert metrics(at)["engine"] == "reference"  # typing the path alone switches nothing
    at.radio(key="engine_choice").set_value("my code").run()
    assert metrics(at)["engine"].startswith("my code")
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    for a, b in zip(at.session_state.run.losses, PUBLISHED):
        assert math.isclose(a, b, rel_tol=1e-12)
    assert not at.error and not at.exception
    at.radio(key="engine_choice").set_value("reference").run()
    assert metrics(at) == {"step": "0", "training loss": "–", "engine": "reference"}


@needs_answer_key
def test_run_on_my_code_with_a_stub_says_what_to_write(app, tmp_path):
    at = app
    at.text_input(key="engine_path").input(str(write_engine(tmp_path, student_engines.STUB))).run()
    at.radio(key="engine_choice").set_value("my code").run()
    # the graph's backward pass already meets the stub
    assert "engine.tanh: write the local derivative of tanh" in texts(at.error)
    at.button(key="step").click().run()
    errors = texts(at.error)
    assert "Your engine is not finished yet" in errors
    assert f"line {line_of(student_engines.STUB, 'raise NotImplementedError')}" in errors
    assert "Traceback" not in errors and metrics(at)["step"] == "0"
    at.button(key="play").click().run()
    assert at.button(key="play").label == "Play"  # playing stopped at the failure
    assert not at.exception


@needs_answer_key
def test_run_on_my_code_that_does_not_load_keeps_the_reference(app, tmp_path):
    at = app
    source = student_engines.SYNTAX_ERROR
    at.text_input(key="engine_path").input(str(write_engine(tmp_path, source))).run()
    at.radio(key="engine_choice").set_value("my code").run()
    assert "does not parse" in texts(at.error) and f"line {line_of(source, 'def tanh(self)')}" in texts(at.error)
    assert at.radio(key="engine_choice").value == "reference" and metrics(at)["engine"] == "reference"
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
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def settle(page):
    """Wait until the page has finished running, and stays so (a click may start a second run)."""
    import time

    page.wait_for_selector(IDLE, timeout=30_000)
    time.sleep(1)
    page.wait_for_selector(IDLE, timeout=30_000)


@pytest.fixture
def server(tmp_path):
    """`streamlit run demo/app.py` on a free local port; its URL. Always stopped afterwards."""
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", APP, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
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


@pytest.mark.requires_dot
@pytest.mark.requires_chromium
@pytest.mark.slow
@pytest.mark.skipif(not pathlib.Path(CHROMIUM).exists(), reason="Chromium not installed")
def test_in_a_browser_step_play_click_delete(server):
    import time

    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(server)
            page.wait_for_selector(IDLE, timeout=60_000)
            step_value = page.locator("[data-testid='stMetricValue']").first
            loss_value = page.locator("[data-testid='stMetricValue']").nth(1)
            expect(step_value).to_have_text("0", timeout=30_000)

            page.get_by_role("button", name="Step").click()
            expect(step_value).to_have_text("1", timeout=30_000)
            expect(loss_value).to_have_text(f"{PUBLISHED[0]:.6f}")
            graph = page.locator(".mg-graph svg")
            expect(graph).to_be_visible(timeout=30_000)
            assert "x0" in graph.text_content() and "loss (class 0)" in graph.text_content()
            plot = page.locator("[data-testid='stVegaLiteChart']").first
            expect(plot.locator("svg, canvas").first).to_be_visible(timeout=30_000)
            assert plot.bounding_box()["width"] > 300

            # Play: the counter runs; its pace, page updates included, is the page's speed.
            page.get_by_role("button", name="Play").click()
            expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=30_000)
            time.sleep(2)
            start_steps, start = int(step_value.inner_text()), time.monotonic()
            time.sleep(6)
            end_steps, end = int(step_value.inner_text()), time.monotonic()
            rate = (end_steps - start_steps) / (end - start)
            (ARTIFACTS / "demo-play-rate.txt").write_text(
                f"{rate:.1f} steps/s while playing, page updates included (goal 10, ratio {rate / 10:.2f})\n"
            )
            assert end_steps > start_steps > 1
            assert loss_value.inner_text() != f"{PUBLISHED[0]:.6f}"
            page.get_by_role("button", name="Pause").click()
            expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=30_000)
            page.wait_for_selector(IDLE, timeout=30_000)
            paused = step_value.inner_text()
            time.sleep(1.5)
            assert step_value.inner_text() == paused

            # A click on the map adds a point of the chosen class there.
            expect(page.get_by_text("Data: 80 points")).to_be_visible()
            box = plot.locator("svg, canvas").first.bounding_box()
            page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.4)
            expect(page.get_by_text("Data: 81 points")).to_be_visible(timeout=30_000)

            # The table: delete row 1 (the example drawn is row 1: its caption moves to the next point).
            # Editing a cell is left to the unit tests of apply_edits: typing into the canvas grid
            # from a script proved unreliable.
            settle(page)
            table = page.locator("[data-testid='stDataFrame'] canvas").first
            first_row = 35 + 17  # below the header; rows are 35 px high
            table.click(position={"x": 15, "y": first_row}, force=True)  # the row's marker selects it
            page.keyboard.press("Delete")
            expect(page.get_by_text("Data: 80 points")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Example (1.502, -1.246) of class 1")).to_be_visible(timeout=30_000)

            page.get_by_text("Watch a network learn").scroll_into_view_if_needed()
            page.wait_for_selector(IDLE, timeout=30_000)
            page.screenshot(path=ARTIFACTS / "demo.png", full_page=True)
        finally:
            browser.close()
