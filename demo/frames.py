"""What the page draws, as plain data: the weights the boundary is drawn from, the loss curve, the weights' texts.

The boundary is the model's prediction over a GRID x GRID grid of the plot, from the current
weights: the page computes it itself (demo/component/demo.js, `boundary`) from the weights of
each frame (`net`), a few dozen numbers instead of the 10 000 cells. `boundary` here is the same
arithmetic with numpy (the model's forward pass, on every cell at once: the engine's Values
would take seconds for 10 000 points), the page's check: each cell is one byte, class * 64 +
confidence level (0..63, from 1/3 to 1 for three classes), rows from the top of the plot down,
base64-encoded.
"""
import base64
import math

import numpy as np

from demo.points import CLASSES, PLOT_RANGE
from demo.graph import fmt

GRID = 100  # cells per side of the boundary map
LEVELS = 64  # confidence levels per class in a cell's byte
MAX_CURVE_POINTS = 400  # the loss curve is thinned to at most this many points (plus the last)


def weights(model):
    """The model's weights as numpy arrays, per layer (W of shape (nout, nin), b of shape (nout,))."""
    return [
        (np.array([[float(w.data) for w in n.w] for n in layer.neurons]), np.array([float(n.b.data) for n in layer.neurons]))
        for layer in model.layers
    ]


def net(model):
    """The model's weights as the page computes the boundary from them: per layer {"w": rows, "b": biases}.

    None when they are not numbers (a student's Value whose data is something else).
    """
    try:
        return [{"w": w.tolist(), "b": b.tolist()} for w, b in weights(model)]
    except Exception:
        return None


def layers_of(net):
    """The numpy layers of a `net` as the page received it (None, a weight that was not finite, is NaN)."""
    return [
        (np.array([[np.nan if v is None else v for v in row] for row in layer["w"]], dtype=float),
         np.array([np.nan if v is None else v for v in layer["b"]], dtype=float))
        for layer in net
    ]


def cell_centres(resolution=GRID):
    """(xs, ys) of the cells' centres, row by row from the top of the plot (y high) down."""
    lo, hi = PLOT_RANGE
    size = (hi - lo) / resolution
    centres = lo + (np.arange(resolution) + 0.5) * size
    xs, ys = np.meshgrid(centres, centres[::-1])
    return xs.ravel(), ys.ravel()


def predict(layers, xs, ys):
    """(class, probability of that class) at each (x, y): tanh hidden layers, a linear last layer, softmax."""
    h = np.stack([xs, ys])
    with np.errstate(all="ignore"):
        for i, (w, b) in enumerate(layers):
            h = w @ h + b[:, None]
            if i < len(layers) - 1:
                h = np.tanh(h)
        top = h.max(axis=0)
        exps = np.exp(h - top)
        p = exps.max(axis=0) / exps.sum(axis=0)
    k = h.argmax(axis=0)
    bad = ~np.isfinite(p)
    return np.where(bad, 0, k), np.where(bad, 0.0, p)


def encode_grid(classes, p):
    """The cells' bytes (class * LEVELS + level), base64."""
    n = len(CLASSES)
    level = np.clip(np.rint((p - 1 / n) / (1 - 1 / n) * (LEVELS - 1)), 0, LEVELS - 1).astype(np.uint8)
    return base64.b64encode((classes.astype(np.uint8) * LEVELS + level).tobytes()).decode()


def decode_grid(text):
    """(classes, levels) of an encoded grid: what the page reads."""
    raw = np.frombuffer(base64.b64decode(text), dtype=np.uint8)
    return raw // LEVELS, raw % LEVELS


def boundary(model, resolution=GRID):
    """The encoded boundary of `model` over the plot."""
    xs, ys = cell_centres(resolution)
    return encode_grid(*predict(weights(model), xs, ys))


def loss_curve(losses, max_points=MAX_CURVE_POINTS):
    """[[step, loss], ...] for the chart, steps from 1, finite losses only, thinned to about `max_points`."""
    stride = max(1, math.ceil(len(losses) / max_points))
    picked = list(range(0, len(losses), stride))
    if losses and picked[-1] != len(losses) - 1:
        picked.append(len(losses) - 1)
    return [[i + 1, losses[i]] for i in picked if math.isfinite(losses[i])]


def weight_table(model):
    """Per neuron: its name, weights and bias as display texts."""
    return [
        {"name": f"layer {li}, neuron {ni}", "w": [fmt(w.data) for w in n.w], "b": fmt(n.b.data)}
        for li, layer in enumerate(model.layers, start=1)
        for ni, n in enumerate(layer.neurons)
    ]
