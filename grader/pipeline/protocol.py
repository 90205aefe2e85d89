"""The child's events, as the parent accepts them: a strict schema with size and depth limits.

The child (grader/pipeline/child.py) sends one JSON object per line. Student code runs in the same
process and can write to the same pipe, so every line is untrusted data: it is parsed with a cap
on its size, and accepted only when it has exactly the shape the child gives that event and, for
results, exactly the shape its exercise declares for its values (numbers are floats or the child's tagged
description of a non-number; lists, strings and nesting are bounded). Anything else raises
`Invalid`, which the parent reports as tampering for that test id alone.

A small explicit checker rather than jsonschema: importing jsonschema costs more than a second,
which `make check` would pay on every run, and validating a deep chain's 100,000 entries with it
takes longer than grading the case (bench/bench_protocol.py measures both).
"""
import json
import re

MAX_LINE = 8 << 20  # bytes in one event: a 10,000-node chain's gradients and calls fit many times over
MAX_LIST = 100_000  # entries of one list (the child cuts the calls of backward() there)
MAX_TEXT = 4096  # characters of one string (the child cuts messages to 300 and reprs to 80)
MAX_NAME = 200  # an exception type's name, a tagged non-number's type
MAX_CALL = 1 << 31  # a node index in backward()'s calls

_TAMPER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


class Invalid(Exception):
    """A line that is not an event the child sends; the message says what is wrong, in the kit's words."""


# ---------------------------------------------------------------------------------------------
# value shapes: each is a function that returns the accepted value or raises Invalid

def text(limit=MAX_TEXT):
    """A string of at most `limit` characters."""
    def check(x):
        if type(x) is not str or len(x) > limit:
            raise Invalid("a text field is not a string of bounded length")
        # a lone surrogate (valid JSON, "\ud800") cannot be written out as UTF-8: replaced
        return x if x.isascii() else _SURROGATE.sub("\ufffd", x)
    return check


def tagged(x):
    """The child's description of a value that is not a float: {"not_a_number": type, "repr": text}."""
    if type(x) is not dict or x.keys() != {"not_a_number", "repr"}:
        raise Invalid("a value is neither a number nor a described non-number")
    return {"not_a_number": text(MAX_NAME)(x["not_a_number"]), "repr": text(MAX_NAME)(x["repr"])}


def number(x):
    """A float (NaN and infinities included: they are results too), or a tagged non-number."""
    if type(x) is float:
        return x
    return tagged(x)


def list_of(item, limit=MAX_LIST):
    """A list of at most `limit` entries, each of shape `item`."""
    def check(x):
        if type(x) is not list or len(x) > limit:
            raise Invalid("a list is not a list of bounded length")
        return [item(v) for v in x]
    return check


def numbers(x):
    """What the child's numbers() sends: a list of numbers, or the description of what was not a list."""
    if type(x) is list:
        return _floats(x)
    return tagged(x)


def _floats(x):
    if len(x) > MAX_LIST:
        raise Invalid("a list is longer than any the grader sends")
    if all(type(v) is float for v in x):  # the common case, without a call per entry
        return x
    return [number(v) for v in x]


def call_index(x):
    """A node index in backward()'s calls."""
    if type(x) is not int or not 0 <= x < MAX_CALL:
        raise Invalid("backward()'s calls are not node indices")
    return x


def calls(x):
    """backward()'s calls: the node indices whose _backward ran, in order."""
    if type(x) is not list or len(x) > MAX_LIST:
        raise Invalid("backward()'s calls are not a list of bounded length")
    if all(type(v) is int and 0 <= v < MAX_CALL for v in x):
        return x
    return [call_index(v) for v in x]


def record(**fields):
    """A dict with exactly these keys, each of its shape."""
    def check(x):
        if type(x) is not dict or x.keys() != fields.keys():
            raise Invalid("a result does not have the fields of this test")
        return {k: fields[k](v) for k, v in x.items()}
    return check


def one_of(*shapes):
    """The first of `shapes` that accepts the value."""
    def check(x):
        for shape in shapes:
            try:
                return shape(x)
            except Invalid:
                continue
        raise Invalid("a result does not have the shape of this test's results")
    return check


def generic(x):
    """A shape for an exercise that declares none: named fields of numbers, lists of them, or text."""
    if type(x) is not dict or len(x) > 32:
        raise Invalid("a result is not a small set of named values")
    value = one_of(number, numbers, list_of(numbers, 10_000), text())
    return {text(64)(k): value(v) for k, v in x.items()}


# ---------------------------------------------------------------------------------------------
# events

def _case(x):
    if type(x) is not int or not 0 <= x < MAX_LIST:
        raise Invalid("an event names no case")
    return x


_ERROR_FIELDS = {"type": text(MAX_NAME), "message": text(), "where": text()}
EVENTS = {
    "ready": {},
    "start": {"case": _case},
    "result": {"case": _case, "values": None},  # values: by test id
    "error": {"case": _case, **_ERROR_FIELDS},
    "import_error": dict(_ERROR_FIELDS),
    "tamper": {"what": list_of(text(MAX_NAME), 10)},
    "done": {},
}


def _missing_mistake(x):
    if x != "missing_name":
        raise Invalid("not the missing-name verdict")
    return x


# what the child sends for any test id when the runner looked for a name the student's module lacks
# (child.missing_name), whatever that test's own values are
MISSING_NAME = record(structure=text(), mistake=_missing_mistake, missing=text())


def _unique(pairs):
    """A JSON object whose keys are all different (json.loads would keep the last of two)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("a key given twice")
    return obj


def parse(raw, values):
    """One line from the child as an accepted event dict, or Invalid. `values`: the shape of the
    test's results (its exercise's `values`, grader/exercises/)."""
    if len(raw) > MAX_LINE:
        raise Invalid("an event is larger than any the grader sends")
    try:
        event = json.loads(raw, object_pairs_hook=_unique)
    except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, an int of 5,000 digits, nesting
        raise Invalid("a line is not valid JSON" if not isinstance(exc, RecursionError)
                      else "a line is nested deeper than any the grader sends") from None
    if type(event) is not dict or type(event.get("event")) is not str or event["event"] not in EVENTS:
        raise Invalid("a line is not one of the grader's events")
    kind = event["event"]
    fields = EVENTS[kind]
    if event.keys() != fields.keys() | {"event"}:
        raise Invalid(f"a {kind!r} event does not have that event's fields")
    out = {"event": kind}
    for key, shape in fields.items():
        out[key] = one_of(values, MISSING_NAME)(event[key]) if key == "values" else shape(event[key])
    if kind == "tamper" and not all(_TAMPER_NAME.match(name) for name in out["what"]):
        raise Invalid("a 'tamper' event names something that is not a module attribute")
    return out
