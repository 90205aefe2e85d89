"""train.loop's pictures for the HTML report: the loss curves and the trained model's decision boundary.

Both are drawn with matplotlib (the `plots` dependency group, imported only here) as inline SVG.
The curves are the report's recorded numbers; the boundary evaluates the recorded trained
parameters in the reference MLP over a grid, which is drawing, not grading.
"""
import io
import math

from grader.views.report_graphs import number
from micrograd_ref import nn
from micrograd_ref.data import RNG

YOURS, REFERENCE, TORCH = "#d9480f", "#222222", "#1c7ed6"
CLASS_FILL = ["#ffd8a8", "#a5d8ff", "#b2f2bb"]  # yin, yang, the two dots
CLASS_EDGE = ["#e8590c", "#1971c2", "#2f9e44"]
CLASS_MARK = ["o", "s", "^"]
GRID = 50  # grid points per side of the decision-boundary picture


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


def trained_model(case, params):
    """The reference MLP of a train.loop case with `params` (in parameters() order), or None if they do not fit."""
    model = nn.MLP(2, case["nouts"], rng=RNG(case["seed"]))
    model_params = model.parameters()
    values = [number(p) for p in params] if isinstance(params, list) else []
    if len(values) != len(model_params) or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        return None
    for p, v in zip(model_params, values):
        p.data = v
    return model


def _predict(model, x, y):
    logits = [v.data for v in model([x, y])]
    return max(range(len(logits)), key=logits.__getitem__)


def decision_boundaries(case, panels):
    """Side-by-side pictures of the class each model predicts over the plane, with the case's points.

    `panels` is a list of (title, params); a panel whose params do not fit the model says so.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    points = case["split"]
    lo, hi = -2.2, 2.2
    ticks = [lo + (hi - lo) * (k + 0.5) / GRID for k in range(GRID)]
    fig = Figure(figsize=(3.3 * len(panels), 3.3))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, params) in zip(axes, panels):
        ax.set_title(title, fontsize=10)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        model = trained_model(case, params)
        if model is None:
            ax.text(0, 0, "no usable parameters\ncame back", ha="center", va="center", color=YOURS)
        else:
            grid = [[_predict(model, x, y) for x in ticks] for y in ticks]
            ax.imshow(grid, origin="lower", extent=(lo, hi, lo, hi), cmap=ListedColormap(CLASS_FILL),
                      vmin=0, vmax=len(CLASS_FILL) - 1, interpolation="nearest")
        for c in range(3):
            xs = [p[0][0] for p in points if p[1] == c]
            ys = [p[0][1] for p in points if p[1] == c]
            ax.scatter(xs, ys, c=CLASS_FILL[c], edgecolors=CLASS_EDGE[c], marker=CLASS_MARK[c], s=36,
                       linewidths=1.5, label=f"class {c}")
        ax.tick_params(labelsize=8)
    axes[0].legend(loc="lower left", fontsize=7, framealpha=0.8)
    return _svg(fig)
