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
from micrograd_ref.engine import topological_order
from micrograd_ref.losses import cross_entropy
from micrograd_ref.nn import MLP
from micrograd_ref.optim import SGD, AdamW
from micrograd_ref.train import train_step

from demo.engines import reference_engine
from demo.points import CLASSES

OPTIMIZERS = ("AdamW", "SGD")
MAX_DRAWN_WIDTH = 8  # hidden widths above this make a graph too big to read

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


def graph_size(hidden):
    """How many values the example graph of an MLP(2, [hidden, 3]) has (on the reference engine)."""
    model = MLP(2, [hidden, len(CLASSES)], rng=RNG(0))
    return len(topological_order(cross_entropy(model([0.0, 0.0]), 0)))
