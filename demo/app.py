"""The interactive demo: watch a network learn, node by node.

    make demo          (that is: .venv/bin/streamlit run demo/server.py --client.toolbarMode minimal)

On top, the computation graph of one example with every node's data and grad; below it, the data
points and the decision boundary of an MLP being trained on them, where a click adds a point, a
drag moves one and a shift-click deletes one, and beside them the loss curve and the weights.
Step, Play and Pause the training; switch the engine to your own `exercises/engine.py` and
watch your backprop do the training.

The live part is a streamlit component (demo/view.py, plain HTML and JavaScript in
demo/component/): the browser draws and takes the clicks, Python trains. Everything the page
knows lives in `st.session_state` (one per browser tab): the settings' widgets and a
`demo.session.Demo`, which holds the points and the run and turns the page's events into
actions. Play trains in a thread of the Demo's own, step after step. The live part has a
channel of its own (demo/live.py, a route of demo/server.py): it posts its events there (a
button, a click) and, while playing, asks there for the newest frame about thirteen times a
second, so a frame is never a rerun of this script. Pause is an event like any click: it stops
the thread, and the frame that answers it says so.

Speed: `bench/bench_demo.py` measures the server's side of a frame; the page itself is measured
by the browser test (tests/test_demo.py), which writes the steps and page updates per second it
saw in Chromium to build/test-artifacts/.
"""
import dataclasses
import pathlib
import sys

# `streamlit run` puts only demo/ on the path; the kit runs from its own folder.
ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from demo import engines, points, session, training, view  # noqa: E402
from micrograd_ref.data import DATASETS  # noqa: E402

DEFAULT_ENGINE_PATH = "exercises/engine.py"
MY_CODE = "my code"


def main():
    """Lay out the page: settings in the sidebar, the live part, the points' table below."""
    st.set_page_config(page_title="micrograd: watch a network learn", layout="wide")
    st.set_option("client.toolbarMode", "minimal")  # no Deploy button: this page is the demo
    init_state()
    sidebar()
    live()
    data_section()


def init_state():
    """Defaults for every widget and the first run, the first time this tab runs the page."""
    ss = st.session_state
    for key, value in dataclasses.asdict(training.Settings()).items():
        ss.setdefault(key, value)
    ss.setdefault("engine_choice", engines.REFERENCE)
    ss.setdefault("engine_path", DEFAULT_ENGINE_PATH)
    ss.setdefault("new_class", 0)
    ss.setdefault("new_x", 0.0)
    ss.setdefault("new_y", 0.0)
    ss.setdefault("data_problem", None)
    ss.setdefault("engine_problem", None)
    if "demo" not in ss:
        ss.demo = session.Demo(settings())


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
        st.caption(f"Training on: **{ss.demo.run.engine.name}**")
        if ss.engine_problem:
            st.error(ss.engine_problem)


def new_data():
    """Draw the chosen data set afresh (this replaces the points) and start training over."""
    ss = st.session_state
    pts, _ = training.draw(settings(), ss.demo.run.engine)
    ss.demo.set_points(pts)
    ss.data_problem = None
    reset()


def reset():
    """A fresh model from the settings on the current engine (a student's file is read again)."""
    ss = st.session_state
    ss.demo.reset(settings())
    ss.engine_problem = None


def retune():
    """New learning rate or weight decay: the run goes on with them."""
    ss = st.session_state
    with ss.demo.lock:
        training.retune(ss.demo.run, ss.lr, ss.weight_decay)


def switch_engine():
    """Load the chosen engine and start training over on it; on failure keep the current one."""
    ss = st.session_state
    demo = ss.demo
    if ss.engine_choice == engines.REFERENCE and demo.run.engine.path is None:
        return  # the path was edited while training on the reference: nothing to switch
    ss.engine_problem = None
    if ss.engine_choice == engines.REFERENCE:
        engine = engines.reference_engine()
    else:
        try:
            engine = engines.load_engine(ROOT / ss.engine_path)
        except engines.EngineError as exc:
            ss.engine_problem = exc.failure.text()
            ss.engine_choice = engines.REFERENCE if demo.run.engine.path is None else MY_CODE
            return
    demo.use_engine(settings(), engine)


# --- the live part: the buttons, the graph, the map, the loss curve ------------------------------


def live():
    """The buttons, the graph, the map, the loss curve: the page's live part, with a channel of its own.

    Its events (buttons, clicks on the map) and the frames while playing go through that channel
    (demo/live.py), not through streamlit; the part's value changes only to ask for a rerun of the
    app when the points changed on the map, so that the table below shows them.
    """
    demo = st.session_state.demo
    view.view(demo.frame(), demo.token, key="view")


# --- the data as a table: points typed in, edited, deleted -------------------------------------


def add_typed_point():
    """Add the point typed in the x, y boxes, with the class chosen beside them, or say why not."""
    ss = st.session_state
    new, _, problem = points.apply_event(
        ss.demo.points, ss.demo.example, {"type": "add", "x": ss.new_x, "y": ss.new_y, "class": ss.new_class}
    )
    ss.data_problem = problem
    if problem is None:
        ss.demo.set_points(new)


def clear_points():
    """Remove every point (to start a data set from nothing)."""
    ss = st.session_state
    ss.demo.set_points([])
    ss.data_problem = None


def apply_table_edits():
    """The table was edited: keep the edit if every row is good, else say which row is not."""
    ss = st.session_state
    demo = ss.demo
    key = f"editor{ss.table_version}"
    if ss.table_version != demo.points_version:  # the map changed the points since the table was drawn
        ss.data_problem = "The points changed on the map meanwhile: the table now shows them. Edit again."
        return
    new, problem, pending = points.apply_edits(demo.points, ss[key])
    if pending:
        return  # a new row is being filled in: wait for the rest of it
    if new is not None:
        demo.set_points(new)
    else:
        demo.points_version += 1  # a fresh table shows what was kept
    ss.data_problem = problem


def data_section():
    """Add a point by its coordinates; edit, add or delete points in the table."""
    ss = st.session_state
    demo = ss.demo
    st.subheader(f"Data: {len(demo.points)} points")
    if ss.data_problem:
        st.error(ss.data_problem)
        ss.data_problem = None  # said once: the next action starts clean
    x_col, y_col, c_col, add_col, clear_col = st.columns([2, 2, 2, 1, 1], vertical_alignment="bottom")
    lo, hi = points.PLOT_RANGE
    x_col.number_input(f"x ({lo:g} to {hi:g})", step=0.1, format="%g", key="new_x")
    y_col.number_input(f"y ({lo:g} to {hi:g})", step=0.1, format="%g", key="new_y")
    c_col.radio("class", points.CLASSES, key="new_class", horizontal=True)
    add_col.button("Add point", key="add_point", on_click=add_typed_point, width="stretch")
    clear_col.button("Clear points", key="clear_points", on_click=clear_points, width="stretch")
    ss.table_version = demo.points_version
    st.data_editor(
        [{"x": x, "y": y, "class": c} for x, y, c in demo.points],
        key=f"editor{demo.points_version}",
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
