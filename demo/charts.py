"""The demo's two charts, as Vega-Lite specs: the decision boundary with the points, and the loss curve.

The boundary is a map of grid cells, each filled with the class the model picks there (the
stronger the confidence, the deeper the colour). The cells are also what a click selects:
streamlit reports the selected cell's centre, where the page adds a point.

The specs are plain dicts for `st.vega_lite_chart`: Altair would validate every row of the
map against the Vega-Lite schema on each frame, which costs more than a training step. The rows
travel as named datasets beside a spec that stays the same from frame to frame, so that the
browser swaps the data of the chart it has rather than building a new chart each frame.
"""
import math

from demo.points import CLASSES, PLOT_RANGE

CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c"]  # class 0, 1, 2
MAX_CURVE_POINTS = 1000  # a longer curve is thinned for the browser; its shape stays
CLICK = "cell"  # the name of the map's click selection


def boundary_chart(cells, points, example=None, size=360):
    """The map of `cells` (from `training.boundary`), the `points` on it, `example` ringed."""
    axis = {"scale": {"domain": list(PLOT_RANGE)}, "type": "quantitative"}
    color = {
        "field": "class",
        "type": "nominal",
        "scale": {"domain": list(CLASSES), "range": CLASS_COLORS},
        "legend": {"title": "class", "orient": "bottom", "direction": "horizontal"},
    }
    grid = {
        "data": {"name": "cells"},
        "mark": {"type": "rect", "strokeWidth": 0},
        "params": [{"name": CLICK, "select": {"type": "point", "fields": ["cx", "cy"], "on": "click", "clear": False}}],
        "encoding": {
            "x": {"field": "x", "title": "x", **axis},
            "x2": {"field": "x2"},
            "y": {"field": "y", "title": "y", **axis},
            "y2": {"field": "y2"},
            "color": color,
            "opacity": {
                "field": "p",
                "type": "quantitative",
                "scale": {"domain": [1 / len(CLASSES), 1], "range": [0.05, 0.55]},
                "legend": None,
            },
            "tooltip": [
                {"field": "cx", "title": "x", "type": "quantitative"},
                {"field": "cy", "title": "y", "type": "quantitative"},
                {"field": "class", "title": "model says", "type": "nominal"},
            ],
        },
    }
    rows = [{"x": p[0], "y": p[1], "class": p[2], "row": i + 1} for i, p in enumerate(points)]
    dots = {
        "data": {"name": "points"},
        "mark": {"type": "circle", "size": 45, "opacity": 1, "stroke": "white", "strokeWidth": 0.8},
        "encoding": {
            "x": {"field": "x", **axis},
            "y": {"field": "y", **axis},
            "color": color,
            "tooltip": [{"field": f, "type": "quantitative" if f != "class" else "nominal"} for f in ("row", "x", "y", "class")],
        },
    }
    ring = {
        "data": {"name": "example"},
        "mark": {"type": "point", "size": 260, "color": "black", "strokeWidth": 2, "filled": False},
        "encoding": {"x": {"field": "x", **axis}, "y": {"field": "y", **axis}},
    }
    examples = [] if example is None else [{"x": example[0], "y": example[1]}]
    return {
        "width": size,
        "height": size,
        "autosize": {"type": "pad"},  # the plot itself is size x size (square cells); axes and legend come on top
        "usermeta": {"embedOptions": {"renderer": "canvas"}},  # repainting 625 cells beats rebuilding 625 SVG nodes
        "layer": [grid, dots, ring],
        "datasets": {"cells": cells, "points": rows, "example": examples},
    }


def loss_chart(losses, height=220):
    """The training loss against the step, thinned to at most MAX_CURVE_POINTS points."""
    every = max(1, len(losses) // MAX_CURVE_POINTS)
    rows = [
        {"step": i + 1, "loss": loss}
        for i, loss in enumerate(losses)
        if (i % every == 0 or i == len(losses) - 1) and math.isfinite(loss)
    ]
    return {
        "height": height,
        "data": {"name": "losses"},
        "datasets": {"losses": rows},
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "step", "type": "quantitative", "title": "step", "axis": {"format": "d"}},
            "y": {"field": "loss", "type": "quantitative", "title": "training loss"},
        },
    }


def clicked_point(event):
    """The (x, y) centre of the map cell a click selected, from the chart's selection event, or None."""
    cells = event.get("selection", {}).get(CLICK) or []
    if not cells:
        return None
    return cells[0]["cx"], cells[0]["cy"]
