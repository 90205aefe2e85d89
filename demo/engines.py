"""The engines the demo can train on: the reference's, or a student's `engine.py` loaded by path.

A student's file is loaded as a module object that is never entered in `sys.modules`: every
browser session of the demo gets its own, a reload sees the file as it is now, and nothing
else in the process (another session, the reference) can import it by accident.
When the student's code fails, `describe_failure` turns the exception into a short message
with the file and line, for the page; the traceback itself is never shown.
"""
import dataclasses
import importlib.util
import itertools
import pathlib
import traceback

import micrograd_ref.engine

REFERENCE = "reference"

# Each load gets a module name of its own, so that two loads never share anything.
_load_ids = itertools.count()


@dataclasses.dataclass(frozen=True)
class Engine:
    """An engine to train on: its name for the page, its `Value` class, and its file if a student's."""

    name: str
    Value: type
    path: pathlib.Path | None = None


@dataclasses.dataclass(frozen=True)
class Failure:
    """What went wrong in a student's code, written for the student."""

    title: str  # one line: what happened
    detail: str  # the exception's own message
    where: str = ""  # "engine.py, line 57, in _backward" when known
    code: str = ""  # that line of the file

    def text(self):
        """The whole message as Markdown, for `st.error`."""
        lines = [f"**{self.title}**", "", self.detail]
        if self.where:
            lines += ["", f"at {self.where}"]
        if self.code:
            lines += ["", f"`{self.code}`"]
        return "\n".join(lines)


class EngineError(Exception):
    """A student's engine could not be loaded; `failure` says why."""

    def __init__(self, failure):
        super().__init__(failure.title)
        self.failure = failure


def reference_engine():
    """The trusted reference engine, `micrograd_ref.engine`."""
    return Engine(REFERENCE, micrograd_ref.engine.Value)


def load_engine(path):
    """Load the student's engine file at `path`; raise EngineError with a Failure if it cannot be used."""
    path = pathlib.Path(path).resolve()
    if not path.is_file():
        raise EngineError(Failure(f"No engine file at {path}", "Check the path, or run `make stubs` to create exercises/."))
    spec = importlib.util.spec_from_file_location(f"student_engine_{next(_load_ids)}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the student's module body: any exception is theirs to see
        raise EngineError(describe_failure(exc, path)) from None
    value = getattr(module, "Value", None)
    if not isinstance(value, type):
        raise EngineError(Failure(f"{path.name} has no class Value", "The engine must define `class Value` (see the exercise)."))
    return Engine(f"my code ({_short(path)})", value, path)


def describe_failure(exc, path=None):
    """A Failure for `exc`: what happened and where, in the student's file `path` when it was there.

    Without `path`, or when the student's file is not on the traceback (an overflow in the
    optimiser, say), the place is the innermost frame, wherever it is.
    """
    path = pathlib.Path(path).resolve() if path else None
    if isinstance(exc, SyntaxError) and path and exc.filename and pathlib.Path(exc.filename).resolve() == path:
        return Failure(
            f"{path.name} does not parse: {type(exc).__name__}",
            exc.msg or "",
            where=f"{_short(path)}, line {exc.lineno}",
            code=(exc.text or "").strip(),
        )
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if path and pathlib.Path(f.filename).resolve() == path]
    frame = (mine or frames or [None])[-1]
    where = f"{_short(frame.filename)}, line {frame.lineno}, in {frame.name}" if frame else ""
    code = (frame.line or "").strip() if frame else ""
    if isinstance(exc, NotImplementedError) and mine:
        return Failure("Your engine is not finished yet", str(exc) or "NotImplementedError", where, code)
    if isinstance(exc, RecursionError):
        return Failure(
            "The graph is too deep for a recursive walk",
            "A recursive backward() cannot walk a graph this deep: walk it with a loop and a stack, "
            "or train on fewer points.",
            where,
            code,
        )
    who = "Your code" if mine else "The training step"
    return Failure(f"{who} raised {type(exc).__name__}", str(exc), where, code)


def _short(filename):
    # A path as the student knows it: relative to the kit when inside it.
    path = pathlib.Path(filename).resolve()
    root = pathlib.Path(__file__).resolve().parent.parent
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
