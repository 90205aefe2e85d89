"""Instructor settings: points per test id, limits, tolerances, hidden cases, in a TOML file.

    # grader.toml (at the kit's root, or --config FILE)
    [points]
    "engine.tanh" = 5
    [limits]
    wall_seconds = 5      # per test id, wall clock
    cpu_seconds = 10
    memory_mb = 1024
    output_kb = 1024      # stdout and stderr together; past it output is cut, and the report says so
    file_kb = 1024        # each student file; a larger one is refused (it costs its part)
    disk_kb = 8192        # the test's writable work folder (a tmpfs under bubblewrap)
    processes = 64        # processes and threads of one test at once
    [tolerance]
    rel = 1e-6
    abs = 1e-9
    [grading]
    deep_recursion = "warn"   # or "fail": a recursive backward() on a 10,000-deep chain
    hidden_seed = 1234        # adds hidden cases (instructor side only)
    jobs = 2                  # children at once
    run_as = "nobody"         # drop privileges when running as root
    python = "/usr/bin/python3"  # the interpreter for student code (stdlib only is needed)
    core = "fork"             # one sandbox per submission whose template forks each test id's
                              # child in namespaces of its own; "fresh": a sandbox and an
                              # interpreter per test id (grader/fork_core.py)
    confinement = "required"  # instructor-side grading (hidden cases, batch, nbgrader, Gradescope)
                              # refuses to run without bubblewrap, seccomp and Landlock;
                              # "available": what the platform offers; "none": limits only.
                              # Whatever is used, every report says so.
    [gradescope]              # visibility of the autograder's results (Gradescope's values:
    visibility = "visible"    # visible, hidden, after_due_date, after_published)
    hidden_visibility = "after_published"  # a failing test whose cases include hidden ones
    stdout_visibility = "hidden"
"""
import dataclasses
import os
import pathlib
import tomllib

from grader import compare
from grader.sandbox import KIT_ROOT, MODES, Limits
from grader.spec import DEFAULT_POINTS, TEST_IDS

DEFAULT_FILE = KIT_ROOT / "grader.toml"

VISIBILITY = ["visible", "hidden", "after_due_date", "after_published"]

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "points": {"type": "object", "additionalProperties": False,
                   "properties": {t: {"type": "number", "minimum": 0} for t in TEST_IDS}},
        "limits": {"type": "object", "additionalProperties": False, "properties": {
            "wall_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
            "cpu_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
            "memory_mb": {"type": "integer", "minimum": 64},
            "output_kb": {"type": "integer", "minimum": 1},
            "file_kb": {"type": "integer", "minimum": 1},
            "disk_kb": {"type": "integer", "minimum": 64},
            "processes": {"type": "integer", "minimum": 1, "maximum": 4096}}},
        "tolerance": {"type": "object", "additionalProperties": False, "properties": {
            "rel": {"type": "number", "minimum": 0, "maximum": 0.1},
            "abs": {"type": "number", "minimum": 0, "maximum": 0.1}}},
        "grading": {"type": "object", "additionalProperties": False, "properties": {
            "deep_recursion": {"enum": ["warn", "fail"]},
            "hidden_seed": {"type": "integer"},
            "jobs": {"type": "integer", "minimum": 1, "maximum": 64},
            "run_as": {"type": "string"},
            "python": {"type": "string"},
            "confinement": {"enum": list(MODES)},
            "core": {"enum": ["fork", "fresh"]}}},
        "gradescope": {"type": "object", "additionalProperties": False, "properties": {
            # Gradescope's visibility values; hidden_visibility is for tests with hidden cases that fail
            "visibility": {"enum": VISIBILITY},
            "hidden_visibility": {"enum": VISIBILITY},
            "stdout_visibility": {"enum": VISIBILITY},
            "results_visibility": {"enum": VISIBILITY}}},
    },
}


class ConfigError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


@dataclasses.dataclass
class Settings:
    """Everything an instructor can change about grading, with the kit's defaults."""

    points: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_POINTS))
    limits: Limits = dataclasses.field(default_factory=Limits)
    rel_tol: float = compare.REL_TOL
    abs_tol: float = compare.ABS_TOL
    deep_recursion: str = "warn"
    hidden_seed: int | None = None
    jobs: int = dataclasses.field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    run_as: str = ""
    python: str = ""
    confinement: str = "required"  # see sandbox.plan
    core: str = "fork"  # see grader/fork_core.py
    extra: dict = dataclasses.field(default_factory=dict)  # sections other tools read (gradescope)


def load(path=None):
    """Settings from `path`, or from grader.toml at the kit's root when it exists, else the defaults."""
    path = pathlib.Path(path) if path else (DEFAULT_FILE if DEFAULT_FILE.exists() else None)
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return from_dict(data, source=str(path))


def from_dict(data, source="settings"):
    """Settings from parsed TOML data, validated against SCHEMA."""
    import jsonschema  # here, not at the top: importing it costs over a second on some installs

    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path) or "(top level)"
        raise ConfigError(f"{source}: {where}: {e.message}")
    s = Settings()
    s.points.update(data.get("points", {}))
    lim = data.get("limits", {})
    s.limits = Limits(wall=lim.get("wall_seconds", s.limits.wall), cpu=lim.get("cpu_seconds", s.limits.cpu),
                      memory=lim.get("memory_mb", s.limits.memory >> 20) << 20,
                      output=lim.get("output_kb", s.limits.output >> 10) << 10,
                      file=lim.get("file_kb", s.limits.file >> 10) << 10,
                      disk=lim.get("disk_kb", s.limits.disk >> 10) << 10,
                      processes=lim.get("processes", s.limits.processes))
    tol = data.get("tolerance", {})
    s.rel_tol, s.abs_tol = tol.get("rel", s.rel_tol), tol.get("abs", s.abs_tol)
    g = data.get("grading", {})
    s.deep_recursion = g.get("deep_recursion", s.deep_recursion)
    s.hidden_seed = g.get("hidden_seed", s.hidden_seed)
    s.jobs = g.get("jobs", s.jobs)
    s.run_as, s.python = g.get("run_as", s.run_as), g.get("python", s.python)
    s.confinement = g.get("confinement", s.confinement)
    s.core = g.get("core", s.core)
    s.extra = {k: v for k, v in data.items() if k in ("gradescope",)}
    return s
