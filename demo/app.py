"""The interactive demo: watch a network learn, node by node.

    make demo          (that is: .venv/bin/streamlit run demo/app.py)

A page with the data points and the decision boundary of an MLP being trained on them, its loss
curve, and the computation graph of one example with every node's data and grad. Step, Play and
Pause the training; add, edit or delete points and watch the network respond; switch the engine
to your own `exercises/engine.py` and watch your backprop do the training.

Everything the page knows lives in `st.session_state` (one per browser tab): the points, the run
(model, optimiser, losses), whether it is playing, the last problem to show. Play is a fragment
that streamlit reruns on a timer: each run trains a few steps and redraws the live part, and
pressing Pause (a full rerun) turns the timer off.

Speed: `bench/bench_demo.py` measures the training function; the page itself is measured by
the browser test (tests/test_demo.py), which reads the step counter while playing and writes
the steps per second it saw, page updates included, to build/test-artifacts/.
"""
import dataclasses
import math
import pathlib
import re
import sys
import time

# `streamlit run demo/app.py` puts only demo/ on the path; the kit runs from its own folder.
ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import graphviz  # noqa: E402
import streamlit as st  # noqa: E402

from demo import charts, engines, points, training  # noqa: E402
from micrograd_ref.data import DATASETS  # noqa: E402

FRAME_SECONDS = 0.1  # the Play timer; a frame that takes longer simply follows the last one
DEFAULT_ENGINE_PATH = "exercises/engine.py"
MY_CODE = "my code"
GRAPH_HEIGHT = 560  # px; a taller graph scrolls
GRAPH_REFRESH_SECONDS = 1.0  # while playing
ZOOMS = (0.25, 0.4, 0.6, 0.8, 1.0)
# A mean cross-entropy this high means the right class scores far below another: the updates overshot.
DIVERGED_LOSS = 100.0
LARGE_LR = {"AdamW": 1.0, "SGD": 10.0}  # beyond these, expect the loss to blow up


def main():
    """Lay out the page: controls in the sidebar, the live part in a fragment, the data below."""
    st.set_page_config(page_title="micrograd: watch a network learn", layout="wide")
    init_state()
    sidebar()
    st.title("Watch a network learn, node by node")
    controls()
    st.fragment(live, run_every=FRAME_SECONDS if st.session_state.playing else None)()
    data_section()


def init_state():
    """Defaults for every widget and the first run, the first time this tab runs the page."""
    ss = st.session_state
    defaults = training.Settings()
    for key, value in dataclasses.asdict(defaults).items():
        ss.setdefault(key, value)
    ss.setdefault("engine_choice", engines.REFERENCE)
    ss.setdefault("engine_path", DEFAULT_ENGINE_PATH)
    ss.setdefault("steps_per_frame", 10)
    ss.setdefault("new_class", 0)
    ss.setdefault("new_x", 0.0)
    ss.setdefault("new_y", 0.0)
    ss.setdefault("example", 1)
    ss.setdefault("zoom", 0.6)
    ss.setdefault("playing", False)
    ss.setdefault("problem", None)
    ss.setdefault("data_problem", None)
    ss.setdefault("editor_version", 0)
    ss.setdefault("rerun_app", False)
    if "run" not in ss:
        ss.run = training.new_run(settings(), engines.reference_engine())
        ss.points, _ = training.draw(settings(), ss.run.engine)


def settings():
    """The settings as the widgets now say."""
    ss = st.session_state
    return training.Settings(**{field.name: ss[field.name] for field in dataclasses.fields(training.Settings)})


# --- the sidebar: data set, model, optimiser, engine -------------------------------------------


def sidebar():
    """Every setting, each taking effect as soon as it changes."""
    ss = st.session_state
    with st.sidebar:
        st.header("Data")
        st.selectbox("data set", list(DATASETS), key="dataset", on_change=new_data)
        st.number_input("points drawn (80 % are shown and trained on)", 5, 2000, step=10, key="n", on_change=new_data)
        st.header("Model")
        st.number_input("hidden width: MLP(2, [width, 3])", 1, 64, key="hidden", on_change=reset)
        st.number_input("seed (initial weights, and the data when drawn)", 0, 2**32 - 1, key="seed", on_change=reset)
        st.radio("optimiser", training.OPTIMIZERS, key="optimizer", horizontal=True, on_change=reset)
        st.number_input("learning rate", min_value=0.0, step=0.01, format="%g", key="lr", on_change=retune)
        st.number_input("weight decay", min_value=0.0, step=1e-4, format="%g", key="weight_decay", on_change=retune)
        st.slider("steps per frame while playing", 1, 50, key="steps_per_frame")
        st.header("Engine")
        st.radio(
            "train with",
            [engines.REFERENCE, MY_CODE],
            key="engine_choice",
            on_change=switch_engine,
            help="'my code' runs the model, loss and optimiser of the reference on your Value class.",
        )
        st.text_input(
            "your engine file",
            key="engine_path",
            on_change=switch_engine,
            help="relative to the kit's folder, or absolute (a submission folder's engine.py, say)",
        )
        if ss.engine_choice == MY_CODE:
            st.caption("Reset reloads this file, so your edits take effect.")
        st.caption(f"Training on: **{ss.run.engine.name}**")


def new_data():
    """Draw the chosen data set afresh (this replaces the points) and start training over."""
    ss = st.session_state
    ss.points, _ = training.draw(settings(), ss.run.engine)
    ss.editor_version += 1
    ss.data_problem = None
    reset()


def reset():
    """A fresh model from the settings on the current engine (a student's file is read again)."""
    ss = st.session_state
    ss.playing = False
    ss.problem = None
    engine = ss.run.engine
    if engine.path is not None:
        try:
            engine = engines.load_engine(engine.path)
        except engines.EngineError as exc:
            ss.problem = ("error", exc.failure.text() + "\n\nStill training with the engine loaded before.")
    ss.run = training.new_run(settings(), engine)


def retune():
    """New learning rate or weight decay: the run goes on with them."""
    ss = st.session_state
    training.retune(ss.run, ss.lr, ss.weight_decay)
    if not ss.playing:
        ss.problem = None


def switch_engine():
    """Load the chosen engine and start training over on it; on failure keep the current one."""
    ss = st.session_state
    if ss.engine_choice == engines.REFERENCE and ss.run.engine.path is None:
        return  # the path was edited while training on the reference: nothing to switch
    ss.playing = False
    ss.problem = None
    if ss.engine_choice == engines.REFERENCE:
        engine = engines.reference_engine()
    else:
        try:
            engine = engines.load_engine(ROOT / ss.engine_path)
        except engines.EngineError as exc:
            ss.problem = ("error", exc.failure.text())
            ss.engine_choice = engines.REFERENCE if ss.run.engine.path is None else MY_CODE
            return
    ss.run = training.new_run(settings(), engine)


# --- Step, Play/Pause, Reset --------------------------------------------------------------------


def controls():
    """The buttons, and the new points' class (for clicks on the plot and typed points)."""
    ss = st.session_state
    step_col, play_col, reset_col, class_col = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
    step_col.button("Step", key="step", on_click=step, args=(1,), width="stretch")
    play_col.button(
        "Pause" if ss.playing else "Play",
        key="play",
        on_click=set_playing,
        args=(not ss.playing,),
        type="primary",
        width="stretch",
    )
    reset_col.button("Reset", key="reset", on_click=reset, width="stretch", help="a fresh model; the points stay")
    class_col.radio("class of new points (click the map to add one)", points.CLASSES, key="new_class", horizontal=True)


def set_playing(on):
    """Play (`on`) or Pause.

    The button passes the state it asks for rather than asking to toggle, so that a click which
    reaches the script twice (runs of the Play timer and of the click interleave) cannot cancel
    itself.
    """
    ss = st.session_state
    why = blocker() if on else None
    ss.playing = on and why is None
    if why:
        ss.problem = ("error", why)


def blocker():
    """Why training cannot go on now (for the page), or None."""
    ss = st.session_state
    if not ss.points:
        return "There are no points to train on: add some (click the map or type them below), or pick a data set."
    if not ss.lr > 0:
        return "The learning rate is 0: training would change nothing. Set a positive learning rate."
    if ss.run.losses and not math.isfinite(ss.run.losses[-1]):
        return f"The loss is {ss.run.losses[-1]}: the weights are lost. Press Reset to start again."
    return None


def step(steps):
    """Train `steps` steps on the points; a failure stops Play and becomes the page's message."""
    ss = st.session_state
    if blocker():
        ss.problem = ("error", blocker())
        ss.playing = False
        return
    try:
        losses = training.train(ss.run, ss.points, steps)
    except Exception as exc:  # the engine's code (maybe a student's): a message, never a traceback
        ss.playing = False
        ss.problem = ("error", engines.describe_failure(exc, ss.run.engine.path).text())
        return
    if losses and not math.isfinite(losses[-1]):
        ss.playing = False
        ss.problem = (
            "error",
            f"The loss became {losses[-1]} at step {ss.run.steps}: the updates overshot. "
            "Lower the learning rate and press Reset.",
        )
    elif losses and losses[-1] > DIVERGED_LOSS:
        ss.playing = False
        ss.problem = (
            "warning",
            f"The loss is {losses[-1]:.3g} at step {ss.run.steps}: training has diverged. "
            "Lower the learning rate and press Reset.",
        )
    else:
        ss.problem = None


# --- the live part: metrics, the boundary, the loss curve, the graph ----------------------------


def live():
    """What changes while training; streamlit reruns this alone on the Play timer."""
    ss = st.session_state
    if ss.rerun_app:  # a click on the map added a point: the table outside must show it too
        ss.rerun_app = False
        st.rerun(scope="app")
    if ss.playing:
        step(ss.steps_per_frame)
        if not ss.playing:
            st.rerun(scope="app")  # the button says Play again, the timer stops
    messages()
    run = ss.run
    last = run.losses[-1] if run.losses else None
    step_m, loss_m, engine_m = st.columns(3)
    step_m.metric("step", run.steps)
    loss_m.metric("training loss", "–" if last is None else f"{last:.6f}")
    engine_m.metric("engine", run.engine.name)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Decision boundary")
        example = current_example()
        try:
            cells = training.boundary(run.model)
        except Exception as exc:
            st.error(engines.describe_failure(exc, run.engine.path).text())
        else:
            chart = charts.boundary_chart(cells, ss.points, example)
            st.vega_lite_chart(spec=chart, key="map", on_select=add_clicked_point, selection_mode=charts.CLICK, width="content")
    with right:
        st.subheader("Loss")
        if run.losses:
            st.vega_lite_chart(spec=charts.loss_chart(run.losses), width="stretch")
        else:
            st.info("No step yet: press Step or Play.")
        if ss.points:
            st.number_input("example drawn below (row of the table)", 1, len(ss.points), key="example")
    graph(example)


def messages():
    """The problem the last action ran into, and warnings about the settings."""
    ss = st.session_state
    if ss.problem:
        level, text = ss.problem
        (st.error if level == "error" else st.warning)(text)
    why = blocker()
    if why and (not ss.problem or ss.problem[1] != why):
        st.warning(why)
    if ss.lr > LARGE_LR[ss.optimizer]:
        st.warning(
            f"A learning rate of {ss.lr:g} is very large for {ss.optimizer}: "
            "expect the loss to jump about or blow up."
        )


def current_example():
    """The point whose graph is drawn, or None when there are no points."""
    ss = st.session_state
    if not ss.points:
        return None
    ss.example = min(max(1, ss.example), len(ss.points))
    return ss.points[ss.example - 1]


def graph(example):
    """The computation graph of one example's loss, with data and grad in every node."""
    ss = st.session_state
    run = ss.run
    st.subheader("Computation graph of one example")
    if example is None:
        st.info("No points, so no example to draw.")
        return
    hidden = run.settings.hidden
    if hidden > training.MAX_DRAWN_WIDTH:
        st.info(
            f"With hidden width {hidden}, the graph of one example has {training.graph_size(hidden)} values: "
            f"too many to read. It is drawn for widths up to {training.MAX_DRAWN_WIDTH}."
        )
        return
    # While playing, a browser busy laying out a big SVG on every frame is slow to take a click
    # (Pause among them): the graph is redrawn at most every GRAPH_REFRESH_SECONDS then.
    drawn = ss.get("graph_drawn")
    if not (ss.playing and drawn and time.monotonic() - drawn["at"] < GRAPH_REFRESH_SECONDS):
        drawn = ss.graph_drawn = draw_graph(run, example)
    if drawn["error"] and ss.problem and ss.problem[1] == drawn["error"]:
        st.caption("The graph shows the forward pass only: its backward pass fails as above.")
    elif drawn["error"]:
        st.error(drawn["error"] + "\n\nThe graph shows the forward pass only.")
    if drawn["caption"] is None:
        return
    st.caption(drawn["caption"])
    legend_col, zoom_col = st.columns([3, 1], vertical_alignment="center")
    legend_col.markdown(legend(run.engine.path is not None), unsafe_allow_html=True)
    zoom_col.select_slider("zoom", ZOOMS, key="zoom", format_func=lambda z: f"{z:.0%}")
    if drawn["svg"] is None:
        # Without `dot` the browser lays the graph out, scaled to the page's width.
        st.graphviz_chart(drawn["source"], width="stretch")
        return
    # At its natural size in a scrolling box: scaled to the page's width the text would be unreadable.
    st.markdown(
        f'<div class="mg-graph" style="overflow:auto;max-height:{GRAPH_HEIGHT}px">{zoomed(drawn["svg"], ss.zoom)}</div>',
        unsafe_allow_html=True,
    )


def draw_graph(run, example):
    """The example's graph laid out by `dot`: a dict of its SVG (or dot source), caption and error message."""
    drawn = {"at": time.monotonic(), "error": None, "caption": None, "svg": None, "source": None}
    try:
        dot, error = training.example_graph(run, example)
    except Exception as exc:  # the forward pass itself failed on this engine
        drawn["error"] = engines.describe_failure(exc, run.engine.path).text()
        return drawn
    if error is not None:
        drawn["error"] = engines.describe_failure(error, run.engine.path).text()
    x, y, c = example
    drawn["caption"] = (
        f"Example ({x:.3f}, {y:.3f}) of class {c}, through the model after step {run.steps}. "
        "Each box: name | data | grad, where grad = d loss / d value for this example's loss alone."
    )
    dot.graph_attr.update(nodesep="0.12", ranksep="0.3")
    dot.node_attr.update(fontname="Helvetica", fontsize="12")
    drawn["source"] = dot.source
    try:
        drawn["svg"] = dot.pipe(format="svg").decode()
    except graphviz.ExecutableNotFound:
        pass
    return drawn


def zoomed(svg, zoom):
    """The <svg> element of dot's output, its size scaled by `zoom` (the drawing follows its viewBox)."""
    svg = svg[svg.index("<svg") :]
    head, rest = svg.split(">", 1)
    head = re.sub(r'(width|height)="([\d.]+)pt"', lambda m: f'{m[1]}="{float(m[2]) * zoom:.1f}pt"', head)
    return head + ">" + rest


def legend(student):
    """The colour key of the graph, as a line of HTML."""
    roles = [("input", "input"), ("parameter", "parameter"), ("op", "result of an op"), ("output", "logits and loss")]
    if student:
        roles.append(("wrong", "grad differs from the reference"))
    return " ".join(
        f'<span style="background:{training.ROLE_COLORS[role]};padding:2px 8px;border-radius:4px">{text}</span>'
        for role, text in roles
    )


# --- the data: points added by clicking or typing, and the table ---------------------------------


def add_clicked_point():
    """The map was clicked: add a point of the chosen class at the centre of the clicked cell."""
    ss = st.session_state
    where = charts.clicked_point(ss.map)
    if where is not None:
        add_point(*where)
        ss.rerun_app = True


def add_typed_point():
    """Add the point typed in the x, y boxes."""
    ss = st.session_state
    add_point(ss.new_x, ss.new_y)


def add_point(x, y):
    """Add (x, y) with the chosen class, or say why not."""
    ss = st.session_state
    problem = points.check_point(x, y, ss.new_class)
    if problem:
        ss.data_problem = f"Point not added: {problem}."
        return
    ss.points = ss.points + [[float(x), float(y), ss.new_class]]
    ss.editor_version += 1
    ss.data_problem = None


def clear_points():
    """Remove every point (to start a data set from nothing)."""
    ss = st.session_state
    ss.points = []
    ss.editor_version += 1
    ss.data_problem = None


def apply_table_edits():
    """The table was edited: keep the edit if every row is good, else say which row is not."""
    ss = st.session_state
    key = f"editor{ss.editor_version}"
    new, problem, pending = points.apply_edits(ss.points, ss[key])
    if pending:
        return  # a new row is being filled in: wait for the rest of it
    if new is not None:
        ss.points = new
    ss.data_problem = problem
    ss.editor_version += 1  # a fresh table shows what was kept


def data_section():
    """Add a point by its coordinates; edit, add or delete points in the table."""
    ss = st.session_state
    st.subheader(f"Data: {len(ss.points)} points")
    if ss.data_problem:
        st.error(ss.data_problem)
        ss.data_problem = None  # said once: the next action starts clean
    x_col, y_col, add_col, clear_col = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    lo, hi = points.PLOT_RANGE
    x_col.number_input(f"x ({lo:g} to {hi:g})", step=0.1, format="%g", key="new_x")
    y_col.number_input(f"y ({lo:g} to {hi:g})", step=0.1, format="%g", key="new_y")
    add_col.button("Add point", key="add_point", on_click=add_typed_point, width="stretch")
    clear_col.button("Clear points", key="clear_points", on_click=clear_points, width="stretch")
    st.data_editor(
        [{"x": x, "y": y, "class": c} for x, y, c in ss.points],
        key=f"editor{ss.editor_version}",
        num_rows="dynamic",
        on_change=apply_table_edits,
        column_config={
            "x": st.column_config.NumberColumn("x", min_value=lo, max_value=hi, required=True),
            "y": st.column_config.NumberColumn("y", min_value=lo, max_value=hi, required=True),
            "class": st.column_config.SelectboxColumn("class", options=list(points.CLASSES), required=True),
        },
        width="content",
    )


main()
