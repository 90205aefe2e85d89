"""Instructor settings: points per test id, limits, tolerances, hidden cases, a course's own
exercises, in a TOML file.

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
                              # interpreter per test id (grader/pipeline/fork_core.py)
    confinement = "required"  # instructor-side grading (hidden cases, batch, nbgrader, Gradescope)
                              # refuses to run without bubblewrap, seccomp and Landlock;
                              # "available": what the platform offers; "none": limits only.
                              # Whatever is used, every report says so.
    [gradescope]              # visibility of the autograder's results (Gradescope's values:
    visibility = "visible"    # visible, hidden, after_due_date, after_published)
    hidden_visibility = "after_published"  # a failing test whose cases include hidden ones
    stdout_visibility = "hidden"
    [course]                  # the course's own exercises (README: "Your own exercises")
    exercises = "exercises"   # a folder of exercise modules, relative to this file
    solutions = "solutions"   # the course's answer-key blocks for them (engine.py, nn.py, train.py)

Each key is declared once, in KEYS: its section and name, what values it takes (a JSON Schema,
which jsonschema checks) and the Settings field it sets. Settings are immutable: derive a copy
with dataclasses.replace.
"""
import dataclasses
import os
import pathlib
import tomllib

from grader import exercises
from grader.pipeline import compare
from grader.paths import KIT_ROOT, tree_digest
from grader.pipeline.sandbox import MODES, Limits

DEFAULT_FILE = KIT_ROOT / "grader.toml"

VISIBILITY = ["visible", "hidden", "after_due_date", "after_published"]


class ConfigError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


@dataclasses.dataclass(frozen=True)
class Key:
    """One key of grader.toml: `section.name`, the values it takes, and the Settings field it sets
    (`limits.wall`: a field of Settings.limits; `gradescope.visibility`: Settings.extra["gradescope"],
    a section another tool reads), times `scale` (the file's KiB or MiB to bytes)."""

    section: str
    name: str
    schema: dict
    field: str
    scale: int = 1


def _number(minimum=None, maximum=None, above=None, integer=False):
    schema = {"type": "integer" if integer else "number"}
    for word, bound in (("minimum", minimum), ("maximum", maximum), ("exclusiveMinimum", above)):
        if bound is not None:
            schema[word] = bound
    return schema


KEYS = (
    Key("limits", "wall_seconds", _number(above=0, maximum=600), "limits.wall"),
    Key("limits", "cpu_seconds", _number(above=0, maximum=600), "limits.cpu"),
    Key("limits", "memory_mb", _number(minimum=64, integer=True), "limits.memory", 1 << 20),
    Key("limits", "output_kb", _number(minimum=1, integer=True), "limits.output", 1 << 10),
    Key("limits", "file_kb", _number(minimum=1, integer=True), "limits.file", 1 << 10),
    Key("limits", "disk_kb", _number(minimum=64, integer=True), "limits.disk", 1 << 10),
    Key("limits", "processes", _number(minimum=1, maximum=4096, integer=True), "limits.processes"),
    Key("tolerance", "rel", _number(minimum=0, maximum=0.1), "rel_tol"),
    Key("tolerance", "abs", _number(minimum=0, maximum=0.1), "abs_tol"),
    Key("grading", "deep_recursion", {"enum": ["warn", "fail"]}, "deep_recursion"),
    Key("grading", "hidden_seed", {"type": "integer"}, "hidden_seed"),
    Key("grading", "jobs", _number(minimum=1, maximum=64, integer=True), "jobs"),
    Key("grading", "run_as", {"type": "string"}, "run_as"),
    Key("grading", "python", {"type": "string"}, "python"),
    Key("grading", "confinement", {"enum": list(MODES)}, "confinement"),
    Key("grading", "core", {"enum": ["fork", "fresh"]}, "core"),
    # Gradescope's visibility values; hidden_visibility is for tests with hidden cases that fail
    Key("gradescope", "visibility", {"enum": VISIBILITY}, "gradescope.visibility"),
    Key("gradescope", "hidden_visibility", {"enum": VISIBILITY}, "gradescope.hidden_visibility"),
    Key("gradescope", "stdout_visibility", {"enum": VISIBILITY}, "gradescope.stdout_visibility"),
    Key("gradescope", "results_visibility", {"enum": VISIBILITY}, "gradescope.results_visibility"),
    # folders relative to the settings file
    Key("course", "exercises", {"type": "string", "minLength": 1}, "course.exercises"),
    Key("course", "solutions", {"type": "string", "minLength": 1}, "course.solutions"),
)
REQUIRED = {"course": ["exercises"]}  # a section given must have these keys


def schema(test_ids):
    """The JSON Schema of a settings file whose [points] may name `test_ids`, made from KEYS."""
    sections = {}
    for key in KEYS:
        sections.setdefault(key.section, {"type": "object", "additionalProperties": False, "properties": {}})
        sections[key.section]["properties"][key.name] = key.schema
    for section, names in REQUIRED.items():
        sections[section]["required"] = names
    sections["points"] = {"type": "object", "additionalProperties": False,
                          "properties": {t: _number(minimum=0) for t in test_ids}}
    return {"type": "object", "additionalProperties": False, "properties": sections}


@dataclasses.dataclass(frozen=True)
class Course:
    """A course's own exercises: the folder of their modules and of their answer-key blocks."""

    exercises: pathlib.Path
    solutions: pathlib.Path | None = None
    digest: str = ""  # of the exercise modules and their runners: a change re-grades stored results

    @property
    def registry(self):
        return exercises.course(self.exercises)


def _default_jobs():
    return max(1, min(4, os.cpu_count() or 1))


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything an instructor can change about grading, with the kit's defaults."""

    points: dict = dataclasses.field(default_factory=lambda: dict(exercises.kit().default_points))
    limits: Limits = dataclasses.field(default_factory=Limits)
    rel_tol: float = compare.REL_TOL
    abs_tol: float = compare.ABS_TOL
    deep_recursion: str = "warn"
    hidden_seed: int | None = None
    jobs: int = dataclasses.field(default_factory=_default_jobs)
    run_as: str = ""
    python: str = ""
    confinement: str = "required"  # see sandbox.plan
    core: str = "fork"  # see grader/pipeline/fork_core.py
    extra: dict = dataclasses.field(default_factory=dict)  # sections other tools read, as given: {"gradescope": {...}}
    course: Course | None = None

    @property
    def registry(self):
        """The exercises graded: the kit's, plus the course's own when [course] names them."""
        return self.course.registry if self.course else exercises.kit()


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
    return from_dict(data, source=str(path), base=path.resolve().parent)


def from_dict(data, source="settings", base=None):
    """Settings from parsed TOML data, validated against the schema KEYS make. `base`: the folder
    that [course] paths are relative to (the settings file's; default the current folder)."""
    course = _course(data, source, pathlib.Path(base or "."))
    registry = course.registry if course else exercises.kit()
    _validate(data, registry.test_ids, source)
    fields, limits, sub = {}, {}, {"gradescope": {}}
    for key in KEYS:
        if key.section == "course" or key.name not in data.get(key.section, {}):
            continue
        value = data[key.section][key.name]
        value = value * key.scale if key.scale != 1 else value
        head, _, attr = key.field.partition(".")
        if head == "limits":
            limits[attr] = value
        elif attr:
            sub[head][attr] = value
        else:
            fields[key.field] = value
    points = {**registry.default_points, **data.get("points", {})}
    extra = {section: values for section, values in sub.items() if section in data}
    return Settings(points=points, limits=dataclasses.replace(Limits(), **limits), extra=extra, course=course,
                    **fields)


def _validate(data, test_ids, source):
    from grader.schema_check import jsonschema  # here, not at the top: an import of a tenth of a second

    errors = sorted(jsonschema().Draft202012Validator(schema(test_ids)).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path) or "(top level)"
        raise ConfigError(f"{source}: {where}: {e.message}")


def _course(data, source, base):
    """The [course] section as a Course (its exercises loaded, to check them), or None."""
    section = data.get("course")
    if section is None:
        return None
    _validate({"course": section}, (), source)
    folders = {}
    for name in ("exercises", "solutions"):
        if name in section:
            folder = (base / section[name]).resolve()
            if not folder.is_dir():
                raise ConfigError(f"{source}: course.{name}: {section[name]!r} is not a folder (looked for {folder})")
            folders[name] = folder
    try:
        exercises.course(folders["exercises"])
    except exercises.CourseError as exc:
        raise ConfigError(f"{source}: course.exercises: {exc}") from None
    return Course(folders["exercises"], folders.get("solutions"), _digest(folders["exercises"]))


def _digest(folder):
    """A hash of every file under `folder` (the course's exercise modules and child-side sources)."""
    return tree_digest((folder,), folder)[:16]
