"""The demo's two charts (Vega-Altair): the decision boundary with the points, and the loss curve.

The boundary is a map of grid cells, each filled with the class the model picks there (the
stronger the confidence, the deeper the colour). The cells are also what a click selects:
streamlit reports the selected cell's centre, where the page adds a point.
"""
import math

import altair as alt

from demo.points import CLASSES, PLOT_RANGE

CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c"]  # class 0, 1, 2
MAX_CURVE_POINTS = 1000  # a longer curve is thinned for the browser; its shape stays


def boundary_chart(cells, points, example=None, size=440):
    """The map of `cells` (from `training.boundary`), the `points` on it, `example` ringed."""
    domain = list(PLOT_RANGE)
    color = alt.Color(
        "class:N",
        scale=alt.Scale(domain=list(CLASSES), range=CLASS_COLORS),
        legend=alt.Legend(title="class", orient="bottom", direction="horizontal"),
    )
    x = alt.X("x:Q", scale=alt.Scale(domain=domain), title="x")
    y = alt.Y("y:Q", scale=alt.Scale(domain=domain), title="y")
    click = alt.selection_point(name="cell", fields=["cx", "cy"], on="click", clear=False, empty=False)
    grid = (
        alt.Chart(alt.Data(values=cells))
        .mark_rect(strokeWidth=0)
        .encode(
            x=x,
            x2="x2:Q",
            y=y,
            y2="y2:Q",
            color=color,
            opacity=alt.Opacity("p:Q", scale=alt.Scale(domain=[1 / len(CLASSES), 1], range=[0.05, 0.55]), legend=None),
            tooltip=[alt.Tooltip("cx:Q", title="x"), alt.Tooltip("cy:Q", title="y"), alt.Tooltip("class:N", title="model says")],
        )
        .add_params(click)
    )
    rows = [{"x": p[0], "y": p[1], "class": p[2], "row": i + 1} for i, p in enumerate(points)]
    dots = (
        alt.Chart(alt.Data(values=rows))
        .mark_circle(size=45, opacity=1, stroke="white", strokeWidth=0.8)
        .encode(x=x, y=y, color=color, tooltip=["row:Q", "x:Q", "y:Q", "class:N"])
    )
    layers = [grid, dots]
    if example is not None:
        ring = {"x": example[0], "y": example[1]}
        layers.append(
            alt.Chart(alt.Data(values=[ring]))
            .mark_point(size=260, color="black", strokeWidth=2, filled=False)
            .encode(x=x, y=y)
        )
    return alt.layer(*layers).properties(width=size, height=size)


def loss_chart(losses, height=220):
    """The training loss against the step, thinned to at most MAX_CURVE_POINTS points."""
    every = max(1, len(losses) // MAX_CURVE_POINTS)
    rows = [
        {"step": i + 1, "loss": loss}
        for i, loss in enumerate(losses)
        if (i % every == 0 or i == len(losses) - 1) and math.isfinite(loss)
    ]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_line()
        .encode(x=alt.X("step:Q", title="step", axis=alt.Axis(format="d")), y=alt.Y("loss:Q", title="training loss"))
        .properties(height=height)
    )
