"""train.loop's pictures for the HTML report: the loss curves and the trained model's decision boundary.

Both are drawn with matplotlib (the `plots` dependency group, imported only here) as inline SVG,
from what the pipeline recorded in the result alone: the losses, and the class each trained model
predicts over a grid (grader/exercises/train_loop.py `pictures`, recorded when an HTML report is
asked for). Nothing is evaluated here.
"""
import io
import math

from grader.views.report_graphs import number

YOURS, REFERENCE, TORCH = "#d9480f", "#222222", "#1c7ed6"
CLASS_FILL = ["#ffd8a8", "#a5d8ff", "#b2f2bb"]  # yin, yang, the two dots
CLASS_EDGE = ["#e8590c", "#1971c2", "#2f9e44"]
CLASS_MARK = ["o", "s", "^"]


def _svg(fig):
    import matplotlib

    buf = io.StringIO()
    # text stays text (no glyph outlines): smaller, selectable, and no font is ever fetched
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "micrograd-report"}):
        fig.savefig(buf, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _finite(values):
    values = values if isinstance(values, list) else []
    return [(i + 1, v) for i, v in enumerate(map(number, values))
            if isinstance(v, (int, float)) and math.isfinite(v)]


def loss_curves(detail):
    """The loss at each step of the student's loop, the reference's and PyTorch's, as an SVG string."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 3.2))
    ax = fig.subplots()
    # yours first, underneath: where it is right, the reference and PyTorch are drawn on top of it
    for key, label, style in [
        ("student", "your loop", dict(color=YOURS, linewidth=3, marker="o", markersize=5, alpha=0.8)),
        ("reference", "reference", dict(color=REFERENCE, linestyle="--", linewidth=1.5)),
        ("torch", "PyTorch", dict(color=TORCH, linestyle=":", linewidth=2, marker="x", markersize=6)),
    ]:
        points = _finite(detail.get(key))
        if points:
            steps, losses = zip(*points)
            ax.plot(steps, losses, label=label, gid=f"loss-{key}", **style)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return _svg(fig)


def _classes(grid):
    """A recorded grid of predicted classes when it is one (rows of equal length, each entry a class
    this picture has a colour for), else None."""
    if not (isinstance(grid, list) and grid and all(isinstance(row, list) and row for row in grid)):
        return None
    if len({len(row) for row in grid}) != 1:
        return None
    ok = all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(CLASS_FILL) for row in grid for c in row)
    return grid if ok else None


def _extent(boundary):
    lo, hi = number(boundary.get("low")), number(boundary.get("high"))
    fine = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lo, hi))
    return (lo, hi) if fine and lo < hi else (-2.2, 2.2)


def _points(split):
    """(x, y, class) of each well-formed training point of a recorded case."""
    out = []
    for p in split if isinstance(split, list) else []:
        try:
            (x, y), c = p
        except (TypeError, ValueError):
            continue
        if all(isinstance(v, (int, float)) and math.isfinite(v) for v in (x, y)) and c in range(len(CLASS_FILL)):
            out.append((x, y, c))
    return out


def decision_boundaries(case, boundary):
    """Side-by-side pictures of the class each model predicts over the plane, with the case's points.

    `boundary` is what the pipeline recorded: {"low", "high", "panels": [{"title", "classes"}]}, each
    panel's classes a grid of predicted classes, rows from low y up; a panel without one says so.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    points = _points(case.get("split"))
    lo, hi = _extent(boundary)
    panels = [p for p in boundary.get("panels") if isinstance(p, dict)]
    fig = Figure(figsize=(3.3 * len(panels), 3.3))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        ax.set_title(str(panel.get("title", "")), fontsize=10)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        grid = _classes(panel.get("classes"))
        if grid is None:
            ax.text((lo + hi) / 2, (lo + hi) / 2, "no usable parameters\ncame back", ha="center", va="center",
                    color=YOURS)
        else:
            ax.imshow(grid, origin="lower", extent=(lo, hi, lo, hi), cmap=ListedColormap(CLASS_FILL),
                      vmin=0, vmax=len(CLASS_FILL) - 1, interpolation="nearest")
        for c in range(3):
            xs = [x for x, _, k in points if k == c]
            ys = [y for _, y, k in points if k == c]
            ax.scatter(xs, ys, c=CLASS_FILL[c], edgecolors=CLASS_EDGE[c], marker=CLASS_MARK[c], s=36,
                       linewidths=1.5, label=f"class {c}")
        ax.tick_params(labelsize=8)
    axes[0].legend(loc="lower left", fontsize=7, framealpha=0.8)
    return _svg(fig)
