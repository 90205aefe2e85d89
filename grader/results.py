"""The result objects: plain dataclasses with a published JSON shape (grader/data/report.schema.json).

Every report (text, JSON, Gradescope, HTML) is a view of a `Report`; nothing is computed twice.
"""
import dataclasses
import json

from grader.paths import SCHEMA_PATH
SCHEMA_VERSION = 1


@dataclasses.dataclass
class Failure:
    """One failing case, as shown to the student."""

    case: int
    description: str  # what was run, in words
    inputs: dict  # the case's inputs
    expected: dict | None  # what the reference computed (None for hidden cases in student views)
    got: dict | None  # what the student's code returned (None when it raised)
    problem: str  # the first difference, or the exception
    where: str = ""  # file and line, when the student's code raised
    torch: dict | None = None  # what PyTorch computed for the same case (None for hidden cases)


@dataclasses.dataclass
class TestResult:
    """The grade of one test id."""

    id: str
    score: float
    max_score: float
    passed: int  # cases passed
    total: int  # cases counted
    status: str  # passed | failed | not_attempted | error
    summary: str  # one line for the table
    mistake: str = ""  # key of diagnose.MISTAKES, when a known mistake matched
    title: str = ""  # the mistake in words
    hint: str = ""
    failure: Failure | None = None
    failures: list = dataclasses.field(default_factory=list)  # every failing case (full detail for reports)
    warnings: list = dataclasses.field(default_factory=list)
    internal_errors: list = dataclasses.field(default_factory=list)
    output: str = ""  # what the student's code printed
    hidden_cases: int = 0
    elapsed: float = 0.0
    detail: dict = dataclasses.field(default_factory=dict)  # views' extras, e.g. train.loop's curves
    # why this grade is not the student's code's own: "tamper" (it replaced the grader's functions),
    # "protocol" (the results channel was forged or corrupted); "" when nothing was seen
    breach: str = ""
    # how the run ended when it did not run every case through (a timeout, a crash, an exit, an import
    # or syntax error), in words shared by every student it happened to; "" when it ran through
    ended: str = ""
    source: str = ""  # the submission's file this test id was graded from (grader/pipeline/shapes.py)


@dataclasses.dataclass
class Report:
    """A whole submission's grade."""

    submission: str
    tests: list
    score: float
    max_score: float
    hidden: bool = False
    torch_check: str = "precomputed"  # live | precomputed | unavailable
    elapsed: float = 0.0
    schema_version: int = SCHEMA_VERSION
    confinement: str = ""  # what confined the student's code, e.g. "bubblewrap + seccomp + Landlock v7"

    def to_dict(self):
        """The report as plain data, in the published shape."""
        return dataclasses.asdict(self)

    def to_json(self, indent=2):
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=_no_nan)

    @property
    def full_marks(self):
        """Every test id at its maximum, and none with a case the kit itself could not check."""
        return all(t.score >= t.max_score and not t.internal_errors for t in self.tests)


def _no_nan(x):
    raise TypeError(f"not serialisable: {x!r}")


def sanitize(x):
    """Replace NaN and infinities (not JSON) by the strings 'nan', 'inf', '-inf'."""
    if isinstance(x, float):
        if x != x:
            return "nan"
        if x in (float("inf"), float("-inf")):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, dict):
        return {k: sanitize(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [sanitize(v) for v in x]
    return x


def from_dict(data):
    """A Report back from its plain-data form (e.g. a stored JSON result)."""
    tests = []
    for t in data["tests"]:
        t = dict(t)
        t["failure"] = Failure(**t["failure"]) if t.get("failure") else None
        t["failures"] = [Failure(**f) for f in t.get("failures", [])]
        tests.append(TestResult(**t))
    return Report(**dict(data, tests=tests))
