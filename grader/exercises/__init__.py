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
import importlib.util
import keyword
import pathlib
import random
import sys
import traceback
from typing import Callable

CHILD_SOURCES = pathlib.Path(__file__).resolve().parent / "child"
PUBLIC_SEED = 20260101
PARTS = ("engine", "nn", "train")  # the student files an exercise can grade (engine.py, nn.py, train.py)


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
    # (first public record, private, failed) -> plain data only the HTML report draws and that costs
    # time to compute (e.g. a decision boundary's grid), merged into the detail when that report is asked for
    pictures: Callable = _none
    pieces: dict = dataclasses.field(default_factory=dict)  # reference module -> names left out of it
    withheld: tuple = ()  # value keys that views picture rather than table (e.g. a trained model)
    # (rel, abs): the loosest tolerance this exercise's answers need, e.g. a finite difference's
    # error; the instructor's tolerance applies where it is looser. None: the instructor's alone.
    tolerance: tuple | None = None
    note: Callable = _none  # [CaseRecord] -> a sentence the report adds to this test id (how it was graded), or None

    @property
    def draws_pictures(self):
        """Has this exercise pictures to compute for the HTML report (see `pictures`)?"""
        return self.pictures is not _none

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


# ---------------------------------------------------------------------------------------------
# a course's own exercises (grader.toml's [course] section names their folder)

class CourseError(ValueError):
    """A course's exercise module that cannot be used; the message names the file and the problem."""


@functools.cache
def course(folder):
    """The registry of the kit's exercises plus those of the course folder `folder` (a resolved
    pathlib.Path): each `*.py` there not starting with `_` defines EXERCISE or EXERCISES.

    Raises CourseError naming the file and what is wrong with it.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise CourseError(f"{folder}: the course's exercise folder does not exist")
    built, seen = kit(), {}
    own = []
    paths = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    if not paths:
        raise CourseError(f"{folder}: no exercise modules (*.py) in the course's exercise folder")
    for path in paths:
        for ex in _course_module(path):
            problem = _problem(ex, built)
            if problem is None and ex.id in seen:
                problem = f"test id {ex.id!r} is already defined by {seen[ex.id].name}"
            if problem:
                raise CourseError(f"{path}: {problem}")
            seen[ex.id] = path
            own.append(ex)
    return Registry([*built, *own])


def _course_module(path):
    """The exercises module `path` defines (imported under a name of its own, once per process)."""
    name = f"grader_course_{abs(hash(str(path.parent))):x}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the instructor's module: say where it failed, in its own file
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
        line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else (frames[-1].lineno if frames else None)
        where = f"{path}:{line}" if line else str(path)
        raise CourseError(f"{where}: importing the exercise module raised {type(exc).__name__}: {exc}") from None
    found = getattr(module, "EXERCISES", None)
    if found is None:
        one = getattr(module, "EXERCISE", None)
        if one is None:
            raise CourseError(f"{path}: defines neither EXERCISE (an Exercise) nor EXERCISES (a list of them)")
        found = [one]
    if not isinstance(found, (list, tuple)) or not found:
        raise CourseError(f"{path}: EXERCISES must be a non-empty list of Exercise, not {type(found).__name__}")
    bad = next((x for x in found if not isinstance(x, Exercise)), None)
    if bad is not None:
        raise CourseError(f"{path}: {type(bad).__name__} is not an Exercise (from grader.exercises import Exercise)")
    return list(found)


def _problem(ex, built):
    """What is wrong with a course's exercise, or None."""
    head, _, tail = ex.id.partition(".")
    if head not in PARTS or not tail or not all(w.isidentifier() and not keyword.iskeyword(w) for w in tail.split(".")):
        return f"test id {ex.id!r} must be <part>.<name>, with part one of {', '.join(PARTS)} (the student file it grades)"
    if ex.id in built:
        return f"test id {ex.id!r} is one of the kit's own; choose another name"
    if isinstance(ex.points, bool) or not isinstance(ex.points, (int, float)) or not ex.points >= 0:
        return f"{ex.id}: points must be a number >= 0, not {ex.points!r}"
    if not ex.runner:
        return f"{ex.id}: runner names no child-side source file"
    for p in ex.runner:
        if not pathlib.Path(p).is_file():
            return f"{ex.id}: its child-side source {p} does not exist"
    if not (isinstance(ex.entry, str) and ex.entry.isidentifier()):
        return f"{ex.id}: entry must be the name of a function of its runner, not {ex.entry!r}"
    if f"def {ex.entry}(" not in ex.runner_source():
        return f"{ex.id}: its runner does not define {ex.entry}()"
    for name in ("draw", "reference", "values", "describe", "diagnose", "diagnose_error", "label", "detail",
                 "pictures"):
        if not callable(getattr(ex, name)):
            return f"{ex.id}: {name} must be callable"
    return None


def ids_in(results):
    """The test ids of stored results (dicts as batch writes them), in report order: the kit's, then
    any other (a course's own) in the order they first appear. Views of a class take their columns
    from here, so that a course's exercises are columns without the view knowing the course."""
    found = dict.fromkeys(t["id"] for r in results if r.get("report") for t in r["report"]["tests"])
    return kit().test_ids + tuple(t for t in found if t not in kit())
