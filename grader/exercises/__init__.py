"""The exercise registry: one module per test id (or per family of ids that share everything),
each holding all there is to know about its exercise.

An `Exercise` says how its cases are drawn (public and hidden), which child-side source drives the
student's code and with which entry point, what the reference and PyTorch expect, the shape its
values must have on the child's pipe, the known mistakes and how to recognise them, and how a case
is described, tabled and drawn in the reports. The pipeline stages (grader/pipeline/check.py and the
views) are generic: they take exercises from here and never branch on a test id.

A new test id is one module here (plus its child-side source under child/ and its block in the
answer key); an instructor's course adds its own the same way, from a folder named in grader.toml.
"""
import dataclasses
import functools
import pathlib
import random
from typing import Callable

CHILD_SOURCES = pathlib.Path(__file__).resolve().parent / "child"
PUBLIC_SEED = 20260101


def _none(*args):
    return None


@dataclasses.dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Exercise:
    """Everything about one test id. Callables take plain data (a case is a JSON-able dict)."""

    id: str
    points: float
    draw: Callable  # (random.Random, hidden: bool) -> [case]; public when hidden is False
    reference: Callable  # case -> values, from micrograd_ref (the same shape the child sends)
    torch: Callable | None  # case -> values, from PyTorch (imports torch when called); None: no opinion
    values: Callable  # grader/pipeline/protocol.py shape of one case's values: value -> accepted value, or Invalid
    runner: tuple  # child-side source files (paths), run inside the child's namespace, in order
    entry: str  # the runner function the child calls as entry(mods, case, ref, **entry_args)
    describe: Callable  # case -> what the case runs, in a student's words
    entry_args: dict = dataclasses.field(default_factory=dict)
    mistakes: dict = dataclasses.field(default_factory=dict)  # name -> (title, hint)
    diagnose: Callable = _none  # (case, got, want) -> a key of `mistakes`, or None
    diagnose_error: Callable = _none  # error dict {type, message, where} -> a key of `mistakes`, or None
    inputs: Callable | None = None  # case -> [(name, text)] for the HTML report; None: one row per key
    label: Callable = _none  # (key, index, case) -> a value's name as the student spells it, or None
    graph: Callable | None = None  # Failure -> report_graphs.CaseGraph to draw (None: too big); None: not drawn
    detail: Callable = _none  # (first public record, private) -> plain data for the views, or None
    pieces: dict = dataclasses.field(default_factory=dict)  # reference module -> names left out of it
    withheld: tuple = ()  # value keys that views picture rather than table (e.g. a trained model)
    # (rel, abs): the loosest tolerance this exercise's answers need, e.g. a finite difference's
    # error; the instructor's tolerance applies where it is looser. None: the instructor's alone.
    tolerance: tuple | None = None
    note: Callable = _none  # [CaseRecord] -> a sentence the report adds to this test id (how it was graded), or None

    @property
    def part(self):
        """'engine.tanh' -> 'engine'."""
        return self.id.split(".", 1)[0]

    def cases(self, seed=PUBLIC_SEED, hidden=False):
        """The exercise's cases: the public ones, or (hidden=True) a fresh draw from `seed`."""
        return self.draw(random.Random(f"{self.id}/{seed}"), hidden)

    def runner_source(self):
        """The child-side code of this exercise, as the child runs it (one text)."""
        return "\n\n".join(pathlib.Path(p).read_text() for p in self.runner)


def child_source(name):
    """The path of a built-in child-side source file."""
    return CHILD_SOURCES / name


class Registry:
    """The exercises of a course, in report order: the kit's, then the course's own."""

    def __init__(self, exercises):
        self.exercises = {}
        for ex in exercises:
            if ex.id in self.exercises:
                raise ValueError(f"test id {ex.id!r} is defined twice")
            self.exercises[ex.id] = ex

    def __getitem__(self, test_id):
        return self.exercises[test_id]

    def __contains__(self, test_id):
        return test_id in self.exercises

    def __iter__(self):
        return iter(self.exercises.values())

    @property
    def test_ids(self):
        return tuple(self.exercises)

    @property
    def parts(self):
        return tuple(dict.fromkeys(ex.part for ex in self))

    @property
    def default_points(self):
        return {ex.id: ex.points for ex in self}

    @property
    def mistakes(self):
        """Every exercise's known mistakes: name -> (title, hint)."""
        out = {}
        for ex in self:
            out.update(ex.mistakes)
        return out

    def select(self, names):
        """Test ids named by `names` (parts like 'engine' or ids like 'engine.tanh'); all when empty.

        Raises ValueError naming what is unknown.
        """
        if not names:
            return list(self.test_ids)
        chosen = []
        for name in names:
            matches = [t for t in self.test_ids if t == name or t.split(".", 1)[0] == name]
            if not matches:
                raise ValueError(f"unknown part or test id {name!r}; choose from {', '.join(self.parts)} "
                                 f"or {', '.join(self.test_ids)}")
            chosen += [t for t in matches if t not in chosen]
        return [t for t in self.test_ids if t in chosen]


def built_in():
    """The kit's own exercises, in report order."""
    from grader.exercises import (engine_backward, engine_numerical_grad, engine_ops, nn_layer, nn_mlp, nn_neuron,
                                  train_adamw, train_cross_entropy, train_loop, train_sgd, train_squared_error)

    return (engine_ops.EXERCISES + [engine_backward.EXERCISE, engine_numerical_grad.EXERCISE]
            + [nn_neuron.EXERCISE, nn_layer.EXERCISE, nn_mlp.EXERCISE]
            + [train_cross_entropy.EXERCISE, train_adamw.EXERCISE, train_loop.EXERCISE,
               train_squared_error.EXERCISE, train_sgd.EXERCISE])


@functools.cache
def kit():
    """The registry of the kit's built-in exercises (built once: exercises are immutable)."""
    return Registry(built_in())
