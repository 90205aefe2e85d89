"""What the demo trains: a model, its optimiser and its loss curve on a chosen engine.

All of it is the reference's own code (`micrograd_ref.nn`, `losses`, `optim`, `train_step`);
only the class of the values changes with the engine: `MLP(..., value_type=engine.Value)`.
Passing the class keeps one copy of the model code for every engine, and the reference's
module stays the one that every other tool imports (no second, patched copy of it).
"""
import contextlib
import dataclasses
import gc
import math

from micrograd_ref.data import DATASETS, RNG
from micrograd_ref.draw import draw_dot
from micrograd_ref.engine import topological_order
from micrograd_ref.losses import cross_entropy
from micrograd_ref.nn import MLP
from micrograd_ref.optim import SGD, AdamW
from micrograd_ref.train import train_step

from demo.engines import reference_engine
from demo.points import CLASSES, PLOT_RANGE

OPTIMIZERS = ("AdamW", "SGD")
GRID = 25  # cells per side of the decision-boundary map: 625 forward passes
MAX_DRAWN_WIDTH = 8  # hidden widths above this make a graph too big to read

# Fill colours of the graph's records, by the role of the value.
ROLE_COLORS = {
    "input": "#9ecae1",
    "parameter": "#fdd49e",
    "op": "#e5f5e0",
    "output": "#fcbba1",
    "constant": "#f0f0f0",
    "wrong": "#ef3b2c",
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that defines a run; the defaults are those of the reference run."""

    dataset: str = "yinyang"
    n: int = 100
    seed: int = 42
    hidden: int = 8
    optimizer: str = "AdamW"
    lr: float = 0.1
    weight_decay: float = 1e-4


@dataclasses.dataclass
class Run:
    """A model being trained: its engine, optimiser, and the loss before each update so far."""

    engine: object
    settings: Settings
    model: MLP
    optimizer: object
    losses: list = dataclasses.field(default_factory=list)

    @property
    def steps(self):
        """Updates done so far."""
        return len(self.losses)


def draw(settings, engine):
    """The data set's training points and a fresh model, drawn in that order from one RNG(seed).

    The order is the reference run's (`micrograd_ref.train.make_run`), so the default settings
    give exactly its data and its initial weights.
    """
    rng = RNG(settings.seed)
    train_split, _, _ = DATASETS[settings.dataset](rng, n=settings.n)
    model = MLP(2, [settings.hidden, len(CLASSES)], rng=rng, value_type=engine.Value)
    return [[x, y, c] for (x, y), c in train_split], model


def new_run(settings, engine=None):
    """A fresh run: the initial model of `settings` on `engine` (the reference when None)."""
    engine = engine or reference_engine()
    _, model = draw(settings, engine)
    return Run(engine, settings, model, make_optimizer(settings, model.parameters()))


def make_optimizer(settings, parameters):
    """The optimiser `settings` name, over `parameters`; AdamW with the reference run's betas."""
    if settings.optimizer == "SGD":
        return SGD(parameters, lr=settings.lr, weight_decay=settings.weight_decay)
    return AdamW(parameters, lr=settings.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=settings.weight_decay)


def retune(run, lr, weight_decay):
    """Change the learning rate and weight decay of a run in flight (the optimiser keeps its state)."""
    run.optimizer.lr = lr
    run.optimizer.weight_decay = weight_decay
    run.settings = dataclasses.replace(run.settings, lr=lr, weight_decay=weight_decay)


def train(run, points, steps):
    """Up to `steps` updates on all of `points`; stops early at a non-finite loss. Returns the new losses.

    Whatever the engine raises is raised, with the gradients zeroed again so that a failed step
    leaves nothing behind.
    """
    split = [([x, y], c) for x, y, c in points]
    new = []
    for _ in range(steps):
        try:
            with _collected_once():
                loss = train_step(run.model, run.optimizer, split)
        except BaseException:
            run.model.zero_grad()
            raise
        loss = float(loss)
        run.losses.append(loss)
        new.append(loss)
        if not math.isfinite(loss):
            break
    return new


@contextlib.contextmanager
def _collected_once():
    # A closure engine (a student's) makes every node a reference cycle, so its graphs are freed
    # only by the cycle collector. Left alone, the collector runs again and again during a step,
    # each time over a graph that is still in use; a step runs 3 times faster with it paused and
    # one collection of the youngest objects (the step's own) afterwards. The collector is
    # switched on again in any case: pausing it is all this changes.
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def boundary(model, resolution=GRID):
    """The model's class and confidence at the centre of each cell of a grid over the plot.

    Forward passes only. Returns dicts with the cell's bounds (x, x2, y, y2), centre (cx, cy),
    `class` (the arg-max) and `p` (its softmax probability).
    """
    lo, hi = PLOT_RANGE
    size = (hi - lo) / resolution
    cells = []
    for i in range(resolution):
        for j in range(resolution):
            x, y = lo + i * size, lo + j * size
            cx, cy = round(x + size / 2, 6), round(y + size / 2, 6)
            with _collected_once():
                logits = [v.data for v in model([cx, cy])]
            top = max(logits)
            exps = [math.exp(z - top) if math.isfinite(z - top) else 0.0 for z in logits]
            k = max(range(len(logits)), key=logits.__getitem__)
            p = 1.0 / sum(exps) if math.isfinite(top) else 0.0
            cells.append({"x": x, "x2": x + size, "y": y, "y2": y + size, "cx": cx, "cy": cy, "class": k, "p": p})
    return cells


def example_graph(run, point):
    """The graph of one example's forward pass and loss, backpropagated, as a graphviz.Digraph.

    Returns (dot, error): `error` is the exception the engine's backward() raised (the graph then
    shows the forward pass with zero gradients), or None. On a student's engine, every parameter
    and input whose gradient differs from the reference engine's is filled red with the expected
    value beside it. Parameter gradients are zeroed again afterwards: training is not touched.
    """
    x, y, c = point
    inputs = [run.engine.Value(float(x)), run.engine.Value(float(y))]
    logits = run.model(inputs)
    loss = cross_entropy(logits, c)
    error = None
    run.model.zero_grad()
    try:
        loss.backward()
    except Exception as exc:  # the engine's own code (maybe a student's): shown, not raised
        error = exc
    labels, colors, notes = _roles(run.model, inputs, logits, loss, c)
    if error is None and run.engine.path is not None:
        _mark_wrong_gradients(run, point, inputs, colors, notes)
    dot = draw_dot(loss, labels=labels, colors=colors, notes=notes)
    run.model.zero_grad()
    return dot, error


def graph_size(hidden):
    """How many values the example graph of an MLP(2, [hidden, 3]) has (on the reference engine)."""
    model = MLP(2, [hidden, len(CLASSES)], rng=RNG(0))
    return len(topological_order(cross_entropy(model([0.0, 0.0]), 0)))


def _roles(model, inputs, logits, loss, target):
    # Names for the values a student knows by name, and a colour for every value by its role.
    labels = {v: f"x{i}" for i, v in enumerate(inputs)}
    for li, layer in enumerate(model.layers, start=1):
        for ni, neuron in enumerate(layer.neurons):
            for wi, w in enumerate(neuron.w):
                labels[w] = f"w{li}.{ni}.{wi}"
            labels[neuron.b] = f"b{li}.{ni}"
    labels.update({v: f"logit {k}" for k, v in enumerate(logits)})
    labels[loss] = f"loss (class {target})"
    # by identity: a student's Value may define == and hashing of its own
    params = {id(p) for p in model.parameters()}
    given, outputs = {id(v) for v in inputs}, {id(v) for v in logits + [loss]}
    colors = {}
    for v in topological_order(loss):
        if id(v) in params:
            colors[v] = ROLE_COLORS["parameter"]
        elif id(v) in given:
            colors[v] = ROLE_COLORS["input"]
        elif id(v) in outputs:
            colors[v] = ROLE_COLORS["output"]
        elif v._prev:
            colors[v] = ROLE_COLORS["op"]
        else:
            colors[v] = ROLE_COLORS["constant"]  # a number a closure engine wrapped in a Value
    return labels, colors, {}


def _mark_wrong_gradients(run, point, inputs, colors, notes):
    # The same example on the reference engine, with the same weights: the gradients it should get.
    ref = reference_engine()
    model = MLP(2, [run.settings.hidden, len(CLASSES)], rng=RNG(0), value_type=ref.Value)
    for p, q in zip(model.parameters(), run.model.parameters()):
        p.data = q.data
    ref_inputs = [ref.Value(float(point[0])), ref.Value(float(point[1]))]
    cross_entropy(model(ref_inputs), point[2]).backward()
    pairs = list(zip(run.model.parameters(), model.parameters())) + list(zip(inputs, ref_inputs))
    for mine, want in pairs:
        if not math.isclose(float(mine.grad), want.grad, rel_tol=1e-6, abs_tol=1e-9):
            colors[mine] = ROLE_COLORS["wrong"]
            notes[mine] = f"expected {want.grad:.4f}"
